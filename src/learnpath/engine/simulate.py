"""Synthetic learners on any skill graph, and the runs that measure placement and practice policies on them.

**A synthetic learner** has, per skill, a true state: learned or not, a memory stability ``S`` (days) and the
day it was last practised. Its parameters come from a ``Population``:

- *Answers* follow BKT's emission (Corbett & Anderson 1994): P(right) = r (1 - slip) + (1 - r) guess, where
  r is the probability of recall now (0 if not learned).
- *Learning* from practice: after an item on a skill not learned, it becomes learned with the skill's
  ``p_learn`` times the learner's speed; times ``prerequisite_factor`` (0.1 by default) while a prerequisite
  is not learned, so learning out of order is slow (the prerequisite effect the skill graph encodes).
- *Forgetting* follows FSRS-6's memory model (Ye, Su & Cao 2022; py-fsrs 6 default parameters, fitted by the
  FSRS authors on millions of Anki reviews): recall probability R(t, S) = (1 + F t / S) ^ -decay with
  F = 0.9 ^ (-1 / decay) - 1; a fresh skill starts at S0 = w2 (2.3 days); a recalled practice grows S by
  the FSRS recall formula S (1 + e^w8 (11 - D) S^-w9 (e^(w10 (1 - R)) - 1)), a failed recall shrinks it by
  the forget formula (difficulty D held at FSRS's initial difficulty for "Good"). Massed practice on one day
  barely grows S; spaced practice does (the spacing effect).
- *Prior knowledge* (what placement has to find): before the course the learner studied a share of it drawn
  from ``prior_share`` (by default fitted: the spread of BKT's p_init over the ASSISTments skills),
  in an order that respects the graph (a ready skill, earlier levels more likely), long ago
  (1 to 180 days, S = ``prior_stability_days``). Using a skill's dependents rehearses it, so a studied skill
  that a studied dependent builds on stays known; one with no studied dependent (the top of what was
  studied) is still known with probability R(age, S). So some learners have a gap here and there.

- *Items*: each skill has ``items_per_skill`` simulated items (3; ids ``f"{skill}#{k}"``). By default an item
  has its skill's slip and guess; the ``noisy`` population gives every item its own (uniform on
  [0.15, 0.25] and [0.2, 0.3]). ``SimulatedCourse.ask`` and ``practise`` take an optional item id.
- *Populations* (``POPULATIONS``, ``Population.named``): ``default`` as above; ``broken-prerequisites``
  changes each learner until 10 % of the skills they know have a prerequisite they do not (half learned
  ahead of a prerequisite, half gaps below known skills); ``learned-ahead`` and ``gaps`` are its two
  halves alone; ``noisy`` has the noisy items. docs/placement.md says exactly what each assumes.

``Population.from_bkt`` summarises fitted BKT parameters (``bkt.BKT``) into logit-normal
distributions; ``learnpath simulate fit`` writes that summary as JSON. Everything draws from a seeded
``numpy.random.Generator``: the same seed gives the same learners and the same runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from fsrs.scheduler import DEFAULT_PARAMETERS

from learnpath.engine.answers import Answer
from learnpath.engine.bkt import BKTParams
from learnpath.engine.documents import check_document
from learnpath.engine.learner_loop import (
    Course,
    CourseState,
    EventKind,
    LearnerEvent,
    LoopItem,
    apply,
    initial_state,
    step,
    suggest,
)
from learnpath.engine.mastery import MasteryRule
from learnpath.engine.model_fit import FitOutcome, fit_course_model
from learnpath.engine.placement import (
    Outcome,
    Placement,
    PlacementItem,
    PlacementResult,
)
from learnpath.engine.policy import SuggestionKind
from learnpath.engine.served_model import PriorModel, ServedModel
from learnpath.engine.skill_graph import SkillGraph

FloatArray = npt.NDArray[np.float64]
FORMAT_VERSION = 1
COURSE_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
"""The simulated clock's start (any UTC time would do; the engine has no clock of its own)."""

DEFAULT_RULE = MasteryRule()
_W = tuple(float(w) for w in DEFAULT_PARAMETERS)
_DECAY = _W[20]
_FACTOR = 0.9 ** (-1.0 / _DECAY) - 1.0
_S0 = _W[2]
_D0 = _W[4] - math.exp(_W[5] * 2.0) + 1.0  # FSRS initial difficulty for rating Good (3)


def recall_probability(elapsed_days: float | FloatArray, stability: float | FloatArray) -> FloatArray:
    """FSRS-6 forgetting curve R(t, S) = (1 + F t / S) ^ -decay (py-fsrs default decay)."""
    t = np.maximum(np.asarray(elapsed_days, dtype=np.float64), 0.0)
    out: FloatArray = (1.0 + _FACTOR * t / np.asarray(stability, dtype=np.float64)) ** (-_DECAY)
    return out


def _stability_after_recall(stability: float, r: float) -> float:
    growth = math.exp(_W[8]) * (11.0 - _D0) * stability ** (-_W[9]) * (math.exp(_W[10] * (1.0 - r)) - 1.0)
    return float(stability * (1.0 + growth))


