"""Placement over HTTP: the offer, the pages, the API, pause and resume, seeding the map, re-checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.web.accounts.models import User
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api
from learnpath.web.learning.models import Event, ReviewSchedule, SkillState
from learnpath.web.placement.models import PlacementSession

RIGHT = {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2"}
# Session and user, course access, the session; an answer: the log's locked write (the learner's course
# row, key, skills, schedules), the course version, the session, the events, the derived rows, and the
# read-back of a last answer.
QUERIES_PAGE, QUERIES_ANSWER = 5, 22
WRONG = {"meaning-1": "b", "equivalent-1": "b", "equivalent-2": "7"}


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def answer(client: Client, course: str, key: str, *, right: bool | None) -> Any:
    """Answer the question on screen through the API: right, wrong, or (None) not learned yet."""
    question = client.get(f"/api/placement/{course}/question").json()
    body: dict[str, Any] = {"item_id": question["item_id"], "seed": question["seed"], "idempotency_key": key}
    if right is None:
        body["not_learned"] = True
    else:
        body["response"] = (RIGHT if right else WRONG)[question["item_id"]]
    return post(client, f"/api/placement/{course}/answers", body)


def test_a_new_learner_is_offered_placement_and_can_skip_it(
    course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    home = client.get(f"/learn/{course}/").content.decode()
    assert 'data-testid="placement-offer-start"' in home
    assert 'data-testid="placement-offer-skip"' in home
    response = client.post(f"/placement/{course}/skip")
    assert response.status_code == 302
    assert response["Location"] == f"/learn/{course}/"
    home = client.get(f"/learn/{course}/").content.decode()
    assert "placement-offer-start" not in home
    assert 'data-testid="placement-check"' in home  # "Check what I know" stays available
    assert not Event.objects.filter(learner=learner).exists()


def test_pages_take_a_placement_to_its_summary_and_the_map_shows_why(
    course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    assert client.post(f"/placement/{course}/start").status_code == 302
    for n in range(10):
        page = client.get(f"/placement/{course}/").content.decode()
        if 'data-testid="placement-summary"' in page:
            break
        assert 'data-testid="placement-progress"' in page
        assert f"Question {n + 1}" in page
        assert 'data-testid="not-learned"' in page
        assert 'name="confidence"' not in page  # the practice form, without practice's extras
        session = PlacementSession.objects.get(learner=learner, status="active")
        item_id, seed = session.question["item_id"], session.question["seed"]
        response = client.post(
            f"/placement/{course}/answer",
            {"idempotency_key": f"k{n}", "item_id": item_id, "seed": seed, "response": RIGHT[item_id]},
        )
        assert response.status_code == 302
    else:
        raise AssertionError("placement did not finish")
    # Adding like fractions has no one-skill item to ask: not asked, left for practice, and the start.
    assert "You already know 2 skills; we&#x27;ll start you at Adding like fractions." in page
    session = PlacementSession.objects.get(learner=learner)
    assert session.status == "finished"
    assert set(session.result["placed_known"]) == {"fractions-meaning", "fractions-equivalent"}
    # Seeded: every skill mastered, each with its first review scheduled, and the map says why.
    states = SkillState.objects.filter(learner=learner, course_id=course)
    assert {s.skill_id for s in states if s.mastered_at is not None} == set(session.result["placed_known"])
    assert ReviewSchedule.objects.filter(learner=learner, course_id=course).count() == 2
    home = client.get(f"/learn/{course}/").content.decode()
    assert 'data-testid="placed-fractions-meaning"' in home
    assert "From placement: Placed as known: you answered What a fraction means correctly." in home
    assert 'data-state="mastered"' in home
    kinds = list(Event.objects.filter(learner=learner).values_list("kind", flat=True))
    assert kinds[-1] == "placement"
    assert kinds.count("placement_answer") == session.answered


def test_the_log_rebuilds_the_seeded_state_exactly(
    course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    post(client, f"/api/placement/{course}/start", {})
    outcomes = iter([True, None, False, True])
    for n in range(4):
        if client.get(f"/api/placement/{course}").json()["status"] != "active":
            break
        assert answer(client, course, f"r{n}", right=next(outcomes)).status_code == 200
    before = learning_api.derived_snapshot(course_id=course)
    assert before["SkillState"]
    learning_api.state_rebuild(course_id=course)
    assert learning_api.derived_snapshot(course_id=course) == before


def test_pause_and_resume_where_it_stopped(
    course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    first = post(client, f"/api/placement/{course}/start", {}).json()
    assert first["status"] == "active"
    assert first["answered"] == 0
    assert first["question"]["number"] == 1
    assert answer(client, course, "p1", right=None).json()["outcome"] == "not_learned"
    waiting = client.get(f"/api/placement/{course}/question").json()
    # Leaving and coming back (a new client, a new start) resumes the same question; nothing restarts.
    again = client_of(learner)
    resumed = post(again, f"/api/placement/{course}/start", {}).json()
    assert resumed["answered"] == 1
    assert resumed["question"] == waiting
    assert PlacementSession.objects.filter(learner=learner).count() == 1
    home = again.get(f"/learn/{course}/").content.decode()
    assert 'data-testid="placement-resume"' in home
    assert "Question 2" in again.get(f"/placement/{course}/").content.decode()


def test_an_answer_is_recorded_once_whatever_the_retries(
    course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    post(client, f"/api/placement/{course}/start", {})
    question = client.get(f"/api/placement/{course}/question").json()
    body = {"item_id": question["item_id"], "seed": question["seed"], "response": RIGHT[question["item_id"]]}
    first = post(client, f"/api/placement/{course}/answers", {**body, "idempotency_key": "same"})
    assert first.status_code == 200, first.content
    assert first.json()["replayed"] is False
    assert first.json()["outcome"] == "correct"
    again = post(client, f"/api/placement/{course}/answers", {**body, "idempotency_key": "same"})
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["event_id"] == first.json()["event_id"]
    assert Event.objects.filter(learner=learner, kind="placement_answer").count() == 1
    assert PlacementSession.objects.get(learner=learner).answered == 1
    other = post(
        client, f"/api/placement/{course}/answers", {**body, "response": "b", "idempotency_key": "same"}
    )
    assert other.status_code == 409
    assert "different request" in other.json()["detail"]


def test_a_recheck_schedules_review_and_never_takes_mastery_away(
    course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    post(client, f"/api/placement/{course}/start", {})
    for n in range(5):
        if client.get(f"/api/placement/{course}").json()["status"] != "active":
            break
        answer(client, course, f"a{n}", right=True)
    mastered = set(
        SkillState.objects.filter(learner=learner, mastered_at__isnull=False).values_list(
            "skill_id", flat=True
        )
    )
    assert mastered
    home = client.get(f"/learn/{course}/").content.decode()
    assert 'data-testid="placement-check"' in home
    post(client, f"/api/placement/{course}/start", {})  # the re-check
    for n in range(5):
        if client.get(f"/api/placement/{course}").json()["status"] != "active":
            break
        answer(client, course, f"b{n}", right=None)
    status = client.get(f"/api/placement/{course}").json()
    assert status["status"] == "finished"
    assert status["result"]["to_learn"]
    rows = {s.skill_id: s for s in SkillState.objects.filter(learner=learner)}
    for skill in mastered:
        assert rows[skill].mastered_at is not None  # still mastered
    lapsed = {s for s, row in rows.items() if row.lapsed}
    assert lapsed
    assert lapsed <= mastered
    home = client.get(f"/learn/{course}/").content.decode()
    assert 'data-state="review_due"' in home


@pytest.mark.parametrize("right", [True, False])
def test_the_result_and_status_read_back(
    course: str, learner: User, client_of: Callable[[User], Client], right: bool
) -> None:
    client = client_of(learner)
    assert client.get(f"/api/placement/{course}").json()["status"] == "none"
    assert client.get(f"/api/placement/{course}/result").status_code == 404
    post(client, f"/api/placement/{course}/start", {})
    for n in range(5):
        if client.get(f"/api/placement/{course}").json()["status"] != "active":
            break
        answer(client, course, f"s{n}", right=right)
    result = client.get(f"/api/placement/{course}/result").json()
    assert result["headline"].startswith("You already know" if right else "Placement found nothing")
    every = result["known"] + result["to_learn"] + result["unsure"]
    assert {s["id"] for s in every} == {"fractions-meaning", "fractions-equivalent", "fractions-add-like"}
    assert all(s["reason"] for s in every)
    assert client.get(f"/api/placement/{course}/question").status_code == 404


def test_a_question_costs_a_few_queries_whatever_the_answers_so_far(
    course: str, learner: User, client_of: Callable[[User], Client], django_assert_max_num_queries: Any
) -> None:
    client = client_of(learner)
    post(client, f"/api/placement/{course}/start", {})
    answer(client, course, "q0", right=None)
    with django_assert_max_num_queries(QUERIES_PAGE):
        assert client.get(f"/placement/{course}/").status_code == 200
    question = client.get(f"/api/placement/{course}/question").json()
    body = {
        "item_id": question["item_id"],
        "seed": question["seed"],
        "not_learned": True,
        "idempotency_key": "q1",
    }
    with django_assert_max_num_queries(QUERIES_ANSWER):
        assert post(client, f"/api/placement/{course}/answers", body).status_code == 200


def test_a_new_course_version_starts_placement_again(
    course: str,
    learner: User,
    client_of: Callable[[User], Client],
    documents: Any,
    build_pack: Any,
) -> None:
    client = client_of(learner)
    old = post(client, f"/api/placement/{course}/start", {}).json()["question"]
    answer(client, course, "v0", right=True)
    waiting = client.get(f"/api/placement/{course}/question").json()
    second = documents(version="2.0.0")
    second["items"] = [item for item in second["items"] if item["id"] != waiting["item_id"]]
    curriculum_api.course_import(pack=build_pack(second))
    body = {"item_id": waiting["item_id"], "seed": waiting["seed"], "response": "a", "idempotency_key": "v1"}
    refused = post(client, f"/api/placement/{course}/answers", body)
    assert refused.status_code == 409
    assert "changed" in refused.json()["detail"]
    assert 'data-testid="course-changed"' in client.get(f"/placement/{course}/").content.decode()
    fresh = post(client, f"/api/placement/{course}/start", {}).json()
    assert fresh["answered"] == 0
    assert fresh["question"]["item_id"] != waiting["item_id"]
    statuses = list(PlacementSession.objects.filter(learner=learner).values_list("status", flat=True))
    assert statuses == ["skipped", "active"]
    assert old["number"] == 1
