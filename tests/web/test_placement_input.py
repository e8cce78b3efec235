"""Placement refuses what it cannot use with a 4xx that says what to do, and changes nothing; one
learner's placement is invisible to everyone else; a class's cap is its teachers' to set."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, Role, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.learning.models import Event
from learnpath.web.placement.models import ClassPlacementCap, PlacementSession


def post(client: Client, url: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def snapshot(learner: User) -> tuple[Any, ...]:
    sessions = list(
        PlacementSession.objects.filter(learner=learner).values_list("engine_state", "question", "status")
    )
    return (sessions, Event.objects.filter(learner=learner).count())


@pytest.fixture
def started(course: str, learner: User, client_of: Callable[[User], Client]) -> tuple[Client, dict[str, Any]]:
    client = client_of(learner)
    question = post(client, f"/api/placement/{course}/start", {}).json()["question"]
    return client, question


def _hostile(course: str, question: dict[str, Any]) -> list[tuple[Any, int]]:
    good = {"item_id": question["item_id"], "seed": question["seed"], "idempotency_key": "h"}
    other_item = "equivalent-2" if question["item_id"] != "equivalent-2" else "meaning-1"
    return [
        ("{not json", 400),
        ([1, 2, 3], 422),
        ({}, 422),
        ({**good}, 400),  # neither a response nor "not learned"
        ({**good, "response": {"a": 1}}, 422),
        ({**good, "response": "a", "seed": -1}, 422),
        ({**good, "response": "a", "idempotency_key": ""}, 422),
        ({**good, "response": "a", "idempotency_key": "k" * 81}, 422),
        ({**good, "response": "a", "idempotency_key": "bad\nkey"}, 422),
        ({**good, "response": "a", "item_id": other_item}, 409),
        ({**good, "response": "a", "item_id": "no-such-item"}, 409),
        ({**good, "response": "a", "seed": question["seed"] + 1}, 409),
        ({**good, "response": "a", "not_learned": "perhaps"}, 422),
        ({**good, "response": "x" * (1024 * 1024 + 10)}, 413),
    ]


def test_hostile_answers_are_refused_and_change_nothing(
    course: str, learner: User, started: tuple[Client, dict[str, Any]]
) -> None:
    client, question = started
    before = snapshot(learner)
    for body, status in _hostile(course, question):
        response = post(client, f"/api/placement/{course}/answers", body)
        assert response.status_code == status, (str(body)[:80], response.content[:300])
        assert response.json()["detail"], body
        assert snapshot(learner) == before, body


def test_an_unreadable_answer_is_a_422_not_a_wrong_answer(
    course: str, learner: User, started: tuple[Client, dict[str, Any]]
) -> None:
    client, question = started
    before = snapshot(learner)
    unreadable = "zz" if question["type"] != "numeric" else "two and a bit"
    body = {**question, "response": unreadable, "idempotency_key": "u"}
    response = post(
        client,
        f"/api/placement/{course}/answers",
        {k: body[k] for k in ("item_id", "seed", "response", "idempotency_key")},
    )
    assert response.status_code == 422, response.content
    assert snapshot(learner) == before


def test_hostile_page_posts_are_refused_and_change_nothing(
    course: str, learner: User, started: tuple[Client, dict[str, Any]]
) -> None:
    client, question = started
    before = snapshot(learner)
    url = f"/placement/{course}/answer"
    for form, status in [
        ({}, 422),  # no key
        ({"idempotency_key": "p", "item_id": question["item_id"], "seed": "x", "response": "a"}, 409),
        ({"idempotency_key": "p", "item_id": "nope", "seed": question["seed"], "response": "a"}, 409),
    ]:
        response = client.post(url, form)
        assert response.status_code == status, form
        assert b'data-testid="error"' in response.content
        assert snapshot(learner) == before
    assert client.get(f"/placement/{course}/answer").status_code == 405


def test_answers_without_a_placement_in_progress_are_404(
    course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    body = {"item_id": "meaning-1", "seed": 0, "response": "a", "idempotency_key": "n"}
    response = post(client, f"/api/placement/{course}/answers", body)
    assert response.status_code == 404
    assert "Check what I know" in response.json()["detail"]
    assert not Event.objects.filter(learner=learner).exists()


def test_another_learners_placement_is_invisible(
    course: str,
    learner: User,
    make_user: Callable[..., User],
    organisation: Any,
    outsider: User,
    started: tuple[Client, dict[str, Any]],
    client_of: Callable[[User], Client],
) -> None:
    _client, question = started
    before = snapshot(learner)
    classmate = client_of(make_user("carl", Role.LEARNER, organisation))
    assert classmate.get(f"/api/placement/{course}").json()["status"] == "none"
    assert classmate.get(f"/api/placement/{course}/question").status_code == 404
    body = {"item_id": question["item_id"], "seed": question["seed"], "response": "a", "idempotency_key": "c"}
    assert post(classmate, f"/api/placement/{course}/answers", body).status_code == 404
    assert snapshot(learner) == before
    # Someone who may not see the course at all: the same 404 as a course that does not exist.
    stranger = client_of(outsider)
    for path in ("", "/question", "/result"):
        theirs = stranger.get(f"/api/placement/{course}{path}")
        missing = stranger.get(f"/api/placement/no-such-course{path}")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["detail"].replace(course, "X") == missing.json()["detail"].replace(
            "no-such-course", "X"
        )
    assert stranger.get(f"/placement/{course}/").status_code == 404
    assert post(stranger, f"/api/placement/{course}/answers", body).status_code == 404
    assert snapshot(learner) == before


@pytest.fixture
def klass(course: str, teacher: User, learner: User) -> int:
    info = coaching_services.class_create(teacher=teacher, name="Class 5")
    accounts_api.class_learner_add(class_id=info.id, learner_id=learner.pk, actor=teacher)
    coaching_services.class_course_attach(class_id=info.id, course_id=course, actor=teacher)
    return info.id


def test_the_teachers_cap_ends_placement(
    course: str, klass: int, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    page = client_of(teacher)
    assert b"at most 20 questions (the default)" in page.get(f"/classes/{klass}/placement/").content
    assert page.post(f"/classes/{klass}/placement/", {"max_questions": "1"}).status_code == 302
    assert b"at most 1 questions" in page.get(f"/classes/{klass}/placement/").content
    assert AuditEntry.objects.filter(action="placement.cap_set", target_id=str(klass)).exists()
    client = client_of(learner)
    status = post(client, f"/api/placement/{course}/start", {}).json()
    assert status["max_questions"] == 1
    question = status["question"]
    body = {
        "item_id": question["item_id"],
        "seed": question["seed"],
        "not_learned": True,
        "idempotency_key": "c1",
    }
    assert post(client, f"/api/placement/{course}/answers", body).json()["finished"] is True
    assert PlacementSession.objects.get(learner=learner).result["stop_reason"] == "cap"
    # Clearing it brings the default back.
    assert page.post(f"/classes/{klass}/placement/", {"max_questions": ""}).status_code == 302
    assert not ClassPlacementCap.objects.exists()


@pytest.mark.parametrize("value", ["0", "61", "-3", "ten", "1e3"])
def test_a_bad_cap_is_refused_and_changes_nothing(
    klass: int, teacher: User, client_of: Callable[[User], Client], value: str
) -> None:
    page = client_of(teacher)
    page.post(f"/classes/{klass}/placement/", {"max_questions": "12"})
    response = page.post(f"/classes/{klass}/placement/", {"max_questions": value})
    assert response.status_code == 400
    assert b"from 1 to 60" in response.content
    assert ClassPlacementCap.objects.get(klass_id=klass).max_questions == 12


def test_only_the_class_teachers_set_its_cap(
    klass: int,
    make_user: Callable[..., User],
    organisation: Any,
    learner: User,
    client_of: Callable[[User], Client],
) -> None:
    other = client_of(make_user("tina", Role.TEACHER, organisation))
    for client in (other, client_of(learner)):
        assert client.post(f"/classes/{klass}/placement/", {"max_questions": "3"}).status_code == 404
        assert client.get(f"/classes/{klass}/placement/").status_code == 404
    assert not ClassPlacementCap.objects.exists()


def test_the_admin_reads_sessions_and_caps(
    course: str, klass: int, admin_user: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    post(client_of(learner), f"/api/placement/{course}/start", {})
    admin = client_of(admin_user)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    for changelist in ("placement/placementsession", "placement/classplacementcap"):
        assert admin.get(f"/admin/{changelist}/?q=a").status_code == 200
    session = PlacementSession.objects.get(learner=learner)
    assert admin.get(f"/admin/placement/placementsession/{session.pk}/change/").status_code == 200
    assert client_of(learner).get("/admin/placement/placementsession/").status_code == 302
