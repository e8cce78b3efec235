"""Sampling knowledge states that respect a prerequisite graph, given answers: a Gibbs sampler.

A knowledge state K (K_s = 1: skill s known) is *closed under prerequisites* when every known skill's
prerequisites are known: the knowledge states of a knowledge space built from a prerequisite relation
(Doignon & Falmagne, *Knowledge Spaces*, 1999, ch. 5; Falmagne et al. 2006, the basis of ALEKS). The prior
ties skills together through a learner's latent progress ``theta`` on a grid:

    theta ~ N(0, sd^2)                     (discretised on ``grid_size`` points over +-4 sd)
    P(K | theta) = prod over eligible s of p_s^K_s (1 - p_s)^(1 - K_s),   p_s = sigmoid(slope (theta - b_s))

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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from learnpath.engine.skill_graph import SkillGraph

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


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
        z = slope * (self.grid[:, None] - offsets[None, :])  # (grid, skills)
        self.log_p1 = -np.logaddexp(0.0, -z)
        self.log_p0 = -np.logaddexp(0.0, z)

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