def _stability_after_lapse(stability: float, r: float) -> float:
    new = _W[11] * _D0 ** (-_W[12]) * ((stability + 1.0) ** _W[13] - 1.0) * math.exp(_W[14] * (1.0 - r))
    return float(min(stability, new))


@dataclass(frozen=True, slots=True)
class LogitNormal:
    """A distribution on (0, 1): logit(p) ~ N(``mean_logit``, ``sd_logit``^2) (Aitchison & Shen 1980).

    Fitted robustly (``fit``): the centre is the median logit and the spread the interquartile range of the
    logits / 1.349 (the sd of a normal with that IQR). EM fits of BKT put some skills at the bounds of the
    parameter range (learn rate 1e-4: Baker, Corbett & Aleven 2008 on degenerate fits); a moment fit would
    let those few make a tenth of simulated skills impossible to learn, which the fitted values' quartiles
    do not show.
    """

    mean_logit: float
    sd_logit: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.mean_logit) or not self.sd_logit >= 0:
            raise ValueError(f"LogitNormal needs a finite mean and sd >= 0, got {self!r}")

    @classmethod
    def fit(cls, values: Iterable[float]) -> LogitNormal:
        """Median and IQR / 1.349 of the logits of ``values`` (clipped to [0.001, 0.999])."""
        data = np.clip(np.asarray(list(values), dtype=np.float64), 1e-3, 1 - 1e-3)
        if data.size == 0:
            raise ValueError("LogitNormal.fit needs at least one value")
        logits = np.log(data / (1.0 - data))
        low, centre, high = np.quantile(logits, [0.25, 0.5, 0.75])
        return cls(mean_logit=float(centre), sd_logit=float((high - low) / 1.349))

    @property
    def median(self) -> float:
        return 1.0 / (1.0 + math.exp(-self.mean_logit))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        out: FloatArray = 1.0 / (1.0 + np.exp(-rng.normal(self.mean_logit, self.sd_logit, size)))
        return out

    def to_list(self) -> list[float]:
        return [self.mean_logit, self.sd_logit]


