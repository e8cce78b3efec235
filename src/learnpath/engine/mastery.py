"""Mastery: when a skill counts as mastered, and the state of every skill on a learner's map.

The rule (``MasteryRule``) asks for two things, because either alone can be fooled:

1. **Belief.** The learner model's P(mastered) is at least ``threshold`` (default 0.95, the value used
   by Corbett & Anderson 1995, "Knowledge tracing", and by the Cognitive Tutors since).
2. **Evidence.** At least ``min_answers`` answers on the skill (default 3), the last ``min_streak`` of
   them right (default 2). A model with a generous prior can pass 0.95 after one lucky answer; a short
   streak of right answers is the "N in a row" rule of thumb that Kelly, Wang, Thompson & Heffernan
   (2015, "Defining mastery: knowledge tracing versus N-consecutive correct responses") found agrees
   with knowledge tracing while being easy to explain.

Or, after a long run, the streak alone: at least ``long_run_answers`` answers on the skill (default 10)
with the last ``long_run_streak`` right (default 3, the "3 in a row" of common products). On a skill whose
items are so noisy that a right answer says little (a fitted guess near 1 - slip), P(mastered) can stay
below the threshold however well the learner does, and the belief half alone would keep a learner on
it for ever; the long run bounds that, and on an ordinary skill three right in a row after ten answers
has already passed the belief half.

Mastery is never taken away as a punishment. Once reached, ``SkillProgress.mastered_at`` stays set; a
later wrong answer marks the skill ``lapsed`` and its state becomes ``review_due`` with a kind message,
never ``not_yet``. A skill in ``review_due`` still counts as mastered for its dependents, so one slip never
locks skills the learner has already opened.

States (``MasteryState``), each with a reason a ten-year-old can read:

- ``not_yet``: some prerequisite is not mastered;
- ``ready``: prerequisites mastered (or none), not started;
- ``in_progress``: started, not mastered yet;
- ``mastered``: mastered, nothing due;
- ``review_due``: mastered, and either its spaced review is due or it was missed since.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from learnpath.engine.answers import require_utc
from learnpath.engine.documents import check_document, dump_flat, load_flat
from learnpath.engine.skill_graph import SkillGraph
from learnpath.engine.wording import _, and_list, ngettext

FORMAT_VERSION = 1


class MasteryState(StrEnum):
    """Where a skill stands for one learner."""

    NOT_YET = "not_yet"
    READY = "ready"
    IN_PROGRESS = "in_progress"
    MASTERED = "mastered"
    REVIEW_DUE = "review_due"


def _check_probability(value: float, what: str) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must be a probability in [0, 1], got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class MasteryRule:
    """Mastered when P(mastered) >= ``threshold`` and there is enough evidence (see the module docstring)."""

    threshold: float = 0.95
    min_answers: int = 3
    min_streak: int = 2
    long_run_answers: int = 10
    long_run_streak: int = 3

    def __post_init__(self) -> None:
        _check_probability(self.threshold, "the mastery threshold")
        if self.min_answers < 1 or self.min_streak < 1 or self.min_streak > self.min_answers:
            raise ValueError("MasteryRule needs 1 <= min_streak <= min_answers")
        if not self.min_streak <= self.long_run_streak <= self.long_run_answers or (
            self.long_run_answers < self.min_answers
        ):
            raise ValueError(
                "MasteryRule needs min_streak <= long_run_streak <= long_run_answers and "
                "min_answers <= long_run_answers"
            )

    def enough_evidence(self, evidence: Evidence) -> bool:
        """The evidence half of the rule."""
        return evidence.answers >= self.min_answers and evidence.correct_streak >= self.min_streak

    def long_run(self, evidence: Evidence) -> bool:
        """The long run: ``long_run_answers`` answers or more, the last ``long_run_streak`` right."""
        return evidence.answers >= self.long_run_answers and evidence.correct_streak >= self.long_run_streak

    def is_met(self, p_mastered: float, evidence: Evidence) -> bool:
        """Both halves of the rule, or the long run."""
        return (p_mastered >= self.threshold and self.enough_evidence(evidence)) or self.long_run(evidence)

    def to_dict(self) -> dict[str, Any]:
        return dump_flat(self, "MasteryRule", FORMAT_VERSION)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> MasteryRule:
        return load_flat(cls, document, "MasteryRule", FORMAT_VERSION)


@dataclass(frozen=True, slots=True)
class Evidence:
    """How much a learner has shown on a skill: answers given and the current run of right answers."""

    answers: int = 0
    correct_streak: int = 0

    def __post_init__(self) -> None:
        if self.answers < 0 or not 0 <= self.correct_streak <= self.answers:
            raise ValueError(f"Evidence needs 0 <= correct_streak <= answers, got {self!r}")

    def after(self, correct: bool) -> Evidence:
        """The evidence after one more answer ("I haven't learned this yet" counts as not correct)."""
        return Evidence(answers=self.answers + 1, correct_streak=self.correct_streak + 1 if correct else 0)


@dataclass(frozen=True, slots=True)
class SkillProgress:
    """One learner on one skill: the model's P(mastered), the evidence, and whether mastery was reached.

    ``mastered_at`` is set once, when the rule is first met, and never cleared. ``lapsed`` is set when a
    mastered skill is answered wrong and cleared by the next right answer on it.
    """

    skill_id: str
    p_mastered: float = 0.0
    evidence: Evidence = Evidence()
    mastered_at: datetime | None = None
    lapsed: bool = False
    last_practised: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "p_mastered", _check_probability(self.p_mastered, "p_mastered"))
        if self.mastered_at is not None:
            object.__setattr__(self, "mastered_at", require_utc(self.mastered_at, "mastered_at"))
        if self.last_practised is not None:
            object.__setattr__(self, "last_practised", require_utc(self.last_practised, "last_practised"))
        if self.lapsed and self.mastered_at is None:
            raise ValueError(f"skill {self.skill_id!r}: only a mastered skill can be lapsed")

    @property
    def is_mastered(self) -> bool:
        """Mastered at some point; stays true (mastery is never taken away)."""
        return self.mastered_at is not None

    def after_answer(
        self, *, correct: bool, p_mastered: float, now: datetime, rule: MasteryRule = MasteryRule()
    ) -> SkillProgress:
        """The progress after one answer, given the learner model's P(mastered) *after* that answer.

        Returns a new value; ``self`` is unchanged. Reaching the rule sets ``mastered_at = now``; a wrong
        answer on a mastered skill sets ``lapsed``; a right one clears it.
        """
        now = require_utc(now, "now")
        evidence = self.evidence.after(correct)
        p_mastered = _check_probability(p_mastered, "p_mastered")
        mastered_at = self.mastered_at
        if mastered_at is None and rule.is_met(p_mastered, evidence):
            mastered_at = now
        lapsed = mastered_at is not None and self.mastered_at is not None and not correct
        return replace(
            self,
            p_mastered=p_mastered,
            evidence=evidence,
            mastered_at=mastered_at,
            lapsed=lapsed,
            last_practised=now,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "SkillProgress",
            "version": FORMAT_VERSION,
            "skill_id": self.skill_id,
            "p_mastered": self.p_mastered,
            "answers": self.evidence.answers,
            "correct_streak": self.evidence.correct_streak,
            "mastered_at": _iso(self.mastered_at),
            "lapsed": self.lapsed,
            "last_practised": _iso(self.last_practised),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> SkillProgress:
        check_document(document, "SkillProgress", FORMAT_VERSION)
        return cls(
            skill_id=str(document["skill_id"]),
            p_mastered=float(document["p_mastered"]),
            evidence=Evidence(
                answers=int(document["answers"]), correct_streak=int(document["correct_streak"])
            ),
            mastered_at=_from_iso(document["mastered_at"]),
            lapsed=bool(document["lapsed"]),
            last_practised=_from_iso(document["last_practised"]),
        )


@dataclass(frozen=True, slots=True)
class SkillStatus:
    """The state of one skill on the learner's map, and the reason for it in plain words."""

    skill_id: str
    state: MasteryState
    reason: str


