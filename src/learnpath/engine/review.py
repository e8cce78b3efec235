"""Spaced review of mastered skills, scheduled by FSRS through the ``fsrs`` package (py-fsrs 6.x).

Each mastered skill gets a ``ReviewSchedule``: a frozen, serialisable copy of one FSRS ``Card``. The FSRS
maths (stability, difficulty, retrievability, next interval) is the package's: Ye, Su & Cao (2022), "A
stochastic shortest path algorithm for optimizing spaced repetition scheduling" (KDD) and the FSRS-6
model of py-fsrs. This module only adapts it to skills:

- **Days, not minutes.** ``learning_steps`` and ``relearning_steps`` are empty: mastery already covered
  the learning within a session, so a card enters FSRS's Review state at once and every interval is in
  days. Mastery itself is the first review (rated Good by default).
- **Deterministic.** py-fsrs fuzzes intervals with the global ``random`` module; fuzzing is turned off
  (no global RNG in the engine). Spreading load is done by the daily cap and ``spread_backlog`` instead.
- **Answer -> Rating** (``rating_for_answer``), a documented mapping of one practice answer onto FSRS's
  four buttons (see there).
- **Daily cap.** At most ``daily_cap`` reviews a day; when more are due, the most at risk (lowest FSRS
  retrievability R = (1 + F * t / S) ^ -decay, FSRS-6) come first.
- **Gentle restart.** After ``restart_after_days`` or more away, the first day back offers only
  ``restart_cap`` reviews (fewer than a normal day), and ``spread_backlog`` moves the rest of the overdue
  reviews to the following days, at most ``daily_cap`` a day, most at risk first. Nobody comes back to a
  wall of overdue reviews.

Everything is pure: schedules in, new schedules out; inputs are never modified.
"""

from __future__ import annotations

import functools
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS

from learnpath.engine.answers import require_utc
from learnpath.engine.documents import check_document

FORMAT_VERSION = 1
DAY = timedelta(days=1)

__all__ = [
    "Confidence",
    "DueReview",
    "Rating",
    "ReviewPolicy",
    "ReviewSchedule",
    "due_reviews",
    "rating_for_answer",
    "record_review",
    "retrievability",
    "reviews_allowed_today",
    "schedule_after_answer",
    "spread_backlog",
    "start_review",
]


