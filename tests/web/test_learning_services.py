"""Practice services: the answer flow, evidence, mastery and review, idempotency, and the rebuild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from learnpath.web.accounts.models import User
from learnpath.web.learning import services
from learnpath.web.learning.errors import KeyReused, NotFound, OutOfOrder, Unreadable
from learnpath.web.learning.models import Event, SkillState

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def answer_for(item_id: str) -> str:
    return {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2", "add-1": "3/5"}[item_id]


def start(learner: User, course: str, key: str, now: datetime = T0) -> dict[str, Any]:
    return services.activity_start(learner=learner, course_id=course, idempotency_key=key, now=now)


def answer(
    learner: User, course: str, activity: dict[str, Any], response: str, key: str, now: datetime = T0
) -> dict[str, Any]:
    return services.attempt_record(
        learner=learner,
        course_id=course,
        item_id=activity["item_id"],
        seed=activity["seed"],
        step_id="",
        response=response,
        idempotency_key=key,
        now=now,
    )


def test_first_question_is_the_root_skill_with_a_reason(learner: User, course: str) -> None:
    activity = start(learner, course, "k1")
    assert activity["item_id"] == "meaning-1"
    assert activity["reason"]
    assert Event.objects.filter(learner=learner).count() == 1


def test_right_answers_reach_mastery_and_unlock(learner: User, course: str) -> None:
    mastered: list[str] = []
    unlocked: list[str] = []
    now = T0
    for n in range(6):
        activity = start(learner, course, f"s{n}", now)
        result = answer(learner, course, activity, answer_for(activity["item_id"]), f"a{n}", now)
        assert result["correct"]
        assert result["finished"]
        mastered += result["mastered"]
        unlocked += result["unlocked"]
        now += timedelta(minutes=1)
        if mastered:
            break
    assert mastered == ["fractions-meaning"]
    assert "fractions-equivalent" in unlocked


def test_same_key_twice_is_recorded_once(learner: User, course: str) -> None:
    activity = start(learner, course, "k1")
    first = answer(learner, course, activity, "b", "a1")
    count = Event.objects.count()
    again = answer(learner, course, activity, "b", "a1")
    assert Event.objects.count() == count
    assert again["replayed"]
    assert again["event_id"] == first["event_id"]
    with pytest.raises(KeyReused):
        answer(learner, course, activity, "a", "a1")


def test_refusals_change_nothing(learner: User, course: str) -> None:
    with pytest.raises(OutOfOrder):
        services.hint_reveal(
            learner=learner,
            course_id=course,
            item_id="meaning-1",
            seed=0,
            step_id="",
            idempotency_key="h0",
            now=T0,
        )
    activity = start(learner, course, "k1")
    before = (Event.objects.count(), list(SkillState.objects.values_list("p_mastered", flat=True)))
    with pytest.raises(Unreadable):
        answer(learner, course, activity, "zzz", "a1")
    with pytest.raises(NotFound):
        services.attempt_record(
            learner=learner,
            course_id=course,
            item_id="nope",
            seed=0,
            step_id="",
            response="a",
            idempotency_key="a2",
            now=T0,
        )
    with pytest.raises(OutOfOrder):
        services.attempt_record(
            learner=learner,
            course_id=course,
            item_id="equivalent-1",
            seed=0,
            step_id="",
            response="a",
            idempotency_key="a3",
            now=T0,
        )
    after = (Event.objects.count(), list(SkillState.objects.values_list("p_mastered", flat=True)))
    assert before == after


def test_the_clock_moves_only_in_demo_debug_and_tests(settings: Any, tmp_path: Any) -> None:
    from learnpath.web.learning import clock

    settings.DATA_DIR = tmp_path
    settings.LEARNPATH_CLOCK_OFFSET_DAYS = 2
    (tmp_path / clock.OFFSET_FILE_NAME).write_text("3\n")
    assert clock.offset() == timedelta(days=5)
    settings.TESTING = settings.DEMO = settings.DEBUG = False
    assert clock.offset() == timedelta(0)
    settings.DEMO = True
    (tmp_path / clock.OFFSET_FILE_NAME).write_text("not a number")
    assert clock.offset() == timedelta(days=2)


def test_a_mastered_skill_missed_later_goes_to_review_kindly_and_stays_mastered(
    learner: User, course: str
) -> None:
    now = T0
    for n in range(6):
        activity = start(learner, course, f"s{n}", now)
        result = answer(learner, course, activity, answer_for(activity["item_id"]), f"a{n}", now)
        now += timedelta(minutes=1)
        if result["mastered"]:
            break
    mastered_at = SkillState.objects.get(skill_id="fractions-meaning").mastered_at
    other = start(learner, course, "other", now)  # another question in between
    assert other["item_id"] != "meaning-1"
    answer(learner, course, other, answer_for(other["item_id"]), "other-answer", now)
    activity = services.skill_choose(
        learner=learner, course_id=course, skill_id="fractions-meaning", idempotency_key="again", now=now
    )
    missed = answer(learner, course, activity, "b", "miss", now)
    assert missed["lapsed"] == ["fractions-meaning"]
    assert "You still have it mastered" in missed["messages"][0]
    row = SkillState.objects.get(skill_id="fractions-meaning")
    assert row.lapsed
    assert row.mastered_at == mastered_at
    model = services.practice_course(learner, course)
    from learnpath.web.learning import selectors
    from learnpath.web.learning.store import state_load

    states = selectors.map_states(state_load(learner_id=learner.pk, course_id=course), model, now=now)
    assert states["fractions-meaning"].state == "review_due"
    assert states["fractions-equivalent"].state != "not_yet"  # what it opened stays open


def test_a_clock_moved_back_never_records_time_backwards(learner: User, course: str) -> None:
    activity = start(learner, course, "k1", T0 + timedelta(days=30))
    result = answer(learner, course, activity, "a", "a1", T0)  # the clock went back a month
    assert result["correct"]
    times = list(Event.objects.order_by("id").values_list("occurred_at", flat=True))
    assert times == sorted(times)