@dataclass(frozen=True, slots=True)
class Population:
    """How synthetic learners vary: per-skill BKT parameters and the learner-level spreads (module docstring).

    The defaults are textbook values; ``from_bkt`` and the shipped JSON (``learnpath simulate fit``) replace
    the four logit-normal distributions with ones fitted from real logs.
    """

    p_learn: LogitNormal = LogitNormal(-1.7, 1.0)  # median 0.15
    p_slip: LogitNormal = LogitNormal(-2.2, 0.5)  # median 0.10
    p_guess: LogitNormal = LogitNormal(-1.4, 0.5)  # median 0.20
    prior_share: LogitNormal = LogitNormal(0.0, 1.5)  # median 0.5
    learner_speed_sd: float = 0.5
    prerequisite_factor: float = 0.1
    prior_order_strength: float = 1.0
    prior_stability_days: float = 180.0
    items_per_day: int = 20
    source: str = "textbook defaults"
    name: str = "default"
    items_per_skill: int = 3
    item_slip_range: tuple[float, float] | None = None
    item_guess_range: tuple[float, float] | None = None
    broken_share: float = 0.0
    broken_kind: str = "ahead"

    def __post_init__(self) -> None:
        if not 0.0 <= self.prerequisite_factor <= 1.0:
            raise ValueError("prerequisite_factor must lie in [0, 1]")
        if self.items_per_day < 1 or self.prior_stability_days <= 0 or self.learner_speed_sd < 0:
            raise ValueError("items_per_day >= 1, prior_stability_days > 0 and learner_speed_sd >= 0")
        if self.items_per_skill < 1:
            raise ValueError("items_per_skill must be >= 1")
        for label, bounds in (
            ("item_slip_range", self.item_slip_range),
            ("item_guess_range", self.item_guess_range),
        ):
            if bounds is not None and not 0.0 <= bounds[0] <= bounds[1] <= 0.45:
                raise ValueError(f"{label} must be (low, high) with 0 <= low <= high <= 0.45, got {bounds}")
        if not 0.0 <= self.broken_share < 0.5 or self.broken_kind not in BROKEN_KINDS:
            raise ValueError(f"broken_share must lie in [0, 0.5) and broken_kind in {BROKEN_KINDS}")

    @classmethod
    def from_bkt(cls, params: Iterable[BKTParams], *, source: str, **overrides: Any) -> Population:
        """Summarise fitted BKT parameters (one per skill) into the population's distributions."""
        fitted = list(params)
        return cls(
            p_learn=LogitNormal.fit(p.p_learn for p in fitted),
            p_slip=LogitNormal.fit(p.p_slip for p in fitted),
            p_guess=LogitNormal.fit(p.p_guess for p in fitted),
            prior_share=LogitNormal.fit(p.p_init for p in fitted),
            source=source,
            **overrides,
        )

    def mean_params(self) -> BKTParams:
        """The population's mean BKT parameters: what a tracker that knows nobody in particular uses."""
        return BKTParams(
            p_init=self.prior_share.median,
            p_learn=self.p_learn.median,
            p_guess=self.p_guess.median,
            p_slip=self.p_slip.median,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "Population",
            "version": FORMAT_VERSION,
            "p_learn": self.p_learn.to_list(),
            "p_slip": self.p_slip.to_list(),
            "p_guess": self.p_guess.to_list(),
            "prior_share": self.prior_share.to_list(),
            "learner_speed_sd": self.learner_speed_sd,
            "prerequisite_factor": self.prerequisite_factor,
            "prior_order_strength": self.prior_order_strength,
            "prior_stability_days": self.prior_stability_days,
            "items_per_day": self.items_per_day,
            "source": self.source,
            "name": self.name,
            "items_per_skill": self.items_per_skill,
            "item_slip_range": None if self.item_slip_range is None else list(self.item_slip_range),
            "item_guess_range": None if self.item_guess_range is None else list(self.item_guess_range),
            "broken_share": self.broken_share,
            "broken_kind": self.broken_kind,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Population:
        check_document(document, "Population", FORMAT_VERSION)
        return cls(
            p_learn=LogitNormal(*document["p_learn"]),
            p_slip=LogitNormal(*document["p_slip"]),
            p_guess=LogitNormal(*document["p_guess"]),
            prior_share=LogitNormal(*document["prior_share"]),
            learner_speed_sd=float(document["learner_speed_sd"]),
            prerequisite_factor=float(document["prerequisite_factor"]),
            prior_order_strength=float(document["prior_order_strength"]),
            prior_stability_days=float(document["prior_stability_days"]),
            items_per_day=int(document["items_per_day"]),
            source=str(document["source"]),
            # documents written before populations had names and items: the default population
            name=str(document.get("name", "default")),
            items_per_skill=int(document.get("items_per_skill", 3)),
            item_slip_range=_bounds(document.get("item_slip_range")),
            item_guess_range=_bounds(document.get("item_guess_range")),
            broken_share=float(document.get("broken_share", 0.0)),
            broken_kind=str(document.get("broken_kind", "ahead")),
        )

    def named(self, name: str) -> Population:
        """This population with the changes of ``POPULATIONS[name]`` (its BKT distributions are kept)."""
        if name not in POPULATIONS:
            raise ValueError(f"unknown population {name!r}; choose from {', '.join(POPULATIONS)}")
        return replace(self, name=name, **POPULATIONS[name])


BROKEN_KINDS = ("ahead", "gap", "mixed")
"""How a learner comes to know a skill without a prerequisite (``Population.broken_kind``)."""

POPULATIONS: Mapping[str, Mapping[str, Any]] = {
    "default": {},
    "broken-prerequisites": {"broken_share": 0.10, "broken_kind": "mixed"},
    "learned-ahead": {"broken_share": 0.10, "broken_kind": "ahead"},
    "gaps": {"broken_share": 0.10, "broken_kind": "gap"},
    "noisy": {"item_slip_range": (0.15, 0.25), "item_guess_range": (0.2, 0.3)},
}
"""The simulated populations by name: changes to a base population (``Population.named``; docs/placement.md).

``broken-prerequisites``: 10 % of the skills a learner knows have a prerequisite they do not know; each break
is, with even chances, a skill learned ahead of a prerequisite (at the edge of what they know) or a gap (a
prerequisite inside what they know, never learned or forgotten). ``learned-ahead`` and ``gaps``: the same
share, all of one kind. ``noisy``: each item has its own slip in [0.15, 0.25] and guess in [0.2, 0.3], drawn
uniformly.
"""


def _bounds(value: Any) -> tuple[float, float] | None:
    return None if value is None else (float(value[0]), float(value[1]))


@dataclass(frozen=True)
class SkillParameters:
    """Parameters drawn once for a simulated course: per skill slip, guess and base learn rate; per item
    (``item_skill``: item id -> skill, ids ``f"{skill}#{k}"``) its own slip and guess.

    A skill's ``p_slip`` and ``p_guess`` are what an answer "on the skill" uses (no item named) and what a
    tracker calibrated per skill would hold: with items of their own (the ``noisy`` population) they are
    the means of its items' values.
    """

    p_slip: Mapping[str, float]
    p_guess: Mapping[str, float]
    p_learn: Mapping[str, float]
    item_skill: Mapping[str, str] = field(default_factory=dict)
    item_slip: Mapping[str, float] = field(default_factory=dict)
    item_guess: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def draw(
        cls,
        graph: SkillGraph,
        population: Population,
        rng: np.random.Generator,
        *,
        item_rng: np.random.Generator | None = None,
    ) -> SkillParameters:
        """Skills' parameters from the population's distributions; ``items_per_skill`` items per skill.

        An item has its skill's slip and guess, unless the population gives item ranges: then each item's
        slip and guess are uniform on them, drawn from ``item_rng`` (default ``rng``), so the skills' draws
        are those of a population without item ranges.
        """
        n = len(graph)
        slip = np.minimum(population.p_slip.sample(rng, n), 0.45)
        guess = np.minimum(population.p_guess.sample(rng, n), 0.45)
        learn = population.p_learn.sample(rng, n)
        ids = graph.skill_ids
        p_slip = {s: float(v) for s, v in zip(ids, slip, strict=True)}
        p_guess = {s: float(v) for s, v in zip(ids, guess, strict=True)}
        k = population.items_per_skill
        item_skill = {f"{s}#{j}": s for s in ids for j in range(k)}
        item_slip = {item: p_slip[s] for item, s in item_skill.items()}
        item_guess = {item: p_guess[s] for item, s in item_skill.items()}
        for values, bounds, per_skill in (
            (item_slip, population.item_slip_range, p_slip),
            (item_guess, population.item_guess_range, p_guess),
        ):
            if bounds is None:
                continue
            drawn = (item_rng or rng).uniform(bounds[0], bounds[1], len(item_skill))
            values.update({item: float(v) for item, v in zip(item_skill, drawn, strict=True)})
            for j, skill_id in enumerate(ids):
                per_skill[skill_id] = float(np.mean(drawn[j * k : (j + 1) * k]))
        return cls(
            p_slip=p_slip,
            p_guess=p_guess,
            p_learn={s: float(v) for s, v in zip(ids, learn, strict=True)},
            item_skill=item_skill,
            item_slip=item_slip,
            item_guess=item_guess,
        )

    def items(self, skill_id: str) -> tuple[str, ...]:
        """The skill's simulated items, in order."""
        return tuple(item for item, s in self.item_skill.items() if s == skill_id)

    def answer_parameters(self, skill_id: str, item_id: str | None = None) -> tuple[float, float]:
        """(slip, guess) of ``item_id`` if given (it must be an item of ``skill_id``), else the skill's."""
        if item_id is None:
            return self.p_slip[skill_id], self.p_guess[skill_id]
        if self.item_skill.get(item_id) != skill_id:
            raise ValueError(f"{item_id!r} is not a simulated item of skill {skill_id!r}")
        return self.item_slip[item_id], self.item_guess[item_id]

    def bkt(self, skill_id: str, p_init: float) -> BKTParams:
        """The skill's BKT parameters as a tracker would have calibrated them."""
        return BKTParams(
            p_init=p_init,
            p_learn=self.p_learn[skill_id],
            p_guess=self.p_guess[skill_id],
            p_slip=self.p_slip[skill_id],
        )


@dataclass
class SyntheticLearner:
    """One simulated learner's true state (mutated as they practise; ``copy`` before reusing one)."""

    learner_id: int
    speed: float
    learned: dict[str, bool]
    stability: dict[str, float]
    last_day: dict[str, float]

    def copy(self) -> SyntheticLearner:
        return SyntheticLearner(
            self.learner_id, self.speed, dict(self.learned), dict(self.stability), dict(self.last_day)
        )

    def known(self) -> frozenset[str]:
        """The skills learned now (the ground truth placement estimates)."""
        return frozenset(s for s, v in self.learned.items() if v)

    def recall(self, skill_id: str, day: float) -> float:
        """P(recall) of the skill on ``day``: R(t, S) if learned, else 0."""
        if not self.learned[skill_id]:
            return 0.0
        return float(recall_probability(day - self.last_day[skill_id], self.stability[skill_id]))

    def mean_recall(self, day: float) -> float:
        """Mean P(recall) over all skills on ``day``: the course mastery measure."""
        return float(np.mean([self.recall(s, day) for s in self.learned]))


def draw_learners(
    graph: SkillGraph, population: Population, n: int, *, random_state: int
) -> tuple[SkillParameters, list[SyntheticLearner]]:
    """A course's skill parameters and ``n`` learners with prior knowledge (module docstring), seeded.

    Item parameters and broken prerequisites draw from streams of their own (seeded by ``random_state``
    too), so every population with the same seed starts from the same learners and skills: a comparison
    between populations is paired.
    """
    rng = np.random.default_rng(random_state)
    skills = SkillParameters.draw(graph, population, rng, item_rng=np.random.default_rng([random_state, 1]))
    breaks = np.random.default_rng([random_state, 2])
    learners = [_draw_learner(graph, population, k, rng, breaks) for k in range(n)]
    return skills, learners


def _draw_learner(
    graph: SkillGraph, population: Population, k: int, rng: np.random.Generator, breaks: np.random.Generator
) -> SyntheticLearner:
    ids = graph.skill_ids
    learned = dict.fromkeys(ids, False)
    stability = dict.fromkeys(ids, _S0)
    last_day = dict.fromkeys(ids, 0.0)
    share = float(population.prior_share.sample(rng, 1)[0])
    target = round(share * len(ids))
    studied: set[str] = set()
    while len(studied) < target:
        ready = graph.ready_skills(studied)
        if not ready:
            break
        weights = np.exp(
            -population.prior_order_strength * np.array([graph.depth(s) for s in ready], dtype=float)
        )
        choice = ready[int(rng.choice(len(ready), p=weights / weights.sum()))]
        studied.add(choice)
    for skill_id in graph.topological_order():
        if skill_id in studied:
            age = float(rng.uniform(1.0, 180.0))
            keep = float(recall_probability(age, population.prior_stability_days))
            # using a skill's dependents rehearses it, so only the top of what was studied can fade
            on_top = not any(d in studied for d in graph.dependents(skill_id))
            if not on_top or rng.random() < keep:
                learned[skill_id] = True
                stability[skill_id] = population.prior_stability_days
                last_day[skill_id] = -age
    speed = float(np.exp(rng.normal(0.0, population.learner_speed_sd)))
    if population.broken_share > 0.0:
        _break_prerequisites(graph, population, learned, stability, last_day, breaks)
    return SyntheticLearner(k, speed, learned, stability, last_day)


def missing_prerequisites(graph: SkillGraph, known: Iterable[str]) -> frozenset[str]:
    """The skills not in ``known`` that are a prerequisite of a skill in ``known``."""
    have = frozenset(known)
    return frozenset(p for s in have for p in graph.prerequisites(s) if p not in have)


def _break_prerequisites(
    graph: SkillGraph,
    population: Population,
    learned: dict[str, bool],
    stability: dict[str, float],
    last_day: dict[str, float],
    rng: np.random.Generator,
) -> None:
    """Change the learner, in place, until ``broken_share`` of their known skills lack a prerequisite.

    ``ahead``: one at a time, a skill not known that lacks a prerequisite, but only prerequisites the
    learner is ready for (their own prerequisites known), becomes known (as if studied long ago, like the
    rest of the prior knowledge): learned skipping one step, at the edge of what the learner knows.
    ``gap``: one at a time, a known skill with a known dependent becomes not known (never learned, or
    forgotten). ``mixed``: each change is one or the other with even chances (the other when one has no
    candidate). The skill is drawn uniformly among those that qualify.
    """
    ids = graph.skill_ids

    def lacks(skill_id: str) -> bool:
        return any(not learned[p] for p in graph.prerequisites(skill_id))

    while True:
        known = [s for s in ids if learned[s]]
        if sum(lacks(s) for s in known) >= population.broken_share * len(known):
            return
        # a skill whose missing prerequisites the learner is ready for: learned skipping one step
        ahead = [
            s
            for s in ids
            if not learned[s] and lacks(s) and all(learned[p] or not lacks(p) for p in graph.prerequisites(s))
        ]
        gaps = [s for s in known if any(learned[d] for d in graph.dependents(s))]
        kind = population.broken_kind
        if kind == "mixed":
            kind = "ahead" if (rng.random() < 0.5 and ahead) or not gaps else "gap"
        candidates = ahead if kind == "ahead" else gaps
        if not candidates:
            return
        pick = candidates[int(rng.integers(len(candidates)))]
        if kind == "ahead":
            learned[pick] = True
            stability[pick] = population.prior_stability_days
            last_day[pick] = -float(rng.uniform(1.0, 180.0))
        else:
            learned[pick] = False
            stability[pick] = _S0
            last_day[pick] = 0.0


@dataclass
class SimulatedCourse:
    """A learner working through a course: answers items, learns and forgets, on a simulated clock."""

    graph: SkillGraph
    skills: SkillParameters
    population: Population
    learner: SyntheticLearner
    rng: np.random.Generator
    items_done: int = 0

    @property
    def day(self) -> float:
        """Days since the course started: ``items_per_day`` items a day, one a minute within the day."""
        per_day = self.population.items_per_day
        return self.items_done // per_day + (self.items_done % per_day) / (24 * 60)

    @property
    def now(self) -> datetime:
        return COURSE_START + timedelta(days=self.day)

    def ask(self, skill_id: str, item_id: str | None = None) -> Outcome:
        """A placement question: answered from what the learner knows now, with no learning or feedback.

        With ``item_id`` (one of the skill's simulated items) the item's slip and guess apply, else the
        skill's.
        """
        slip, guess = self.skills.answer_parameters(skill_id, item_id)
        r = self.learner.recall(skill_id, self.day)
        p = r * (1.0 - slip) + (1.0 - r) * guess
        return Outcome.CORRECT if self.rng.random() < p else Outcome.WRONG

    def practise(self, skill_id: str, item_id: str | None = None) -> bool:
        """One practice item with feedback: the answer, then learning or memory change; returns correct.

        With ``item_id`` (one of the skill's simulated items) the item's slip and guess apply, else the
        skill's.
        """
        learner, day = self.learner, self.day
        slip, guess = self.skills.answer_parameters(skill_id, item_id)
        r = learner.recall(skill_id, day)
        recalled = bool(self.rng.random() < r)
        correct = bool(self.rng.random() < (1.0 - slip if recalled else guess))
        if learner.learned[skill_id]:
            old = learner.stability[skill_id]
            learner.stability[skill_id] = (
                _stability_after_recall(old, r) if recalled else _stability_after_lapse(old, r)
            )
        else:
            rate = self.skills.p_learn[skill_id] * learner.speed
            if any(not learner.learned[p] for p in self.graph.prerequisites(skill_id)):
                rate *= self.population.prerequisite_factor
            if self.rng.random() < min(rate, 1.0):
                learner.learned[skill_id] = True
                learner.stability[skill_id] = _S0
        if learner.learned[skill_id]:
            learner.last_day[skill_id] = day
        self.items_done += 1
        return correct


class PracticeSession(Protocol):
    """One learner's run of a practice policy: what to practise next (a skill and one of its items), and
    what it saw."""

    def next_item(self, now: datetime) -> tuple[str, str] | None: ...

    def observe(self, skill_id: str, item_id: str, correct: bool, now: datetime) -> None: ...


class PracticePolicy(Protocol):
    """A practice policy: ``start`` may run a placement (``course.ask``); gives the session and its questions.

    Only ``OraclePolicy`` reads ``course.learner`` (the truth); the others see answers only.
    """

    @property
    def name(self) -> str: ...

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]: ...


