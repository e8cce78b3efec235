"""xAPI delivery to a real LRS: ralph (``ralph-malph[lrs]``, a development dependency) started as a
subprocess on 127.0.0.1 with a random free port and a file-system backend in a temporary folder. The
worker's task sends a learner's statements; they are read back with GET from ralph, the same ids and in
order; sending them again stores nothing twice; a wrong password stops delivery with the LRS's reason; an
LRS that is gone loses nothing. No network beyond this loopback."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from learnpath.web.accounts.models import User
from learnpath.web.learning import services
from learnpath.web.learning.models import Event
from learnpath.web.privacy import services as privacy_services
from learnpath.web.xapi import profile as p
from learnpath.web.xapi.models import LrsCursor
from learnpath.web.xapi.tasks import xapi_deliver

pytestmark = [pytest.mark.slow]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USERNAME = "learnpath"
PASSWORD = "lrs-test-password"
BASE = "https://learn.school.example/xapi"
HOME = "https://learn.school.example"


# ralph 5.1.0's file-system backend writes each POST with its default mode, CREATE, which refuses a file
# that exists: every POST after the first fails with HTTP 500 "Statements bulk indexation failed". That
# backend is ralph's one that needs no database server; the launcher makes it append, as its
# documentation says APPEND does ("creates or appends data to an existing record"). Nothing else changes.
LAUNCH = """
import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.data.fs import FSDataBackend

FSDataBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(url: str, *, password: str = PASSWORD) -> tuple[int, Any]:
    token = base64.b64encode(f"{USERNAME}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:  # noqa: S310 - loopback
        return response.status, json.loads(response.read() or b"null")


class Ralph:
    """A ralph LRS in a subprocess."""

    def __init__(self, folder: Path) -> None:
        bcrypt = pytest.importorskip(
            "bcrypt", reason="ralph-malph[lrs] is not installed (pip install -e .[dev])"
        )
        # Only found, not imported: ralph's app picks its backend from the environment when imported.
        if importlib.util.find_spec("ralph") is None or importlib.util.find_spec("uvicorn") is None:
            pytest.skip("ralph-malph[lrs] is not installed (pip install -e .[dev])")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI/"
        auth = folder / "auth.json"
        credentials = {
            "agent": {"mbox": "mailto:learnpath@school.example"},
            "scopes": ["all"],
            "hash": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode(),
            "username": USERNAME,
        }
        auth.write_text(json.dumps([credentials]), encoding="utf-8")
        (folder / "statements").mkdir()
        environment = {
            **os.environ,
            "RALPH_APP_DIR": str(folder),
            "RALPH_AUTH_FILE": str(auth),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "statements"),
            "NO_PROXY": "127.0.0.1",
            "no_proxy": "127.0.0.1",
        }
        self.log = (folder / "ralph.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, str(self.port)],
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
        self.folder = folder
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__lbheartbeat__", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = (folder / "ralph.log").read_text(encoding="utf-8", errors="replace")
                    pytest.fail(f"ralph did not start on port {self.port}:\n{log[-3000:]}")
                time.sleep(0.2)

    def statements(self) -> list[dict[str, Any]]:
        """Every statement ralph holds, read back with GET, in the order ralph wrote them (its GET sorts
        by ``stored``, the same for one batch: the order comes from its file-system backend's log)."""
        status, body = request(f"{self.url}statements?limit=500")
        assert status == 200
        by_id = {statement["id"]: statement for statement in body["statements"]}
        written = [
            json.loads(line)["id"]
            for line in (self.folder / "statements" / "fs_lrs.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        assert sorted(written) == sorted(by_id), "GET and the backend disagree"
        return [by_id[statement_id] for statement_id in written]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture
def ralph(tmp_path: Path) -> Iterator[Ralph]:
    server = Ralph(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def to_ralph(settings: Any, ralph: Ralph) -> Ralph:
    settings.LEARNPATH_XAPI_ENDPOINT = ralph.url
    settings.LEARNPATH_XAPI_USERNAME = USERNAME
    settings.LEARNPATH_XAPI_PASSWORD = PASSWORD
    settings.LEARNPATH_XAPI_BASE_IRI = BASE
    settings.LEARNPATH_XAPI_HOME_PAGE = HOME
    settings.LEARNPATH_XAPI_WITHOUT_CONSENT = "anonymous"
    settings.LEARNPATH_XAPI_TIMEOUT_SECONDS = 5
    return ralph


def practise(learner: User, course: str, rounds: int, start_at: datetime = T0) -> None:
    answers = {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2", "add-1": "3/5"}
    now = start_at
    for n in range(rounds):
        key = f"{start_at.isoformat()}-{n}"
        activity = services.activity_start(
            learner=learner, course_id=course, idempotency_key=f"s{key}", now=now
        )
        services.attempt_record(
            learner=learner,
            course_id=course,
            item_id=activity["item_id"],
            seed=activity["seed"],
            step_id="",
            response=answers[activity["item_id"]],
            idempotency_key=f"a{key}",
            now=now,
        )
        now += timedelta(minutes=1)


@pytest.mark.django_db
def test_statements_reach_a_real_lrs_once_in_order(to_ralph: Ralph, learner: User, course: str) -> None:
    privacy_services.consent_set(
        learner_id=learner.pk, purpose="research", granted=True, actor=learner, now=T0
    )
    practise(learner, course, 4)
    line = xapi_deliver()
    assert line.startswith("xAPI sent:"), line
    stored = to_ralph.statements()
    assert stored, "ralph holds no statement"
    answers = list(Event.objects.filter(kind="answer").order_by("id").values_list("id", flat=True))
    answered = [s for s in stored if s["verb"]["id"] == p.ANSWERED]
    assert [s["id"] for s in answered] == [p.statement_id(BASE, a, "answered") for a in answers]
    assert [s["context"]["extensions"][p.EXT_EVENT] for s in stored] == sorted(
        s["context"]["extensions"][p.EXT_EVENT] for s in stored
    )
    mastered = [s for s in stored if s["verb"]["id"] == p.MASTERED]
    assert [s["object"]["id"] for s in mastered] == [f"{BASE}/courses/{course}/skills/fractions-meaning"]
    assert {s["actor"]["account"]["name"] for s in stored} == {str(learner.pk)}
    assert all(s["authority"]["mbox"] == "mailto:learnpath@school.example" for s in stored)
    cursor = LrsCursor.objects.get()
    assert cursor.statements_sent == len(stored)
    assert cursor.last_event_id == Event.objects.order_by("id").last().pk

    # a crash after ralph stored them but before the cursor moved: the same ids again, stored once
    LrsCursor.objects.update(last_event_id=0)
    assert xapi_deliver().startswith("xAPI sent:")
    assert [s["id"] for s in to_ralph.statements()] == [s["id"] for s in stored]

    # a learner without consent, in "anonymous" mode: a pseudonym, never the user id or name
    privacy_services.consent_set(
        learner_id=learner.pk, purpose="research", granted=False, actor=learner, now=T0 + timedelta(hours=1)
    )
    practise(learner, course, 1, start_at=T0 + timedelta(hours=2))
    xapi_deliver()
    newest = to_ralph.statements()[len(stored) :]
    assert newest
    assert {s["actor"]["account"]["name"][:5] for s in newest} == {"anon-"}
    assert learner.username not in json.dumps(newest)


@pytest.mark.django_db
def test_a_refusing_or_absent_lrs_loses_nothing(
    to_ralph: Ralph, settings: Any, learner: User, course: str
) -> None:
    practise(learner, course, 2)
    settings.LEARNPATH_XAPI_PASSWORD = "wrong"
    line = xapi_deliver()
    assert line.startswith("xAPI stopped:"), line
    cursor = LrsCursor.objects.get()
    assert "HTTP 401" in cursor.last_error
    assert cursor.last_event_id < Event.objects.order_by("id").last().pk
    settings.LEARNPATH_XAPI_PASSWORD = PASSWORD
    from learnpath.web.xapi.api import resume

    resume()
    assert xapi_deliver().startswith("xAPI sent:")
    count = len(to_ralph.statements())
    answers = Event.objects.filter(kind="answer")
    changes = sum(len(a.result.get("mastered", [])) + len(a.result.get("lapsed", [])) for a in answers)
    assert count == answers.count() + changes

    to_ralph.stop()
    practise(learner, course, 1, start_at=T0 + timedelta(hours=1))
    assert xapi_deliver().startswith("xAPI retrying:")
    cursor.refresh_from_db()
    assert cursor.attempts == 1
    assert cursor.last_event_id < Event.objects.order_by("id").last().pk
