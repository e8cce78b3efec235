"""LogisticKT: learnpath's default learner model, a logistic regression on the learner's history.

It belongs to the Best-LR / PFA / DAS3H family (Pavlik et al. 2009; Choffin et al. 2019; Gervet et al.
2020): P(correct) = sigmoid(w · x), where x describes the item (its difficulty as a one-hot, its smoothed
success rate in the training data), the skills (one-hots and per-skill slopes on past successes and
failures), and the learner's history as counters kept in ``LearnerHistory`` (attempts, successes, recent
correctness as moving averages and last answers, streaks, answers since the skill was last practised,
earlier attempts at the same item). Every counter updates in O(skills of the item).

The weights are fitted by L-BFGS (scipy) on a sparse design matrix with L2 penalties per block.
P(skill mastered) maps the predicted success on a typical item of the skill through a threshold; see
``predict_mastery`` and docs/learner-model.md.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.optimize
import scipy.sparse
from threadpoolctl import threadpool_limits

from learnpath.engine.answers import Answer, AnswerLog, as_answer_log
from learnpath.engine.history import (
    ITEM_FEATURES,
    LEARNER_FEATURES,
    NEW_SKILL,
    SKILL_FEATURES,
    ItemRecord,
    LearnerHistory,
    SkillRecord,
    advance,
    combination_key,
    item_features,
    learner_features,
    next_learner_scalars,
    next_skill,
    push_item,
    skill_features,
)
from learnpath.engine.learner_model import NotFittedError, check_format

FloatArray = npt.NDArray[np.float64]
MODEL_NAME = "logistic-kt"
FORMAT_VERSION = 1

INTERACTION_FEATURES = (
    "ability_on_new_skill",
    "item_rate_x_ability",
    "last_1_x_skill_gap_1",
    "skill_ema_x_attempts",
    "item_rate_x_skill_attempts",
    "item_rate_x_skill_ema",
    "item_rate_x_skill_last_1",
    "item_rate_x_ema",
    "item_log_train_answers",
    "item_log_train_answers_x_rate",
)
EXTRA_FEATURES = (*INTERACTION_FEATURES, "item_rate_logit", "extra_skills", "intercept")
COMBINATION_FEATURES = tuple(f"combination_{name}" for name in SKILL_FEATURES)
DENSE_FEATURES = (*LEARNER_FEATURES, *SKILL_FEATURES, *COMBINATION_FEATURES, *ITEM_FEATURES, *EXTRA_FEATURES)
_INTERCEPT = DENSE_FEATURES.index("intercept")
N_BINS = 10
BINNED_FEATURES = (
    "log_answers",
    "success_logit",
    "ema_0.8",
    "ability",
    "skill_log_attempts",
    "skill_success_logit",
    "skill_ema_0.85",
    "skill_ability",
    "skill_log_gap",
    "item_rate_logit",
)
_BINNED = [DENSE_FEATURES.index(name) for name in BINNED_FEATURES]
_ABILITY = LEARNER_FEATURES.index("ability")
_LAST_1 = LEARNER_FEATURES.index("last_1")
_SKILL_SEEN = SKILL_FEATURES.index("skill_seen")
_SKILL_GAP_1 = SKILL_FEATURES.index("skill_gap_1")
_SKILL_EMA = SKILL_FEATURES.index("skill_ema_0.5")
_SKILL_LOG_ATTEMPTS = SKILL_FEATURES.index("skill_log_attempts")
_SKILL_LAST_1 = SKILL_FEATURES.index("skill_last_1")
_EMA_08 = LEARNER_FEATURES.index("ema_0.8")
ITEM_RATE_COLUMN = DENSE_FEATURES.index("item_rate_logit")
# per-skill slopes: skill one-hot times these (divided by the number of skills of the answer)
SLOPE_SOURCES = (
    "one",
    "skill_log_successes",
    "skill_log_failures",
    "skill_ema_0.5",
    "skill_ability",
    "skill_log_gap",
    "ability",
    "ema_0.8",
    "skill_streak_right",
    "block_log_attempts",
)
_SLOPE_FROM_SKILL = [SKILL_FEATURES.index(name) if name in SKILL_FEATURES else -1 for name in SLOPE_SOURCES]
_SLOPE_FROM_LEARNER = [
    LEARNER_FEATURES.index(name) if name in LEARNER_FEATURES else -1 for name in SLOPE_SOURCES
]


def most_recent_answers(log: AnswerLog, max_answers: int | None) -> AnswerLog:
    """The ``max_answers`` most recent answers of ``log`` (all of it when ``None`` or when it is shorter).

    Most recent by time where every answer has one (ties, and logs without times, by position: a log is
    in the order the answers arrived). Older answers are dropped, so a learner whose history is cut starts
    from the cut in training. This bounds a refit's time and memory (docs/learner-model.md, "Fit time").
    """
    if max_answers is None or len(log) <= max_answers:
        return log
    if max_answers < 1:
        raise ValueError(f"max_answers must be at least 1, got {max_answers}")
    if len(log) and not np.isnan(log.time).any():
        order = np.argsort(log.time, kind="stable")
        keep = np.sort(order[len(log) - max_answers :])
    else:
        keep = np.arange(len(log) - max_answers, len(log))
    return log.select(keep)


def learner_draws(log: AnswerLog, random_state: int) -> FloatArray:
    """A uniform number in [0, 1) per learner of ``log`` (indexed like ``log.learner_ids``), from a hash of
    the learner's id and ``random_state``: the same learner draws the same number in any log, whatever
    the order or the other learners, so splits by learner do not depend on how the log was built."""
    draws = [
        int.from_bytes(
            hashlib.blake2b(f"{random_state}\x1f{learner}".encode(), digest_size=8).digest(), "big"
        )
        for learner in log.learner_ids
    ]
    return np.asarray(draws, dtype=np.float64) / 2.0**64


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _p_of_logit(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


@dataclass(frozen=True)
class Design:
    """The features of a sequence of answers: a dense block and sparse one-hot/slope columns."""

    dense: FloatArray  # (n, len(DENSE_FEATURES)) before standardisation
    sparse: scipy.sparse.csr_matrix  # (n, n_items + len(SLOPE_SOURCES) * n_skills)


class LogisticKT:
    """Logistic knowledge tracing over item, skill and history features (the learnpath default).

    Hyperparameters: ``item_l2``, ``skill_l2``, ``dense_l2`` (L2 penalties on the item one-hots, the
    per-skill columns and the standardised dense features: precisions of Gaussian priors added to the
    summed log loss, so they weigh more on small logs), ``prior_strength`` (pseudo
    answers smoothing an item's success rate towards its skills' rate), ``max_iter`` (L-BFGS),
    ``mastery_threshold`` (the predicted success on a typical item of the skill that counts as mastered),
    ``item_rate_folds`` (folds of training learners for the training rows' out-of-fold item rates,
    ``_training_item_rates``), ``max_answers`` (fit on at most this many most recent answers,
    ``most_recent_answers``; ``None``: all), ``random_state`` (the folds' draw).

    The defaults were chosen on an inner split by learner of fold 1's train file of the AKT ASSISTments
    2009 folds only, never on a valid or test file (``benchmarks/kt_assist2009.py --tune``;
    docs/decisions/0022-honest-tuning.md).
    """

    name = MODEL_NAME
    # out-of-fold item counts scaled to the whole training log's size (see _training_item_rates)
    _scale_out_of_fold = True

    def __init__(
        self,
        *,
        item_l2: float = 5.0,
        skill_l2: float = 4.0,
        dense_l2: float = 0.4,
        prior_strength: float = 10.0,
        max_iter: int = 500,
        mastery_threshold: float = 0.85,
        item_rate_folds: int = 10,
        max_answers: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.item_l2 = item_l2
        self.skill_l2 = skill_l2
        self.dense_l2 = dense_l2
        self.prior_strength = prior_strength
        self.max_iter = max_iter
        self.mastery_threshold = mastery_threshold
        self.item_rate_folds = item_rate_folds
        self.max_answers = max_answers
        self.random_state = random_state
        self.item_index_: dict[str, int] | None = None
        self.skill_index_: dict[str, int] | None = None
        self.item_successes_: FloatArray | None = None
        self.item_attempts_: FloatArray | None = None
        self.skill_rate_: FloatArray | None = None
        self.mean_: FloatArray | None = None
        self.scale_: FloatArray | None = None
        self.dense_coef_: FloatArray | None = None
        self.item_coef_: FloatArray | None = None
        self.slope_coef_: FloatArray | None = None  # (len(SLOPE_SOURCES), n_skills)
        self.bin_edges_: list[FloatArray] | None = None
        self.typical_item_: dict[str, str] | None = None
        # item id -> (skills, P(correct) from the item alone), for items seen in training only
        self._item_p_cache: dict[str, tuple[tuple[str, ...], float]] = {}
        self.n_iter_: int | None = None

    # ------------------------------------------------------------------ fitting

    def get_params(self) -> dict[str, Any]:
        return {
            "item_l2": self.item_l2,
            "skill_l2": self.skill_l2,
            "dense_l2": self.dense_l2,
            "prior_strength": self.prior_strength,
            "max_iter": self.max_iter,
            "mastery_threshold": self.mastery_threshold,
            "item_rate_folds": self.item_rate_folds,
            "max_answers": self.max_answers,
            "random_state": self.random_state,
        }

    def fit(self, events: AnswerLog | Iterable[Answer]) -> LogisticKT:
        log = most_recent_answers(as_answer_log(events), self.max_answers)
        if len(log) == 0:
            raise ValueError("LogisticKT.fit needs at least one answer")
        self.item_index_ = {item: k for k, item in enumerate(log.item_ids)}
        self.skill_index_ = {skill: k for k, skill in enumerate(log.skill_ids)}
        y = log.correct.astype(np.float64)
        n_items, n_skills = len(log.item_ids), len(log.skill_ids)
        self.item_successes_ = np.bincount(log.item, weights=y, minlength=n_items).astype(np.float64)
        self.item_attempts_ = np.bincount(log.item, minlength=n_items).astype(np.float64)
        counts = log.n_skills_per_answer
        skill_y = np.repeat(y, counts)
        skill_n = np.bincount(log.skill, minlength=n_skills).astype(np.float64)
        self.skill_rate_ = (np.bincount(log.skill, weights=skill_y, minlength=n_skills) + 1.0) / (
            skill_n + 2.0
        )
        self._set_item_rates()
        design = self._design(log, item_rates=self._training_item_rates(log))
        raw = design.dense
        self.bin_edges_ = [
            np.unique(np.quantile(raw[:, column], np.linspace(0.0, 1.0, N_BINS + 1)[1:-1]))
            for column in _BINNED
        ]
        n = len(y)
        n_raw = raw.shape[1]
        # The bin one-hots are standardised like every dense column, but they are 90% zeros: they go
        # into the sparse block as 1/scale at the row's bin, and their -mean/scale shift, the same for
        # every row, is applied to the score and the gradient as one constant vector. The function and
        # gradient are those of the standardised dense matrix; the products are three times cheaper.
        bin_rows, bin_cols = self._bin_positions(raw)
        n_bins = sum(len(edges) for edges in self.bin_edges_)
        bin_mean = np.bincount(bin_cols, minlength=n_bins) / n
        self.mean_ = np.concatenate([raw.mean(axis=0), bin_mean])
        self.scale_ = np.concatenate([raw.std(axis=0), np.sqrt(bin_mean * (1.0 - bin_mean))])
        self.mean_[_INTERCEPT] = 0.0
        self.scale_[_INTERCEPT] = 1.0
        self.scale_[self.scale_ < 1e-9] = 1.0
        x_dense = (raw - self.mean_[:n_raw]) / self.scale_[:n_raw]
        bin_scale = self.scale_[n_raw:]
        bin_shift = self.mean_[n_raw:] / bin_scale
        bins = scipy.sparse.csr_matrix((1.0 / bin_scale[bin_cols], (bin_rows, bin_cols)), shape=(n, n_bins))
        x_sparse = scipy.sparse.hstack([bins, design.sparse], format="csr")
        x_sparse_t = x_sparse.T.tocsr()
        n_dense = n_raw + n_bins
        penalty = np.concatenate(
            [
                np.full(n_dense, self.dense_l2),
                np.full(n_items, self.item_l2),
                np.full(len(SLOPE_SOURCES) * n_skills, self.skill_l2),
            ]
        )
        penalty[_INTERCEPT] = 0.0  # the intercept is not shrunk
        # precisions of Gaussian priors: they do not grow with the data, so small logs are shrunk harder
        penalty /= len(y)

        def loss_and_grad(w: FloatArray) -> tuple[float, FloatArray]:
            z = x_dense @ w[:n_raw] + x_sparse @ w[n_raw:] - float(bin_shift @ w[n_raw:n_dense])
            # log(1 + e^z) - y z, computed stably
            loss = float(np.sum(np.logaddexp(0.0, z) - y * z)) / n + 0.5 * float(np.sum(penalty * w * w))
            residual = (_sigmoid(z) - y) / n
            grad = np.concatenate([x_dense.T @ residual, x_sparse_t @ residual]) + penalty * w
            grad[n_raw:n_dense] -= bin_shift * float(residual.sum())
            return loss, grad

        w0 = np.zeros(n_dense + x_sparse.shape[1] - n_bins)
        # The products are memory-bound passes over a tall matrix: BLAS threads only contend there
        # (BENCHMARKS.md: fold 1's fit took 45 s with two threads, 29 s with one).
        with threadpool_limits(limits=1, user_api="blas"):
            result = scipy.optimize.minimize(
                loss_and_grad,
                w0,
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": self.max_iter, "gtol": 1e-7, "ftol": 1e-10},
            )
        w = np.asarray(result.x, dtype=np.float64)
        self.dense_coef_ = w[:n_dense].copy()
        self.item_coef_ = w[n_dense : n_dense + n_items].copy()
        self.slope_coef_ = w[n_dense + n_items :].reshape(len(SLOPE_SOURCES), n_skills).copy()
        self.n_iter_ = int(result.nit)
        self.typical_item_ = self._typical_items(log)
        return self

    def _typical_items(self, log: AnswerLog) -> dict[str, str]:
        """Per skill, its item of median smoothed success rate among single-skill items with at least
        five training answers (or all of its items where none has five)."""
        assert self.item_successes_ is not None
        assert self.item_attempts_ is not None
        single = log.n_skills_per_answer == 1
        first_skill = log.skill[log.skill_start[:-1]]
        rate = (self.item_successes_ + 1.0) / (self.item_attempts_ + 2.0)
        typical: dict[str, str] = {}
        for code, skill in enumerate(log.skill_ids):
            items = np.unique(log.item[single & (first_skill == code)])
            if len(items) == 0:
                continue
            well_known = items[self.item_attempts_[items] >= 5]
            pool = well_known if len(well_known) else items
            ordered = pool[np.argsort(rate[pool], kind="stable")]
            typical[skill] = log.item_ids[int(ordered[len(ordered) // 2])]
        return typical

    def _bin_positions(self, dense: FloatArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Rows and columns (within the bin block) of the ones of the bin one-hots of ``dense``."""
        assert self.bin_edges_ is not None
        rows: list[npt.NDArray[np.int64]] = []
        cols: list[npt.NDArray[np.int64]] = []
        offset = 0
        for column, edges in zip(_BINNED, self.bin_edges_, strict=True):
            which = np.searchsorted(edges, dense[:, column], side="right")  # 0: the first bin, no column
            hit = np.flatnonzero(which)
            rows.append(hit)
            cols.append(offset + which[hit] - 1)
            offset += len(edges)
        return np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64)

    def _expand(self, dense: FloatArray) -> FloatArray:
        """Append one-hot bins of a few key features (the model's only non-linearity in them)."""
        assert self.bin_edges_ is not None
        rows, cols = self._bin_positions(dense)
        ones = np.zeros((len(dense), sum(len(edges) for edges in self.bin_edges_)))
        ones[rows, cols] = 1.0
        return np.hstack([dense, ones])

    def _set_item_rates(self) -> None:
        assert self.item_successes_ is not None
        assert self.item_attempts_ is not None
        assert self.skill_rate_ is not None
        self._skill_rates: list[float] = self.skill_rate_.tolist()
        self._mean_skill_rate = float(np.mean(self.skill_rate_))
        self._item_successes: list[float] = self.item_successes_.tolist()
        self._item_attempts: list[float] = self.item_attempts_.tolist()
        self._item_p_cache = {}

    def _item_prior(self, skill_codes: list[int]) -> float:
        """The success rate an item of these skills has before any answer to it: the skills' mean."""
        assert self.skill_rate_ is not None
        rates = self._skill_rates
        known = [rates[code] for code in skill_codes if code >= 0]
        if not known:
            return self._mean_skill_rate
        return sum(known) / len(known)

    def _item_evidence(self, item_code: int | None) -> float:
        """log(1 + training answers to the item): how much to trust its rate."""
        if item_code is None:
            return 0.0
        return math.log1p(self._item_attempts[item_code])

    def _item_rate_logit(self, item_code: int | None, skill_codes: list[int]) -> float:
        """logit((successes + a·p_S) / (answers + a)): the item's training success rate, smoothed towards
        its skills' rate p_S by a = ``prior_strength`` pseudo answers."""
        assert self.item_successes_ is not None
        assert self.item_attempts_ is not None
        prior = self._item_prior(skill_codes)
        a = self.prior_strength
        if item_code is None:
            return _logit(prior)
        successes = self._item_successes[item_code]
        attempts = self._item_attempts[item_code]
        return _logit((successes + a * prior) / (attempts + a))

    def _training_item_rates(self, log: AnswerLog) -> tuple[FloatArray, FloatArray]:
        """Per training answer, the item-rate logit and the item evidence its features see in ``fit``.

        A test answer's item rate comes from other learners' answers only. A training answer must see
        its rate the same way, or the fit learns what the features reveal of its own label: leaving the
        row's own label out (the earlier way) makes a right answer's rate lower than a wrong answer's
        on the same item, which separates them perfectly, and the fit used it (issue 10). So the
        training learners are split into ``item_rate_folds`` folds by learner (seeded by
        ``random_state``) and each answer sees the item's and skills' rates computed from the other
        folds' learners, its counts scaled by K/(K − 1) to the size of the whole training log (the size a
        test answer's rate is computed from). ``item_rate_folds`` = 1 gives every answer of an item the
        same in-sample rate (its own label included); docs/learner-model.md has the comparison.
        """
        assert self.item_successes_ is not None
        assert self.item_attempts_ is not None
        assert self.skill_rate_ is not None
        y = log.correct.astype(np.float64)
        n_items, n_skills = len(log.item_ids), len(log.skill_ids)
        counts = log.n_skills_per_answer
        answer_of_entry = np.repeat(np.arange(len(log)), counts)
        folds = self.item_rate_folds
        if folds <= 1:
            successes = self.item_successes_[log.item]
            attempts = self.item_attempts_[log.item]
            entry_rate = self.skill_rate_[log.skill]
        else:
            learner_fold = np.minimum(
                (learner_draws(log, self.random_state) * folds).astype(np.int64), folds - 1
            )
            row_fold = learner_fold[log.learner]
            key = row_fold * n_items + log.item
            fold_successes = np.bincount(key, weights=y, minlength=folds * n_items)
            fold_attempts = np.bincount(key, minlength=folds * n_items).astype(np.float64)
            scale = folds / (folds - 1.0) if self._scale_out_of_fold else 1.0
            successes = (self.item_successes_[log.item] - fold_successes[key]) * scale
            attempts = (self.item_attempts_[log.item] - fold_attempts[key]) * scale
            entry_fold = row_fold[answer_of_entry]
            skill_key = entry_fold * n_skills + log.skill
            entry_y = y[answer_of_entry]
            all_successes = np.bincount(log.skill, weights=entry_y, minlength=n_skills)
            all_attempts = np.bincount(log.skill, minlength=n_skills).astype(np.float64)
            skill_fold_successes = np.bincount(skill_key, weights=entry_y, minlength=folds * n_skills)
            skill_fold_attempts = np.bincount(skill_key, minlength=folds * n_skills)
            entry_rate = (all_successes[log.skill] - skill_fold_successes[skill_key] + 1.0) / (
                all_attempts[log.skill] - skill_fold_attempts[skill_key] + 2.0
            )
        prior = np.bincount(answer_of_entry, weights=entry_rate, minlength=len(log)) / counts
        a = self.prior_strength
        rate = (successes + a * prior) / (attempts + a)
        return np.log(rate / (1.0 - rate)), np.log1p(attempts)

    # ------------------------------------------------------------------ features

    def _design(self, log: AnswerLog, *, item_rates: tuple[FloatArray, FloatArray] | None = None) -> Design:
        """Features of every answer in ``log`` from the same learner's earlier answers in ``log``.

        ``item_rates``: per answer, the item-rate logit and item evidence to use in place of the fitted
        ones (``fit`` passes out-of-fold rates, ``_training_item_rates``); ``None`` for new data."""
        assert self.item_index_ is not None
        assert self.skill_index_ is not None
        n = len(log)
        n_items, n_skills = len(self.item_index_), len(self.skill_index_)
        item_map = np.array([self.item_index_.get(item, -1) for item in log.item_ids], dtype=np.int64)
        skill_map = np.array([self.skill_index_.get(skill, -1) for skill in log.skill_ids], dtype=np.int64)
        dense = np.empty((n, len(DENSE_FEATURES)), dtype=np.float64)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        learners: dict[int, list[Any]] = {}
        starts = log.skill_start.tolist()
        all_skills = log.skill.tolist()
        items = log.item.tolist()
        labels = log.correct.tolist()
        learner_codes = log.learner.tolist()
        item_codes_model = item_map.tolist()
        skill_codes_model = skill_map.tolist()
        slope_offset = n_items
        rate_override = None if item_rates is None else item_rates[0].tolist()
        evidence_override = None if item_rates is None else item_rates[1].tolist()
        for k in range(n):
            state = learners.get(learner_codes[k])
            if state is None:
                state = learners[learner_codes[k]] = [0, 0, (0.0, 0.0, 0.0), 0, 0, 0.0, 0.0, {}, {}]
            answers, successes, ema, recent, streak, residual_sum, residual_ema, skills_seen, items_seen = (
                state
            )
            skills = all_skills[starts[k] : starts[k + 1]]
            item = items[k]
            correct = labels[k]
            model_item = item_codes_model[item]
            row, slopes = self._features_row(
                answers,
                successes,
                ema,
                recent,
                streak,
                residual_sum,
                residual_ema,
                [skills_seen.get(s, NEW_SKILL) for s in skills],
                skills_seen.get(skills[0] if len(skills) == 1 else tuple(sorted(skills)), NEW_SKILL),
                items_seen.get(item),
                None if model_item < 0 else model_item,
                [skill_codes_model[s] for s in skills],
                None
                if rate_override is None or evidence_override is None
                else (rate_override[k], evidence_override[k]),
            )
            dense[k] = row
            if model_item >= 0:
                rows.append(k)
                cols.append(model_item)
                vals.append(1.0)
            for skill, values in slopes:
                for source, value in enumerate(values):
                    if value != 0.0:
                        rows.append(k)
                        cols.append(slope_offset + source * n_skills + skill)
                        vals.append(value)
            # advance the working copy (the same functions as ``history.advance``)
            residual = (1.0 if correct else 0.0) - _p_of_logit(row[ITEM_RATE_COLUMN])
            for s in skills:
                skills_seen[s] = next_skill(skills_seen.get(s, NEW_SKILL), correct, answers, residual)
            if len(skills) > 1:
                combo = tuple(sorted(skills))
                skills_seen[combo] = next_skill(skills_seen.get(combo, NEW_SKILL), correct, answers, residual)
            state[8] = push_item(items_seen, item, correct)
            state[:7] = next_learner_scalars(
                answers, successes, ema, recent, streak, residual_sum, residual_ema, correct, residual
            )
        sparse = scipy.sparse.csr_matrix(
            (np.asarray(vals), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=(n, n_items + len(SLOPE_SOURCES) * n_skills),
        )
        return Design(dense, sparse)

    def _features_row(
        self,
        answers: int,
        successes: int,
        ema: tuple[float, ...],
        recent: int,
        streak: int,
        residual_sum: float,
        residual_ema: float,
        skill_records: list[SkillRecord],
        combination_record: SkillRecord,
        item_record: ItemRecord | None,
        model_item: int | None,
        skill_codes: list[int],
        item_override: tuple[float, float] | None,
    ) -> tuple[list[float], list[tuple[int, list[float]]]]:
        """Dense features and per-skill slope values of one answer (shared by batch and online paths).

        ``skill_codes`` are the model's indexes of the answer's skills, aligned with ``skill_records``,
        -1 for a skill unseen in training. ``item_override``: the item-rate logit and evidence to use
        (training rows, out of fold), or ``None`` for the fitted ones (every prediction).
        """
        model_skills = [code for code in skill_codes if code >= 0]
        n_answer_skills = len(skill_records)
        per_skill = [skill_features(record, answers) for record in skill_records]
        if n_answer_skills == 1:
            mean_skill = combination = per_skill[0]
        else:
            weight = 1.0 / n_answer_skills
            mean_skill = [sum(column) * weight for column in zip(*per_skill, strict=True)]
            combination = skill_features(combination_record, answers)
        learner = learner_features(answers, successes, ema, recent, streak, residual_sum, residual_ema)
        if item_override is None:
            item_rate = self._item_rate_logit(model_item, model_skills)
            item_evidence = self._item_evidence(model_item)
        else:
            item_rate, item_evidence = item_override
        ability = learner[_ABILITY]
        row = [
            *learner,
            *mean_skill,
            *combination,
            *item_features(item_record),
            # a few products the linear model cannot form itself
            ability * (1.0 - mean_skill[_SKILL_SEEN]),
            item_rate * ability,
            learner[_LAST_1] * mean_skill[_SKILL_GAP_1],
            mean_skill[_SKILL_EMA] * mean_skill[_SKILL_LOG_ATTEMPTS],
            item_rate * mean_skill[_SKILL_LOG_ATTEMPTS],
            item_rate * mean_skill[_SKILL_EMA],
            item_rate * mean_skill[_SKILL_LAST_1],
            item_rate * learner[_EMA_08],
            item_evidence,
            item_evidence * item_rate,
            item_rate,
            float(n_answer_skills - 1),
            1.0,
        ]
        slopes: list[tuple[int, list[float]]] = []
        known = [(code, features) for code, features in zip(skill_codes, per_skill, strict=True) if code >= 0]
        if known:
            share = 1.0 / len(known)
            learner_part = row[: len(LEARNER_FEATURES)]
            for code, features in known:
                values = [
                    share
                    * (
                        features[at_skill]
                        if at_skill >= 0
                        else learner_part[at_learner]
                        if at_learner >= 0
                        else 1.0
                    )
                    for at_skill, at_learner in zip(_SLOPE_FROM_SKILL, _SLOPE_FROM_LEARNER, strict=True)
                ]
                slopes.append((code, values))
        return row, slopes

    # ------------------------------------------------------------------ prediction

    def _check(self) -> None:
        if self.dense_coef_ is None:
            raise NotFittedError("LogisticKT is not fitted yet: call fit(events) before predicting")

    def _score(self, design: Design) -> FloatArray:
        assert self.mean_ is not None
        assert self.scale_ is not None
        assert self.dense_coef_ is not None
        assert self.item_coef_ is not None
        assert self.slope_coef_ is not None
        w_sparse = np.concatenate([self.item_coef_, self.slope_coef_.ravel()])
        z = (
            (self._expand(design.dense) - self.mean_) / self.scale_
        ) @ self.dense_coef_ + design.sparse @ w_sparse
        return np.asarray(z, dtype=np.float64)

    def predict_sequential(self, events: AnswerLog | Iterable[Answer]) -> FloatArray:
        """P(correct) of every answer from the same learner's earlier answers in ``events``."""
        self._check()
        log = as_answer_log(events)
        return _sigmoid(self._score(self._design(log)))

    def initial_state(self) -> LearnerHistory:
        return LearnerHistory()

    def update(self, state: LearnerHistory, answer: Answer) -> LearnerHistory:
        """The learner's history after ``answer``; ``state`` is not changed. O(skills of the item)
        counter updates (``history.advance``)."""
        item, skills = answer.item, answer.skills
        return advance(state, item, skills, answer.correct, self.item_p(item, skills))

    def item_p(self, item: str, skills: tuple[str, ...]) -> float:
        """P(correct) on ``item`` from its smoothed training success rate alone (an item unseen in
        training: its skills' rate); the online ability's reference point (``history.advance``)."""
        cached = self._item_p_cache.get(item)
        if cached is not None and cached[0] == skills:
            return cached[1]
        self._check()
        assert self.item_index_ is not None
        assert self.skill_index_ is not None
        model_item = self.item_index_.get(item)
        p = _p_of_logit(self._item_rate_logit(model_item, [self.skill_index_.get(s, -1) for s in skills]))
        # a cache of a pure function of the fitted parameters, so it changes no result; keyed by the item
        # (a string hashes faster than an (item, skills) tuple) and kept for training items only, so that
        # a stream of unknown item ids cannot grow it
        if model_item is not None:
            self._item_p_cache[item] = (skills, p)
        return p

    def predict_correct(self, state: LearnerHistory, item: str, skills: tuple[str, ...]) -> float:
        """P(the learner answers ``item``, tagged with ``skills``, correctly next)."""
        self._check()
        assert self.item_index_ is not None
        assert self.skill_index_ is not None
        assert self.mean_ is not None
        assert self.scale_ is not None
        assert self.dense_coef_ is not None
        assert self.item_coef_ is not None
        assert self.slope_coef_ is not None
        if not skills:
            raise ValueError(f"item {item!r} names no skill")
        model_item = self.item_index_.get(item)
        row, slopes = self._features_row(
            state.answers,
            state.successes,
            state.ema,
            state.recent,
            state.streak,
            state.residual,
            state.residual_ema,
            [state.skills.get(s, NEW_SKILL) for s in skills],
            state.skills.get(combination_key(skills), NEW_SKILL),
            state.items.get(item),
            model_item,
            [self.skill_index_.get(s, -1) for s in skills],
            None,
        )
        z = float(((self._expand(np.asarray([row]))[0] - self.mean_) / self.scale_) @ self.dense_coef_)
        if model_item is not None:
            z += float(self.item_coef_[model_item])
        for code, values in slopes:
            z += float(self.slope_coef_[:, code] @ np.asarray(values))
        return 1.0 / (1.0 + math.exp(-z))

    def predict_mastery(self, state: LearnerHistory, skill: str) -> float:
        """P(skill mastered): the predicted success on a typical item of ``skill`` (``typical_item_``: the
        training item of median success rate among the skill's items; for a skill unseen in training, an
        unseen item), mapped to a probability of being above ``mastery_threshold`` by a logistic link.

        In words: 0.5 means the learner is predicted to answer a typical item of the skill right with
        probability exactly ``mastery_threshold``; above 0.5, more likely than that.
        """
        assert self.typical_item_ is not None
        item = self.typical_item_.get(skill, f"\x00typical:{skill}")
        return self.mastery_from_p(self.predict_correct(state, item, (skill,)))

    def mastery_from_p(self, p: float) -> float:
        """P(mastered) from P(correct) on a typical item: the distance from ``mastery_threshold`` on the
        logit scale, in units of 0.5 logit (about 10 points of success probability near the threshold):
        steep enough to separate, soft enough to be honest."""
        z = (_logit(min(max(p, 1e-6), 1 - 1e-6)) - _logit(self.mastery_threshold)) / 0.5
        return 1.0 / (1.0 + math.exp(-z))

    # ------------------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        self._check()
        assert self.item_index_ is not None
        assert self.skill_index_ is not None
        assert self.item_successes_ is not None
        assert self.item_attempts_ is not None
        assert self.skill_rate_ is not None
        assert self.mean_ is not None
        assert self.scale_ is not None
        assert self.dense_coef_ is not None
        assert self.item_coef_ is not None
        assert self.slope_coef_ is not None
        return {
            "model": MODEL_NAME,
            "version": FORMAT_VERSION,
            "params": self.get_params(),
            "dense_features": list(DENSE_FEATURES),
            "slope_sources": list(SLOPE_SOURCES),
            "items": list(self.item_index_),
            "skills": list(self.skill_index_),
            "item_successes": self.item_successes_.tolist(),
            "item_attempts": self.item_attempts_.tolist(),
            "skill_rate": self.skill_rate_.tolist(),
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "dense_coef": self.dense_coef_.tolist(),
            "item_coef": self.item_coef_.tolist(),
            "slope_coef": self.slope_coef_.tolist(),
            "typical_item": dict(self.typical_item_ or {}),
            "binned_features": list(BINNED_FEATURES),
            "bin_edges": [edges.tolist() for edges in self.bin_edges_ or []],
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> LogisticKT:
        check_format(document, MODEL_NAME, FORMAT_VERSION)
        if list(document["dense_features"]) != list(DENSE_FEATURES) or list(
            document["slope_sources"]
        ) != list(SLOPE_SOURCES):
            raise ValueError("logistic-kt: the serialised features differ from this version's features")
        model = cls(**document["params"])
        model.item_index_ = {str(item): k for k, item in enumerate(document["items"])}
        model.skill_index_ = {str(skill): k for k, skill in enumerate(document["skills"])}
        model.item_successes_ = np.asarray(document["item_successes"], dtype=np.float64)
        model.item_attempts_ = np.asarray(document["item_attempts"], dtype=np.float64)
        model.skill_rate_ = np.asarray(document["skill_rate"], dtype=np.float64)
        model.mean_ = np.asarray(document["mean"], dtype=np.float64)
        model.scale_ = np.asarray(document["scale"], dtype=np.float64)
        model.dense_coef_ = np.asarray(document["dense_coef"], dtype=np.float64)
        model.item_coef_ = np.asarray(document["item_coef"], dtype=np.float64)
        model.slope_coef_ = np.asarray(document["slope_coef"], dtype=np.float64)
        if list(document["binned_features"]) != list(BINNED_FEATURES):
            raise ValueError("logistic-kt: the serialised bins differ from this version's bins")
        model.bin_edges_ = [np.asarray(edges, dtype=np.float64) for edges in document["bin_edges"]]
        model.typical_item_ = {str(skill): str(item) for skill, item in document["typical_item"].items()}
        model._set_item_rates()
        return model
