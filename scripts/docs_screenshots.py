"""Take the screenshots the documentation shows, from a fresh demo, with Debian's Chromium.

    .venv/bin/python scripts/docs_screenshots.py

Starts `learnpath demo` on a temporary data folder and a free port, signs in as the demo learner and
writes PNGs into docs/img/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def main() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with tempfile.TemporaryDirectory() as data_dir:
        log = Path(data_dir) / "server.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "learnpath.cli.main",
                    "demo",
                    "--data-dir",
                    data_dir,
                    "--port",
                    str(port),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{url}/health", timeout=1)  # noqa: S310 - loopback only
                    break
                except OSError:
                    time.sleep(0.3)
            match = re.search(r"^\s+learner\s+(\S+)\s+(\S+)\s*$", log.read_text(), re.M)
            if match is None:
                raise RuntimeError(log.read_text())
            username, password = match.groups()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1200, "height": 820})
                page.goto(f"{url}/accounts/sign-in/")
                page.get_by_label(re.compile("username", re.I)).fill(username)
                page.get_by_label(re.compile("password", re.I)).fill(password)
                page.get_by_role("button", name=re.compile("sign in", re.I)).click()
                page.get_by_role("link", name=re.compile("whole numbers", re.I)).first.click()
                IMG.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(IMG / "course-page.png"))
                print(f"wrote {IMG / 'course-page.png'}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
