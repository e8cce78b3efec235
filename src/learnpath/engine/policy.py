"""The next-activity policy: what a learner should do next, ranked, each with a plain reason.

The policy takes the learner model's predictions as plain inputs — P(mastered) per skill inside
``SkillProgress``, P(correct) per candidate item as ``{skill_id: {item_id: p}}`` — so it works with any
learner model. It is pure and seeded: the same inputs and ``random_state`` give the same ranking.

Ranking, highest first (``score`` = tier + a quality in [0, 1) within the tier):

5. **chosen** — the skill the learner picked is honoured at once. If it is locked (``not_yet``), the
   policy offers its nearest unlocked prerequisites instead ("You chose Percent. It builds on Decimals,
   so let's master Decimals first"): the choice is never silently dropped, and never breaks prerequisites.
4. **review** — spaced reviews due now (``review.due_reviews``: most at risk first, within the daily cap
   and the gentle-restart cap), a skill missed after mastery (``lapsed``) first of all. Only review
   suggestions carry the review wording ("Review: ...", "Time to review: ..."), and so does a chosen
   skill that is due for review: a review picked from the choice board keeps the board's words.
3. **assigned** — teacher assignments, earliest due date first. An assignment may open a ``not_yet``
   skill: the teacher's decision overrides the graph, and the reason says which prerequisite is missing.
   An assignment retires once its skill is mastered (and not lapsed): the teacher's goal is met, so a
   past-due assignment does not come back forever nor push aside the starting points placement chose.
2. **mastery_check** — P(mastered) already at the threshold but the evidence short of the mastery rule:
   a few more answers settle it (Corbett & Anderson 1995; Kelly et al. 2015; see ``mastery``).
1. **practice** — ``ready`` and ``in_progress`` skills. The item is the one whose predicted success is
   closest to ``target`` (0.75) inside the productive band [0.6, 0.85]: hard enough to learn from, easy
   enough to succeed most of the time (the "desirable difficulty" of Bjork 1994 and the 85 % rule of
   Wilson, Shenhav, Straccia & Cohen 2019, "The Eighty Five Percent Rule for optimal learning"). A skill
   whose chosen item is outside the band is still offered, below every in-band one, as a stretch or a
   warm-up.
0. **extra** — only when nothing above exists (say, placement found the whole course known and no review
   is due): mastered skills as optional extra practice, least recently practised first, so the learner
   never meets an empty page. If no mastered skill has an item either (a content gap: the prerequisites
   have no questions), the locked skills that have items come last, saying which prerequisite is missing.
   The result is empty only when no skill has an item other than ``last_item``, or when an open skill's
   only item is ``last_item`` (then the caller may offer that item again rather than a locked skill).

Never suggested above tier 0: a ``not_yet`` skill (except by assignment), a ``mastered`` skill whose review
is not due (except when chosen). Never the item just seen. One suggestion per skill, at its highest tier.

Item rotation (the same rule for every tier and for the choice board). Within a skill the picker takes,
in this order: items not in ``avoid`` (unless the skill has nothing else); the fewest ``exposures`` (how
often the learner has been shown each item); in-band before out-of-band; closest to ``target``; a seeded
tie key. So no item returns while the skill has an unseen one: a repeated question shows that its answer
was remembered, not that the skill was learned (the reason adaptive tests control item exposure, Sympson &
Hetter 1985), and varied questions teach more. An unseen out-of-band item therefore comes before any repeat,
even an in-band one; it is offered honestly as a stretch or warm-up and ranks the skill below skills that
still have unseen in-band items, which nudges the learner towards fresh material elsewhere.

Interleaving (Rohrer & Taylor 2007, "The shuffling of mathematics problems improves learning"): if the
last ``max_in_a_row`` activities were all on one skill, every suggestion on that skill drops below all
others (its score becomes quality - 1), as long as there are others. This applies to the chosen skill
too: after ``max_in_a_row`` in a row one other activity comes in between, then the choice comes back on
top.

Exact ties (same exposures and quality) are broken by a key drawn from ``random_state`` per (skill, item),
so equally good items rotate between seeds and never depend on dictionary order.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from learnpath.engine.answers import require_utc
from learnpath.engine.documents import dump_flat, load_flat
from learnpath.engine.mastery import (
    MasteryRule,
    MasteryState,
    SkillProgress,
    SkillStatus,
    mastered_skills,
    ready_reason,
    skill_states,
)
from learnpath.engine.review import (
    DueReview,
    ReviewPolicy,
    ReviewSchedule,
    due_reviews,
    reviews_allowed_today,
)
from learnpath.engine.skill_graph import SkillGraph
from learnpath.engine.wording import _, and_list, month_name, ngettext, weekday_name

FORMAT_VERSION = 1
DEFAULT_RULE = MasteryRule()
DEFAULT_REVIEW_POLICY = ReviewPolicy()

ItemPredictions = Mapping[str, Mapping[str, float]]
"""Candidate items per skill with the learner model's P(correct) for this learner: ``{skill: {item: p}}``."""