class Confidence(StrEnum):
    """The learner's own rating of how sure they were."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def rating_for_answer(
    *,
    correct: bool,
    hints_used: int = 0,
    seconds: float | None = None,
    expected_seconds: float | None = None,
    confidence: Confidence | None = None,
) -> Rating:
    """Map one practice answer on a skill to an FSRS rating.

    | answer                                                                     | rating |
    |----------------------------------------------------------------------------|--------|
    | wrong, or "I haven't learned this yet"                                     | Again  |
    | right, but with a hint, or unsure (low confidence), or slow (> 2x expected)| Hard   |
    | right, no hint, sure (high confidence) and fast (<= half the expected time)| Easy   |
    | any other right answer                                                     | Good   |

    FSRS's Hard means "recalled with serious difficulty" and Easy "recalled effortlessly" (the py-fsrs
    rating semantics); hints, doubt and slowness are the observable signs of difficulty. Easy needs both
    confidence and speed because it lengthens the next interval the most, and a wrong Easy is the costly
    mistake. Time is only used when both ``seconds`` and ``expected_seconds`` are given.
    """
    if hints_used < 0:
        raise ValueError(f"hints_used must be >= 0, got {hints_used}")
    if not correct:
        return Rating.Again
    slow = fast = False
    if seconds is not None and expected_seconds is not None and expected_seconds > 0:
        slow = seconds > 2 * expected_seconds
        fast = seconds <= 0.5 * expected_seconds
    if hints_used > 0 or confidence is Confidence.LOW or slow:
        return Rating.Hard
    if confidence is Confidence.HIGH and fast:
        return Rating.Easy
    return Rating.Good


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """FSRS settings and the workload rules. Defaults: 90 % retention, <= 10 reviews a day, 5 on a return."""

    desired_retention: float = 0.9
    maximum_interval_days: int = 365
    daily_cap: int = 10
    restart_after_days: int = 3
    restart_cap: int = 5
    parameters: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", tuple(float(p) for p in self.parameters))
        if not 0.0 < self.desired_retention < 1.0:
            raise ValueError(f"desired_retention must lie in (0, 1), got {self.desired_retention}")
        if self.daily_cap < 1 or not 1 <= self.restart_cap <= self.daily_cap:
            raise ValueError("ReviewPolicy needs 1 <= restart_cap <= daily_cap")
        if self.restart_after_days < 1 or self.maximum_interval_days < 1:
            raise ValueError("restart_after_days and maximum_interval_days must be >= 1")
        _scheduler(self)  # validates the FSRS parameters now, with py-fsrs's own message

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "ReviewPolicy",
            "version": FORMAT_VERSION,
            "desired_retention": self.desired_retention,
            "maximum_interval_days": self.maximum_interval_days,
            "daily_cap": self.daily_cap,
            "restart_after_days": self.restart_after_days,
            "restart_cap": self.restart_cap,
            "parameters": list(self.parameters),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> ReviewPolicy:
        check_document(document, "ReviewPolicy", FORMAT_VERSION)
        return cls(
            desired_retention=float(document["desired_retention"]),
            maximum_interval_days=int(document["maximum_interval_days"]),
            daily_cap=int(document["daily_cap"]),
            restart_after_days=int(document["restart_after_days"]),
            restart_cap=int(document["restart_cap"]),
            parameters=tuple(float(p) for p in document["parameters"]),
        )


@functools.lru_cache(maxsize=16)
def _scheduler(policy: ReviewPolicy) -> Scheduler:
    # Scheduler.review_card reads the scheduler and never writes it, so one instance per policy is shared.
    return Scheduler(
        parameters=policy.parameters,
        desired_retention=policy.desired_retention,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=policy.maximum_interval_days,
        enable_fuzzing=False,
    )


def _card_id(skill_id: str) -> int:
    # py-fsrs defaults card_id to the clock; a stable id from the skill keeps the engine clock-free.
    return zlib.crc32(skill_id.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class ReviewSchedule:
    """One mastered skill's FSRS card, frozen: stability and difficulty (FSRS), next due, last review."""

    skill_id: str
    stability: float
    difficulty: float
    due: datetime
    last_review: datetime
    reviews: int = 1
    lapses: int = 0
    fsrs_state: int = int(State.Review)
    step: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "due", require_utc(self.due, "due"))
        object.__setattr__(self, "last_review", require_utc(self.last_review, "last_review"))
        if self.stability <= 0 or not 1.0 <= self.difficulty <= 10.0:
            raise ValueError(f"review of {self.skill_id!r}: stability must be > 0 and difficulty in [1, 10]")
        State(self.fsrs_state)  # a clear ValueError for an unknown state

    def to_card(self) -> Card:
        """A fresh py-fsrs ``Card`` with this schedule's values (the caller may mutate it freely)."""
        return Card(
            card_id=_card_id(self.skill_id),
            state=State(self.fsrs_state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "ReviewSchedule",
            "version": FORMAT_VERSION,
            "skill_id": self.skill_id,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": self.last_review.isoformat(),
            "reviews": self.reviews,
            "lapses": self.lapses,
            "fsrs_state": self.fsrs_state,
            "step": self.step,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> ReviewSchedule:
        check_document(document, "ReviewSchedule", FORMAT_VERSION)
        step = document.get("step")
        return cls(
            skill_id=str(document["skill_id"]),
            stability=float(document["stability"]),
            difficulty=float(document["difficulty"]),
            due=datetime.fromisoformat(document["due"]),
            last_review=datetime.fromisoformat(document["last_review"]),
            reviews=int(document["reviews"]),
            lapses=int(document["lapses"]),
            fsrs_state=int(document["fsrs_state"]),
            step=None if step is None else int(step),
        )


def _from_card(skill_id: str, card: Card, *, reviews: int, lapses: int) -> ReviewSchedule:
    assert card.stability is not None
    assert card.difficulty is not None
    assert card.last_review is not None
    return ReviewSchedule(
        skill_id=skill_id,
        stability=float(card.stability),
        difficulty=float(card.difficulty),
        due=card.due,
        last_review=card.last_review,
        reviews=reviews,
        lapses=lapses,
        fsrs_state=int(card.state),
        step=card.step,
    )


def start_review(
    skill_id: str, *, now: datetime, rating: Rating = Rating.Good, policy: ReviewPolicy = ReviewPolicy()
) -> ReviewSchedule:
    """The schedule of a skill just mastered at ``now``: mastery counts as its first FSRS review.

    With the default parameters a Good first review is due again in about 2 days (FSRS initial stability
    S0(Good) = w2 = 2.3065 days, at 90 % retention).
    """
    now = require_utc(now, "now")
    card, _log = _scheduler(policy).review_card(Card(card_id=_card_id(skill_id), due=now), rating, now)
    return _from_card(skill_id, card, reviews=1, lapses=0)


def record_review(
    schedule: ReviewSchedule, rating: Rating, *, now: datetime, policy: ReviewPolicy = ReviewPolicy()
) -> ReviewSchedule:
    """The schedule after one review of the skill rated ``rating`` at ``now`` (py-fsrs ``review_card``).

    Any answer on a scheduled skill is a review, whether or not it was due; FSRS uses the time actually
    elapsed. Answers must come in order: ``now`` before the last review is refused.
    """
    now = require_utc(now, "now")
    if now < schedule.last_review:
        raise ValueError(
            f"review of {schedule.skill_id!r} at {now.isoformat()} is before its last review "
            f"at {schedule.last_review.isoformat()}: answers must be recorded in order"
        )
    rating = Rating(rating)
    card, _log = _scheduler(policy).review_card(schedule.to_card(), rating, now)
    lapses = schedule.lapses + int(rating == Rating.Again)
    return _from_card(schedule.skill_id, card, reviews=schedule.reviews + 1, lapses=lapses)


def schedule_after_answer(
    schedule: ReviewSchedule | None,
    *,
    skill_id: str,
    mastered: bool,
    rating: Rating,
    now: datetime,
    policy: ReviewPolicy = ReviewPolicy(),
) -> ReviewSchedule | None:
    """The review schedule after one answer on ``skill_id``: the one call the answer loop needs.

    ``mastered`` is the skill's mastery *after* the answer (``SkillProgress.is_mastered``). A skill not
    mastered has no schedule; the answer that first reaches mastery starts one (``start_review``, rated
    Good: mastery is the first successful recall); every later answer is a review rated ``rating``
    (``rating_for_answer``). Replaying a learner's answers through this gives the same schedules.
    """
    if schedule is None:
        return start_review(skill_id, now=now, policy=policy) if mastered else None
    if schedule.skill_id != skill_id:
        raise ValueError(f"the schedule of {schedule.skill_id!r} was given for an answer on {skill_id!r}")
    return record_review(schedule, rating, now=now, policy=policy)


def retrievability(
    schedule: ReviewSchedule, *, now: datetime, policy: ReviewPolicy = ReviewPolicy()
) -> float:
    """FSRS's probability of recall at ``now``: R(t, S) = (1 + F * t / S) ^ -decay, t in whole days."""
    now = require_utc(now, "now")
    return float(_scheduler(policy).get_card_retrievability(schedule.to_card(), now))


@dataclass(frozen=True, slots=True)
class DueReview:
    """A review due now: the skill, when it fell due, its recall probability, and days since last review."""

    skill_id: str
    due: datetime
    retrievability: float
    days_since_review: int


def reviews_allowed_today(
    *,
    now: datetime,
    policy: ReviewPolicy = ReviewPolicy(),
    reviewed_today: int = 0,
    away_since: datetime | None = None,
) -> int:
    """How many more reviews today: the day's cap less those done.

    ``away_since`` is when the learner was last active *before today*. If that is ``restart_after_days``
    or more ago, today is a return and its cap is ``restart_cap`` (the gentle restart).
    """
    now = require_utc(now, "now")
    if reviewed_today < 0:
        raise ValueError(f"reviewed_today must be >= 0, got {reviewed_today}")
    cap = policy.daily_cap
    if (
        away_since is not None
        and now - require_utc(away_since, "away_since") >= policy.restart_after_days * DAY
    ):
        cap = policy.restart_cap
    return max(0, cap - reviewed_today)


def _at_risk_first(
    schedules: Mapping[str, ReviewSchedule], *, now: datetime, policy: ReviewPolicy
) -> list[DueReview]:
    due = [
        DueReview(
            skill_id=skill_id,
            due=schedule.due,
            retrievability=retrievability(schedule, now=now, policy=policy),
            days_since_review=max(0, (now - schedule.last_review).days),
        )
        for skill_id, schedule in schedules.items()
        if schedule.due <= now
    ]
    due.sort(key=lambda d: (d.retrievability, d.due, d.skill_id))
    return due


def due_reviews(
    schedules: Mapping[str, ReviewSchedule],
    *,
    now: datetime,
    policy: ReviewPolicy = ReviewPolicy(),
    reviewed_today: int = 0,
    away_since: datetime | None = None,
) -> tuple[DueReview, ...]:
    """Reviews to offer at ``now``: due ones, most at risk (lowest retrievability) first, within today's cap.

    Ties are broken by earlier due date, then skill id, so the answer is deterministic. The number
    returned never exceeds ``reviews_allowed_today(...)``.
    """
    now = require_utc(now, "now")
    allowed = reviews_allowed_today(
        now=now, policy=policy, reviewed_today=reviewed_today, away_since=away_since
    )
    return tuple(_at_risk_first(schedules, now=now, policy=policy)[:allowed])


def spread_backlog(
    schedules: Mapping[str, ReviewSchedule],
    *,
    now: datetime,
    policy: ReviewPolicy = ReviewPolicy(),
    reviewed_today: int = 0,
    away_since: datetime | None = None,
) -> dict[str, ReviewSchedule]:
    """The gentle restart: keep today's share of overdue reviews due, move the rest to later days.

    Rule: rank every review due at ``now`` most at risk first. The first ``reviews_allowed_today(...)``
    stay due. The others are given, in that order, ``due = now + k days`` for the first day k >= 1 that
    has room, where a day's room is ``daily_cap`` less the reviews already due in that 24-hour window.
    Moving ``due`` changes no FSRS memory state: when the review happens FSRS uses the real elapsed time.
    Returns a new mapping with every schedule (moved ones replaced); the input is not modified.
    """
    now = require_utc(now, "now")
    allowed = reviews_allowed_today(
        now=now, policy=policy, reviewed_today=reviewed_today, away_since=away_since
    )
    ranked = _at_risk_first(schedules, now=now, policy=policy)
    result = dict(schedules)
    load: Counter[int] = Counter((s.due - now) // DAY for s in schedules.values() if s.due > now)
    day = 1
    for entry in ranked[allowed:]:
        while load[day] >= policy.daily_cap:
            day += 1
        load[day] += 1
        result[entry.skill_id] = replace(schedules[entry.skill_id], due=now + day * DAY)
    return result