def _rotate(skills: SkillParameters, skill_id: str, shown: int) -> str:
    """The skill's items in turn (what a fixed sequence of questions does)."""
    items = skills.items(skill_id)
    return items[shown % len(items)]


@dataclass
class _LinearSession:
    order: list[str]
    skills: SkillParameters
    position: int = 0

    def next_item(self, now: datetime) -> tuple[str, str] | None:
        if self.position >= len(self.order):
            return None
        skill_id = self.order[self.position]
        self.position += 1
        return skill_id, _rotate(self.skills, skill_id, self.position)

    def observe(self, skill_id: str, item_id: str, correct: bool, now: datetime) -> None:
        return None


@dataclass(frozen=True)
class LinearPolicy:
    """A fixed sequence: every skill in topological order, ``items_per_skill`` items each, no review."""

    items_per_skill: int = 10
    name: str = "linear"

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]:
        order = [s for s in course.graph.topological_order() for _ in range(self.items_per_skill)]
        return _LinearSession(order, course.skills), 0


@dataclass
class _StreakSession:
    order: tuple[str, ...]
    skills: SkillParameters
    streak_needed: int
    position: int = 0
    streak: int = 0
    shown: int = 0

    def next_item(self, now: datetime) -> tuple[str, str] | None:
        if self.position >= len(self.order):
            return None
        skill_id = self.order[self.position]
        self.shown += 1
        return skill_id, _rotate(self.skills, skill_id, self.shown)

    def observe(self, skill_id: str, item_id: str, correct: bool, now: datetime) -> None:
        self.streak = self.streak + 1 if correct else 0
        if self.streak >= self.streak_needed:
            self.position, self.streak = self.position + 1, 0