NO_EXPOSURES: Mapping[str, int] = MappingProxyType({})
"""The default ``exposures``: no item shown yet (read-only, so a shared default cannot be mutated)."""


class SuggestionKind(StrEnum):
    """Why an activity is suggested; also its tier, in the order of ``_TIER``."""

    REVIEW = "review"
    CHOSEN = "chosen"
    ASSIGNED = "assigned"
    PRACTICE = "practice"
    MASTERY_CHECK = "mastery_check"
    EXTRA = "extra"


_TIER = {
    SuggestionKind.CHOSEN: 5,
    SuggestionKind.REVIEW: 4,
    SuggestionKind.ASSIGNED: 3,
    SuggestionKind.MASTERY_CHECK: 2,
    SuggestionKind.PRACTICE: 1,
    SuggestionKind.EXTRA: 0,
}
_BEST_QUALITY = 0.999  # keeps tier + quality strictly below the next tier


@dataclass(frozen=True, slots=True)
class Assignment:
    """A teacher's assignment of a skill, due at ``due`` (UTC)."""

    skill_id: str
    due: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "due", require_utc(self.due, "assignment due date"))


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """The productive band of predicted success, its target, and the interleaving limit."""

    band_low: float = 0.6
    band_high: float = 0.85
    target: float = 0.75
    max_in_a_row: int = 2

    def __post_init__(self) -> None:
        if not 0.0 <= self.band_low <= self.target <= self.band_high <= 1.0:
            raise ValueError("PolicyConfig needs 0 <= band_low <= target <= band_high <= 1")
        if self.max_in_a_row < 1:
            raise ValueError("max_in_a_row must be >= 1")

    def in_band(self, p_correct: float) -> bool:
        return self.band_low <= p_correct <= self.band_high

    def to_dict(self) -> dict[str, Any]:
        return dump_flat(self, "PolicyConfig", FORMAT_VERSION)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> PolicyConfig:
        return load_flat(cls, document, "PolicyConfig", FORMAT_VERSION)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested activity: its kind, skill and item, its ranking score, and the reason in plain words."""

    kind: SuggestionKind
    skill_id: str
    item_id: str
    score: float
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SuggestionKind(self.kind))

    def to_dict(self) -> dict[str, Any]:
        return dump_flat(self, "Suggestion", FORMAT_VERSION)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Suggestion:
        return load_flat(cls, document, "Suggestion", FORMAT_VERSION)


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """A skill on the choice board: its state and reason, and the item to start with (None if none)."""

    skill_id: str
    name: str
    state: MasteryState
    reason: str
    item_id: str | None


# -- the learner's map ---------------------------------------------------------------------------------


def skill_map(
    graph: SkillGraph,
    progress: Mapping[str, SkillProgress],
    *,
    now: datetime,
    schedules: Mapping[str, ReviewSchedule] | None = None,
    review_policy: ReviewPolicy = DEFAULT_REVIEW_POLICY,
    reviewed_today: int = 0,
    away_since: datetime | None = None,
) -> dict[str, SkillStatus]:
    """Every skill's state and reason, with ``review_due`` limited to today's capped reviews.

    Only the reviews ``review.due_reviews`` offers today show as due, so a learner back after a month
    sees a handful of skills to review, not a wall.
    """
    due = _todays_reviews(graph, schedules, now, review_policy, reviewed_today, away_since)
    return skill_states(graph, progress, now=now, reviews_due=[d.skill_id for d in due])


# -- the policy ----------------------------------------------------------------------------------------


def next_activities(
    graph: SkillGraph,
    progress: Mapping[str, SkillProgress],
    items: ItemPredictions,
    *,
    now: datetime,
    random_state: int | random.Random,
    schedules: Mapping[str, ReviewSchedule] | None = None,
    chosen_skill: str | None = None,
    assignments: Sequence[Assignment] = (),
    last_item: str | None = None,
    recent_skills: Sequence[str] = (),
    reviewed_today: int = 0,
    away_since: datetime | None = None,
    rule: MasteryRule = DEFAULT_RULE,
    review_policy: ReviewPolicy = DEFAULT_REVIEW_POLICY,
    config: PolicyConfig = PolicyConfig(),
    exposures: Mapping[str, int] = NO_EXPOSURES,
    avoid: Collection[str] = (),
) -> tuple[Suggestion, ...]:
    """Rank the next activities for one learner at ``now`` (see the module docstring for the rules).

    ``progress`` and ``schedules`` are per skill (skills left out have not been practised / have no
    review). ``recent_skills`` lists the skills of the latest activities, oldest first. ``reviewed_today``
    and ``away_since`` feed the daily review cap (``review.reviews_allowed_today``). An ``int``
    ``random_state`` is a seed; a ``random.Random`` is drawn from once. ``exposures`` counts how often
    the learner has been shown each item (items left out: never); within a skill the fewest come first.
    ``avoid`` names items not to use now, used only when the skill has nothing else. Nothing passed in is
    modified. Returns at most one suggestion per skill, best first; empty only when no skill has an item
    other than ``last_item``.
    """
    _check_inputs(graph, items, chosen_skill, assignments, exposures, avoid)
    now, picker, due, states = _prepare(
        graph,
        progress,
        items,
        now,
        random_state,
        schedules,
        last_item,
        reviewed_today,
        away_since,
        review_policy,
        config,
        exposures,
        avoid,
    )
    order = {skill_id: position for position, skill_id in enumerate(graph.topological_order())}
    found: dict[str, Suggestion] = {}

    def offer(kind: SuggestionKind, skill_id: str, item_id: str | None, quality: float, reason: str) -> None:
        if item_id is None:
            return
        score = _TIER[kind] + min(max(quality, 0.0), _BEST_QUALITY)
        if skill_id not in found or score > found[skill_id].score:
            found[skill_id] = Suggestion(
                kind=kind, skill_id=skill_id, item_id=item_id, score=score, reason=reason
            )

    if chosen_skill is not None:
        _offer_chosen(graph, states, progress, picker, chosen_skill, offer)
    allowed = reviews_allowed_today(
        now=now, policy=review_policy, reviewed_today=reviewed_today, away_since=away_since
    )
    _offer_reviews(states, progress, picker, due, allowed, offer)
    _offer_assignments(graph, states, progress, picker, assignments, now, offer)
    for skill_id, status in states.items():
        entry = progress.get(skill_id, SkillProgress(skill_id=skill_id))
        if status.state not in (MasteryState.READY, MasteryState.IN_PROGRESS):
            continue
        if entry.p_mastered >= rule.threshold and not rule.enough_evidence(entry.evidence):
            item_id, _p = picker.pick(skill_id)
            quality = (entry.p_mastered - rule.threshold) / max(1.0 - rule.threshold, 1e-9)
            offer(SuggestionKind.MASTERY_CHECK, skill_id, item_id, quality, _check_reason(graph, entry, rule))
        else:
            _offer_practice(graph, status, picker, config, offer)
    if not found:
        _offer_extra(graph, states, progress, picker, offer)

    ranked = _interleave(list(found.values()), recent_skills, config.max_in_a_row)
    ranked.sort(key=lambda s: (-s.score, order[s.skill_id]))
    return tuple(ranked)


def choice_board(
    graph: SkillGraph,
    progress: Mapping[str, SkillProgress],
    items: ItemPredictions | None = None,
    *,
    now: datetime,
    random_state: int | random.Random = 0,
    schedules: Mapping[str, ReviewSchedule] | None = None,
    last_item: str | None = None,
    reviewed_today: int = 0,
    away_since: datetime | None = None,
    include_mastered: bool = False,
    review_policy: ReviewPolicy = DEFAULT_REVIEW_POLICY,
    config: PolicyConfig = PolicyConfig(),
    exposures: Mapping[str, int] = NO_EXPOSURES,
    avoid: Collection[str] = (),
) -> tuple[BoardEntry, ...]:
    """Everything the learner may choose now, in topological order, with the reason for each.

    That is every ``ready``, ``in_progress`` and ``review_due`` skill (and ``mastered`` ones with
    ``include_mastered``, or when there is nothing else: a learner who knows the whole course may still
    choose extra practice), never a ``not_yet`` one. ``item_id`` is the item to start with, picked by the
    policy's rotation rule (``exposures``, ``avoid``, never ``last_item``; see the module docstring), or
    None when ``items`` has none for the skill.
    """
    items = items or {}
    _check_inputs(graph, items, None, (), exposures, avoid)
    now, picker, _due, states = _prepare(
        graph,
        progress,
        items,
        now,
        random_state,
        schedules,
        last_item,
        reviewed_today,
        away_since,
        review_policy,
        config,
        exposures,
        avoid,
    )
    allowed = {MasteryState.READY, MasteryState.IN_PROGRESS, MasteryState.REVIEW_DUE}
    if include_mastered or not any(status.state in allowed for status in states.values()):
        allowed.add(MasteryState.MASTERED)
    return tuple(
        BoardEntry(
            skill_id=skill_id,
            name=graph.name(skill_id),
            state=status.state,
            reason=status.reason,
            item_id=picker.pick(skill_id)[0],
        )
        for skill_id, status in states.items()
        if status.state in allowed
    )


# -- helpers -------------------------------------------------------------------------------------------


def _todays_reviews(
    graph: SkillGraph,
    schedules: Mapping[str, ReviewSchedule] | None,
    now: datetime,
    policy: ReviewPolicy,
    reviewed_today: int,
    away_since: datetime | None,
) -> tuple[DueReview, ...]:
    in_graph = {skill_id: s for skill_id, s in (schedules or {}).items() if skill_id in graph}
    return due_reviews(in_graph, now=now, policy=policy, reviewed_today=reviewed_today, away_since=away_since)


def _prepare(
    graph: SkillGraph,
    progress: Mapping[str, SkillProgress],
    items: ItemPredictions,
    now: datetime,
    random_state: int | random.Random,
    schedules: Mapping[str, ReviewSchedule] | None,
    last_item: str | None,
    reviewed_today: int,
    away_since: datetime | None,
    review_policy: ReviewPolicy,
    config: PolicyConfig,
    exposures: Mapping[str, int],
    avoid: Collection[str],
) -> tuple[datetime, _ItemPicker, tuple[DueReview, ...], dict[str, SkillStatus]]:
    """What both the policy and the board need: UTC ``now``, the item picker, today's reviews, the map."""
    now = require_utc(now, "now")
    seed = random_state.getrandbits(32) if isinstance(random_state, random.Random) else int(random_state)
    picker = _ItemPicker(items, exclude=last_item, avoid=avoid, exposures=exposures, seed=seed, config=config)
    due = _todays_reviews(graph, schedules, now, review_policy, reviewed_today, away_since)
    states = skill_states(graph, progress, now=now, reviews_due=[d.skill_id for d in due])
    return now, picker, due, states


