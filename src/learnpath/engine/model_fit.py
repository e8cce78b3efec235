"""Fitting the served learner model on a course's own log, and deciding whether to serve it.

``fit_course_model`` takes the observations the learner loop made (``learner_loop.observations``: one per
question, as the model saw them), holds out the most recent ones by time, fits the default model
(``StackedKT``: item difficulties, per-skill parameters and the blend) on the rest, and scores it and the
model in use on the same held-out answers. The new model is to be served when it is no worse than the one
in use there, by log loss (a proper scoring rule: it rewards both ranking and calibration, and P(mastered)
is read off calibrated probabilities), and when the log is large enough to tell (``MIN_ANSWERS``).

Validation by time, not by learner: the question a course asks is "would this model have predicted the
answers learners gave most recently better than the one we used?", so every held-out answer is predicted
from that learner's earlier answers (training-period ones included), by a model fitted only on answers
given before the held-out period began.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from learnpath.engine.answers import Answer, AnswerLog
from learnpath.engine.bkt import BKT
from learnpath.engine.metrics import auc, calibration, log_loss
from learnpath.engine.served_model import ServedModel, StackedServedModel
from learnpath.engine.stacked_kt import StackedKT

FloatArray = npt.NDArray[np.float64]

MIN_ANSWERS = 5000
"""Observations a course needs before a fitted model can replace the prior (see ``fit_course_model``).

With a fifth held out, 1,000 held-out answers put the standard error of AUC near 0.015 (Hanley & McNeil
1982, at AUC 0.75 and 70 % right), small enough to tell a model that learned the course's items from the
prior (on ASSISTments 2009 the gap between them is 0.05 or more), and the fit has a few answers per item
for a course of a few hundred items. Below it the holdout is too noisy for the comparison to mean much.
"""
HOLDOUT_SHARE = 0.2
MAX_TRAINING_ANSWERS = 300_000
"""The most recent training answers a refit uses: StackedKT fits 300,000 answers in about 30 s on one core
(BENCHMARKS.md), and fit time grows linearly with the log, so the refit stays within the worker's budget."""


@dataclass(frozen=True, slots=True)
class HeldOutScore:
    """How a model predicted the held-out answers: AUC, log loss, calibration bins (mean P, observed, n)."""

    answers: int
    auc: float | None
    log_loss: float
    calibration: tuple[tuple[float, float, int], ...]

    @property
    def ece(self) -> float:
        total = sum(n for _p, _o, n in self.calibration)
        return sum(abs(o - p) * n for p, o, n in self.calibration) / max(total, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "auc": self.auc,
            "log_loss": self.log_loss,
            "ece": self.ece,
            "calibration": [list(b) for b in self.calibration],
        }


@dataclass(frozen=True, slots=True)
class FitOutcome:
    """A refit's result: the fitted model (None when the log is too small), its score and the score of the
    model in use on the same held-out answers, and whether to serve it, with the reason in words."""

    model: StackedServedModel | None
    trained_on: int
    held_out: HeldOutScore | None
    in_use: HeldOutScore | None
    serve: bool
    reason: str


def split_by_time(answers: Sequence[Answer], holdout_share: float = HOLDOUT_SHARE) -> tuple[int, float]:
    """How many of ``answers`` (sorted by time) are training answers, and the time the held-out ones start.

    The held-out answers are the most recent ``holdout_share`` of them; answers at the boundary time all go
    to the held-out side, so no training answer is later than a held-out one.
    """
    if not 0.0 < holdout_share < 1.0:
        raise ValueError(f"holdout_share must lie in (0, 1), got {holdout_share}")
    times = [_seconds(a) for a in answers]
    if any(b < a for a, b in itertools.pairwise(times)):
        raise ValueError("answers must be sorted by time")
    cut = len(answers) - max(1, math.ceil(holdout_share * len(answers)))
    boundary = times[cut] if answers else 0.0
    while cut > 0 and times[cut - 1] >= boundary:
        cut -= 1
    return cut, boundary


def _seconds(answer: Answer) -> float:
    if answer.time is None:
        raise ValueError(f"answer to {answer.item!r} has no time: the holdout is by time")
    return answer.time.timestamp()


def sequential_predictions(model: ServedModel, answers: Sequence[Answer]) -> FloatArray:
    """P(correct) of every answer from the same learner's earlier answers, through the model's online
    interface (the one the learner loop uses), in the order given."""
    states: dict[str, Any] = {}
    mastery: dict[str, dict[str, float]] = {}
    out = np.empty(len(answers))
    for k, answer in enumerate(answers):
        state = states.get(answer.learner)
        if state is None:
            state = model.initial_state()
        known = mastery.setdefault(answer.learner, {})
        out[k] = model.predict_correct(state, answer.item, answer.skills)
        states[answer.learner], after = model.observe(state, known, answer)
        known.update(after)
    return out


def score_held_out(y: npt.ArrayLike, p: npt.ArrayLike) -> HeldOutScore:
    labels = np.asarray(y, dtype=np.float64)
    probs = np.asarray(p, dtype=np.float64)
    bins = calibration(labels, probs)
    table = tuple(
        (float(m), float(o), int(n))
        for m, o, n in zip(bins.mean_predicted, bins.observed, bins.count, strict=True)
        if n > 0
    )
    two_classes = 0 < labels.sum() < len(labels)
    return HeldOutScore(
        answers=len(labels),
        auc=auc(labels, probs) if two_classes else None,
        log_loss=log_loss(labels, probs),
        calibration=table,
    )


def fit_course_model(
    answers: Sequence[Answer],
    *,
    in_use: ServedModel,
    version: str,
    min_answers: int = MIN_ANSWERS,
    holdout_share: float = HOLDOUT_SHARE,
    max_training_answers: int = MAX_TRAINING_ANSWERS,
) -> FitOutcome:
    """Fit StackedKT on the training part of ``answers`` (sorted by time), score it and ``in_use`` on the
    held-out part, and say whether to serve it (module docstring). ``version`` names the new model.

    The served model's P(mastered) comes from per-skill BKT fitted on the same training answers
    (``served_model.StackedServedModel``)."""
    if len(answers) < min_answers:
        return FitOutcome(
            None,
            0,
            None,
            None,
            False,
            f"the course has {len(answers)} answers; a fitted model needs at least {min_answers}",
        )
    cut, _boundary = split_by_time(answers, holdout_share)
    training = answers[max(0, cut - max_training_answers) : cut]
    if not training or cut == len(answers):
        return FitOutcome(None, 0, None, None, False, "all answers fall at one moment: nothing to hold out")
    log = AnswerLog.from_answers(training)
    model = StackedServedModel(StackedKT().fit(log), version=version, mastery=BKT(random_state=0).fit(log))
    y = np.array([a.correct for a in answers[cut:]], dtype=np.float64)
    new = score_held_out(y, sequential_predictions(model, answers)[cut:])
    old = score_held_out(y, sequential_predictions(in_use, answers)[cut:])
    serve = new.log_loss <= old.log_loss
    reason = f"held-out log loss {new.log_loss:.4f} against {old.log_loss:.4f} for the model in use: " + (
        "no worse, so it is served" if serve else "worse, so the model in use stays"
    )
    return FitOutcome(model, len(training), new, old, serve, reason)
