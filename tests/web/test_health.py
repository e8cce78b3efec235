"""GET /health: up with its database, 503 with a reason when the database is unreachable."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from learnpath import __version__


@pytest.mark.django_db
def test_health_reports_ok_with_the_version(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_is_503_with_a_reason_when_the_database_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from learnpath.web import health

    class Unreachable:
        def cursor(self) -> None:
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "unreachable"
    assert "OperationalError" in body["reason"]


@pytest.mark.django_db
def test_health_refuses_other_methods(client: Client) -> None:
    assert client.post("/health").status_code == 405