@dataclass(frozen=True)
class StreakPolicy:
    """The common product rule: skills in topological order, each until ``k`` right answers in a row
    ("k in a row", Kelly, Wang, Thompson & Heffernan 2015), no review."""

    k: int = 3
    name: str = "linear-3-in-a-row"

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]:
        return _StreakSession(course.graph.topological_order(), course.skills, self.k), 0


@dataclass
class _OracleSession:
    graph: SkillGraph
    skills: SkillParameters
    learner: SyntheticLearner
    shown: int = 0

    def next_item(self, now: datetime) -> tuple[str, str] | None:
        skill_id = next(iter(self.graph.ready_skills(self.learner.known())), None)
        if skill_id is None:
            return None
        self.shown += 1
        return skill_id, _rotate(self.skills, skill_id, self.shown)

    def observe(self, skill_id: str, item_id: str, correct: bool, now: datetime) -> None:
        return None


@dataclass(frozen=True)
class OraclePolicy:
    """Sees the true state: practises the first ready skill not learned until it is; stops when all are.

    The lower bound on items for a course, and the check that the simulator's learning works.
    """

    name: str = "oracle"

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]:
        return _OracleSession(course.graph, course.skills, course.learner), 0


def simulated_course(graph: SkillGraph, skills: SkillParameters, model: ServedModel | None = None) -> Course:
    """The learner loop's course for a simulated one: its graph, its items, and the served model
    (by default the prior a new course starts from: ``served_model.PriorModel``, no item difficulties)."""
    items = {item_id: LoopItem((skill_id,)) for item_id, skill_id in skills.item_skill.items()}
    if model is None:
        model = PriorModel.from_difficulties({}, {k: v.skills for k, v in items.items()}, graph.skill_ids)
    return Course(graph=graph, items=items, model=model)


