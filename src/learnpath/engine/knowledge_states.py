"""Sampling knowledge states over a prerequisite graph, given answers: two priors and their Gibbs samplers.

``LeakyStateModel`` (what placement uses by default) lets a skill be known without its prerequisites, at a
price (its class docstring). ``ClosedStateModel``, below, allows only states closed under prerequisites.

A knowledge state K (K_s = 1: skill s known) is *closed under prerequisites* when every known skill's
prerequisites are known: the knowledge states of a knowledge space built from a prerequisite relation
(Doignon & Falmagne, *Knowledge Spaces*, 1999, ch. 5; Falmagne et al. 2006, the basis of ALEKS). The prior
ties skills together through a learner's latent progress ``theta`` on a grid:

    theta ~ N(0, sd^2)                     (discretised on ``grid_size`` points over +-4 sd)
    P(K | theta) = prod over eligible s of p_s^K_s (1 - p_s)^(1 - K_s),
    p_s = (1 - gap) sigmoid(slope (theta - b_s))

where s is *eligible* when all its prerequisites are known; a skill that is not eligible is not known. An
answer on skill s multiplies by its likelihood given K_s (``log_ratio[s]`` collects the log-likelihood
ratios known : not known of all answers on s).

The posterior is sampled by Gibbs sampling (Geman & Geman 1984) over ``chains`` chains at once, each sweep
updating every skill from its full conditional (below) then theta from its grid posterior. A skill whose
prerequisites are not all known must stay unknown and one with a known dependent must stay known, so every
sample stays closed. The full conditional log-odds of K_s = 1, for an eligible skill with no known
dependent, is

    logit p_s(theta) + log_ratio[s] + sum over dependents d with K_d = 0 whose other prerequisites are
    known of log(1 - p_d(theta))

(turning s on makes those dependents eligible, and each then pays its factor of not being known). Sweeps
alternate forward and reverse topological order, so a chain of known skills can be switched off from its
top as readily as switched on from its bottom; ``move`` adds whole-state independence proposals.
Everything draws from the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from learnpath.engine.skill_graph import SkillGraph

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def _log_known(z: FloatArray, gap: float) -> tuple[FloatArray, FloatArray]:
    """log p and log(1 - p) for p = (1 - gap) sigmoid(z), stably (1 - p = sigmoid(-z) + gap sigmoid(z))."""
    if not 0.0 <= gap < 1.0:
        raise ValueError(f"gap must lie in [0, 1), got {gap}")
    log_on = -np.logaddexp(0.0, -z)
    log_off = -np.logaddexp(0.0, z)
    if gap == 0.0:
        return log_on, log_off
    return math.log1p(-gap) + log_on, np.logaddexp(log_off, math.log(gap) + log_on)


@dataclass(frozen=True)
class Chains:
    """The sampler's chains: ``known`` (skills, chains) and each chain's ``theta`` grid index."""

    known: BoolArray
    theta: IntArray


class ClosedStateModel:
    """The prior above on one graph, with forward sampling and Gibbs sweeps (see the module docstring)."""

    def __init__(
        self,
        graph: SkillGraph,
        *,
        offsets: FloatArray,
        prior_sd: float,
        slope: float,
        gap: float = 0.0,
        grid_size: int = 25,
    ) -> None:
        ids = graph.skill_ids
        index = {skill_id: k for k, skill_id in enumerate(ids)}
        self.n_skills = len(ids)
        self.order = np.array([index[s] for s in graph.topological_order()], dtype=np.int64)
        self.prerequisites = [
            np.array([index[p] for p in graph.prerequisites(s)], dtype=np.int64) for s in ids
        ]
        self.dependents = [np.array([index[d] for d in graph.dependents(s)], dtype=np.int64) for s in ids]
        self.other_prerequisites = [
            [
                np.array([index[p] for p in graph.prerequisites(d) if p != s], dtype=np.int64)
                for d in graph.dependents(s)
            ]
            for s in ids
        ]
        incidence = np.zeros((self.n_skills, self.n_skills))
        for k, prereqs in enumerate(self.prerequisites):
            incidence[k, prereqs] = 1.0
        self.incidence = incidence
        self.grid = np.linspace(-4.0 * prior_sd, 4.0 * prior_sd, grid_size)
        log_prior = -0.5 * (self.grid / prior_sd) ** 2
        self.log_prior = log_prior - np.logaddexp.reduce(log_prior)
        self.log_p1, self.log_p0 = _log_known(slope * (self.grid[:, None] - offsets[None, :]), gap)

    def sample_prior(self, n: int, rng: np.random.Generator) -> Chains:
        """``n`` independent draws from the prior, in topological order (exact, no Markov chain)."""
        theta = rng.choice(len(self.grid), size=n, p=np.exp(self.log_prior)).astype(np.int64)
        return Chains(known=self._sample_given_theta(theta, rng), theta=theta)

    def _sample_given_theta(self, theta: IntArray, rng: np.random.Generator) -> BoolArray:
        n = len(theta)
        uniforms = rng.random((self.n_skills, n))
        known = np.zeros((self.n_skills, n), dtype=np.bool_)
        for s in self.order:
            on = uniforms[s] < np.exp(self.log_p1[theta, s])
            prereqs = self.prerequisites[s]
            if len(prereqs):
                on &= known[prereqs].all(axis=0)
            known[s] = on
        return known

    def move(
        self,
        chains: Chains,
        log_ratio: FloatArray,
        rng: np.random.Generator,
        *,
        reverse: bool,
        proposals: int = 2,
    ) -> Chains:
        """One Markov move that leaves the posterior invariant: independence proposals, then a Gibbs sweep.

        Single-site Gibbs mixes slowly between states that differ in a whole sub-graph (a root and all it
        opens). So each move first tries ``proposals`` whole new states drawn from the prior given the
        chain's theta (an independence Metropolis-Hastings proposal, Tierney 1994: the prior cancels, and
        the acceptance ratio is the likelihood ratio of the answers), then sweeps (``sweep``).
        """
        known = chains.known
        for _ in range(proposals):
            proposal = self._sample_given_theta(chains.theta, rng)
            gain = log_ratio @ proposal - log_ratio @ known
            accept = np.log(rng.random(len(gain)) + 1e-300) < gain
            known = np.where(accept[None, :], proposal, known)
        return self.sweep(Chains(known=known, theta=chains.theta), log_ratio, rng, reverse=reverse)

    def sweep(
        self, chains: Chains, log_ratio: FloatArray, rng: np.random.Generator, *, reverse: bool
    ) -> Chains:
        """One Gibbs sweep over every skill then theta; returns new chains (the input is not modified)."""
        known = chains.known.copy()
        theta = chains.theta
        log_p1, log_p0 = self.log_p1[theta], self.log_p0[theta]  # (chains, skills)
        uniforms = rng.random((self.n_skills, known.shape[1]))
        order = self.order[::-1] if reverse else self.order
        for s in order:
            free = np.ones(known.shape[1], dtype=np.bool_)
            prereqs, dependents = self.prerequisites[s], self.dependents[s]
            if len(prereqs):
                free &= known[prereqs].all(axis=0)
            if len(dependents):
                free &= ~known[dependents].any(axis=0)
            if not free.any():
                continue
            log_odds = log_p1[:, s] - log_p0[:, s] + log_ratio[s]
            for d, others in zip(dependents, self.other_prerequisites[s], strict=True):
                opens = ~known[d]
                if len(others):
                    opens &= known[others].all(axis=0)
                log_odds = log_odds + np.where(opens, log_p0[:, d], 0.0)
            on = uniforms[s] < 1.0 / (1.0 + np.exp(-log_odds))
            known[s] = np.where(free, on, known[s])
        return Chains(known=known, theta=self._sample_theta(known, rng))

    def _sample_theta(self, known: BoolArray, rng: np.random.Generator) -> IntArray:
        """Theta from its grid posterior given each chain's state (Gumbel-max sampling)."""
        unknown = (~known).astype(np.float64)
        eligible = (self.incidence @ unknown) == 0.0  # (skills, chains)
        on = (eligible & known).astype(np.float64)
        off = (eligible & ~known).astype(np.float64)
        log_post = self.log_prior[:, None] + self.log_p1 @ on + self.log_p0 @ off  # (grid, chains)
        gumbel = -np.log(-np.log(rng.random(log_post.shape)))
        out: IntArray = np.argmax(log_post + gumbel, axis=0).astype(np.int64)
        return out


