"""Browser tests: README command (a) serves the demo; the fixtures in tests/conftest.py drive Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DemoServer:
    url: str
    accounts: dict[str, tuple[str, str]]  # role -> (username, password)
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"learnpath demo exited with {process.returncode} before serving")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"learnpath demo did not answer at {url} within {seconds} s")


@contextmanager
def running_demo(data_dir: Path) -> Iterator[DemoServer]:
    """Run `learnpath demo` (README command (a)) on a fresh SQLite data folder and a free port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    log_path = data_dir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "learnpath.cli.main",
                "demo",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        output = log_path.read_text()
        accounts = {
            m.group(1): (m.group(2), m.group(3))
            for m in re.finditer(r"^\s+(learner|teacher|guardian|admin)\s+(\S+)\s+(\S+)\s*$", output, re.M)
        }
        assert set(accounts) == {"learner", "teacher", "guardian", "admin"}, output
        yield DemoServer(url=url, accounts=accounts, data_dir=data_dir)
    except BaseException:
        print(log_path.read_text(), file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One demo shared by the tests that do not depend on what other tests did to the demo accounts."""
    with running_demo(tmp_path_factory.mktemp("demo-data")) as server:
        yield server


@pytest.fixture
def fresh_demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo of its own, for a test that needs the demo learner untouched (no practice, no placement)."""
    with running_demo(tmp_path_factory.mktemp("fresh-demo-data")) as server:
        yield server


@pytest.fixture
def sign_in_as() -> Any:
    """``sign_in_as(page, server, role)``: sign in through the sign-in page as a demo account."""

    def sign_in(page: Any, server: DemoServer, role: str) -> None:
        username, password = server.accounts[role]
        page.goto(server.url + "/accounts/sign-in/")
        page.get_by_label(re.compile("username", re.I)).fill(username)
        page.get_by_label(re.compile("password", re.I)).fill(password)
        page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()
        page.wait_for_load_state()

    return sign_in