class _ItemPicker:
    """Chooses a skill's item by the rotation rule of the module docstring.

    Key, smallest first: exposures, out of band, distance of P(correct) from the target, a seeded tie key.
    ``exclude`` (the item just seen) is never picked; ``avoid`` only when the skill has nothing else.
    """

    def __init__(
        self,
        items: ItemPredictions,
        *,
        exclude: str | None,
        avoid: Collection[str],
        exposures: Mapping[str, int],
        seed: int,
        config: PolicyConfig,
    ) -> None:
        self._items = items
        self._exclude = exclude
        self._avoid = frozenset(avoid)
        self._exposures = exposures
        self._seed = seed
        self._config = config

    def _key(self, skill_id: str, item_id: str, p: float) -> tuple[int, bool, float, int, str]:
        tie = zlib.crc32(f"{self._seed}\x1f{skill_id}\x1f{item_id}".encode())
        seen = int(self._exposures.get(item_id, 0))
        return (seen, not self._config.in_band(p), abs(p - self._config.target), tie, item_id)

    def pick(self, skill_id: str) -> tuple[str | None, float]:
        """The item to use for ``skill_id`` and its P(correct); ``(None, 0.0)`` when it has none."""
        candidates = [
            (item_id, float(p))
            for item_id, p in self._items.get(skill_id, {}).items()
            if item_id != self._exclude
        ]
        allowed = [c for c in candidates if c[0] not in self._avoid] or candidates
        if not allowed:
            return None, 0.0
        item_id, p = min(allowed, key=lambda c: self._key(skill_id, c[0], c[1]))
        return item_id, p

    def has_items(self, skill_id: str) -> bool:
        """Whether ``skill_id`` has any item at all, the one just seen included."""
        return bool(self._items.get(skill_id))


