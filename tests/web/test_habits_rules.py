"""Issue 11, the rules of the daily goal and practice days (learning/habits.py): pure, no Django, no clock.

Golden dates: 2026-12-07 is a Monday. A run of practice days survives one missed day between two practice
days; two or more missed days end it, and the total of days practised never goes down.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from learnpath.web.learning.habits import DailyGoal, day_questions, practice_days

MON = date(2026, 12, 7)


def day(n: int) -> date:
    """The day ``n`` days after Monday 2026-12-07."""
    return MON + timedelta(days=n)


def test_no_practice_yet() -> None:
    days = practice_days([], today=MON)
    assert (days.total, days.run, days.practised_today, days.welcome_back) == (0, 0, False, False)
    assert days.last_day is None


def test_consecutive_days_make_a_run() -> None:
    days = practice_days([day(0), day(1), day(2)], today=day(2))
    assert (days.total, days.run, days.practised_today, days.welcome_back) == (3, 3, True, False)


def test_one_missed_day_between_practice_days_is_forgiven() -> None:
    # Mon, Tue, (Wed missed), Thu: still one run of three practice days.
    days = practice_days([day(0), day(1), day(3)], today=day(3))
    assert (days.total, days.run, days.welcome_back) == (3, 3, False)
    # On Friday, not practised yet: the run is still there.
    days = practice_days([day(0), day(1), day(3)], today=day(4))
    assert (days.total, days.run, days.practised_today, days.welcome_back) == (3, 3, False, False)


def test_the_day_after_a_missed_day_the_run_still_stands() -> None:
    # Last practised Thursday; Friday missed; on Saturday the run waits (one missed day is forgiven).
    days = practice_days([day(0), day(1), day(3)], today=day(5))
    assert (days.run, days.welcome_back, days.last_day) == (3, False, day(3))


def test_two_missed_days_end_the_run_silently() -> None:
    # Last practised Thursday; Friday and Saturday missed: on Sunday the run has ended, nothing else changes.
    days = practice_days([day(0), day(1), day(3)], today=day(6))
    assert (days.total, days.run, days.practised_today, days.welcome_back) == (3, 0, False, True)


def test_coming_back_after_two_missed_days_starts_a_new_run_and_keeps_the_total() -> None:
    # Mon, Tue, (Wed, Thu missed), Fri: a new run of one; welcome back on the day of return.
    days = practice_days([day(0), day(1), day(4)], today=day(4))
    assert (days.total, days.run, days.practised_today, days.welcome_back) == (3, 1, True, True)
    # The day after, practising again: a run of two, no longer "welcome back".
    days = practice_days([day(0), day(1), day(4), day(5)], today=day(5))
    assert (days.total, days.run, days.welcome_back) == (4, 2, False)


def test_alternate_days_are_one_long_run() -> None:
    days = practice_days([day(n) for n in range(0, 14, 2)], today=day(12))
    assert (days.total, days.run) == (7, 7)


def test_a_day_counts_once() -> None:
    days = practice_days([day(0), day(0), day(1)], today=day(1))
    assert (days.total, days.run) == (2, 2)


@given(
    st.sets(st.integers(min_value=0, max_value=60), max_size=30),
    st.integers(min_value=0, max_value=70),
    st.integers(min_value=0, max_value=70),
)
def test_the_total_never_goes_down(offsets: set[int], today: int, extra: int) -> None:
    """Neither a day passing nor another practice day lowers the total; the run never exceeds it."""
    days = [day(n) for n in offsets if n <= today]
    before = practice_days(days, today=day(today))
    later = practice_days(days, today=day(today + 5))
    more = practice_days([*days, day(min(extra, today))], today=day(today))
    assert later.total == before.total
    assert more.total >= before.total
    assert 0 <= before.run <= before.total
    ended = before.last_day is not None and (day(today) - before.last_day).days > 2
    assert (before.run == 0) == (before.last_day is None or ended)
    assert before.welcome_back or not ended


def test_day_questions_counts_each_question_answered_once() -> None:
    # Two questions in one course; the first answered three times (wrong, wrong, right).
    events = [
        ("a", "start"),
        ("a", "answer"),
        ("a", "answer"),
        ("a", "answer"),
        ("a", "start"),
        ("a", "answer"),
    ]
    questions = day_questions(events)
    assert questions.answered == 2
    assert questions.last_course == "a"


def test_day_questions_a_question_started_yesterday_counts_today() -> None:
    questions = day_questions([("a", "answer"), ("a", "start"), ("a", "answer")])
    assert questions.answered == 2


def test_day_questions_a_question_only_started_or_skipped_does_not_count() -> None:
    questions = day_questions([("a", "start"), ("a", "hint"), ("a", "skip"), ("a", "start")])
    assert questions.answered == 0
    assert questions.last_course == ""


def test_day_questions_in_two_courses_at_once() -> None:
    events = [("a", "start"), ("b", "start"), ("a", "answer"), ("b", "answer"), ("a", "answer")]
    questions = day_questions(events)
    assert questions.answered == 2
    assert questions.last_course == "b"  # the question answered last for the first time


def test_daily_goal_progress() -> None:
    assert DailyGoal(goal=10, answered=4).reached is False
    assert DailyGoal(goal=10, answered=4).percent == 40
    assert DailyGoal(goal=10, answered=10).reached is True
    assert DailyGoal(goal=5, answered=7).percent == 100
    assert DailyGoal(goal=None, answered=7).reached is False
    assert DailyGoal(goal=None, answered=7).percent == 0
