"""`learnpath worker`: the documented command starts the background worker, whose scheduled job refits the
courses' learner models, and it stops cleanly on SIGTERM (also when the whole process group gets it)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from learnpath.cli.main import main


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(LEARNPATH_DEMO="1", LEARNPATH_FIT_MIN_ANSWERS="50", LEARNPATH_DATA_DIR=str(data_dir))
    return env


def _fitted(data_dir: Path) -> list[tuple[str, int]]:
    database = next(data_dir.glob("*.sqlite3"))
    with sqlite3.connect(database) as connection:
        return list(connection.execute("SELECT name, answers FROM learning_fittedmodel ORDER BY number"))


@pytest.mark.slow
def test_the_worker_refits_on_its_schedule_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = _env(tmp_path)
    demo = [sys.executable, "-m", "learnpath.cli.main", "demo", "--no-serve"]
    subprocess.run(demo, env=env, check=True, capture_output=True, timeout=300)
    assert _fitted(tmp_path) == []
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "learnpath.cli.main", "worker", "--refit-every", "60"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a service manager starts it
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _fitted(tmp_path):
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(1)
        fitted = _fitted(tmp_path)
        assert fitted, (tmp_path / "worker.log").read_text()
        assert fitted[0][0] == "fit-1"
        assert fitted[0][1] >= 50
        os.killpg(worker.pid, signal.SIGTERM)  # the whole group: the worker and its sentinel process
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
    output = (tmp_path / "worker.log").read_text()
    assert "refitting every course's learner model every 60 minutes" in output
    assert "learnpath worker: stopped" in output


def test_the_worker_refuses_a_bad_interval(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--refit-every", "0"]) == 2
    assert capsys.readouterr().err.strip() == "learnpath worker: --refit-every must be at least 1 minute"
