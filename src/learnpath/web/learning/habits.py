"""The daily goal and practice days: pure rules, no Django and no clock (``today`` is passed in).

A *practice day* is a calendar day (in the learner's time zone, decided by the caller) with at least one
answer. Practice days never punish (issue 11, docs/decisions/0077):

- the **total** of days practised only grows: a day passing or a new practice day never lowers it;
- a **run** is a chain of practice days in which at most ``FORGIVEN_MISSED_DAYS`` day is missed between
  two practice days. Two or more missed days end the run silently: nothing is taken away, the page
  welcomes the learner back and shows the total. The run is kept for the learner's sake, never shown as a
  zero or as something lost.

The daily goal counts *questions answered today*: each question with at least one answer today counts
once, however many tries it took; a question only started, or only skipped ("I haven't learned this
yet"), does not fill the goal.

Lally et al. (2010, "How are habits formed", Eur. J. Soc. Psychol. 40(6)) found that missing one
opportunity did not materially affect habit formation; the forgiven day follows that finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

FORGIVEN_MISSED_DAYS = 1
"""Days that may be missed between two practice days of one run."""


@dataclass(frozen=True)
class PracticeDays:
    """The learner's practice days as of ``today``.

    ``run`` is the number of practice days in the current run (0 when there is none: no practice yet, or
    the run ended); ``welcome_back`` is true when the learner had practised before and the last run ended
    (two or more missed days), until they have practised on two days of a new run.
    """

    total: int
    run: int
    practised_today: bool
    welcome_back: bool
    last_day: date | None


def practice_days(days: Iterable[date], *, today: date) -> PracticeDays:
    """Total, current run and "welcome back" from the days with an answer (any order, repeats allowed).

    Days after ``today`` (a clock moved back) count in the total and nowhere else.
    """
    every = set(days)
    past = sorted(day for day in every if day <= today)
    if not past:
        return PracticeDays(total=len(every), run=0, practised_today=False, welcome_back=False, last_day=None)
    longest_gap = FORGIVEN_MISSED_DAYS + 1  # days between two practice days of one run
    run = 1
    while run < len(past) and (past[-run] - past[-run - 1]).days <= longest_gap:
        run += 1
    last = past[-1]
    practised_today = last == today
    if (today - last).days > longest_gap:  # two or more missed days since: the run has ended
        return PracticeDays(total=len(every), run=0, practised_today=False, welcome_back=True, last_day=last)
    return PracticeDays(
        total=len(every),
        run=run,
        practised_today=practised_today,
        # back today after a run that ended: welcome back for the whole day
        welcome_back=run == 1 and len(past) > 1,
        last_day=last,
    )


@dataclass(frozen=True)
class DailyGoal:
    """Questions answered today against the learner's daily goal (``goal`` None: no daily goal)."""

    goal: int | None
    answered: int

    @property
    def reached(self) -> bool:
        return self.goal is not None and self.answered >= self.goal

    @property
    def percent(self) -> int:
        """How far towards the goal, 0 to 100 (0 without a goal)."""
        if not self.goal:
            return 0
        return min(100, round(100 * self.answered / self.goal))


@dataclass(frozen=True)
class DayQuestions:
    """The questions answered on one day: how many, and the course of the one answered last for the first
    time (``""`` if none), which is the question that reached the goal when ``answered`` equals it."""

    answered: int
    last_course: str


def day_questions(events: Iterable[tuple[str, str]]) -> DayQuestions:
    """Count the questions answered in one day's ``(course id, event kind)`` pairs, in log order.

    A ``start`` opens a new question in its course; the first ``answer`` after it counts the question. An
    answer before any start that day belongs to a question started earlier, which counts today too.
    """
    counted: dict[str, bool] = {}  # course -> its current question is counted already
    answered = 0
    last_course = ""
    for course_id, kind in events:
        if kind == "start":
            counted[course_id] = False
        elif kind == "answer" and not counted.get(course_id, False):
            counted[course_id] = True
            answered += 1
            last_course = course_id
    return DayQuestions(answered=answered, last_course=last_course)


@dataclass(frozen=True)
class Habits:
    """What the course home and the practice page show: today's goal, practice days, and which course's
    question was the last one counted today."""

    today: DailyGoal
    days: PracticeDays
    last_course: str

    @property
    def goal_just_reached(self) -> bool:
        """The last question counted today is the one that reached the goal."""
        return self.today.goal is not None and self.today.answered == self.today.goal