@dataclass
class _LoopSession:
    """A learner in the product's loop (``learner_loop``): every event goes through ``apply``."""

    course: Course
    state: CourseState
    random_state: int
    follow_policy: bool = True
    shown: int = 0
    reviews: int = 0
    evidence: list[Answer] = field(default_factory=list)

    def next_item(self, now: datetime) -> tuple[str, str] | None:
        progress = self.state.skills
        if all(s in progress and progress[s].is_mastered for s in self.course.graph.skill_ids):
            return None  # every skill mastered (lapsed ones too: mastery is never taken away)
        if self.follow_policy:
            ranked = suggest(self.state, self.course, now=now, random_state=self.random_state + self.shown)
            if not ranked:
                return None
            top = ranked[0]
            skill_id, item_id, kind = top.skill_id, top.item_id, str(top.kind)
            self.reviews += top.kind is SuggestionKind.REVIEW
        else:  # a fixed order with learnpath's mastery rule: the first skill not mastered yet
            skill_id = next(
                s
                for s in self.course.graph.topological_order()
                if not (s in progress and progress[s].is_mastered)
            )
            items = self.course.skill_items[skill_id]
            item_id = items[self.shown % len(items)]
            kind = "practice"
        self.shown += 1
        start = LearnerEvent(
            EventKind.START,
            now,
            item_id=item_id,
            seed=0,
            skills=self.course.items[item_id].skills,
            suggestion=kind,
        )
        self.state, _effects = step(self.state, start, self.course)
        return skill_id, item_id

    def observe(self, skill_id: str, item_id: str, correct: bool, now: datetime) -> None:
        verdict = "correct" if correct else "incorrect"
        event = LearnerEvent(EventKind.ANSWER, now, verdict=verdict)
        self.state, effects = step(self.state, event, self.course)
        if effects.evidence is not None:
            self.evidence.append(effects.evidence)


