"""The whole REST API against its own OpenAPI document, once per role, with schemathesis.

schemathesis reads /api/openapi.json from the app (in-process, through Django's WSGI handler: no server,
no network), generates requests for every operation (valid ones and ones the schema forbids) and checks
each response: no server error, a status the document declares, the declared content type, a body that
matches the declared schema, and the declared headers. Each role sends its own session cookie and CSRF
token, as a browser would.

The default run is small and the same every time (a fixed seed, derandomized, a few examples per
operation); the longer one (ten times the examples, minutes) is marked ``long``, which the default run
leaves out (pyproject's addopts):

    .venv/bin/python -m pytest tests/web/test_api_schema.py -p no:xdist -q             # default
    .venv/bin/python -m pytest tests/web/test_api_schema.py -p no:xdist -q -m long     # longer
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from learnpath.web.accounts.models import User

pytestmark = pytest.mark.django_db

# "learner-without-csrf": a signed-in learner's client that forgot the X-CSRFToken header.
ROLES = ["anonymous", "learner", "teacher", "guardian", "admin", "learner-without-csrf"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
SEED = 20261207
FAST_EXAMPLES = 6
SLOW_EXAMPLES = 60
CLASS_PLACEHOLDER = 999_001  # stands for the fixtures' class, whose id is known only in the test


def schemathesis_config(*, max_examples: int) -> SchemathesisConfig:
    """Every phase but the stateful one. The ids of the fixtures' course, class, skills, items and
    resources (and seed 0, the first question's) are sent often, so that requests reach past the 404 of
    an unknown course into the endpoints' own work: answers, hints and solutions of the open question."""
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": max_examples, "deterministic": True},
            "phases": {"stateful": {"enabled": False}},
            "dictionaries": {
                "courses": {"values": ["fractions", "fractions-for-all"]},
                "classes": {"values": [CLASS_PLACEHOLDER]},
                "skills": {"values": ["fractions-meaning", "fractions-equivalent", "fractions-add-like"]},
                "items": {"values": ["meaning-1", "equivalent-1", "equivalent-2", "add-1"]},
                "seeds": {"values": [0]},
                "responses": {"values": ["a", "b", "2", "3/5"]},
                "resources": {"values": ["shares-text", "equivalent-video"]},
            },
            "parameters": {
                "path.course_id": {"dictionary": "courses", "probability": 0.5},
                "query.course": {"dictionary": "courses", "probability": 0.5},
                "path.class_id": {"dictionary": "classes", "probability": 0.5},
                "body.skill_id": {"dictionary": "skills", "probability": 0.7},
                "body.item_id": {"dictionary": "items", "probability": 0.8},
                "body.seed": {"dictionary": "seeds", "probability": 0.8},
                "body.response": {"dictionary": "responses", "probability": 0.5},
                "path.resource_id": {"dictionary": "resources", "probability": 0.5},
            },
        }
    )


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def credentials(role: str, members: dict[str, User], klass: Any, global_course: str) -> dict[str, Any]:
    """The cookies and header a browser of ``role`` sends: a session (none for anonymous) and a CSRF
    token, in its cookie and in the X-CSRFToken header."""
    if role == "anonymous":
        cookies: dict[str, str] = {}
    else:
        client = Client()
        client.force_login(members[role.removesuffix("-without-csrf")])
        cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
        # A question open in practice and in placement (each the first, seed 0), for answers, hints,
        # solutions and skips to reach.
        for url, body in [
            ("/api/learning/fractions/activities", {"idempotency_key": "open-a-question"}),
            ("/api/placement/fractions/start", {}),
        ]:
            assert client.post(url, body, content_type="application/json").status_code == 200
    if role.endswith("-without-csrf"):
        return {"cookies": cookies, "headers": {}}
    token = get_random_string(32, CSRF_ALLOWED_CHARS)
    return {"cookies": {**cookies, settings.CSRF_COOKIE_NAME: token}, "headers": {"X-CSRFToken": token}}


SCHEMA = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", WSGIHandler(), config=schemathesis_config(max_examples=FAST_EXAMPLES)
)
QUIET = hypothesis_settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextmanager
def connection_kept() -> Iterator[None]:
    """Django's WSGI handler closes the database connection after each request; inside a test's
    transaction that would lose the test's data, so (as Django's test client does) that is held off
    during the request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def call_and_validate(case: Any, credentials: dict[str, Any], class_id: int) -> None:
    if case.path_parameters and case.path_parameters.get("class_id") == CLASS_PLACEHOLDER:
        case.path_parameters["class_id"] = class_id
    with connection_kept():
        case.call_and_validate(headers=credentials["headers"], cookies=credentials["cookies"], checks=CHECKS)


@pytest.mark.usefixtures("role")  # one run per role: ``credentials`` depends on it
@SCHEMA.parametrize()
@QUIET
def test_every_operation_keeps_to_the_document(case: Any, credentials: dict[str, Any], klass: Any) -> None:
    call_and_validate(case, credentials, klass.id)


@pytest.mark.long
@pytest.mark.usefixtures("role")
@SCHEMA.parametrize()
@hypothesis_settings(QUIET, max_examples=SLOW_EXAMPLES)
def test_every_operation_keeps_to_the_document_longer(
    case: Any, credentials: dict[str, Any], klass: Any
) -> None:
    call_and_validate(case, credentials, klass.id)