class _Offer(Protocol):
    def __call__(
        self, kind: SuggestionKind, skill_id: str, item_id: str | None, quality: float, reason: str
    ) -> None: ...


def _check_inputs(
    graph: SkillGraph,
    items: ItemPredictions,
    chosen_skill: str | None,
    assignments: Sequence[Assignment],
    exposures: Mapping[str, int],
    avoid: Collection[str],
) -> None:
    for skill_id, predictions in items.items():
        if skill_id not in graph:
            raise ValueError(f"items name skill {skill_id!r}, which is not in the skill graph")
        for item_id, p in predictions.items():
            if not 0.0 <= float(p) <= 1.0:
                raise ValueError(f"P(correct) of item {item_id!r} must lie in [0, 1], got {p!r}")
    if chosen_skill is not None and chosen_skill not in graph:
        raise ValueError(f"the chosen skill {chosen_skill!r} is not in the skill graph")
    for assignment in assignments:
        if assignment.skill_id not in graph:
            raise ValueError(f"assigned skill {assignment.skill_id!r} is not in the skill graph")
    for item_id, count in exposures.items():
        if int(count) != count or count < 0:
            raise ValueError(f"exposures of item {item_id!r} must be a count >= 0, got {count!r}")
    if isinstance(avoid, str):
        raise TypeError("avoid must be a collection of item ids, not a single string")


