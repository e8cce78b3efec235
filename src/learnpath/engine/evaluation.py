"""The evaluation protocol for learner models (pure: callers read files and time things).

Splits are by learner (the AKT folds: fold k trains on train_k + valid_k and tests on test_k). Every test
answer is predicted only from the same learner's earlier test answers (``predict_sequential``).

Protocols:

- ``collapsed`` (the one that counts): consecutive copies of a multi-skill answer are merged into one
  answer with several skills (``collapse_multi_skill_rows``), in training and test data alike.
- ``as_released``: the rows as the AKT release has them, for comparison with papers that used them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from learnpath.engine.answers import AnswerLog
from learnpath.engine.bkt import BKT
from learnpath.engine.datasets import collapse_multi_skill_rows
from learnpath.engine.elo import EloModel
from learnpath.engine.logistic_kt import LogisticKT
from learnpath.engine.metrics import accuracy, auc, expected_calibration_error, log_loss, rmse
from learnpath.engine.stacked_kt import StackedKT

Protocol = Literal["collapsed", "as_released"]
PROTOCOLS: tuple[Protocol, ...] = ("collapsed", "as_released")

PROTOCOL_TEXT = {
    "collapsed": (
        "collapsed: consecutive rows of one learner with the same problem and label and a new skill are one "
        "answer with several skills; each answer predicted once, from that learner's earlier answers only"
    ),
    "as_released": (
        "as_released: one row per (answer, skill) as in the AKT release; a model may see the first copy of a "
        "multi-skill answer before 'predicting' the others, which inflates AUC"
    ),
}


def apply_protocol(log: AnswerLog, protocol: Protocol) -> AnswerLog:
    if protocol == "collapsed":
        return collapse_multi_skill_rows(log)
    if protocol == "as_released":
        return log
    raise ValueError(f"unknown protocol {protocol!r}; expected one of {', '.join(PROTOCOLS)}")


@dataclass(frozen=True)
class ModelSpec:
    """A model the evaluator runs: its name, how to make an unfitted one, and whether it is the default."""

    name: str
    make: Callable[[], Any]
    default: bool = False


def standard_models(random_state: int = 0) -> list[ModelSpec]:
    """The models ``learnpath eval`` compares; ``stacked-kt`` is learnpath's default."""
    return [
        ModelSpec("stacked-kt", StackedKT, default=True),
        ModelSpec("logistic-kt", LogisticKT),
        ModelSpec("bkt", lambda: BKT(random_state=random_state)),
        ModelSpec("bkt-forgetting", lambda: BKT(forgetting=True, random_state=random_state)),
        ModelSpec("elo", EloModel),
    ]


def undefined_auc_reason(y: npt.ArrayLike) -> str | None:
    """Why AUC is undefined on these labels (no answers, or all of one class), or ``None``."""
    labels = np.asarray(y, dtype=np.float64)
    if len(labels) == 0:
        return "the test fold has no answers"
    if labels.min() == labels.max():
        which = "correct" if labels[0] == 1 else "wrong"
        return f"all {len(labels)} test answers are {which}, and AUC needs both right and wrong answers"
    return None


def score(y: npt.ArrayLike, p: npt.ArrayLike) -> dict[str, float]:
    """The metrics the evaluator reports for one fold; NaN where a metric is undefined (AUC on answers of
    one class; every metric on no answers: ``undefined_auc_reason`` says why)."""
    labels = np.asarray(y, dtype=np.float64)
    if len(labels) == 0:
        return dict.fromkeys(("auc", "acc", "rmse", "logloss", "ece"), float("nan"))
    return {
        "auc": auc(y, p) if undefined_auc_reason(labels) is None else float("nan"),
        "acc": accuracy(y, p),
        "rmse": rmse(y, p),
        "logloss": log_loss(y, p),
        "ece": expected_calibration_error(y, p),
    }


def summarise(per_fold: list[dict[str, float]]) -> dict[str, float]:
    """Mean and sample standard deviation over folds of each metric, over the folds where it is defined
    (NaN where it is defined on none; the sd is NaN where it is defined on fewer than two)."""
    out: dict[str, float] = {}
    for key in per_fold[0]:
        values = np.array([fold[key] for fold in per_fold], dtype=np.float64)
        values = values[~np.isnan(values)]
        out[f"{key}_mean"] = float(values.mean()) if len(values) else float("nan")
        out[f"{key}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
    return out