@dataclass(frozen=True)
class LearnpathPolicy:
    """learnpath as a learner meets it: the learner loop (``learner_loop.apply``) and its policy
    (``learner_loop.suggest``) with the served ``model`` (by default the prior a new course starts from).

    With ``placement`` it first runs the placement: each answer is a ``placement_answer`` event and the
    result a ``placement`` event, applied by the same loop as the web applies them. With
    ``follow_policy=False`` skills come in topological order, each until learnpath's mastery rule is met
    (a fair baseline: the same tracker and rule, no policy).
    """

    model: ServedModel | None = None
    placement: Placement | None = None
    follow_policy: bool = True
    name: str = "learnpath"

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]:
        loop_course = simulated_course(course.graph, course.skills, self.model)
        state = initial_state(loop_course)
        questions = 0
        if self.placement is not None:
            placement = self.placement
            answers = placement.start(random_state=random_state)
            while (question := placement.next_question(answers)) is not None:
                simulated = question.item_id if question.item_id in course.skills.item_skill else None
                outcome = course.ask(question.skill_id, simulated)
                answers = placement.record(answers, question.item_id, outcome)
                event = LearnerEvent(EventKind.PLACEMENT_ANSWER, course.now, item_id=question.item_id)
                state = apply(state, event, loop_course)
                course.items_done += 1
            result = placement.result(answers)
            questions = len(answers.answers)
            state = apply(state, LearnerEvent(EventKind.PLACEMENT, course.now, placement=result), loop_course)
        return _LoopSession(loop_course, state, random_state, self.follow_policy), questions


@dataclass(frozen=True, slots=True)
class PracticeRun:
    """One learner's run: items practised (``reviews`` of them spaced reviews), placement questions, mastery
    at the end and 30 days later."""

    policy: str
    learner_id: int
    items: int
    placement_questions: int
    final_mastery: float
    retention_30d: float
    finished: bool
    days: float
    reviews: int = 0


def run_practice(
    graph: SkillGraph,
    skills: SkillParameters,
    population: Population,
    learner: SyntheticLearner,
    policy: PracticePolicy,
    *,
    random_state: int,
    max_items: int | None = None,
    sessions: list[PracticeSession] | None = None,
) -> PracticeRun:
    """Run ``policy`` for one learner (a copy: ``learner`` is unchanged) until it stops or ``max_items``.

    ``sessions``, when given, receives the learner's session (to read what it saw afterwards).

    Placement questions take time on the clock like items but teach nothing; ``items`` counts practice
    items only. Mastery is the mean P(recall) over all skills when the policy stops; retention the same
    30 days later with no practice in between.
    """
    course = SimulatedCourse(graph, skills, population, learner.copy(), np.random.default_rng(random_state))
    session, questions = policy.start(course, random_state=random_state)
    if sessions is not None:
        sessions.append(session)
    course.items_done = questions
    cap = max_items if max_items is not None else 60 * len(graph)
    practised = 0
    finished = False
    while practised < cap:
        chosen = session.next_item(course.now)
        if chosen is None:
            finished = True
            break
        skill_id, item_id = chosen
        correct = course.practise(skill_id, item_id)
        practised += 1
        session.observe(skill_id, item_id, correct, course.now)
    end = course.day
    return PracticeRun(
        policy=policy.name,
        learner_id=learner.learner_id,
        items=practised,
        placement_questions=questions,
        final_mastery=course.learner.mean_recall(end),
        retention_30d=course.learner.mean_recall(end + 30.0),
        finished=finished,
        days=end,
        reviews=int(getattr(session, "reviews", 0)),
    )


def course_log(
    graph: SkillGraph,
    skills: SkillParameters,
    population: Population,
    learners: Sequence[SyntheticLearner],
    policy: LearnpathPolicy,
    *,
    random_state: int,
    max_items: int | None = None,
) -> list[Answer]:
    """The observations the product's loop makes of ``learners`` practising with ``policy``: a simulated
    course's own log (each answer with its learner and time), sorted by time, for fitting a served model."""
    found: list[Answer] = []
    for k, learner in enumerate(learners):
        sessions: list[PracticeSession] = []
        run_practice(
            graph,
            skills,
            population,
            learner,
            policy,
            random_state=random_state + k,
            max_items=max_items,
            sessions=sessions,
        )
        session = sessions[0]
        assert isinstance(session, _LoopSession)
        found.extend(replace(a, learner=str(learner.learner_id)) for a in session.evidence)
    found.sort(key=lambda a: (a.time.timestamp() if a.time else 0.0, a.learner))
    return found