def _offer_chosen(
    graph: SkillGraph,
    states: Mapping[str, SkillStatus],
    progress: Mapping[str, SkillProgress],
    picker: _ItemPicker,
    chosen: str,
    offer: _Offer,
) -> None:
    name = graph.name(chosen)
    if states[chosen].state is not MasteryState.NOT_YET:
        item_id, _p = picker.pick(chosen)
        if states[chosen].state is MasteryState.REVIEW_DUE:
            # A review picked from the board is still a review: the same words as the board and the map.
            reason = states[chosen].reason
        else:
            if states[chosen].state is MasteryState.MASTERED:
                reason = _("You chose {name}. Extra practice keeps it strong.").format(name=name)
            else:
                reason = _("You chose {name}.").format(name=name)
        offer(SuggestionKind.CHOSEN, chosen, item_id, _BEST_QUALITY, reason)
        return
    # Locked: offer the unlocked skills on the way to it, nearest first.
    mastered = mastered_skills(progress)
    ancestors = graph.ancestors(chosen)
    frontier = [a for a in ancestors if a not in mastered and graph.is_ready(a, mastered)]
    for rank, skill_id in enumerate(reversed(frontier)):
        reason = _("You chose {name}. It builds on {other}, so let's master that first.").format(
            name=name, other=graph.name(skill_id)
        )
        item_id, _p = picker.pick(skill_id)
        offer(SuggestionKind.CHOSEN, skill_id, item_id, _BEST_QUALITY - 0.01 * (rank + 1), reason)


def _offer_reviews(
    states: Mapping[str, SkillStatus],
    progress: Mapping[str, SkillProgress],
    picker: _ItemPicker,
    due: Sequence[DueReview],
    allowed: int,
    offer: _Offer,
) -> None:
    """Lapsed skills first, then scheduled reviews most at risk first; ``allowed`` in all."""
    lapsed = [
        s for s, status in states.items() if status.state is MasteryState.REVIEW_DUE and progress[s].lapsed
    ]
    scheduled = [d.skill_id for d in due if states[d.skill_id].state is MasteryState.REVIEW_DUE]
    queue = list(dict.fromkeys(lapsed + scheduled))[:allowed]
    for rank, skill_id in enumerate(queue):
        item_id, _p = picker.pick(skill_id)
        quality = 1.0 - (rank + 1) / (len(queue) + 1)
        offer(SuggestionKind.REVIEW, skill_id, item_id, quality, states[skill_id].reason)


