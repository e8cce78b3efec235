"""Bayesian Knowledge Tracing (Corbett & Anderson 1994), optionally with forgetting.

Per skill, a two-state hidden Markov model: the learner has mastered the skill (state 1) or not (0).

    P(L_0) = p_init
    P(L_{t+1} = 1 | L_t = 0) = p_learn          P(L_{t+1} = 0 | L_t = 1) = p_forget  (0 without forgetting)
    P(correct | L_t = 1) = 1 - p_slip           P(correct | L_t = 0) = p_guess

Fitting is expectation-maximisation (Baum-Welch) per skill. All skills, all learners and all restarts are
processed together: sequences are sorted by length and laid out time-major, so one forward-backward pass
is a loop over time steps of NumPy operations on every sequence still running (``_Layout``).
The M-step clips guess and slip to at most ``max_guess``/``max_slip`` (0.5 by default, so that guess <= 0.5
<= 1 - slip), which rules out the degenerate solutions where "mastered" means "usually wrong" (Baker,
Corbett & Aleven 2008). The bound was re-checked on an inner split of fold 1's train file of the AKT
ASSISTments 2009 folds only (0.3, 0.4, 0.45, 0.5; 0.5 had the best held-out AUC, with and without
forgetting; docs/decisions/0022-honest-tuning.md).

Items with several skills: the answer is an observation for each of its skills (each skill's state is
updated with it), and P(correct) is the mean of the skills' predictions. The mean rather than the product
because in these data a multi-skill item is not markedly harder than its skills' single-skill items.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from learnpath.engine.answers import Answer, AnswerLog, as_answer_log
from learnpath.engine.learner_model import NotFittedError, check_format

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
MODEL_NAME = "bkt"
FORMAT_VERSION = 1
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class BKTParams:
    """One skill's BKT parameters."""

    p_init: float
    p_learn: float
    p_guess: float
    p_slip: float
    p_forget: float = 0.0

    def __post_init__(self) -> None:
        for name in ("p_init", "p_learn", "p_guess", "p_slip", "p_forget"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0 or math.isnan(value):
                raise ValueError(f"BKTParams.{name} must be a probability, got {value!r}")

    def to_list(self) -> list[float]:
        return [self.p_init, self.p_learn, self.p_guess, self.p_slip, self.p_forget]


@dataclass(frozen=True, slots=True)
class BKTState:
    """A learner's P(mastered) per skill, before their next answer (skills not yet seen use p_init)."""

    mastery: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "mastery": dict(self.mastery)}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> BKTState:
        if document.get("version") != 1:
            raise ValueError(f"BKTState: unsupported version {document.get('version')!r}")
        return cls({str(skill): float(p) for skill, p in document["mastery"].items()})


def bkt_predict(p_mastered: float, params: BKTParams) -> float:
    """P(correct) given P(mastered) before the answer."""
    return p_mastered * (1.0 - params.p_slip) + (1.0 - p_mastered) * params.p_guess


def bkt_step(p_mastered: float, correct: bool, params: BKTParams) -> float:
    """P(mastered) before the next answer: Bayes' rule on this answer, then the learning transition."""
    if correct:
        known = p_mastered * (1.0 - params.p_slip)
        unknown = (1.0 - p_mastered) * params.p_guess
    else:
        known = p_mastered * params.p_slip
        unknown = (1.0 - p_mastered) * (1.0 - params.p_guess)
    posterior = known / (known + unknown) if known + unknown > 0.0 else p_mastered
    return posterior * (1.0 - params.p_forget) + (1.0 - posterior) * params.p_learn


@dataclass(frozen=True)
class _Layout:
    """Sequences (one per learner and skill) sorted by length, laid out time-major.

    ``obs[offset[t] : offset[t] + active[t]]`` are the observations at step ``t`` of the ``active[t]``
    longest sequences; ``skill`` is each sequence's skill; ``flat_skill`` the skill of each observation.
    """

    obs: FloatArray
    offset: IntArray
    active: IntArray
    skill: IntArray
    flat_skill: IntArray
    n_skills: int


def _layout(sequence_skill: list[int], sequences: list[list[float]], n_skills: int) -> _Layout:
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    lengths = lengths[order]
    t_max = int(lengths[0]) if len(lengths) else 0
    active = np.array([int(np.sum(lengths > t)) for t in range(t_max)], dtype=np.int64)
    offset = np.zeros(t_max + 1, dtype=np.int64)
    np.cumsum(active, out=offset[1:])
    obs = np.empty(int(offset[-1]), dtype=np.float64)
    skill = np.asarray(sequence_skill, dtype=np.int64)[order]
    ordered = [sequences[k] for k in order.tolist()]
    # fill time-major: the column of step t holds element t of each of the active[t] longest sequences
    for t in range(t_max):
        obs[offset[t] : offset[t + 1]] = [ordered[s][t] for s in range(int(active[t]))]
    flat_skill = (
        np.concatenate([skill[: active[t]] for t in range(t_max)]) if t_max else np.zeros(0, np.int64)
    )
    return _Layout(obs, offset, active, skill, flat_skill.astype(np.int64), n_skills)


