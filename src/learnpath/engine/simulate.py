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

``Population.from_bkt`` summarises fitted BKT parameters (``bkt.BKT``) into logit-normal
distributions; ``learnpath simulate fit`` writes that summary as JSON. Everything draws from a seeded
``numpy.random.Generator``: the same seed gives the same learners and the same runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from fsrs.scheduler import DEFAULT_PARAMETERS

from learnpath.engine.bkt import BKTParams, bkt_predict, bkt_step
from learnpath.engine.documents import check_document
from learnpath.engine.mastery import MasteryRule, SkillProgress
from learnpath.engine.placement import (
    Outcome,
    Placement,
    PlacementItem,
    PlacementResult,
    run_placement,
    seed_progress,
)
from learnpath.engine.policy import next_activities
from learnpath.engine.review import Rating, ReviewSchedule, rating_for_answer, record_review, start_review
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

    def __post_init__(self) -> None:
        if not 0.0 <= self.prerequisite_factor <= 1.0:
            raise ValueError("prerequisite_factor must lie in [0, 1]")
        if self.items_per_day < 1 or self.prior_stability_days <= 0 or self.learner_speed_sd < 0:
            raise ValueError("items_per_day >= 1, prior_stability_days > 0 and learner_speed_sd >= 0")

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
        )


@dataclass(frozen=True)
class SkillParameters:
    """Per-skill parameters drawn once for a simulated course: slip, guess and base learn rate."""

    p_slip: Mapping[str, float]
    p_guess: Mapping[str, float]
    p_learn: Mapping[str, float]

    @classmethod
    def draw(cls, graph: SkillGraph, population: Population, rng: np.random.Generator) -> SkillParameters:
        n = len(graph)
        slip = np.minimum(population.p_slip.sample(rng, n), 0.45)
        guess = np.minimum(population.p_guess.sample(rng, n), 0.45)
        learn = population.p_learn.sample(rng, n)
        ids = graph.skill_ids
        return cls(
            p_slip={s: float(v) for s, v in zip(ids, slip, strict=True)},
            p_guess={s: float(v) for s, v in zip(ids, guess, strict=True)},
            p_learn={s: float(v) for s, v in zip(ids, learn, strict=True)},
        )

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
    """A course's skill parameters and ``n`` learners with prior knowledge (module docstring), seeded."""
    rng = np.random.default_rng(random_state)
    skills = SkillParameters.draw(graph, population, rng)
    learners = [_draw_learner(graph, population, k, rng) for k in range(n)]
    return skills, learners


def _draw_learner(
    graph: SkillGraph, population: Population, k: int, rng: np.random.Generator
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
    return SyntheticLearner(k, speed, learned, stability, last_day)


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

    def ask(self, skill_id: str) -> Outcome:
        """A placement question: answered from what the learner knows now, with no learning or feedback."""
        r = self.learner.recall(skill_id, self.day)
        p = r * (1.0 - self.skills.p_slip[skill_id]) + (1.0 - r) * self.skills.p_guess[skill_id]
        return Outcome.CORRECT if self.rng.random() < p else Outcome.WRONG

    def practise(self, skill_id: str) -> bool:
        """One practice item with feedback: the answer, then learning or memory change; returns correct."""
        learner, day = self.learner, self.day
        slip, guess = self.skills.p_slip[skill_id], self.skills.p_guess[skill_id]
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
    """One learner's run of a practice policy: what to practise next, and what it saw."""

    def next_skill(self, now: datetime) -> str | None: ...

    def observe(self, skill_id: str, correct: bool, now: datetime) -> None: ...


class PracticePolicy(Protocol):
    """A practice policy: ``start`` may run a placement (``course.ask``); gives the session and its questions.

    Only ``OraclePolicy`` reads ``course.learner`` (the truth); the others see answers only.
    """

    @property
    def name(self) -> str: ...

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]: ...


@dataclass
class _LinearSession:
    order: list[str]
    position: int = 0

    def next_skill(self, now: datetime) -> str | None:
        if self.position >= len(self.order):
            return None
        self.position += 1
        return self.order[self.position - 1]

    def observe(self, skill_id: str, correct: bool, now: datetime) -> None:
        return None


@dataclass(frozen=True)
class LinearPolicy:
    """A fixed sequence: every skill in topological order, ``items_per_skill`` items each, no review."""

    items_per_skill: int = 10
    name: str = "linear"

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]:
        order = [s for s in course.graph.topological_order() for _ in range(self.items_per_skill)]
        return _LinearSession(order), 0


@dataclass
class _OracleSession:
    graph: SkillGraph
    learner: SyntheticLearner

    def next_skill(self, now: datetime) -> str | None:
        return next(iter(self.graph.ready_skills(self.learner.known())), None)

    def observe(self, skill_id: str, correct: bool, now: datetime) -> None:
        return None


@dataclass(frozen=True)
class OraclePolicy:
    """Sees the true state: practises the first ready skill not learned until it is; stops when all are.

    The lower bound on items for a course, and the check that the simulator's learning works.
    """

    name: str = "oracle"

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]:
        return _OracleSession(course.graph, course.learner), 0


