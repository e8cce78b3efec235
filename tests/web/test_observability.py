"""What operators see inside: request ids and their log lines, metrics and who may read them, liveness and
readiness (issue 13)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client, override_settings
from prometheus_client import REGISTRY

from learnpath.web import health
from learnpath.web.accounts.models import User
from learnpath.web.learning import services
from learnpath.web.learning.models import Event
from learnpath.web.learning.synthetic import history_generate
from learnpath.web.request_log import JsonFormatter, RequestIdFilter, request_id_var


def _events(kind: str) -> float:
    return REGISTRY.get_sample_value("learnpath_events_recorded_total", {"kind": kind}) or 0.0


# -- request ids and the log line ------------------------------------------------------------------------


def test_every_response_carries_a_request_id(client: Client, db: None) -> None:
    first = client.get("/health/live")["X-Request-ID"]
    second = client.get("/health/live")["X-Request-ID"]
    assert len(first) == 32
    assert first != second


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(client: Client, db: None) -> None:
    assert client.get("/health/live", HTTP_X_REQUEST_ID="edge-7f3a9c21")["X-Request-ID"] == "edge-7f3a9c21"
    hostile = 'x" \n{"level": "forged"}'
    replaced = client.get("/health/live", HTTP_X_REQUEST_ID=hostile)["X-Request-ID"]
    assert replaced != hostile
    assert len(replaced) == 32


def test_the_request_line_names_the_route_not_the_filled_in_path(
    client_of: Callable[[User], Client],
    learner: User,
    course: str,
    klass: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="learnpath.request")
    response = client_of(learner).get(f"/learn/{course}/", HTTP_X_REQUEST_ID="trace-000000042")
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "learnpath.request"]
    assert record.getMessage().startswith("GET /learn/<str:course_id>/ 200 ")
    assert course not in record.getMessage()
    assert record.__dict__["status"] == 200
    assert record.__dict__["user_id"] == learner.pk
    assert record.__dict__["duration_ms"] >= 0


def test_a_json_log_line_is_one_object_with_the_request_id() -> None:
    record = logging.LogRecord(
        "learnpath.x", logging.WARNING, __file__, 1, "refit of %s failed", ("c",), None
    )
    record.__dict__["course"] = "fractions"
    token = request_id_var.set("abc12345")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    document = json.loads(line)
    assert document["message"] == "refit of c failed"
    assert document["request_id"] == "abc12345"
    assert document["course"] == "fractions"
    assert document["level"] == "WARNING"
    assert datetime.fromisoformat(document["time"]).tzinfo is not None


# -- metrics -------------------------------------------------------------------------------------------


def test_metrics_count_learner_events_when_they_commit(
    make_learners: Callable[..., list[User]],
    demo_course: str,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = _events("answer")
    people = make_learners(2)
    model = services.practice_course(people[0], demo_course)
    with django_capture_on_commit_callbacks(execute=True):
        history_generate(learners=people, model=model, seed=5, start=datetime(2026, 3, 2, tzinfo=UTC), days=1)
    answers = Event.objects.filter(kind="answer").count()
    assert answers > 0
    assert _events("answer") - before == answers
    body = client.get("/metrics").content.decode()
    assert 'learnpath_events_recorded_total{kind="answer"}' in body
    assert "learnpath_task_queue_depth" in body
    assert "django_http_requests_latency_seconds_by_view_method" in body


def test_metrics_are_for_this_machine_only_without_a_token(client: Client, db: None) -> None:
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    # relayed by a proxy on this machine: the real client is elsewhere
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404


def test_with_a_token_metrics_need_it(client: Client, db: None) -> None:
    with override_settings(LEARNPATH_METRICS_TOKEN="s3cret-metrics-token"):
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        allowed = client.get(
            "/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token"
        )
        assert allowed.status_code == 200


def test_metrics_report_refit_durations(
    make_learners: Callable[..., list[User]], demo_course: str, client: Client
) -> None:
    from learnpath.web.learning.fitting import model_fit

    people = make_learners(12)
    model = services.practice_course(people[0], demo_course)
    history_generate(learners=people, model=model, seed=9, start=datetime(2026, 3, 2, tzinfo=UTC))
    assert model_fit(course_id=demo_course, min_answers=50).version == "fit-1"
    body = client.get("/metrics").content.decode()
    assert f'learnpath_model_fits{{course="{demo_course}"}} 1.0' in body
    assert f'learnpath_model_fit_last_seconds{{course="{demo_course}"}}' in body


# -- liveness and readiness --------------------------------------------------------------------------


def test_liveness_reads_nothing(client: Client, db: None, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json()["status"] == "alive"


def test_readiness_waits_for_the_course_models(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[bool] = []

    class NoThread:
        def __init__(self, **kwargs: Any) -> None:
            pass

        def start(self) -> None:
            started.append(True)

    monkeypatch.setattr(health, "_models_ready", False)
    monkeypatch.setattr(health, "_warming", None)
    monkeypatch.setattr(health.threading, "Thread", NoThread)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["reasons"] == ["course models are being built"]
    assert started == [True]
    client.get("/health/ready")
    assert started == [True]  # one build at a time
    health.ready_mark()
    response = client.get("/health/ready")
    assert (response.status_code, response.json()["status"]) == (200, "ready")


def test_readiness_reports_migrations_not_applied(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_models_ready", True)
    monkeypatch.setattr(health, "_migrations_done", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)] * 2)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["reasons"][0].startswith("2 migrations not applied")


def test_a_request_is_logged_with_its_id_when_the_session_cannot_be_read(
    db: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With the database down the person cannot be looked up; the line and the id are written anyway."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    def down(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    client = Client(raise_request_exception=False)  # as a browser meets it: a 500 page
    client.cookies["sessionid"] = "abcdefghijklmnopqrstuvwxyz012345"
    monkeypatch.setattr(SessionStore, "load", down)
    caplog.set_level(logging.INFO, logger="learnpath.request")
    response = client.get("/health/live")
    (record,) = [r for r in caplog.records if r.name == "learnpath.request"]
    assert record.__dict__["status"] == response.status_code
    assert record.__dict__["user_id"] is None
    assert response["X-Request-ID"] == record.__dict__["request_id"]