class LeakyStateModel:
    """A prior in which a skill may be known without its prerequisites, and its Gibbs sampler.

    Probabilistic knowledge structures put a probability on every state instead of forbidding the ones a
    strict prerequisite relation rules out (Falmagne & Doignon 1988, the basic local independence model;
    Doignon & Falmagne 1999, ch. 11; competence-based extensions in Heller & Stefanutti (eds.), *Knowledge
    Structures: Recent Developments in Theory and Application*, 2024): real learners do learn a skill
    before the one the map puts under it. Here a prerequisite "leaks": with
    p_s(theta) = (1 - gap) sigmoid(slope (theta - b_s)) as in ``ClosedStateModel``,

        P(K_s = 1 | theta, prerequisites) = p_s(theta)          if every prerequisite of s is known,
                                          = leak * p_s(theta)   otherwise,

    drawn in topological order (a Bayesian network over the graph). Every state has some probability, so
    a right answer on a skill B still raises its prerequisites (most states holding B hold them, by the
    odds 1 : leak per missing prerequisite), but a wrong answer on a prerequisite A no longer drags B
    down with it when B itself was answered right: "knows B, not A" becomes a state with its own weight.

    Gibbs sampling needs each skill's full conditional given the rest (its Markov blanket): the log-odds of
    K_s = 1 are

        logit P(K_s = 1 | theta, prerequisites of s) + log_ratio[s]
        + sum over dependents d whose other prerequisites are known of
          [K_d = 1: -log leak;  K_d = 0: log(1 - p_d) - log(1 - leak p_d)]

    (turning s on makes d eligible: a known d then costs a factor leak less, an unknown d the ratio of its
    two "not known" factors). The sampler keeps, per skill and chain, the number of unknown prerequisites,
    updated as skills flip, so a sweep costs O(edges x chains). Skills are updated a colour class at a
    time (chromatic Gibbs: Gonzalez et al., "Parallel Gibbs sampling", AISTATS 2011): no two skills of a
    class share a Markov blanket (neither is the other's prerequisite nor do they share a dependent), so
    they are conditionally independent given the rest and one vectorised draw updates them all exactly.
    Forward sampling goes level by level of the graph for the same reason. ``leak`` = 0 would be the
    closed model, whose hard constraints need ``ClosedStateModel``'s moves: this class requires
    0 < leak < 1.
    """

    def __init__(
        self,
        graph: SkillGraph,
        *,
        offsets: FloatArray,
        prior_sd: float,
        slope: float,
        leak: float,
        gap: float = 0.0,
        grid_size: int = 25,
    ) -> None:
        if not 0.0 < leak < 1.0:
            raise ValueError(f"LeakyStateModel needs 0 < leak < 1, got {leak}")
        ids = graph.skill_ids
        index = {skill_id: k for k, skill_id in enumerate(ids)}
        self.n_skills = len(ids)
        self.leak = leak
        self.order = np.array([index[s] for s in graph.topological_order()], dtype=np.int64)
        self.prerequisites = [
            np.array([index[p] for p in graph.prerequisites(s)], dtype=np.int64) for s in ids
        ]
        self.dependents = [np.array([index[d] for d in graph.dependents(s)], dtype=np.int64) for s in ids]
        # edges grouped by dependent: unknown-prerequisite counts as one gather and one segment sum
        self.with_prerequisites = np.array([k for k in range(self.n_skills) if len(self.prerequisites[k])])
        self.edge_prerequisite = np.concatenate(
            [self.prerequisites[k] for k in self.with_prerequisites] or [np.zeros(0, dtype=np.int64)]
        ).astype(np.int64)
        sizes = [len(self.prerequisites[k]) for k in self.with_prerequisites]
        self.edge_starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.levels = self._levels(graph, index)
        self.classes = self._colour_classes()
        self.grid = np.linspace(-4.0 * prior_sd, 4.0 * prior_sd, grid_size)
        log_prior = -0.5 * (self.grid / prior_sd) ** 2
        self.log_prior = log_prior - np.logaddexp.reduce(log_prior)
        self.log_p1, self.log_p0 = _log_known(slope * (self.grid[:, None] - offsets[None, :]), gap)
        self.p1 = np.exp(self.log_p1)
        self.log_leak = math.log(leak)
        self.log_l0 = np.log1p(-leak * self.p1)  # log P(K_s = 0 | a prerequisite unknown)
        # full-conditional pieces (see the class docstring), per grid point and skill
        self.odds_eligible = self.log_p1 - self.log_p0
        self.odds_blocked = self.log_leak + self.log_p1 - self.log_l0
        self.dependent_off = self.log_p0 - self.log_l0

    def sample_prior(self, n: int, rng: np.random.Generator) -> Chains:
        """``n`` independent draws from the prior, in topological order (exact, no Markov chain)."""
        theta = rng.choice(len(self.grid), size=n, p=np.exp(self.log_prior)).astype(np.int64)
        return Chains(known=self._sample_given_theta(theta, rng), theta=theta)

    def _levels(self, graph: SkillGraph, index: dict[str, int]) -> list[_Level]:
        """Skills by level (longest path from a root): a level's prerequisites all lie in earlier levels."""
        level: dict[str, int] = {}
        for skill_id in graph.topological_order():
            level[skill_id] = 1 + max((level[p] for p in graph.prerequisites(skill_id)), default=-1)
        out = []
        for depth in range(max(level.values(), default=-1) + 1):
            skills = np.array(
                [index[s] for s in graph.topological_order() if level[s] == depth], dtype=np.int64
            )
            out.append(_Level.of(skills, self.prerequisites))
        return out

    def _colour_classes(self) -> list[_ColourClass]:
        """Greedy colouring of the moral graph (prerequisites, dependents, co-prerequisites), in
        topological order; each class with its outgoing edges grouped by skill."""
        blanket: list[set[int]] = [set() for _ in range(self.n_skills)]
        for d in range(self.n_skills):
            prereqs = [int(p) for p in self.prerequisites[d]]
            for p in prereqs:
                blanket[p].add(d)
                blanket[d].add(p)
                blanket[p].update(q for q in prereqs if q != p)
        colour: dict[int, int] = {}
        for s in (int(k) for k in self.order):
            taken = {colour[t] for t in blanket[s] if t in colour}
            colour[s] = next(c for c in range(self.n_skills + 1) if c not in taken)
        classes = []
        for c in range(max(colour.values(), default=-1) + 1):
            skills = np.array([s for s in (int(k) for k in self.order) if colour[s] == c], dtype=np.int64)
            classes.append(_ColourClass.of(skills, self.dependents))
        return classes

    def _sample_given_theta(self, theta: IntArray, rng: np.random.Generator) -> BoolArray:
        n = len(theta)
        uniforms = rng.random((self.n_skills, n))
        p1 = self.p1[theta].T  # (skills, chains)
        known = np.zeros((self.n_skills, n), dtype=np.bool_)
        for level in self.levels:
            p = p1[level.skills]
            if len(level.edge_prerequisite):
                ready = np.logical_and.reduceat(known[level.edge_prerequisite], level.edge_starts, axis=0)
                p[level.with_prerequisites] *= np.where(ready, 1.0, self.leak)
            known[level.skills] = uniforms[level.skills] < p
        return known

    def move(
        self,
        chains: Chains,
        log_ratio: FloatArray,
        rng: np.random.Generator,
        *,
        reverse: bool,
        proposals: int = 2,
    ) -> Chains:
        """Independence proposals from the prior given theta, then a Gibbs sweep (as ``ClosedStateModel``)."""
        known = chains.known
        for _ in range(proposals):
            proposal = self._sample_given_theta(chains.theta, rng)
            gain = log_ratio @ proposal - log_ratio @ known
            accept = np.log(rng.random(len(gain)) + 1e-300) < gain
            known = np.where(accept[None, :], proposal, known)
        return self.sweep(Chains(known=known, theta=chains.theta), log_ratio, rng, reverse=reverse)

    def sweep(
        self, chains: Chains, log_ratio: FloatArray, rng: np.random.Generator, *, reverse: bool
    ) -> Chains:
        """One Gibbs sweep over every skill then theta; returns new chains (the input is not modified)."""
        known = chains.known.copy()
        theta = chains.theta
        missing = self._missing(known)  # (skills, chains): unknown prerequisites
        eligible_odds = self.odds_eligible[theta].T
        blocked_odds = self.odds_blocked[theta].T
        dependent_off = self.dependent_off[theta].T
        u = rng.random(known.shape)
        thresholds = np.log(u + 1e-300) - np.log1p(-u)  # K_s = 1 iff logit(u) < full-conditional log-odds
        on_known = -self.log_leak
        for group in reversed(self.classes) if reverse else self.classes:
            skills = group.skills
            log_odds = np.where(missing[skills] == 0, eligible_odds[skills], blocked_odds[skills])
            log_odds += log_ratio[skills][:, None]
            if len(group.edge_dependent):
                source, dependent = group.edge_source, group.edge_dependent
                # d's prerequisites other than s are all known iff its count, less s's own share, is 0
                others_known = missing[dependent] == ~known[source]
                terms = np.where(known[dependent], on_known, dependent_off[dependent]) * others_known
                log_odds[group.with_dependents] += np.add.reduceat(terms, group.edge_starts, axis=0)
                on = thresholds[skills] < log_odds
                change = on.astype(np.int64) - known[skills]
                # no two skills of a class share a dependent, so each count changes once
                missing[dependent] -= change[group.edge_position]
            else:
                on = thresholds[skills] < log_odds
            known[skills] = on
        return Chains(known=known, theta=self._sample_theta(known, missing, rng))

    def _missing(self, known: BoolArray) -> IntArray:
        """Per skill and chain, how many of its prerequisites are not known."""
        missing = np.zeros(known.shape, dtype=np.int64)
        if len(self.edge_prerequisite):
            unknown = (~known[self.edge_prerequisite]).astype(np.int64)
            missing[self.with_prerequisites] = np.add.reduceat(unknown, self.edge_starts, axis=0)
        return missing

    def _sample_theta(self, known: BoolArray, missing: IntArray, rng: np.random.Generator) -> IntArray:
        """Theta from its grid posterior given each chain's state (Gumbel-max sampling)."""
        eligible = missing == 0
        on = known.astype(np.float64)
        blocked_on = (known & ~eligible).astype(np.float64)
        eligible_off = (eligible & ~known).astype(np.float64)
        blocked_off = (~eligible & ~known).astype(np.float64)
        log_post = (
            self.log_prior[:, None]
            + self.log_p1 @ on
            + self.log_leak * blocked_on.sum(axis=0)[None, :]
            + self.log_p0 @ eligible_off
            + self.log_l0 @ blocked_off
        )  # (grid, chains)
        gumbel = -np.log(-np.log(rng.random(log_post.shape)))
        out: IntArray = np.argmax(log_post + gumbel, axis=0).astype(np.int64)
        return out