@dataclass
class _LearnpathSession:
    graph: SkillGraph
    skills: SkillParameters
    rule: MasteryRule
    random_state: int
    progress: dict[str, SkillProgress]
    p_init: float
    schedules: dict[str, ReviewSchedule] = field(default_factory=dict)
    recent: list[str] = field(default_factory=list)
    last_item: str | None = None
    reviews_on: dict[str, int] = field(default_factory=dict)
    step: int = 0

    def _predictions(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for skill_id in self.graph.skill_ids:
            p = bkt_predict(self.progress[skill_id].p_mastered, self.skills.bkt(skill_id, self.p_init))
            out[skill_id] = {f"{skill_id}#{k}": p for k in range(3)}
        return out

    def next_skill(self, now: datetime) -> str | None:
        if all(p.is_mastered for p in self.progress.values()):  # lapsed still counts (mastery module)
            return None
        day = now.date().isoformat()
        suggestions = next_activities(
            self.graph,
            self.progress,
            self._predictions(),
            now=now,
            random_state=self.random_state + self.step,
            schedules=self.schedules,
            last_item=self.last_item,
            recent_skills=self.recent[-3:],
            reviewed_today=self.reviews_on.get(day, 0),
            rule=self.rule,
        )
        self.step += 1
        if not suggestions:
            return None
        best = suggestions[0]
        if best.kind == "review":
            self.reviews_on[day] = self.reviews_on.get(day, 0) + 1
        self.last_item = best.item_id
        return best.skill_id

    def observe(self, skill_id: str, correct: bool, now: datetime) -> None:
        before = self.progress[skill_id]
        p_after = bkt_step(before.p_mastered, correct, self.skills.bkt(skill_id, self.p_init))
        after = before.after_answer(correct=correct, p_mastered=p_after, now=now, rule=self.rule)
        self.progress[skill_id] = after
        rating = rating_for_answer(correct=correct)
        if skill_id in self.schedules:
            self.schedules[skill_id] = record_review(self.schedules[skill_id], rating, now=now)
        elif after.is_mastered:
            self.schedules[skill_id] = start_review(skill_id, now=now)
        self.recent.append(skill_id)


@dataclass(frozen=True)
class LearnpathPolicy:
    """learnpath's next-activity policy (``policy.next_activities``) with BKT tracking and FSRS review.

    With ``placement`` it first runs the placement and seeds progress from it (``placement.seed_progress``);
    placed-known skills start mastered, with their review scheduled. The tracker uses the skills' calibrated
    slip, guess and learn rate (as a calibrated item bank would give) and the population's mean p_init.
    """

    p_init: float
    placement: Placement | None = None
    rule: MasteryRule = DEFAULT_RULE
    name: str = "learnpath"

    def start(self, course: SimulatedCourse, *, random_state: int) -> tuple[PracticeSession, int]:
        graph, skills = course.graph, course.skills
        progress = {s: SkillProgress(skill_id=s, p_mastered=self.p_init) for s in graph.skill_ids}
        schedules: dict[str, ReviewSchedule] = {}
        questions = 0
        if self.placement is not None:
            placement = self.placement
            state = run_placement(placement, lambda q: course.ask(q.skill_id), random_state=random_state)
            result = placement.result(state)
            questions = len(state.answers)
            progress = seed_progress(result, now=COURSE_START, existing=progress)
            for skill_id in result.placed_known:
                schedules[skill_id] = start_review(skill_id, now=COURSE_START, rating=Rating.Easy)
        session = _LearnpathSession(graph, skills, self.rule, random_state, progress, self.p_init, schedules)
        return session, questions


@dataclass(frozen=True, slots=True)
class PracticeRun:
    """One learner's run: items practised, placement questions, mastery at the end and 30 days later."""

    policy: str
    learner_id: int
    items: int
    placement_questions: int
    final_mastery: float
    retention_30d: float
    finished: bool
    days: float


def run_practice(
    graph: SkillGraph,
    skills: SkillParameters,
    population: Population,
    learner: SyntheticLearner,
    policy: PracticePolicy,
    *,
    random_state: int,
    max_items: int | None = None,
) -> PracticeRun:
    """Run ``policy`` for one learner (a copy: ``learner`` is unchanged) until it stops or ``max_items``.

    Placement questions take time on the clock like items but teach nothing; ``items`` counts practice
    items only. Mastery is the mean P(recall) over all skills when the policy stops; retention the same
    30 days later with no practice in between.
    """
    course = SimulatedCourse(graph, skills, population, learner.copy(), np.random.default_rng(random_state))
    session, questions = policy.start(course, random_state=random_state)
    course.items_done = questions
    cap = max_items if max_items is not None else 60 * len(graph)
    practised = 0
    finished = False
    while practised < cap:
        skill_id = session.next_skill(course.now)
        if skill_id is None:
            finished = True
            break
        correct = course.practise(skill_id)
        practised += 1
        session.observe(skill_id, correct, course.now)
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
    )


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
    """One simulated placement: accuracy after 0, 1, ... answers (``accuracy[-1]`` at the end)."""

    accuracy: tuple[float, ...]
    questions: int
    stop_reason: str | None


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
        state = placement.record(state, item_id, course.ask(by_id[item_id].skill_id))
        accuracy.append(placement_accuracy(placement.p_known(state), truth, ids))
    else:
        stop = "cap"
    return PlacementTrial(accuracy=tuple(accuracy), questions=len(state.answers), stop_reason=stop)


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
