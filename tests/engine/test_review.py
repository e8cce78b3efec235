"""Spaced review: the answer-to-rating mapping, FSRS through py-fsrs, the daily cap and the gentle restart."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler
from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.engine.review import (
    Confidence,
    ReviewPolicy,
    ReviewSchedule,
    due_reviews,
    rating_for_answer,
    record_review,
    retrievability,
    reviews_allowed_today,
    schedule_after_answer,
    spread_backlog,
    start_review,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ratings = st.sampled_from([Rating.Again, Rating.Hard, Rating.Good, Rating.Easy])


@pytest.mark.parametrize(
    ("answer", "rating"),
    [
        ({"correct": False}, Rating.Again),
        (
            {"correct": False, "confidence": Confidence.HIGH, "seconds": 1, "expected_seconds": 60},
            Rating.Again,
        ),
        ({"correct": True}, Rating.Good),
        ({"correct": True, "hints_used": 1}, Rating.Hard),
        ({"correct": True, "confidence": Confidence.LOW}, Rating.Hard),
        ({"correct": True, "seconds": 130, "expected_seconds": 60}, Rating.Hard),
        (
            {"correct": True, "confidence": Confidence.HIGH, "seconds": 30, "expected_seconds": 60},
            Rating.Easy,
        ),
        ({"correct": True, "confidence": Confidence.HIGH}, Rating.Good),  # sure but not timed: not Easy
        ({"correct": True, "seconds": 10, "expected_seconds": 60}, Rating.Good),  # fast but not sure
        (
            {"correct": True, "confidence": Confidence.MEDIUM, "seconds": 60, "expected_seconds": 60},
            Rating.Good,
        ),
        (
            {
                "correct": True,
                "hints_used": 2,
                "confidence": Confidence.HIGH,
                "seconds": 5,
                "expected_seconds": 60,
            },
            Rating.Hard,
        ),
    ],
)
def test_rating_for_answer(answer: dict[str, object], rating: Rating) -> None:
    assert rating_for_answer(**answer) is rating  # type: ignore[arg-type]


def test_mastery_starts_a_schedule_two_days_out() -> None:
    schedule = start_review("frac", now=NOW)
    assert schedule.stability == pytest.approx(2.3065)  # FSRS-6 w2, initial stability after Good
    assert schedule.due == NOW + 2 * DAY
    assert schedule.last_review == NOW
    assert (schedule.reviews, schedule.lapses) == (1, 0)


@given(st.lists(st.tuples(ratings, st.integers(min_value=0, max_value=40)), max_size=12))
@settings(max_examples=50)
def test_schedules_match_py_fsrs_used_directly(steps: list[tuple[Rating, int]]) -> None:
    scheduler = Scheduler(learning_steps=(), relearning_steps=(), maximum_interval=365, enable_fuzzing=False)
    card, _ = scheduler.review_card(Card(card_id=1, due=NOW), Rating.Good, NOW)
    schedule = start_review("frac", now=NOW)
    moment = NOW
    for rating, days in steps:
        moment = moment + days * DAY
        card, _ = scheduler.review_card(card, rating, moment)
        schedule = record_review(schedule, rating, now=moment)
        assert schedule.stability == card.stability
        assert schedule.difficulty == card.difficulty
        assert schedule.due == card.due
        assert retrievability(schedule, now=moment + 3 * DAY) == scheduler.get_card_retrievability(
            card, moment + 3 * DAY
        )
    assert schedule.lapses == sum(r is Rating.Again for r, _ in steps)
    assert ReviewSchedule.from_dict(json.loads(json.dumps(schedule.to_dict()))) == schedule


def test_good_lengthens_and_again_shortens() -> None:
    schedule = start_review("frac", now=NOW)
    good = record_review(schedule, Rating.Good, now=schedule.due)
    again = record_review(schedule, Rating.Again, now=schedule.due)
    assert good.due - good.last_review > schedule.due - schedule.last_review
    assert again.stability < schedule.stability
    assert again.lapses == 1


def test_out_of_order_and_naive_times_are_refused() -> None:
    schedule = start_review("frac", now=NOW)
    with pytest.raises(ValueError, match="in order"):
        record_review(schedule, Rating.Good, now=NOW - DAY)
    naive = datetime(2026, 3, 2, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        start_review("frac", now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        due_reviews({}, now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        reviews_allowed_today(now=NOW, away_since=naive)


def mastered_on(days_ago: dict[str, int], now: datetime = NOW) -> dict[str, ReviewSchedule]:
    return {skill: start_review(skill, now=now - days * DAY) for skill, days in days_ago.items()}


def test_due_reviews_most_at_risk_first_within_the_cap() -> None:
    schedules = mastered_on({"a": 3, "b": 20, "c": 9, "d": 1})
    due = due_reviews(schedules, now=NOW, policy=ReviewPolicy(daily_cap=2, restart_cap=1))
    assert [d.skill_id for d in due] == ["b", "c"]
    assert due[0].retrievability < due[1].retrievability
    assert due[0].days_since_review == 20
    assert due_reviews(schedules, now=NOW) == due_reviews(schedules, now=NOW, reviewed_today=0)
    assert [d.skill_id for d in due_reviews(schedules, now=NOW)] == ["b", "c", "a"]  # d is not due yet
    assert due_reviews(schedules, now=NOW, reviewed_today=10) == ()


def test_reviews_allowed_today() -> None:
    policy = ReviewPolicy(daily_cap=10, restart_after_days=3, restart_cap=4)
    assert reviews_allowed_today(now=NOW, policy=policy) == 10
    assert reviews_allowed_today(now=NOW, policy=policy, reviewed_today=7) == 3
    assert reviews_allowed_today(now=NOW, policy=policy, away_since=NOW - 2 * DAY) == 10
    assert reviews_allowed_today(now=NOW, policy=policy, away_since=NOW - 3 * DAY) == 4
    assert reviews_allowed_today(now=NOW, policy=policy, away_since=NOW - 30 * DAY, reviewed_today=9) == 0


@given(
    st.dictionaries(st.sampled_from([f"s{i}" for i in range(40)]), st.integers(0, 90), min_size=1),
    st.lists(ratings, min_size=60, max_size=60),
    st.integers(min_value=1, max_value=8),
)
@settings(max_examples=30, deadline=None)
def test_daily_review_load_never_exceeds_the_cap(
    mastered_days_ago: dict[str, int], day_ratings: list[Rating], cap: int
) -> None:
    policy = ReviewPolicy(daily_cap=cap, restart_cap=cap)
    schedules = mastered_on(mastered_days_ago, now=NOW - 90 * DAY)
    for day, rating in enumerate(day_ratings):
        now = NOW - 90 * DAY + day * DAY
        offered = due_reviews(schedules, now=now, policy=policy)
        assert len(offered) <= cap
        for review in offered:
            schedules[review.skill_id] = record_review(
                schedules[review.skill_id], rating, now=now, policy=policy
            )


@given(st.integers(min_value=1, max_value=60), st.integers(min_value=30, max_value=120))
@settings(max_examples=30, deadline=None)
def test_gentle_restart_after_days_away(n_skills: int, days_away: int) -> None:
    policy = ReviewPolicy(daily_cap=10, restart_cap=5, restart_after_days=3)
    last_seen = NOW - days_away * DAY
    schedules = {f"s{i}": start_review(f"s{i}", now=last_seen - (i % 7) * DAY) for i in range(n_skills)}
    day_one = due_reviews(schedules, now=NOW, policy=policy, away_since=last_seen)
    assert len(day_one) <= policy.restart_cap <= policy.daily_cap
    assert len(day_one) == min(n_skills, policy.restart_cap)

    before = copy.deepcopy(schedules)
    spread = spread_backlog(schedules, now=NOW, policy=policy, away_since=last_seen)
    assert schedules == before  # input untouched
    assert spread.keys() == schedules.keys()
    still_due = [s for s in spread.values() if s.due <= NOW]
    assert len(still_due) == len(day_one)
    for k in range(1, 1 + n_skills):
        window = [s for s in spread.values() if NOW + k * DAY <= s.due < NOW + (k + 1) * DAY]
        assert len(window) <= policy.daily_cap
    for skill, schedule in spread.items():  # only the due date moves: FSRS memory state is untouched
        assert (schedule.stability, schedule.difficulty, schedule.last_review) == (
            before[skill].stability,
            before[skill].difficulty,
            before[skill].last_review,
        )


def test_spread_backlog_fills_around_reviews_already_planned() -> None:
    policy = ReviewPolicy(daily_cap=2, restart_cap=1)
    overdue = mastered_on({"a": 30, "b": 29, "c": 28, "d": 27})
    planned = {"e": start_review("e", now=NOW - DAY)}  # due tomorrow (in day window 1)
    spread = spread_backlog({**overdue, **planned}, now=NOW, policy=policy, away_since=NOW - 30 * DAY)
    assert spread["a"] == overdue["a"]  # most at risk: stays due today
    days = {skill: (s.due - NOW) // DAY for skill, s in spread.items() if skill in "bcd"}
    assert days == {"b": 1, "c": 2, "d": 2}  # day 1 already holds "e"


def test_policy_validation_and_round_trip() -> None:
    policy = ReviewPolicy(desired_retention=0.85, daily_cap=7, restart_cap=3, maximum_interval_days=180)
    assert ReviewPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(ValueError, match="restart_cap"):
        ReviewPolicy(daily_cap=3, restart_cap=5)
    with pytest.raises(ValueError, match="desired_retention"):
        ReviewPolicy(desired_retention=1.0)
    with pytest.raises(ValueError, match="out of bounds"):
        ReviewPolicy(parameters=(100.0,) * 21)
    with pytest.raises(ValueError, match="unsupported format version"):
        ReviewSchedule.from_dict({**start_review("a", now=NOW).to_dict(), "version": 2})


def test_schedule_after_answer() -> None:
    assert schedule_after_answer(None, skill_id="a", mastered=False, rating=Rating.Good, now=NOW) is None
    started = schedule_after_answer(None, skill_id="a", mastered=True, rating=Rating.Hard, now=NOW)
    assert started == start_review("a", now=NOW)  # mastery is the first review, rated Good
    later = schedule_after_answer(
        started, skill_id="a", mastered=True, rating=Rating.Again, now=NOW + 2 * DAY
    )
    assert later == record_review(started, Rating.Again, now=NOW + 2 * DAY)
    with pytest.raises(ValueError, match="was given for an answer on 'b'"):
        schedule_after_answer(started, skill_id="b", mastered=True, rating=Rating.Good, now=NOW + DAY)
