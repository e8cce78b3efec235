"""Adaptive placement over a whole skill graph: a few questions, then P(known) for every skill.

**Model.** A learner's knowledge state is the set of skills they know. Knowledge-space theory (Doignon &
Falmagne, *Knowledge Spaces*, 1999; Falmagne et al., "The assessment of knowledge, in theory and in
practice", 2006, the basis of ALEKS) takes the plausible states to be the ones closed under prerequisites;
real learners also know a skill without one of its prerequisites, so, as in probabilistic knowledge
structures (Falmagne & Doignon 1988; Heller & Stefanutti (eds.), *Knowledge Structures*, 2024), every
state has some probability and the map says which are likely. The number of states grows
exponentially with the graph, so the belief is a weighted sample of them, kept up to date by sequential
Monte Carlo (Doucet, de Freitas & Gordon, *Sequential Monte Carlo Methods in Practice*, 2001; the samplers
are ``knowledge_states``). The prior draws each sample's state from a latent progress ``theta``:

    theta ~ N(0, prior_sd^2)
    p_s = (1 - skill_gap) * sigmoid(prior_slope * (theta - b_s))
    K_s = 1  with probability p_s if every prerequisite of s has K = 1, else prerequisite_leak * p_s

in topological order, with ``b_s`` a skill's offset, by default
``depth_spread * (depth_s / max depth - 0.5)``: the further up the graph a skill sits, the further
along a learner must be to know it (learners meet a course roughly in the order of its levels). In a
flat course (no prerequisites) every offset is 0: nothing says which skill comes first.
Answers propagate through the samples: a right answer on Decimals raises the weight of states holding
Decimals, and most of them (by odds 1 : ``prerequisite_leak``) hold Fractions too; a wrong answer on
Fractions lowers the states holding Fractions, and with them most states holding a skill built on it. But a
learner who answers Decimals right and Fractions wrong, repeatedly, is believed: "knows Decimals, not
Fractions" is a state of its own. ``prerequisite_leak = skill_gap = 0`` is the closed model (only closed
states), used before issue 10.

**Answers.** An item has a calibrated slip and guess (BKT's, Corbett & Anderson 1994):
P(right | known) = 1 - slip, P(right | not known) = guess. "I haven't learned this yet"
(``Outcome.NOT_LEARNED``) is an answer, not a skip: a learner who knows a skill rarely says it, so its
likelihood is ``not_learned_if_known`` (0.02) when known and 1 when not known, a likelihood ratio of 50
against "known" (a wrong answer with slip 0.1 and guess 0.2 gives 8). Each answer multiplies the sample
weights by its likelihood (Bayes' rule); P(known) of a skill is the weighted share of samples that hold it.

**Next question.** The item whose answer is expected to reduce most the sum over all skills of the
binary entropy of P(known) (expected information gain over the graph; Lindley 1956, "On a measure of the
information provided by an experiment"). With the pairwise table J[s, t] = P(K_s = 1, K_t = 1) computed once
per step, the posterior marginals after either answer to any item follow in closed form, so every item
is scored in O(skills) (see ``_gains``).

**Stopping.** After at least one answer (the prior alone places nobody): when every skill's P(known) is
at or above ``known_threshold`` or at or below ``unknown_threshold`` (confident), or when the best
expected gain is below ``min_gain`` bits. At any time: when no item is left, or at ``max_questions`` (the
cap a teacher sets).

**State.** ``PlacementState`` holds only the seed and the answers given; the belief is recomputed from
them, so a paused placement resumed from ``to_dict``/``from_dict`` continues exactly as an uninterrupted one.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from learnpath.engine.answers import require_utc
from learnpath.engine.documents import check_document, dump_flat, load_flat
from learnpath.engine.knowledge_states import Chains, ClosedStateModel, LeakyStateModel
from learnpath.engine.mastery import SkillProgress
from learnpath.engine.skill_graph import SkillGraph
from learnpath.engine.wording import _

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
FORMAT_VERSION = 1
_TINY = 1e-12


class Outcome(StrEnum):
    """A placement answer: right, wrong, or "I haven't learned this yet"."""

    CORRECT = "correct"
    WRONG = "wrong"
    NOT_LEARNED = "not_learned"


class StopReason(StrEnum):
    """Why a placement ended (``None`` from ``Placement.stop_reason`` while it goes on)."""

    CONFIDENT = "confident"
    LITTLE_TO_GAIN = "little_to_gain"
    CAP = "cap"
    NO_ITEMS = "no_items"


MAX_NOISE = 0.45
"""The most slip or guess placement is told of an item (``PlacementItem.from_noise``)."""


@dataclass(frozen=True, slots=True)
class PlacementItem:
    """A question usable in placement: its skill and calibrated P(wrong | known) and P(right | not known)."""

    item_id: str
    skill_id: str
    p_slip: float = 0.1
    p_guess: float = 0.2

    def __post_init__(self) -> None:
        if not 0.0 <= self.p_slip < 0.5 or not 0.0 <= self.p_guess < 0.5 or self.p_slip + self.p_guess >= 1:
            raise ValueError(f"item {self.item_id!r}: slip and guess must lie in [0, 0.5), got {self!r}")

    @classmethod
    def from_noise(
        cls, item_id: str, skill_id: str, slip: float, guess: float, *, choices: int = 0
    ) -> PlacementItem:
        """The item with a learner model's (slip, guess) for its skill, made usable by placement: each
        clipped to ``MAX_NOISE`` (a fitted BKT may put either at its 0.5 bound, where an answer says
        nothing), and the guess at least 1 / ``choices`` for a single choice of 2 to 4 options."""
        if 2 <= choices < 5:
            guess = max(guess, 1.0 / choices)
        return cls(item_id, skill_id, p_slip=min(MAX_NOISE, slip), p_guess=min(MAX_NOISE, guess))

    def to_dict(self) -> dict[str, Any]:
        return dump_flat(self, "PlacementItem", FORMAT_VERSION)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> PlacementItem:
        return load_flat(cls, document, "PlacementItem", FORMAT_VERSION)


@dataclass(frozen=True, slots=True)
class PlacementConfig:
    """Stopping rule, prior and sample size; the defaults are the ones the benchmarks report."""

    max_questions: int = 20
    known_threshold: float = 0.85
    unknown_threshold: float = 0.15
    min_gain: float = 0.01
    particles: int = 2000
    move_sweeps: int = 2
    prior_sd: float = 1.5
    prior_slope: float = 1.7
    depth_spread: float = 4.0
    not_learned_if_known: float = 0.02
    prerequisite_leak: float = 0.4
    skill_gap: float = 0.0

    def __post_init__(self) -> None:
        if self.max_questions < 0:
            raise ValueError("max_questions must be >= 0")
        if not 0.0 <= self.unknown_threshold < 0.5 < self.known_threshold <= 1.0:
            raise ValueError("PlacementConfig needs 0 <= unknown_threshold < 0.5 < known_threshold <= 1")
        if self.particles < 10 or self.move_sweeps < 0:
            raise ValueError("PlacementConfig needs particles >= 10 and move_sweeps >= 0")
        if self.min_gain < 0 or self.prior_sd <= 0 or self.prior_slope <= 0:
            raise ValueError("min_gain must be >= 0 and prior_sd, prior_slope > 0")
        if not 0.0 < self.not_learned_if_known <= 1.0:
            raise ValueError("not_learned_if_known must lie in (0, 1]")
        if not 0.0 <= self.prerequisite_leak < 1.0 or not 0.0 <= self.skill_gap < 1.0:
            raise ValueError("prerequisite_leak and skill_gap must lie in [0, 1)")

    def to_dict(self) -> dict[str, Any]:
        return dump_flat(self, "PlacementConfig", FORMAT_VERSION)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> PlacementConfig:
        """A stored config; one written before ``prerequisite_leak`` and ``skill_gap`` existed meant the
        closed model (both 0)."""
        older = {"prerequisite_leak": 0.0, "skill_gap": 0.0}
        return load_flat(cls, {**older, **document}, "PlacementConfig", FORMAT_VERSION)


@dataclass(frozen=True, slots=True)
class PlacementAnswer:
    """One answer given in placement."""

    item_id: str
    skill_id: str
    outcome: Outcome

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", Outcome(self.outcome))


@dataclass(frozen=True, slots=True)
class PlacementState:
    """A placement in progress: the seed of its samples and the answers so far (all it needs to resume)."""

    seed: int
    answers: tuple[PlacementAnswer, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "PlacementState",
            "version": FORMAT_VERSION,
            "seed": self.seed,
            "answers": [[a.item_id, a.skill_id, str(a.outcome)] for a in self.answers],
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> PlacementState:
        check_document(document, "PlacementState", FORMAT_VERSION)
        answers = tuple(PlacementAnswer(str(i), str(s), Outcome(o)) for i, s, o in document["answers"])
        return cls(seed=int(document["seed"]), answers=answers)


@dataclass(frozen=True, slots=True)
class Question:
    """The next question: the item, its skill, and the expected information gain (bits) that chose it."""

    item_id: str
    skill_id: str
    expected_gain: float


@dataclass(frozen=True)
class PlacementResult:
    """What placement concluded: P(known) per skill, the answers per skill, and a plain reason per skill.

    ``placed_known`` holds the skills with P(known) >= ``known_threshold``; ``placed_not_known`` those at or
    below ``unknown_threshold``; the others are left for practice to settle.
    """

    p_known: Mapping[str, float]
    evidence: Mapping[str, tuple[Outcome, ...]]
    reasons: Mapping[str, str]
    placed_known: frozenset[str]
    placed_not_known: frozenset[str]
    questions: int
    stop_reason: StopReason | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "PlacementResult",
            "version": FORMAT_VERSION,
            "p_known": dict(self.p_known),
            "evidence": {s: [str(o) for o in outcomes] for s, outcomes in self.evidence.items()},
            "reasons": dict(self.reasons),
            "placed_known": sorted(self.placed_known),
            "placed_not_known": sorted(self.placed_not_known),
            "questions": self.questions,
            "stop_reason": None if self.stop_reason is None else str(self.stop_reason),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> PlacementResult:
        check_document(document, "PlacementResult", FORMAT_VERSION)
        stop = document["stop_reason"]
        return cls(
            p_known={str(s): float(p) for s, p in document["p_known"].items()},
            evidence={str(s): tuple(Outcome(o) for o in v) for s, v in document["evidence"].items()},
            reasons={str(s): str(r) for s, r in document["reasons"].items()},
            placed_known=frozenset(str(s) for s in document["placed_known"]),
            placed_not_known=frozenset(str(s) for s in document["placed_not_known"]),
            questions=int(document["questions"]),
            stop_reason=None if stop is None else StopReason(stop),
        )


def _entropy(p: FloatArray) -> FloatArray:
    """Binary entropy in bits, elementwise (0 at 0 and 1)."""
    q = np.clip(p, _TINY, 1.0 - _TINY)
    out: FloatArray = -(q * np.log2(q) + (1.0 - q) * np.log2(1.0 - q))
    return out


@dataclass(frozen=True)
class _Belief:
    """Weighted particles: ``chains`` (states and theta) and normalised ``weights``."""

    chains: Chains
    weights: FloatArray

    @property
    def states(self) -> BoolArray:
        return self.chains.known.T

    def marginals(self) -> FloatArray:
        out: FloatArray = self.chains.known @ self.weights
        return np.clip(out, 0.0, 1.0)


@dataclass(frozen=True)
class Placement:
    """Adaptive placement on ``graph`` with ``items`` (see the module docstring).

    The object is immutable and holds no learner data; ``PlacementState`` values carry each placement.
    Beliefs are cached per (seed, answers): each is a pure function of graph, items, config and state.
    The cache is shared by the threads of a web server: a lock guards its reads and writes (two threads
    may compute the same belief at once; both get the same numbers).
    """

    graph: SkillGraph
    items: tuple[PlacementItem, ...]
    config: PlacementConfig = PlacementConfig()
    skill_offsets: Mapping[str, float] | None = None
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    _item_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    _model: ClosedStateModel | LeakyStateModel = field(init=False, repr=False, compare=False)
    _cache: dict[tuple[int, tuple[PlacementAnswer, ...]], _Belief] = field(
        init=False, repr=False, compare=False
    )
    _cache_lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        index = {skill_id: k for k, skill_id in enumerate(self.graph.skill_ids)}
        item_index: dict[str, int] = {}
        for k, item in enumerate(self.items):
            if item.skill_id not in index:
                raise ValueError(f"placement item {item.item_id!r} names unknown skill {item.skill_id!r}")
            if item.item_id in item_index:
                raise ValueError(f"placement item {item.item_id!r} appears twice")
            item_index[item.item_id] = k
        for skill_id in self.skill_offsets or {}:
            if skill_id not in index:
                raise ValueError(f"skill_offsets names unknown skill {skill_id!r}")
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_item_index", item_index)
        object.__setattr__(self, "_cache", {})
        object.__setattr__(self, "_cache_lock", threading.Lock())
        config = self.config
        model: ClosedStateModel | LeakyStateModel
        if config.prerequisite_leak > 0.0:
            model = LeakyStateModel(
                self.graph,
                offsets=self._offsets(),
                prior_sd=config.prior_sd,
                slope=config.prior_slope,
                leak=config.prerequisite_leak,
                gap=config.skill_gap,
            )
        else:
            model = ClosedStateModel(
                self.graph,
                offsets=self._offsets(),
                prior_sd=config.prior_sd,
                slope=config.prior_slope,
                gap=config.skill_gap,
            )
        object.__setattr__(self, "_model", model)

    # -- the process -----------------------------------------------------------------------------------

    def start(self, *, random_state: int) -> PlacementState:
        """A new placement; ``random_state`` seeds its prior samples (store it: it is part of the state)."""
        return PlacementState(seed=int(random_state))

    def record(self, state: PlacementState, item_id: str, outcome: Outcome | str) -> PlacementState:
        """The state after answering ``item_id`` (``state`` is unchanged); an unknown item is a KeyError."""
        if item_id not in self._item_index:
            raise KeyError(f"unknown placement item {item_id!r}")
        item = self.items[self._item_index[item_id]]
        answer = PlacementAnswer(item_id=item_id, skill_id=item.skill_id, outcome=Outcome(outcome))
        return replace(state, answers=(*state.answers, answer))

    def p_known(self, state: PlacementState) -> dict[str, float]:
        """P(known) of every skill given the answers so far, in the graph's order."""
        marginals = self._belief(state).marginals()
        return {skill_id: float(marginals[k]) for skill_id, k in self._index.items()}

    def next_question(self, state: PlacementState) -> Question | None:
        """The most informative unasked item, or None when the placement should stop."""
        belief = self._belief(state)
        if self._stop_before_gain(state, belief) is not None:
            return None
        best = self._best(state, belief)
        if best is None or self._too_little(state, best):
            return None
        return best

    def stop_reason(self, state: PlacementState) -> StopReason | None:
        """Why the placement has stopped, or None if it should go on."""
        belief = self._belief(state)
        reason = self._stop_before_gain(state, belief)
        if reason is not None:
            return reason
        best = self._best(state, belief)
        if best is None:
            return StopReason.NO_ITEMS
        if self._too_little(state, best):
            return StopReason.LITTLE_TO_GAIN
        return None

    def _too_little(self, state: PlacementState, best: Question) -> bool:
        """Whether the best question is worth too little to ask (the first one is always asked)."""
        return bool(state.answers) and best.expected_gain < self.config.min_gain

    def result(self, state: PlacementState) -> PlacementResult:
        """P(known), evidence and a reason per skill: what seeds the learner model."""
        p_known = self.p_known(state)
        config = self.config
        known = frozenset(s for s, p in p_known.items() if p >= config.known_threshold)
        not_known = frozenset(s for s, p in p_known.items() if p <= config.unknown_threshold)
        evidence: dict[str, tuple[Outcome, ...]] = {}
        for answer in state.answers:
            evidence[answer.skill_id] = (*evidence.get(answer.skill_id, ()), answer.outcome)
        reasons = {
            skill_id: self._reason(skill_id, evidence, known, not_known) for skill_id in self.graph.skill_ids
        }
        return PlacementResult(
            p_known=p_known,
            evidence=evidence,
            reasons=reasons,
            placed_known=known,
            placed_not_known=not_known,
            questions=len(state.answers),
            stop_reason=self.stop_reason(state),
        )

    # -- inside ----------------------------------------------------------------------------------------

    def _offsets(self) -> FloatArray:
        given = self.skill_offsets or {}
        depth = {skill_id: self.graph.depth(skill_id) for skill_id in self.graph.skill_ids}
        deepest = max(depth.values(), default=0)
        if deepest == 0:
            # A flat course (no prerequisites) says nothing about which skills come first: every skill
            # sits in the middle, so a learner with no answers is unsure of each, not sure they know it.
            return np.array([given.get(skill_id, 0.0) for skill_id in self.graph.skill_ids])
        return np.array(
            [
                given.get(skill_id, self.config.depth_spread * (depth[skill_id] / deepest - 0.5))
                for skill_id in self.graph.skill_ids
            ]
        )

    def _likelihood(self, answer: PlacementAnswer) -> tuple[float, float]:
        """P(this answer | known), P(this answer | not known)."""
        item = self.items[self._item_index[answer.item_id]]
        if answer.outcome is Outcome.CORRECT:
            return 1.0 - item.p_slip, item.p_guess
        if answer.outcome is Outcome.WRONG:
            return item.p_slip, 1.0 - item.p_guess
        return self.config.not_learned_if_known, 1.0

    def _belief(self, state: PlacementState) -> _Belief:
        """The belief after ``state.answers``, by sequential Monte Carlo with resample-move steps.

        The first belief is ``particles`` exact draws from the prior. Each answer multiplies the weights by
        its likelihood (importance sampling: the answer's evidence reaches every skill through the closed
        states at once). When the effective sample size 1 / sum(w^2) falls below half the particles, they
        are resampled (systematic resampling) and moved by ``move_sweeps`` Gibbs sweeps that target the
        posterior given all answers so far (resample-move: Gilks & Berzuini 2001; Chopin 2002), which keeps
        the sample diverse. Step k draws from a generator seeded by (seed, k), so the same answers always
        give the same belief, paused and resumed or not.
        """
        key = (state.seed, state.answers)
        with self._cache_lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        config = self.config
        step = len(state.answers)
        rng = np.random.default_rng([state.seed, step])
        if step == 0:
            chains = self._model.sample_prior(config.particles, rng)
            belief = _Belief(chains=chains, weights=np.full(config.particles, 1.0 / config.particles))
        else:
            previous = self._belief(PlacementState(seed=state.seed, answers=state.answers[:-1]))
            answer = state.answers[-1]
            if answer.item_id not in self._item_index:
                raise KeyError(f"unknown placement item {answer.item_id!r}")
            if_known, if_not = self._likelihood(answer)
            column = previous.chains.known[self._index[answer.skill_id]]
            weights = previous.weights * np.where(column, if_known, if_not)
            weights = weights / weights.sum()
            chains = previous.chains
            if 1.0 / float(np.sum(weights**2)) < 0.5 * len(weights):
                picks = _systematic_resample(weights, rng)
                chains = Chains(known=chains.known[:, picks], theta=chains.theta[picks])
                weights = np.full(len(picks), 1.0 / len(picks))
                log_ratio = self._log_ratio(state.answers)
                for sweep in range(config.move_sweeps):
                    chains = self._model.move(chains, log_ratio, rng, reverse=sweep % 2 == 1)
            belief = _Belief(chains=chains, weights=weights)
        with self._cache_lock:
            if len(self._cache) >= 256:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = belief
        return belief

    def _log_ratio(self, answers: Sequence[PlacementAnswer]) -> FloatArray:
        """Per skill, the summed log-likelihood ratio known : not known of the answers on it."""
        log_ratio = np.zeros(len(self._index))
        for answer in answers:
            if_known, if_not = self._likelihood(answer)
            log_ratio[self._index[answer.skill_id]] += math.log(max(if_known, _TINY) / max(if_not, _TINY))
        return log_ratio

    def _stop_before_gain(self, state: PlacementState, belief: _Belief) -> StopReason | None:
        if len(state.answers) >= self.config.max_questions:
            return StopReason.CAP
        if not state.answers:
            return None  # the prior alone never places anyone: confidence comes from the learner's answers
        marginals = belief.marginals()
        confident = (marginals >= self.config.known_threshold) | (marginals <= self.config.unknown_threshold)
        if bool(np.all(confident)):
            return StopReason.CONFIDENT
        return None

    def _best(self, state: PlacementState, belief: _Belief) -> Question | None:
        asked = {answer.item_id for answer in state.answers}
        candidates = [k for k, item in enumerate(self.items) if item.item_id not in asked]
        if not candidates:
            return None
        gains = _gains(belief, self.items, candidates, self._index)
        # ties go to the item given first: deterministic, never dictionary order
        best = int(np.argmax(gains))
        item = self.items[candidates[best]]
        return Question(item_id=item.item_id, skill_id=item.skill_id, expected_gain=float(gains[best]))

    def _reason(
        self,
        skill_id: str,
        evidence: Mapping[str, tuple[Outcome, ...]],
        known: frozenset[str],
        not_known: frozenset[str],
    ) -> str:
        name = self.graph.name(skill_id)
        own = evidence.get(skill_id, ())
        if skill_id in known:
            if Outcome.CORRECT in own:
                return _("Placed as known: you answered {name} correctly.").format(name=name)
            shown = [d for d in self.graph.descendants(skill_id) if Outcome.CORRECT in evidence.get(d, ())]
            if shown:
                other = self.graph.name(shown[-1])
                return _("Placed as known: you answered {other} correctly, and it builds on {name}.").format(
                    other=other, name=name
                )
            return _("Placed as known: your answers show you very likely know {name}.").format(name=name)
        if skill_id in not_known:
            if Outcome.NOT_LEARNED in own:
                return _("To learn: you said you haven't learned {name} yet.").format(name=name)
            if own and Outcome.CORRECT not in own:
                return _("To learn: {name} was tricky in placement, so we'll start there.").format(name=name)
            missed = [
                a
                for a in self.graph.ancestors(skill_id)
                if evidence.get(a) and Outcome.CORRECT not in evidence[a]
            ]
            if missed:
                other = self.graph.name(missed[0])
                if Outcome.NOT_LEARNED in evidence[missed[0]]:
                    return _(
                        "To learn: {name} builds on {other}, which you said you haven't learned yet."
                    ).format(name=name, other=other)
                return _("To learn: {name} builds on {other}, which was tricky in placement.").format(
                    name=name, other=other
                )
            return _("To learn: your answers show {name} is probably new to you.").format(name=name)
        return _("Not sure yet: practice on {name} will show where you are.").format(name=name)