def _offer_assignments(
    graph: SkillGraph,
    states: Mapping[str, SkillStatus],
    progress: Mapping[str, SkillProgress],
    picker: _ItemPicker,
    assignments: Sequence[Assignment],
    now: datetime,
    offer: _Offer,
) -> None:
    """Open assignments, earliest due first. One whose skill is mastered and not lapsed is done: the
    teacher's goal is met, so it is not offered again (a lapsed one still is, as the teacher asked)."""
    done = {s for s, entry in progress.items() if entry.is_mastered and not entry.lapsed}
    by_due = sorted((a for a in assignments if a.skill_id not in done), key=lambda a: (a.due, a.skill_id))
    mastered = mastered_skills(progress)
    for rank, assignment in enumerate(by_due):
        skill_id = assignment.skill_id
        reason = _("Assigned by your teacher, {due}.").format(due=due_phrase(assignment.due, now))
        if unmet := graph.unmet_prerequisites(skill_id, mastered):
            names = and_list([graph.name(p) for p in unmet])
            reason += " " + _(
                "It builds on {names}, which you have not mastered yet, so ask for help if you need it."
            ).format(names=names)
        item_id, _p = picker.pick(skill_id)
        offer(SuggestionKind.ASSIGNED, skill_id, item_id, 1.0 - (rank + 1) / (len(by_due) + 1), reason)


def _offer_practice(
    graph: SkillGraph, status: SkillStatus, picker: _ItemPicker, config: PolicyConfig, offer: _Offer
) -> None:
    skill_id = status.skill_id
    name = graph.name(skill_id)
    item_id, p = picker.pick(skill_id)
    if item_id is None:
        return
    if config.in_band(p):
        # In band: quality in [0.5, 1) by closeness to the target.
        width = max(config.band_high - config.band_low, 1e-9)
        quality = 0.5 + 0.5 * (1.0 - abs(p - config.target) / width)
        if status.state is MasteryState.READY:
            reason = ready_reason(graph, skill_id)
        else:
            reason = _("Keep going: this {name} question is just the right challenge for you.").format(
                name=name
            )
        offer(SuggestionKind.PRACTICE, skill_id, item_id, quality, reason)
        return
    # Out of band (none in band, or only in-band repeats while this one is unseen): below every in-band
    # suggestion, nearer the band first.
    quality = 0.5 * (1.0 - min(abs(p - config.target), 1.0))
    if p < config.band_low:
        reason = _(
            "A stretch: this {name} question is a challenge. Hints are there if you need them."
        ).format(name=name)
    else:
        reason = _("Warm-up: this {name} question should feel easy.").format(name=name)
    offer(SuggestionKind.PRACTICE, skill_id, item_id, min(quality, 0.499), reason)


def _offer_extra(
    graph: SkillGraph,
    states: Mapping[str, SkillStatus],
    progress: Mapping[str, SkillProgress],
    picker: _ItemPicker,
    offer: _Offer,
) -> None:
    """The last resort, so a learner never meets an empty page: mastered skills as optional extra
    practice, least recently practised first; then, only if none has an item (a content gap), the locked
    skills that have items, in topological order, saying which prerequisite is missing."""
    mastered = mastered_skills(progress)
    position = {skill_id: k for k, skill_id in enumerate(states)}  # states are in topological order
    everything = all(skill_id in mastered for skill_id in states)

    def staleness(skill_id: str) -> tuple[bool, datetime | None, int]:
        when = progress[skill_id].last_practised
        return (when is not None, when, position[skill_id])  # never practised (placed) counts as oldest

    keep_sharp = sorted((s for s in states if s in mastered), key=staleness)
    queue: list[tuple[str, str, str]] = []
    for skill_id in keep_sharp:
        item_id, _p = picker.pick(skill_id)
        if item_id is not None:
            name = graph.name(skill_id)
            if everything:
                why = _("Extra practice: you have mastered everything here; keep {name} sharp.")
            else:
                why = _("Extra practice: nothing new is ready just now; keep {name} sharp.")
            queue.append((skill_id, item_id, why.format(name=name)))
    # A skill the learner may work on whose only item was just seen: nothing here, so the caller can offer
    # that item again rather than a locked skill.
    open_skills = [s for s, status in states.items() if status.state is not MasteryState.NOT_YET]
    if not queue and not any(picker.has_items(s) for s in open_skills):
        for skill_id, status in states.items():
            item_id, _p = picker.pick(skill_id)
            if status.state is not MasteryState.NOT_YET or item_id is None:
                continue
            unmet = and_list([graph.name(p) for p in graph.unmet_prerequisites(skill_id, mastered)])
            reason = _(
                "A step ahead: there is nothing else to practise just now, so try {name}. It builds on "
                "{unmet}, which you have not mastered yet, so ask for help if you need it."
            ).format(name=graph.name(skill_id), unmet=unmet)
            queue.append((skill_id, item_id, reason))
    for rank, (skill_id, item_id, reason) in enumerate(queue):
        offer(SuggestionKind.EXTRA, skill_id, item_id, 1.0 - (rank + 1) / (len(queue) + 1), reason)


