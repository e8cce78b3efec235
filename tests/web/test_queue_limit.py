"""Load shedding: a request stamped by the proxy (X-Request-Start) as having waited longer than
LEARNPATH_QUEUE_LIMIT_MS is refused at once with 503 and Retry-After, reads nothing and changes nothing;
a fresh one, one without the stamp, health checks and metrics are served."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from learnpath.web.accounts.models import User
from learnpath.web.learning.models import Event
from learnpath.web.queue_limit import REQUESTS_SHED, request_start

pytestmark = pytest.mark.django_db


def stamped(seconds_ago: float, *, unit: str = "s") -> str:
    moment = time.time() - seconds_ago
    return {"s": f"t={moment:.3f}", "ms": str(int(moment * 1e3)), "us": f"t={int(moment * 1e6)}"}[unit]


def test_the_stamp_is_read_in_seconds_milliseconds_or_microseconds() -> None:
    assert request_start("t=1765000000.250") == pytest.approx(1765000000.25)
    assert request_start("1765000000250") == pytest.approx(1765000000.25)
    assert request_start(" t=1765000000250000 ") == pytest.approx(1765000000.25)
    for nonsense in ("", "t=", "soon", "t=-5", "0", "nan", "inf", "12345", "t=1765000000250000000000"):
        assert request_start(nonsense) is None, nonsense


def test_a_request_that_waited_too_long_is_refused_without_touching_anything(
    client_of: Callable[[User], Client], learner: User, course: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_of(learner)
    base = f"/api/learning/{course}"
    started = client.post(
        f"{base}/activities", json.dumps({"idempotency_key": "s-1"}), content_type="application/json"
    ).json()
    body = json.dumps(
        {"item_id": started["item_id"], "seed": started["seed"], "response": "a", "idempotency_key": "q-1"}
    )
    shed_before = REQUESTS_SHED._value.get()
    with CaptureQueriesContext(connection) as queries:
        refused = client.post(
            f"{base}/answers", body, content_type="application/json", HTTP_X_REQUEST_START=stamped(10)
        )
        page = client.get(f"/learn/{course}/", HTTP_X_REQUEST_START=stamped(10, unit="us"))
    assert len(queries) == 0
    assert refused.status_code == 503
    assert refused["Retry-After"] == "2"
    assert "too busy" in refused.json()["detail"]
    assert page.status_code == 503
    assert "<h1>Very busy right now</h1>" in page.content.decode()
    assert REQUESTS_SHED._value.get() == shed_before + 2
    # Logged as a warning that says why, never as a server error (the load fault test counts those).
    shed_lines = [r for r in caplog.records if r.name == "learnpath.queue"]
    assert [r.levelname for r in shed_lines] == ["WARNING", "WARNING"]
    assert "refused after waiting" in shed_lines[0].getMessage()
    assert not [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert not Event.objects.filter(idempotency_key="q-1").exists()

    # The retry, fresh from the proxy, is served; so is a request with no stamp or a stamp it cannot read.
    served = client.post(
        f"{base}/answers", body, content_type="application/json", HTTP_X_REQUEST_START=stamped(0.05)
    )
    assert served.status_code == 200
    assert Event.objects.filter(idempotency_key="q-1").count() == 1
    assert client.get(f"{base}/next").status_code == 200
    assert client.get(f"{base}/next", HTTP_X_REQUEST_START="yesterday").status_code == 200
    # An overloaded process is alive: its health checks and metrics are never refused.
    assert client.get("/health/live", HTTP_X_REQUEST_START=stamped(60, unit="ms")).status_code == 200


def test_the_limit_is_set_by_the_operator_and_zero_turns_it_off(
    client_of: Callable[[User], Client], learner: User, settings: Any
) -> None:

    client = client_of(learner)
    settings.LEARNPATH_QUEUE_LIMIT_MS = 0
    client.handler.load_middleware()
    assert client.get("/", HTTP_X_REQUEST_START=stamped(3600)).status_code == 200
    settings.LEARNPATH_QUEUE_LIMIT_MS = 60_000
    client.handler.load_middleware()
    assert client.get("/", HTTP_X_REQUEST_START=stamped(30)).status_code == 200
    assert client.get("/", HTTP_X_REQUEST_START=stamped(90)).status_code == 503