def _systematic_resample(weights: FloatArray, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Systematic resampling (Kitagawa 1996): one uniform, ``n`` evenly spaced pointers into the CDF."""
    n = len(weights)
    pointers = (rng.random() + np.arange(n)) / n
    cumulative = np.cumsum(weights)
    cumulative[-1] = 1.0
    out: npt.NDArray[np.int64] = np.searchsorted(cumulative, pointers).astype(np.int64)
    return out


def _gains(
    belief: _Belief, items: Sequence[PlacementItem], candidates: Sequence[int], index: Mapping[str, int]
) -> FloatArray:
    """Expected reduction in sum of marginal entropies (bits) for each candidate item.

    With m = P(K_t = 1) and J[s, t] = P(K_s = 1, K_t = 1), an item on skill s with slip ``sl`` and guess
    ``g`` is answered right with p1 = (1 - sl) m_s + g (1 - m_s), and then
    P(K_t = 1 | right) = ((1 - sl) J[s, t] + g (m_t - J[s, t])) / p1 (likewise for wrong). The gain is
    sum_t H(m_t) - p1 sum_t H(P(K_t | right)) - (1 - p1) sum_t H(P(K_t | wrong)).
    """
    marginals = belief.marginals()
    skills = sorted({index[items[k].skill_id] for k in candidates})
    known = belief.chains.known
    # (len(skills), all skills); float32 halves the product's cost, and sums of weights need no more
    joint = (
        (known[skills] * belief.weights[None, :]).astype(np.float32) @ known.T.astype(np.float32)
    ).astype(np.float64)
    row = {s: r for r, s in enumerate(skills)}
    # items with the same skill, slip and guess have the same gain: score each such kind once
    kinds = np.array(
        [(row[index[items[k].skill_id]], items[k].p_slip, items[k].p_guess) for k in candidates],
        dtype=np.float64,
    ).reshape(-1, 3)
    unique, inverse = np.unique(kinds, axis=0, return_inverse=True)
    rows = unique[:, 0].astype(np.int64)
    slip = unique[:, 1:2]
    guess = unique[:, 2:3]
    j = joint[rows]
    m_s = marginals[np.array(skills, dtype=np.int64)[rows]][:, None]
    rest = marginals[None, :] - j
    p1 = np.clip((1.0 - slip) * m_s + guess * (1.0 - m_s), _TINY, 1.0 - _TINY)
    post1 = np.clip(((1.0 - slip) * j + guess * rest) / p1, 0.0, 1.0)
    post0 = np.clip((slip * j + (1.0 - guess) * rest) / (1.0 - p1), 0.0, 1.0)
    before = float(_entropy(marginals).sum())
    after = p1[:, 0] * _entropy(post1).sum(axis=1) + (1.0 - p1[:, 0]) * _entropy(post0).sum(axis=1)
    out: FloatArray = (before - after)[inverse.reshape(-1)]
    return out


def seed_progress(
    result: PlacementResult,
    *,
    now: datetime,
    existing: Mapping[str, SkillProgress] | None = None,
) -> dict[str, SkillProgress]:
    """Seed the learner's ``SkillProgress`` from a placement, never taking mastery away.

    - A skill placed as known becomes mastered at ``now`` with P(mastered) = its P(known) (placement counts
      as the evidence; the skill enters spaced review like any mastered one).
    - Any other skill without mastery gets P(mastered) = its P(known), evidence unchanged.
    - The placement answers on a placed-known skill are added to its evidence (answers and streak).
    - A skill already mastered stays mastered. If the re-check placed it as not known, it is marked
      ``lapsed`` (review due, with the kind "time to review" reason), never ``not_yet``: re-checks schedule
      review, they never silently take mastery away.

    Returns a new mapping with every skill of the result; ``existing`` is not modified.
    """
    now = require_utc(now, "now")
    existing = existing or {}
    seeded: dict[str, SkillProgress] = {}
    for skill_id, p in result.p_known.items():
        before = existing.get(skill_id, SkillProgress(skill_id=skill_id))
        if before.is_mastered:
            lapsed = before.lapsed or skill_id in result.placed_not_known
            seeded[skill_id] = replace(before, lapsed=lapsed, p_mastered=max(before.p_mastered, p))
        elif skill_id in result.placed_known:
            evidence = before.evidence
            for outcome in result.evidence.get(skill_id, ()):
                evidence = evidence.after(outcome is Outcome.CORRECT)
            seeded[skill_id] = replace(before, p_mastered=p, mastered_at=now, evidence=evidence)
        else:
            seeded[skill_id] = replace(before, p_mastered=p)
    return seeded


def run_placement(
    placement: Placement, answer: Any, *, random_state: int, state: PlacementState | None = None
) -> PlacementState:
    """Run a placement to its end, asking ``answer(question) -> Outcome`` (for simulations and tests)."""
    current = state if state is not None else placement.start(random_state=random_state)
    while (question := placement.next_question(current)) is not None:
        current = placement.record(current, question.item_id, answer(question))
    return current