@dataclass(frozen=True, slots=True)
class AnswersNeeded:
    """How many more right answers in a row a skill needs to be mastered, as far as the rule can tell.

    ``at_least``: the evidence half of the rule (``min_answers`` answers, the last ``min_streak`` right);
    no model can master the skill sooner. ``at_most``: the same when the model is already sure
    (P(mastered) >= threshold), otherwise the long run (``long_run_answers`` answers, the last
    ``long_run_streak`` right), which masters the skill whatever the model says. Between the two it
    depends on how sure the model becomes, so a page must not show one number unless ``exact``.
    """

    at_least: int
    at_most: int

    @property
    def exact(self) -> bool:
        return self.at_least == self.at_most


def answers_to_master(entry: SkillProgress, rule: MasteryRule = DEFAULT_RULE) -> AnswersNeeded | None:
    """The right answers in a row still needed to master ``entry``'s skill (None once it is mastered).

    Exact when P(mastered) is already at the threshold (a right answer does not lower it); otherwise a
    range from the evidence half of the rule to the long run (see ``AnswersNeeded``).
    """
    if entry.is_mastered:
        return None
    evidence = entry.evidence
    needed = max(rule.min_streak - evidence.correct_streak, rule.min_answers - evidence.answers, 1)
    long_run = max(
        rule.long_run_streak - evidence.correct_streak, rule.long_run_answers - evidence.answers, 1
    )
    at_least = min(needed, long_run)
    at_most = at_least if entry.p_mastered >= rule.threshold else long_run
    return AnswersNeeded(at_least=at_least, at_most=at_most)


def _check_reason(graph: SkillGraph, entry: SkillProgress, rule: MasteryRule) -> str:
    still = answers_to_master(entry, rule)
    needed = 1 if still is None else still.at_least
    name = graph.name(entry.skill_id)
    return ngettext(
        "Mastery check: you're nearly there with {name}. Get {count} more right to master it.",
        "Mastery check: you're nearly there with {name}. Get {count} more right to master it.",
        needed,
    ).format(name=name, count=needed)


def _interleave(
    suggestions: list[Suggestion], recent_skills: Sequence[str], max_in_a_row: int
) -> list[Suggestion]:
    """Drop the suggestions on a skill done ``max_in_a_row`` times running below all others, if any.

    The dropped score is quality - 1, in [-1, 0): below every tier, the lowest (extra, 0) included."""
    tail = list(recent_skills[-max_in_a_row:])
    if len(tail) < max_in_a_row or len(set(tail)) != 1:
        return suggestions
    repeated = tail[0]
    if all(s.skill_id == repeated for s in suggestions):
        return suggestions
    return [
        replace(s, score=s.score - _TIER[s.kind] - 1.0) if s.skill_id == repeated else s for s in suggestions
    ]


def due_phrase(due: datetime, now: datetime) -> str:
    """ "due today", "due tomorrow", "due Friday" (within a week), "due 3 December", or "was due Monday"."""
    due, now = require_utc(due, "due"), require_utc(now, "now")
    days = (due.date() - now.date()).days
    if days == 0:
        return _("due today")
    if days == 1:
        return _("due tomorrow")
    if 1 < days < 7:
        return _("due {weekday}").format(weekday=weekday_name(due))
    if -7 < days < 0:
        return _("which was due {weekday}").format(weekday=weekday_name(due))
    if days > 0:
        return _("due {day} {month}").format(day=due.day, month=month_name(due))
    return _("which was due {day} {month}").format(day=due.day, month=month_name(due))