@dataclass(frozen=True)
class _Level:
    """One level of the graph for forward sampling, with its skills' prerequisite edges grouped by skill."""

    skills: IntArray
    with_prerequisites: IntArray  # positions in ``skills`` of those with prerequisites
    edge_prerequisite: IntArray
    edge_starts: IntArray

    @classmethod
    def of(cls, skills: IntArray, prerequisites: list[IntArray]) -> _Level:
        positions = [k for k, s in enumerate(skills) if len(prerequisites[s])]
        edges = [prerequisites[skills[k]] for k in positions]
        sizes = [len(e) for e in edges]
        return cls(
            skills=skills,
            with_prerequisites=np.array(positions, dtype=np.int64),
            edge_prerequisite=np.concatenate(edges or [np.zeros(0, dtype=np.int64)]).astype(np.int64),
            edge_starts=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            if sizes
            else np.zeros(0, dtype=np.int64),
        )


@dataclass(frozen=True)
class _ColourClass:
    """Skills updated together in a Gibbs sweep, with their edges to dependents grouped by skill."""

    skills: IntArray
    with_dependents: IntArray  # positions in ``skills`` of those with dependents
    edge_source: IntArray  # per edge: the skill (index into all skills)
    edge_position: IntArray  # per edge: the skill's position in ``skills``
    edge_dependent: IntArray
    edge_starts: IntArray

    @classmethod
    def of(cls, skills: IntArray, dependents: list[IntArray]) -> _ColourClass:
        positions = [k for k, s in enumerate(skills) if len(dependents[s])]
        sizes = [len(dependents[skills[k]]) for k in positions]
        empty = np.zeros(0, dtype=np.int64)
        return cls(
            skills=skills,
            with_dependents=np.array(positions, dtype=np.int64),
            edge_source=np.array(
                [skills[k] for k in positions for _ in dependents[skills[k]]], dtype=np.int64
            ),
            edge_position=np.array([k for k in positions for _ in dependents[skills[k]]], dtype=np.int64),
            edge_dependent=np.concatenate([dependents[skills[k]] for k in positions] or [empty]).astype(
                np.int64
            ),
            edge_starts=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes else empty,
        )