def _forward_backward(
    layout: _Layout, params: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """E-step for ``R`` parameter sets at once. ``params`` is (R, n_skills, 5).

    Returns per restart and observation: gamma1 = P(L_t = 1 | all), xi01 and xi10 (the expected
    0->1 and 1->0 transitions from step t to t+1, zero at a sequence's last step), and per restart and
    skill the log-likelihood; plus per restart and sequence-start observation gamma1 at step 0.
    """
    n_restarts = params.shape[0]
    seq_params = params[:, layout.skill, :]  # (R, n_seq, 5)
    init, learn, guess, slip, forget = (seq_params[:, :, k] for k in range(5))
    total = len(layout.obs)
    alpha1 = np.empty((n_restarts, total))
    scale = np.empty((n_restarts, total))
    e1_all = np.empty((n_restarts, total))
    e0_all = np.empty((n_restarts, total))
    offset, active, obs = layout.offset, layout.active, layout.obs
    t_max = len(active)
    prev = np.empty((n_restarts, 0))
    for t in range(t_max):
        a, b, n = offset[t], offset[t + 1], active[t]
        y = obs[a:b]
        g, s = guess[:, :n], slip[:, :n]
        e1 = y * (1.0 - s) + (1.0 - y) * s
        e0 = y * g + (1.0 - y) * (1.0 - g)
        prior = (
            init[:, :n]
            if t == 0
            else prev[:, :n] * (1.0 - forget[:, :n]) + (1.0 - prev[:, :n]) * learn[:, :n]
        )
        k1 = prior * e1
        c = k1 + (1.0 - prior) * e0
        prev = k1 / c
        alpha1[:, a:b] = prev
        scale[:, a:b] = c
        e1_all[:, a:b] = e1
        e0_all[:, a:b] = e0
    # backward with the same scaling: beta_t(i) = sum_j A_ij e_j(y_{t+1}) beta_{t+1}(j) / c_{t+1}
    gamma1 = np.empty((n_restarts, total))
    xi01 = np.zeros((n_restarts, total))
    xi10 = np.zeros((n_restarts, total))
    beta1 = np.ones((n_restarts, int(active[t_max - 1]) if t_max else 0))
    beta0 = np.ones_like(beta1)
    for t in range(t_max - 1, -1, -1):
        a, b, n = offset[t], offset[t + 1], active[t]
        al1 = alpha1[:, a:b]
        al0 = 1.0 - al1
        if t == t_max - 1:
            b1 = np.ones((n_restarts, n))
            b0 = np.ones((n_restarts, n))
        else:
            m = active[t + 1]  # sequences that go on to step t+1
            a2, b2 = offset[t + 1], offset[t + 2]
            e1n, e0n, cn = e1_all[:, a2:b2], e0_all[:, a2:b2], scale[:, a2:b2]
            lr, fg = learn[:, :m], forget[:, :m]
            w1 = e1n * beta1 / cn
            w0 = e0n * beta0 / cn
            b1 = np.ones((n_restarts, n))
            b0 = np.ones((n_restarts, n))
            b1[:, :m] = (1.0 - fg) * w1 + fg * w0
            b0[:, :m] = lr * w1 + (1.0 - lr) * w0
            xi01[:, a : a + m] = al0[:, :m] * lr * w1
            xi10[:, a : a + m] = al1[:, :m] * fg * w0
        gamma1[:, a:b] = al1 * b1 / (al1 * b1 + al0 * b0)
        beta1, beta0 = b1, b0
    loglik: FloatArray = np.stack(
        [
            np.bincount(layout.flat_skill, weights=np.log(scale[r]), minlength=layout.n_skills)
            for r in range(n_restarts)
        ]
    )
    start = gamma1[:, : int(active[0])] if t_max else np.zeros((n_restarts, 0))
    return gamma1, xi01, xi10, loglik, start


def _m_step(
    layout: _Layout,
    gamma1: FloatArray,
    xi01: FloatArray,
    xi10: FloatArray,
    start: FloatArray,
    params: FloatArray,
    *,
    forgetting: bool,
    max_guess: float,
    max_slip: float,
) -> FloatArray:
    n_restarts, n_skills = params.shape[0], layout.n_skills
    y = layout.obs
    # steps that have a successor (transitions are counted from them)
    has_next = np.zeros(len(y), dtype=np.bool_)
    for t in range(len(layout.active) - 1):
        has_next[layout.offset[t] : layout.offset[t] + layout.active[t + 1]] = True
    new = params.copy()
    n_seq = np.bincount(layout.skill, minlength=n_skills).astype(np.float64)
    for r in range(n_restarts):
        g1, g0 = gamma1[r], 1.0 - gamma1[r]

        def total(weights: FloatArray) -> FloatArray:
            return np.bincount(layout.flat_skill, weights=weights, minlength=n_skills).astype(np.float64)

        sum1, sum0 = total(g1), total(g0)
        sum1_next, sum0_next = total(g1 * has_next), total(g0 * has_next)
        init = np.bincount(layout.skill[: start.shape[1]], weights=start[r], minlength=n_skills) / np.maximum(
            n_seq, 1
        )
        learn = total(xi01[r]) / np.maximum(sum0_next, _EPS)
        forget = total(xi10[r]) / np.maximum(sum1_next, _EPS) if forgetting else np.zeros(n_skills)
        guess = total(g0 * y) / np.maximum(sum0, _EPS)
        slip = total(g1 * (1.0 - y)) / np.maximum(sum1, _EPS)
        seen = n_seq > 0
        new[r, seen, 0] = np.clip(init[seen], 1e-4, 1 - 1e-4)
        new[r, seen, 1] = np.clip(learn[seen], 1e-4, 1 - 1e-4)
        new[r, seen, 2] = np.clip(guess[seen], 1e-4, max_guess)
        new[r, seen, 3] = np.clip(slip[seen], 1e-4, max_slip)
        new[r, seen, 4] = np.clip(forget[seen], 0.0, 0.5) if forgetting else 0.0
    return new


class BKT:
    """Bayesian Knowledge Tracing, fitted by vectorised EM with restarts.

    Hyperparameters: ``forgetting`` (fit p_forget, else 0), ``n_restarts`` (random starts; per skill the
    one with the highest likelihood is kept), ``max_iter`` and ``tol`` (EM stops when the mean
    log-likelihood per answer improves by less), ``max_guess``/``max_slip`` (bounds), ``random_state``.
    """

    name = MODEL_NAME

    def __init__(
        self,
        *,
        forgetting: bool = False,
        n_restarts: int = 4,
        max_iter: int = 100,
        tol: float = 1e-6,
        max_guess: float = 0.5,
        max_slip: float = 0.5,
        random_state: int | None = 0,
    ) -> None:
        self.forgetting = forgetting
        self.n_restarts = n_restarts
        self.max_iter = max_iter
        self.tol = tol
        self.max_guess = max_guess
        self.max_slip = max_slip
        self.random_state = random_state
        self.params_: dict[str, BKTParams] | None = None
        self.default_params_: BKTParams | None = None
        self.n_iter_: int | None = None

    def get_params(self) -> dict[str, Any]:
        return {
            "forgetting": self.forgetting,
            "n_restarts": self.n_restarts,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "max_guess": self.max_guess,
            "max_slip": self.max_slip,
            "random_state": self.random_state,
        }

    def fit(self, events: AnswerLog | Iterable[Answer]) -> BKT:
        log = as_answer_log(events)
        if len(log) == 0:
            raise ValueError("BKT.fit needs at least one answer")
        n_skills = len(log.skill_ids)
        # one observation sequence per (learner, skill), in answer order
        sequences: dict[tuple[int, int], list[float]] = {}
        starts = log.skill_start.tolist()
        skills = log.skill.tolist()
        for k, (learner, correct) in enumerate(zip(log.learner.tolist(), log.correct.tolist(), strict=True)):
            y = 1.0 if correct else 0.0
            for s in skills[starts[k] : starts[k + 1]]:
                sequences.setdefault((learner, s), []).append(y)
        keys = list(sequences)
        layout = _layout([s for _, s in keys], [sequences[key] for key in keys], n_skills)
        rng = np.random.default_rng(self.random_state)
        r = max(1, self.n_restarts)
        params = np.empty((r, n_skills, 5))
        params[:, :, 0] = rng.uniform(0.1, 0.8, (r, n_skills))
        params[:, :, 1] = rng.uniform(0.05, 0.4, (r, n_skills))
        params[:, :, 2] = rng.uniform(0.05, self.max_guess, (r, n_skills))
        params[:, :, 3] = rng.uniform(0.05, self.max_slip, (r, n_skills))
        params[:, :, 4] = rng.uniform(0.0, 0.1, (r, n_skills)) if self.forgetting else 0.0
        if r > 1:  # one start at the textbook values, the others random
            params[0, :, :] = [0.4, 0.15, 0.2, 0.1, 0.02 if self.forgetting else 0.0]
        previous = -np.inf
        iterations = 0
        loglik = np.zeros((r, n_skills))
        n_obs = max(len(layout.obs), 1)
        for iterations in range(1, self.max_iter + 1):  # noqa: B007 (used after the loop)
            gamma1, xi01, xi10, loglik, start = _forward_backward(layout, params)
            current = float(np.max(loglik.sum(axis=1))) / n_obs
            if current - previous < self.tol:
                break
            previous = current
            params = _m_step(
                layout,
                gamma1,
                xi01,
                xi10,
                start,
                params,
                forgetting=self.forgetting,
                max_guess=self.max_guess,
                max_slip=self.max_slip,
            )
        _, _, _, loglik, _ = _forward_backward(layout, params)
        best = np.argmax(loglik, axis=0)
        chosen = params[best, np.arange(n_skills), :]
        self.params_ = {
            skill: BKTParams(*(float(v) for v in chosen[k])) for k, skill in enumerate(log.skill_ids)
        }
        overall = float(np.mean(log.correct))
        self.default_params_ = BKTParams(
            p_init=min(max(overall, 0.05), 0.95), p_learn=0.1, p_guess=0.2, p_slip=0.1
        )
        self.n_iter_ = iterations
        return self

    def _check(self) -> tuple[dict[str, BKTParams], BKTParams]:
        if self.params_ is None or self.default_params_ is None:
            raise NotFittedError("BKT is not fitted yet: call fit(events) before predicting")
        return self.params_, self.default_params_

    def skill_params(self, skill: str) -> BKTParams:
        params, default = self._check()
        return params.get(skill, default)

    def initial_state(self) -> BKTState:
        return BKTState()

    def _mastery(self, state: BKTState, skill: str) -> float:
        value = state.mastery.get(skill)
        return self.skill_params(skill).p_init if value is None else value

    def predict_mastery(self, state: BKTState, skill: str) -> float:
        """P(skill mastered) now: BKT's hidden state."""
        return self._mastery(state, skill)

    def predict_correct(self, state: BKTState, item: str, skills: tuple[str, ...]) -> float:
        """P(correct): the mean over the item's skills of each skill's prediction."""
        if not skills:
            raise ValueError(f"item {item!r} names no skill")
        total = 0.0
        for skill in skills:
            total += bkt_predict(self._mastery(state, skill), self.skill_params(skill))
        return total / len(skills)

    def update(self, state: BKTState, answer: Answer) -> BKTState:
        """The state after ``answer`` (``state`` is not changed): each of the item's skills is updated."""
        mastery = dict(state.mastery)
        for skill in answer.skills:
            mastery[skill] = bkt_step(self._mastery(state, skill), answer.correct, self.skill_params(skill))
        return BKTState(mastery)

    def predict_sequential(self, events: AnswerLog | Iterable[Answer]) -> FloatArray:
        """P(correct) of every answer from the same learner's earlier answers in ``events``."""
        params, default = self._check()
        log = as_answer_log(events)
        table = [params.get(skill, default) for skill in log.skill_ids]
        mastery: dict[tuple[int, int], float] = {}
        out = np.empty(len(log))
        starts = log.skill_start.tolist()
        skills = log.skill.tolist()
        for k, (learner, correct) in enumerate(zip(log.learner.tolist(), log.correct.tolist(), strict=True)):
            own = skills[starts[k] : starts[k + 1]]
            total = 0.0
            for s in own:
                p = table[s]
                known = mastery.get((learner, s), p.p_init)
                total += known * (1.0 - p.p_slip) + (1.0 - known) * p.p_guess
                mastery[(learner, s)] = bkt_step(known, correct, p)
            out[k] = total / len(own)
        return out

    def to_dict(self) -> dict[str, Any]:
        params, default = self._check()
        return {
            "model": MODEL_NAME,
            "version": FORMAT_VERSION,
            "params": self.get_params(),
            "skills": {skill: p.to_list() for skill, p in params.items()},
            "default": default.to_list(),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> BKT:
        check_format(document, MODEL_NAME, FORMAT_VERSION)
        model = cls(**document["params"])
        model.params_ = {str(skill): BKTParams(*values) for skill, values in document["skills"].items()}
        model.default_params_ = BKTParams(*document["default"])
        return model