def mastered_skills(progress: Mapping[str, SkillProgress]) -> frozenset[str]:
    """Skills mastered at some point (review-due ones included: mastery is never taken away)."""
    return frozenset(skill_id for skill_id, p in progress.items() if p.is_mastered)


def skill_states(
    graph: SkillGraph,
    progress: Mapping[str, SkillProgress],
    *,
    now: datetime,
    reviews_due: Collection[str] = (),
) -> dict[str, SkillStatus]:
    """The state and reason of every skill in ``graph``, in topological order.

    ``progress`` may leave skills out (never practised). ``reviews_due`` names the mastered skills whose
    spaced review is due at ``now`` (from ``review.due_reviews``; passed in so mastery does not depend on
    the scheduler). Inputs are not modified.
    """
    now = require_utc(now, "now")
    mastered = mastered_skills(progress)
    due = frozenset(reviews_due)
    states: dict[str, SkillStatus] = {}
    for skill_id in graph.topological_order():
        entry = progress.get(skill_id, SkillProgress(skill_id=skill_id))
        name = graph.name(skill_id)
        if entry.is_mastered:
            if entry.lapsed:
                state, reason = MasteryState.REVIEW_DUE, lapsed_reason(name)
            elif skill_id in due:
                state, reason = MasteryState.REVIEW_DUE, review_reason(name, entry.last_practised, now)
            else:
                state = MasteryState.MASTERED
                reason = _("Mastered: you showed you know {name}. Great work!").format(name=name)
        elif unmet := graph.unmet_prerequisites(skill_id, mastered):
            state, reason = MasteryState.NOT_YET, not_yet_reason(graph, skill_id, unmet)
        elif entry.evidence.answers == 0:
            state, reason = MasteryState.READY, ready_reason(graph, skill_id)
        else:
            state = MasteryState.IN_PROGRESS
            reason = ngettext(
                "Learning: you have answered {count} question on {name}. Keep going!",
                "Learning: you have answered {count} questions on {name}. Keep going!",
                entry.evidence.answers,
            ).format(count=entry.evidence.answers, name=name)
        states[skill_id] = SkillStatus(skill_id=skill_id, state=state, reason=reason)
    return states


