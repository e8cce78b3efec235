"""The practice REST API at the HTTP level: the loop, idempotency, and every way a request can be wrong.

Every refusal is checked to change nothing: the rows of every learning table are counted before and after.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.web.accounts.models import User
from learnpath.web.learning.models import Event, LearnerCourse, ResourceUse, ReviewSchedule, SkillState

BASE = "/api/learning"


def table_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Event, LearnerCourse, SkillState, ReviewSchedule, ResourceUse))


def post(client: Client, url: str, body: Any, **extra: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


@pytest.fixture
def api(client_of: Callable[[User], Client], learner: User) -> Client:
    return client_of(learner)


@pytest.fixture
def started(api: Client, course: str) -> dict[str, Any]:
    response = post(api, f"{BASE}/{course}/activities", {"idempotency_key": "start-1"})
    assert response.status_code == 200, response.content
    return response.json()


def answer_body(activity: dict[str, Any], response: Any, key: str, **more: Any) -> dict[str, Any]:
    return {
        "item_id": activity["item_id"],
        "seed": activity["seed"],
        "response": response,
        "idempotency_key": key,
        **more,
    }


def test_the_loop(api: Client, course: str, started: dict[str, Any]) -> None:
    assert started["item_id"] == "meaning-1"
    assert started["choices"][0] == {"id": "a", "text": "Two equal parts, one shaded"}
    wrong = post(api, f"{BASE}/{course}/answers", answer_body(started, "b", "a-1", confidence="low")).json()
    assert wrong["status"] == "incorrect"
    assert wrong["counted"]
    assert not wrong["finished"]
    right = post(api, f"{BASE}/{course}/answers", answer_body(started, "a", "a-2")).json()
    assert right["correct"]
    assert right["finished"]
    assert not right["counted"]
    ranked = api.get(f"{BASE}/{course}/next").json()
    assert ranked["open_activity"] is None
    assert ranked["suggestions"][0]["reason"]
    skills = {s["id"]: s for s in api.get(f"{BASE}/{course}/map").json()["skills"]}
    assert skills["fractions-meaning"]["state"] == "in_progress"
    assert skills["fractions-equivalent"]["state"] == "not_yet"
    assert "What a fraction means" in skills["fractions-equivalent"]["reason"]


def test_same_answer_twice_with_one_key_is_recorded_once(
    api: Client, course: str, started: dict[str, Any]
) -> None:
    body = answer_body(started, "b", "same-key")
    first = post(api, f"{BASE}/{course}/answers", body)
    counts = table_counts()
    second = post(api, f"{BASE}/{course}/answers", body)
    assert first.status_code == second.status_code == 200
    assert second.json()["replayed"]
    assert second.json()["event_id"] == first.json()["event_id"]
    assert table_counts() == counts
    assert Event.objects.filter(kind="answer").count() == 1
    reused = post(api, f"{BASE}/{course}/answers", answer_body(started, "a", "same-key"))
    assert reused.status_code == 409
    assert "already used for a different request" in reused.json()["detail"]
    assert table_counts() == counts


def test_a_start_key_keeps_meaning_one_action_after_the_question_closes(
    api: Client, course: str, started: dict[str, Any]
) -> None:
    """Issue 12: a start sent while a question is open answers with that question; the same key sent
    again after the question closed used to start a different question (a new event). Now it replays."""
    resumed = post(api, f"{BASE}/{course}/activities", {"idempotency_key": "start-2"})
    assert resumed.status_code == 200
    assert resumed.json()["item_id"] == started["item_id"]
    assert post(api, f"{BASE}/{course}/answers", answer_body(started, "a", "a-1")).json()["finished"]
    starts = Event.objects.filter(kind="start").count()
    again = post(api, f"{BASE}/{course}/activities", {"idempotency_key": "start-2"})
    assert again.status_code == 200
    assert again.json()["item_id"] == started["item_id"]
    assert again.json()["seed"] == started["seed"]
    assert Event.objects.filter(kind="start").count() == starts  # no new question started
    assert api.get(f"{BASE}/{course}/next").json()["open_activity"] is None
    fresh = post(api, f"{BASE}/{course}/activities", {"idempotency_key": "start-3"})
    assert fresh.status_code == 200
    assert Event.objects.filter(kind="start").count() == starts + 1


BAD_BODIES = [
    ("{not json", 400),
    ('{"item_id": "meaning-1", "seed": 0, "idempotency_key": "k"}', 422),  # no response
    ('{"item_id": "meaning-1", "seed": "zero", "response": "a", "idempotency_key": "k"}', 422),
    ('{"item_id": "meaning-1", "seed": 0, "response": {"a": 1}, "idempotency_key": "k"}', 422),
    ('{"item_id": "meaning-1", "seed": -1, "response": "a", "idempotency_key": "k"}', 422),
    ('{"item_id": "meaning-1", "seed": 0, "response": "a"}', 422),  # no key
    ('{"item_id": "meaning-1", "seed": 0, "response": "a", "idempotency_key": ""}', 422),
    (
        '{"item_id": "meaning-1", "seed": 0, "response": "a", "idempotency_key": "k", "confidence": "very"}',
        422,
    ),
    ("[1, 2, 3]", 422),
    ("null", 422),
]


@pytest.mark.parametrize(("body", "status"), BAD_BODIES)
def test_malformed_requests_are_refused_and_change_nothing(
    api: Client, course: str, started: dict[str, Any], body: str, status: int
) -> None:
    counts = table_counts()
    response = post(api, f"{BASE}/{course}/answers", body)
    assert response.status_code == status, response.content
    assert isinstance(response.json()["detail"], str)
    assert table_counts() == counts


def test_oversized_body_is_413(api: Client, course: str, started: dict[str, Any]) -> None:
    counts = table_counts()
    huge = json.dumps(answer_body(started, "a" * (2 * 1024 * 1024), "big"))
    response = post(api, f"{BASE}/{course}/answers", huge)
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert table_counts() == counts


HOSTILE = [
    "a" * 5000,
    "<script>alert(1)</script>",
    "'; DROP TABLE learning_event; --",
    "\x00\x01",
    "\u202eb",
    "{{ 7*7 }}",
    "__import__('os').system('true')",
]


@pytest.mark.parametrize("response_text", HOSTILE)
def test_hostile_answers_get_a_clear_4xx_or_a_plain_verdict(
    api: Client, course: str, started: dict[str, Any], response_text: str
) -> None:
    counts = table_counts()
    response = post(api, f"{BASE}/{course}/answers", answer_body(started, response_text, "hostile"))
    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        assert table_counts() == counts
    else:
        assert response.json()["status"] == "incorrect"


def test_unknown_and_invisible_things_are_404(
    api: Client, client_of: Callable[[User], Client], outsider: User, course: str, started: dict[str, Any]
) -> None:
    counts = table_counts()
    assert (
        post(
            api, f"{BASE}/{course}/answers", {**answer_body(started, "a", "u1"), "item_id": "nope"}
        ).status_code
        == 404
    )
    assert post(api, f"{BASE}/no-course/answers", answer_body(started, "a", "u2")).status_code == 404
    assert api.get(f"{BASE}/no-course/map").status_code == 404
    assert (
        post(api, f"{BASE}/{course}/choose", {"skill_id": "nope", "idempotency_key": "u3"}).status_code == 404
    )
    assert post(api, f"{BASE}/{course}/resources/nope/views", {"idempotency_key": "u4"}).status_code == 404
    other = client_of(outsider)  # another organisation's learner cannot see the course
    response = post(other, f"{BASE}/{course}/answers", answer_body(started, "a", "u5"))
    assert response.status_code == 404
    assert "no course" in response.json()["detail"]
    assert other.get(f"{BASE}/{course}/map").status_code == 404
    assert table_counts() == counts


def test_signed_out_is_401(course: str) -> None:
    response = post(Client(), f"{BASE}/{course}/activities", {"idempotency_key": "k"})
    assert response.status_code == 401
    assert "sign in" in response.json()["detail"].lower()


def test_out_of_order_requests_are_409_and_change_nothing(api: Client, course: str) -> None:
    counts = table_counts()
    hint = post(api, f"{BASE}/{course}/hints", {"item_id": "meaning-1", "seed": 0, "idempotency_key": "h"})
    assert hint.status_code == 409
    assert "not the one open" in hint.json()["detail"]
    never_shown = {"item_id": "equivalent-1", "seed": 0, "response": "a", "idempotency_key": "x"}
    assert post(api, f"{BASE}/{course}/answers", never_shown).status_code == 409
    assert (
        post(
            api, f"{BASE}/{course}/solution", {"item_id": "meaning-1", "seed": 0, "idempotency_key": "s"}
        ).status_code
        == 409
    )
    assert table_counts() == counts
    started = post(api, f"{BASE}/{course}/activities", {"idempotency_key": "go"}).json()
    counts = table_counts()
    wrong_seed = {**answer_body(started, "a", "y"), "seed": started["seed"] + 1}
    assert post(api, f"{BASE}/{course}/answers", wrong_seed).status_code == 409
    step_on_one_part = {**answer_body(started, "a", "z"), "step_id": "second"}
    assert post(api, f"{BASE}/{course}/answers", step_on_one_part).status_code == 404
    assert table_counts() == counts
    post(api, f"{BASE}/{course}/answers", answer_body(started, "a", "right"))
    counts = table_counts()
    again = post(api, f"{BASE}/{course}/answers", answer_body(started, "a", "after-finish"))
    assert again.status_code == 409
    assert "already finished" in again.json()["detail"]
    assert table_counts() == counts


def test_openapi_documents_the_loop(api: Client) -> None:
    document = api.get("/api/openapi.json").json()
    paths = document["paths"]
    for path in ("map", "next", "activities", "choose", "answers", "hints", "skip", "solution"):
        assert f"/api/learning/{{course_id}}/{path}" in paths
    answers = paths["/api/learning/{course_id}/answers"]["post"]["responses"]
    assert {"200", "400", "401", "404", "409", "413", "422"} <= set(answers)


def test_answer_and_next_take_a_bounded_number_of_queries(
    api: Client, course: str, started: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):
        post(api, f"{BASE}/{course}/answers", answer_body(started, "a", "q-1"))
    with django_assert_max_num_queries(16):
        post(api, f"{BASE}/{course}/activities", {"idempotency_key": "q-2"})


@pytest.fixture
def demo_course(organisation: Any) -> str:
    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack
    from learnpath.web.curriculum import api as curriculum_api

    return curriculum_api.course_import(
        pack=load_pack(DEMO_PACK_PATH), organisation_id=organisation.pk
    ).course_id


def test_multi_step_parts_go_in_order(api: Client, demo_course: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from learnpath.engine.policy import Suggestion, SuggestionKind
    from learnpath.web.learning import selectors

    multi_step = Suggestion(SuggestionKind.PRACTICE, "place-value", "pv-chart-multistep", 1.5, "A test.")
    monkeypatch.setattr(selectors, "suggestions", lambda *args, **kwargs: (multi_step,))
    base = f"{BASE}/{demo_course}"
    activity = post(api, f"{base}/activities", {"idempotency_key": "go"}).json()
    assert [s["id"] for s in activity["steps"]] == ["thousands", "hundreds", "ten-more"]
    assert activity["steps"][2]["scaffolds"][0]["id"] == "which-column"

    def send(step_id: str, response: str, key: str) -> Any:
        return post(api, f"{base}/answers", {**answer_body(activity, response, key), "step_id": step_id})

    counts = table_counts()
    assert send("hundreds", "0", "k1").status_code == 409  # a step before the one before it
    assert send("which-column", "tens", "k2").status_code == 409  # a scaffold of a later step
    assert send("", "4", "k3").status_code == 422  # which part?
    assert send("millions", "4", "k4").status_code == 404
    hint = post(
        api,
        f"{base}/hints",
        {"item_id": activity["item_id"], "seed": 0, "step_id": "ten-more", "idempotency_key": "k5"},
    )
    assert hint.status_code == 409
    assert table_counts() == counts
    assert send("thousands", "4", "k6").json()["correct"]
    wrong = send("hundreds", "8", "k7").json()
    assert wrong["feedback"] == "8 is in the tens column. Look at the digit just after the 4."
    assert not wrong["finished"]
    assert send("hundreds", "0", "k8").json()["correct"]
    assert send("which-column", "tens", "k9").json()["counted"] is False
    last = send("ten-more", "4093", "k10").json()
    assert last["finished"]
    assert last["counted"]  # one observation for the whole question: not right (a wrong try on a step)
    states = {s["id"]: s for s in api.get(f"{base}/map").json()["skills"]}
    assert states["place-value"]["state"] == "in_progress"


def test_choose_hint_solution_resource_and_skip(api: Client, demo_course: str) -> None:
    base = f"{BASE}/{demo_course}"
    chosen = post(api, f"{base}/choose", {"skill_id": "place-value", "idempotency_key": "c1"})
    assert chosen.status_code == 200, chosen.content
    activity = chosen.json()
    assert activity["kind"] == "chosen"
    assert activity["reason"].startswith("You chose Place value")
    ref = {"item_id": activity["item_id"], "seed": activity["seed"]}
    if activity["hints_available"]:
        hint = post(api, f"{base}/hints", {**ref, "idempotency_key": "h1"}).json()
        assert hint["number"] == 1
        assert hint["hint"]
    solution = post(api, f"{base}/solution", {**ref, "idempotency_key": "s1"})
    assert solution.status_code == 200
    assert solution.json()["solution"]
    viewed = post(api, f"{base}/resources/place-value-text/views", {"idempotency_key": "r1"})
    assert viewed.status_code == 200
    assert viewed.json()["title"]
    skipped = post(api, f"{base}/skip", {**ref, "idempotency_key": "k1"}).json()
    assert skipped["finished"]
    assert skipped["counted"]
    assert not skipped["correct"]
    kinds = list(Event.objects.order_by("id").values_list("kind", flat=True))
    assert kinds[:2] == ["choice", "start"]
    assert kinds[-1] == "skip"
