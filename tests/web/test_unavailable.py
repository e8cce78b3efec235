"""A database that cannot be reached is a 503 with Retry-After (JSON under /api/, a short page elsewhere),
not the generic server-error page; the retry with the same idempotency key records the answer once; a bug
is still a 500. Before learnpath/web/unavailable.py the API answered a PostgreSQL restart with the HTML
500 page, which no client can act on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from learnpath.web.accounts.models import User
from learnpath.web.learning.models import Event
from learnpath.web.unavailable import RETRY_AFTER_SECONDS, server_error

pytestmark = pytest.mark.django_db


@contextmanager
def database_down() -> Iterator[None]:
    """Every new cursor fails as psycopg fails when PostgreSQL restarts under a connection."""

    def refused(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    with mock.patch.object(BaseDatabaseWrapper, "cursor", refused):
        yield


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def api(client_of: Callable[[User], Client], learner: User) -> Client:
    client = client_of(learner)
    client.raise_request_exception = False
    return client


def test_an_answer_sent_while_the_database_is_down_is_a_503_and_its_retry_is_recorded_once(
    api: Client, course: str
) -> None:
    base = f"/api/learning/{course}"
    started = _post(api, f"{base}/activities", {"idempotency_key": "start-1"}).json()
    body = {"item_id": started["item_id"], "seed": started["seed"], "response": "a", "idempotency_key": "k-1"}
    before = Event.objects.count()
    with database_down():
        refused = _post(api, f"{base}/answers", body)
        read = api.get(f"{base}/next")
    for response in (refused, read):
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert response["Cache-Control"] == "no-store"
        detail = response.json()["detail"]
        assert "cannot reach its database" in detail
        assert "same idempotency key" in detail
        assert response.json()["retry_after"] == RETRY_AFTER_SECONDS
    assert Event.objects.count() == before
    first = _post(api, f"{base}/answers", body)
    again = _post(api, f"{base}/answers", body)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() | {"replayed": True}
    assert Event.objects.filter(idempotency_key="k-1").count() == 1


def test_a_page_opened_while_the_database_is_down_says_to_wait_and_try_again(
    client_of: Callable[[User], Client], learner: User, course: str
) -> None:
    client = client_of(learner)
    client.raise_request_exception = False
    with database_down():
        response = client.get(f"/learn/{course}/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert "<h1>Back in a moment</h1>" in page
    assert "Everything learnpath confirmed before" in page
    assert "{%" not in page
    assert "Something went wrong" not in page


def test_a_bug_is_still_the_server_error_page(rf: Any) -> None:
    """``handler500`` tells an outage from a bug by the error being handled."""
    for path in ("/api/courses", "/learn/"):
        try:
            raise RuntimeError("a bug, not an outage")
        except RuntimeError:
            bug = server_error(rf.get(path))
        try:
            raise InterfaceError("connection already closed")
        except InterfaceError:
            outage = server_error(rf.get(path))
        assert bug.status_code == 500
        assert "Retry-After" not in bug
        assert outage.status_code == 503
        assert outage["Retry-After"] == str(RETRY_AFTER_SECONDS)