def served_model(
    graph: SkillGraph,
    skills: SkillParameters,
    population: Population,
    *,
    learners: int,
    random_state: int,
    max_items: int = 300,
) -> tuple[ServedModel, FitOutcome]:
    """The model the product would serve on this simulated course after a first cohort: ``learners``
    learners (drawn with ``random_state``, not the ones measured later) practise with the prior model, the
    loop's observations are fitted by ``model_fit.fit_course_model`` (what ``learnpath fit`` runs, never told
    the simulator's parameters), and the fit is served if it is no worse on the held-out answers."""
    prior = simulated_course(graph, skills).model
    _skills, cohort = draw_learners(graph, population, learners, random_state=random_state)
    log = course_log(
        graph, skills, population, cohort, LearnpathPolicy(), random_state=random_state, max_items=max_items
    )
    outcome = fit_course_model(log, in_use=prior, version="fit-1", min_answers=1)
    return (outcome.model if outcome.serve and outcome.model is not None else prior), outcome


def placement_accuracy(
    result: PlacementResult | Mapping[str, float], truth: Iterable[str], skills: Sequence[str]
) -> float:
    """Share of ``skills`` classified right: known iff P(known) >= 0.5, against the true known set."""
    p_known = result.p_known if isinstance(result, PlacementResult) else result
    known = frozenset(truth)
    right = sum((p_known[s] >= 0.5) == (s in known) for s in skills)
    return right / max(len(skills), 1)


@dataclass(frozen=True, slots=True)
class PlacementTrial:
    """One simulated placement: accuracy after 0, 1, ... answers (``accuracy[-1]`` at the end).

    ``truth`` is what the learner knew; ``placed_known`` the skills placed as known at the end (P(known) >=
    the config's ``known_threshold``: what ``seed_progress`` marks mastered); ``missing`` the learner's
    missing prerequisites (``missing_prerequisites``) and ``missing_placed_known`` those placed as known.
    """

    accuracy: tuple[float, ...]
    questions: int
    stop_reason: str | None
    missing: frozenset[str] = frozenset()
    missing_placed_known: frozenset[str] = frozenset()
    truth: frozenset[str] = frozenset()
    placed_known: frozenset[str] = frozenset()


def placement_trial(
    placement: Placement,
    course: SimulatedCourse,
    *,
    strategy: str | Sequence[str],
    random_state: int,
    max_questions: int | None = None,
) -> PlacementTrial:
    """Run a placement on a simulated learner, choosing questions by ``strategy``; measure accuracy.

    ``"adaptive"`` asks ``Placement.next_question`` (and stops when it says so); ``"random"`` asks unasked
    items in a seeded random order; a sequence of item ids is a fixed form, asked in order. All three score
    answers with the same graph-aware belief, so the comparison isolates the choice of questions.
    Accuracy is ``placement_accuracy`` against the learner's true known skills before the placement.
    A placement item whose id is one of the course's simulated items (``SkillParameters.item_skill``) is
    answered with that item's slip and guess; any other with its skill's.
    """
    cap = placement.config.max_questions if max_questions is None else max_questions
    truth = course.learner.known()
    ids = course.graph.skill_ids
    state = placement.start(random_state=random_state)
    accuracy = [placement_accuracy(placement.p_known(state), truth, ids)]
    if strategy == "adaptive":
        order: list[str] = []
    elif strategy == "random":
        rng = np.random.default_rng(random_state)
        order = [placement.items[k].item_id for k in rng.permutation(len(placement.items))]
    else:
        order = list(strategy)
    by_id = {item.item_id: item for item in placement.items}
    stop: str | None = None
    while len(state.answers) < cap:
        if strategy == "adaptive":
            question = placement.next_question(state)
            if question is None:
                reason = placement.stop_reason(state)
                stop = None if reason is None else str(reason)
                break
            item_id = question.item_id
        else:
            if len(state.answers) >= len(order):
                stop = "no_items"
                break
            item_id = order[len(state.answers)]
        skill_id = by_id[item_id].skill_id
        simulated = item_id if item_id in course.skills.item_skill else None
        state = placement.record(state, item_id, course.ask(skill_id, simulated))
        accuracy.append(placement_accuracy(placement.p_known(state), truth, ids))
    else:
        stop = "cap"
    missing = missing_prerequisites(course.graph, truth)
    p_final = placement.p_known(state)
    placed = frozenset(s for s in ids if p_final[s] >= placement.config.known_threshold)
    return PlacementTrial(
        accuracy=tuple(accuracy),
        questions=len(state.answers),
        stop_reason=stop,
        missing=missing,
        missing_placed_known=missing & placed,
        truth=truth,
        placed_known=placed,
    )


def fixed_form(graph: SkillGraph, items: Sequence[PlacementItem], length: int) -> tuple[str, ...]:
    """A fixed-form test: ``length`` items spread evenly over the course's topological order.

    What a teacher-made pre-test does: one question every so many skills, from first to last. Skills without
    an item are passed over (the nearest later skill with one is used).
    """
    by_skill: dict[str, str] = {}
    for item in items:
        by_skill.setdefault(item.skill_id, item.item_id)
    order = [s for s in graph.topological_order() if s in by_skill]
    if length <= 0 or not order:
        return ()
    picks = sorted({min(int((k + 0.5) * len(order) / length), len(order) - 1) for k in range(length)})
    return tuple(by_skill[order[p]] for p in picks)
