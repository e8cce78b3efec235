"""Answers: one learner's response to one item, singly (``Answer``) and as a columnar log (``AnswerLog``).

An ``Answer`` is what the online ``update(state, answer)`` of every learner model takes. An ``AnswerLog``
holds many answers as NumPy columns, which is what ``fit`` and the evaluator take: 300,000 answers as
Python objects would cost more to build than the models cost to fit.

Time is optional (the AKT folds have none). Where present it is a timezone-aware UTC ``datetime`` on an
``Answer`` and POSIX seconds (``NaN`` = unknown) in an ``AnswerLog``; naive datetimes are rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def require_utc(moment: datetime, what: str = "time") -> datetime:
    """Return ``moment`` in UTC; reject naive datetimes, which would silently mean local time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got the naive datetime {moment!r}")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Answer:
    """One graded answer: ``learner`` answered ``item``, tagged with ``skills``, ``correct`` or not."""

    learner: str
    item: str
    skills: tuple[str, ...]
    correct: bool
    time: datetime | None = None

    def __post_init__(self) -> None:
        if not self.skills:
            raise ValueError(f"answer to item {self.item!r} names no skill")
        if self.time is not None:
            object.__setattr__(self, "time", require_utc(self.time, "answer time"))


@dataclass(frozen=True, eq=False)
class AnswerLog:
    """Answers as columns, in the order they were given (per learner; learners may interleave).

    ``learner``, ``item`` index ``learner_ids`` and ``item_ids``; the skills of answer ``k`` are
    ``skill[skill_start[k]:skill_start[k + 1]]``, indexes into ``skill_ids``. ``time`` is POSIX seconds,
    ``NaN`` where unknown. Arrays are never written to after construction.
    """

    learner: IntArray
    item: IntArray
    skill_start: IntArray
    skill: IntArray
    correct: BoolArray
    time: FloatArray
    learner_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    skill_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        n = len(self.learner)
        if not (len(self.item) == len(self.correct) == len(self.time) == n):
            raise ValueError("AnswerLog columns must have the same length")
        if (
            len(self.skill_start) != n + 1
            or self.skill_start[0] != 0
            or self.skill_start[-1] != len(self.skill)
        ):
            raise ValueError("AnswerLog.skill_start must have one offset per answer plus one")
        if n and np.any(np.diff(self.skill_start) <= 0):
            raise ValueError("every answer in an AnswerLog must name at least one skill")
        for array in (self.learner, self.item, self.skill_start, self.skill, self.correct, self.time):
            array.flags.writeable = False

    def __len__(self) -> int:
        return len(self.learner)

    @property
    def n_skills_per_answer(self) -> IntArray:
        return np.diff(self.skill_start)

    def skills_of(self, k: int) -> tuple[str, ...]:
        return tuple(self.skill_ids[s] for s in self.skill[self.skill_start[k] : self.skill_start[k + 1]])

    def answer(self, k: int) -> Answer:
        """The ``k``-th answer as an ``Answer`` (for online use and tests; slow in bulk)."""
        seconds = float(self.time[k])
        moment = None if np.isnan(seconds) else datetime.fromtimestamp(seconds, tz=UTC)
        return Answer(
            learner=self.learner_ids[self.learner[k]],
            item=self.item_ids[self.item[k]],
            skills=self.skills_of(k),
            correct=bool(self.correct[k]),
            time=moment,
        )

    def answers(self) -> list[Answer]:
        return [self.answer(k) for k in range(len(self))]

    def select(self, rows: IntArray | BoolArray) -> AnswerLog:
        """The answers at ``rows`` (indexes or a mask), in that order, with the same vocabularies."""
        index = np.flatnonzero(rows) if rows.dtype == np.bool_ else np.asarray(rows, dtype=np.int64)
        counts = self.n_skills_per_answer[index]
        start = np.zeros(len(index) + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        # gather each answer's skill slice with one vectorised index
        offsets = np.repeat(self.skill_start[index] - start[:-1], counts) + np.arange(start[-1])
        return AnswerLog(
            learner=self.learner[index].copy(),
            item=self.item[index].copy(),
            skill_start=start,
            skill=self.skill[offsets].copy(),
            correct=self.correct[index].copy(),
            time=self.time[index].copy(),
            learner_ids=self.learner_ids,
            item_ids=self.item_ids,
            skill_ids=self.skill_ids,
        )

    @classmethod
    def concatenate(cls, logs: Sequence[AnswerLog]) -> AnswerLog:
        """One log with the answers of ``logs`` in turn; vocabularies are merged by id."""
        builder = AnswerLogBuilder()
        for log in logs:
            builder.extend_log(log)
        return builder.build()

    @classmethod
    def from_answers(cls, answers: Iterable[Answer]) -> AnswerLog:
        builder = AnswerLogBuilder()
        for answer in answers:
            seconds = float("nan") if answer.time is None else answer.time.timestamp()
            builder.add(answer.learner, answer.item, answer.skills, answer.correct, seconds)
        return builder.build()


class AnswerLogBuilder:
    """Accumulates answers with string ids and builds an ``AnswerLog`` (the loaders use this)."""

    def __init__(self) -> None:
        self._learners: dict[str, int] = {}
        self._items: dict[str, int] = {}
        self._skills: dict[str, int] = {}
        self._learner: list[int] = []
        self._item: list[int] = []
        self._skill: list[int] = []
        self._skill_start: list[int] = [0]
        self._correct: list[bool] = []
        self._time: list[float] = []

    def __len__(self) -> int:
        return len(self._learner)

    @staticmethod
    def _code(vocabulary: dict[str, int], key: str) -> int:
        code = vocabulary.get(key)
        if code is None:
            code = vocabulary[key] = len(vocabulary)
        return code

    def add(self, learner: str, item: str, skills: Sequence[str], correct: bool, time: float) -> None:
        if not skills:
            raise ValueError(f"answer to item {item!r} names no skill")
        self._learner.append(self._code(self._learners, learner))
        self._item.append(self._code(self._items, item))
        seen: list[int] = []
        for skill in skills:
            code = self._code(self._skills, skill)
            if code not in seen:  # a skill named twice on one answer counts once
                seen.append(code)
        self._skill.extend(seen)
        self._skill_start.append(len(self._skill))
        self._correct.append(bool(correct))
        self._time.append(time)

    def extend_log(self, log: AnswerLog) -> None:
        skill_ids = log.skill_ids
        start = log.skill_start
        for k in range(len(log)):
            skills = [skill_ids[s] for s in log.skill[start[k] : start[k + 1]]]
            self.add(
                log.learner_ids[log.learner[k]],
                log.item_ids[log.item[k]],
                skills,
                bool(log.correct[k]),
                float(log.time[k]),
            )

    def build(self) -> AnswerLog:
        return AnswerLog(
            learner=np.asarray(self._learner, dtype=np.int64),
            item=np.asarray(self._item, dtype=np.int64),
            skill_start=np.asarray(self._skill_start, dtype=np.int64),
            skill=np.asarray(self._skill, dtype=np.int64),
            correct=np.asarray(self._correct, dtype=np.bool_),
            time=np.asarray(self._time, dtype=np.float64),
            learner_ids=tuple(self._learners),
            item_ids=tuple(self._items),
            skill_ids=tuple(self._skills),
        )


def as_answer_log(events: AnswerLog | Iterable[Answer]) -> AnswerLog:
    """Accept either form wherever a model or the evaluator takes events."""
    if isinstance(events, AnswerLog):
        return events
    return AnswerLog.from_answers(events)


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    return {
        "learner": answer.learner,
        "item": answer.item,
        "skills": list(answer.skills),
        "correct": answer.correct,
        "time": None if answer.time is None else answer.time.isoformat(),
    }
