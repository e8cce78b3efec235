"""``learnpath serve`` as an operator meets it: one plain line for each ordinary mistake, said before any slow
work; several worker processes that start warm, report ready, share their metrics and survive a killed
worker; a SIGTERM that leaves the SQLite file whole.

Each test runs the real ``learnpath`` command in a subprocess, outside the test settings.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

LEARNPATH = [sys.executable, "-m", "learnpath.cli.main"]
KEY = "k" * 60


def _env(**extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "PROMETHEUS_MULTIPROC_DIR"}
        and not name.startswith("LEARNPATH_")
    }
    env.update(LEARNPATH_HTTPS="0", **extra)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LEARNPATH, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_busy_port_is_said_in_one_line_before_anything_is_made(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run(
            ["serve", "--data-dir", str(tmp_path / "data"), "--port", str(port)],
            _env(SECRET_KEY=KEY),
            tmp_path,
        )
    line = _one_line(result)
    assert line.startswith("learnpath serve: port ")
    assert "already in use" in line
    assert "--port" in line
    assert "is serving" not in result.stdout
    assert not (tmp_path / "data").exists()  # no database made, no migration run


def test_a_missing_secret_key_is_one_line(tmp_path: Path) -> None:
    line = _one_line(_run(["serve", "--data-dir", str(tmp_path / "data")], _env(), tmp_path))
    assert line.startswith("learnpath serve: SECRET_KEY is not set.")


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = f"postgres://postgres@127.0.0.1:{_free_port()}/learnpath"
    line = _one_line(_run(["serve"], _env(SECRET_KEY=KEY, DATABASE_URL=url), tmp_path))
    assert line.startswith("learnpath serve: cannot open the database learnpath on 127.0.0.1:")
    assert "Check DATABASE_URL" in line


def test_a_missing_postgresql_database_is_one_line(tmp_path: Path) -> None:
    url = "postgres://postgres@127.0.0.1:5432/learnpath_no_such_database"
    try:
        import psycopg

        psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
    except Exception as error:
        pytest.skip(f"no PostgreSQL server on 127.0.0.1:5432 ({error})")
    line = _one_line(_run(["rebuild-state"], _env(SECRET_KEY=KEY, DATABASE_URL=url), tmp_path))
    assert line.startswith("learnpath rebuild-state: cannot open the database learnpath_no_such_database")
    assert "does not exist" in line


def test_a_data_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    line = _one_line(_run(["serve", "--data-dir", str(blocker / "data")], _env(SECRET_KEY=KEY), tmp_path))
    assert line.startswith(f"learnpath serve: cannot use the data folder {blocker / 'data'}")


def test_importing_oatutor_without_a_key_fails_before_converting(tmp_path: Path) -> None:
    mini = Path(__file__).resolve().parents[1] / "content" / "fixtures" / "oatutor_mini"
    result = _run(["import", "oatutor", str(mini), "--data-dir", str(tmp_path / "d")], _env(), tmp_path)
    assert _one_line(result).startswith("learnpath import: SECRET_KEY is not set.")
    assert "Converted" not in result.stdout
    assert list(tmp_path.rglob("*.csv")) == []


def test_the_oatutor_skip_list_goes_to_the_data_folder_not_the_current_one(tmp_path: Path) -> None:
    mini = Path(__file__).resolve().parents[1] / "content" / "fixtures" / "oatutor_mini"
    here = tmp_path / "here"
    here.mkdir()
    result = _run(
        ["import", "oatutor", str(mini), "--dry-run", "--data-dir", str(tmp_path / "d")], _env(), here
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "oatutor-skipped.csv").is_file()
    assert list(here.iterdir()) == []


class Server:
    def __init__(self, process: subprocess.Popen[str], port: int, data_dir: Path) -> None:
        self.process = process
        self.port = port
        self.data_dir = data_dir

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read() if self.process.stdout else ""
            try:
                if self.get("/health/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError("learnpath serve never became ready")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = _free_port()
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [*LEARNPATH, "serve", "--data-dir", str(data_dir), "--port", str(port), "--workers", "2"],
        env=_env(SECRET_KEY=KEY),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield Server(process, port, data_dir)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@pytest.mark.skipif(sys.platform != "linux", reason="gunicorn workers are counted through /proc")
def test_several_workers_serve_warm_share_metrics_and_outlive_a_killed_worker(server: Server) -> None:
    server.wait_ready()
    status, body = server.get("/health/ready")
    assert (status, json.loads(body)["status"]) == (200, "ready")
    workers = _workers(server.process.pid)
    assert len(workers) == 2
    for _ in range(6):
        assert server.get("/health")[0] == 200
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        len(_workers(server.process.pid)) < 2 or workers[0] in _workers(server.process.pid)
    ):
        time.sleep(0.2)
    assert len(_workers(server.process.pid)) == 2, "gunicorn did not replace the killed worker"
    for _ in range(6):
        assert server.get("/health")[0] == 200
    status, metrics = server.get("/metrics")
    assert status == 200
    assert "learnpath_task_queue_depth 0.0" in metrics
    served = [
        line
        for line in metrics.splitlines()
        if line.startswith("django_http_responses_total_by_status_total{") and 'status="200"' in line
    ]
    assert served
    assert sum(float(line.split()[-1]) for line in served) >= 12


def test_sigterm_leaves_the_database_file_whole(server: Server, tmp_path: Path) -> None:
    """After SIGTERM the write-ahead log is folded in: a copy of the .sqlite3 file alone is a whole copy."""
    server.wait_ready()
    assert server.get("/")[0] == 200
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    database = server.data_dir / "learnpath.sqlite3"
    wal = database.with_name(database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(database.read_bytes())
    with sqlite3.connect(copy) as connection:
        (migrations,) = connection.execute("SELECT COUNT(*) FROM django_migrations").fetchone()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert migrations > 50
    assert "learnpath_cache" in tables


# -- learnpath check ------------------------------------------------------------------------------------


def test_check_on_a_new_folder_says_there_is_no_database_and_makes_none(tmp_path: Path) -> None:
    result = _run(["check", "--data-dir", str(tmp_path / "d")], _env(SECRET_KEY=KEY), tmp_path)
    assert result.returncode == 1, result.stderr
    assert "problem  database: there is none yet" in result.stdout
    assert not (tmp_path / "d" / "learnpath.sqlite3").exists()


def test_check_finds_missing_migrations_and_cache_table_and_a_busy_port(tmp_path: Path) -> None:
    env = _env(LEARNPATH_DEMO="1")
    data = tmp_path / "d"
    assert _run(["demo", "--no-serve", "--data-dir", str(data)], env, tmp_path).returncode == 0
    clean = _run(["check", "--data-dir", str(data)], env, tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ok       migrations: all applied" in clean.stdout
    assert "learnpath check: 0 problems" in clean.stdout
    with sqlite3.connect(data / "learnpath.sqlite3") as database:
        database.execute("DROP TABLE learnpath_cache")
        database.execute(
            "DELETE FROM django_migrations "
            "WHERE id = (SELECT MAX(id) FROM django_migrations WHERE app = 'learning')"
        )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        broken = _run(["check", "--data-dir", str(data), "--port", str(port)], env, tmp_path)
    assert broken.returncode == 1
    assert "problem  1 migrations not applied (learning." in broken.stdout
    assert "problem  shared cache: table learnpath_cache is missing" in broken.stdout
    assert f"problem  port {port} on 127.0.0.1 is already in use" in broken.stdout
    assert "learnpath check: 3 problems" in broken.stdout
    with sqlite3.connect(data / "learnpath.sqlite3") as database:  # changed nothing
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "learnpath_cache" not in tables