# -- reasons, in words a ten-year-old reads ------------------------------------------------------------


def ready_reason(graph: SkillGraph, skill_id: str) -> str:
    """ "Ready: you mastered Fractions, which Decimals builds on" (or a first-step message for a root)."""
    name = graph.name(skill_id)
    prerequisites = graph.prerequisites(skill_id)
    if not prerequisites:
        return _("Ready: {name} is a good place to start.").format(name=name)
    names = and_list([graph.name(p) for p in prerequisites])
    return _("Ready: you mastered {names}, which {name} builds on.").format(names=names, name=name)


def not_yet_reason(graph: SkillGraph, skill_id: str, unmet: tuple[str, ...]) -> str:
    """Why a skill is locked, pointing at what to do first."""
    names = and_list([graph.name(p) for p in unmet])
    return ngettext(
        "Not yet: {name} builds on {names}. Master it first.",
        "Not yet: {name} builds on {names}. Master those first.",
        len(unmet),
    ).format(name=graph.name(skill_id), names=names)


def lapsed_reason(name: str) -> str:
    """The kind message for a mastered skill that was just missed."""
    return _(
        "Time to review: {name} was tricky just now. You still have it mastered, "
        "and a quick review will make it strong again."
    ).format(name=name)


def review_reason(name: str, last_practised: datetime | None, now: datetime) -> str:
    """ "Review: it has been 9 days since you practised Fractions"."""
    days = 0 if last_practised is None else max(0, (now - last_practised).days)
    if days == 0:
        return _("Review: a quick review keeps {name} fresh.").format(name=name)
    return ngettext(
        "Review: it has been {count} day since you practised {name}.",
        "Review: it has been {count} days since you practised {name}.",
        days,
    ).format(count=days, name=name)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
