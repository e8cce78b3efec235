"""Metrics of probabilistic predictions of correctness: AUC, accuracy, RMSE, log loss, calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.stats

FloatArray = npt.NDArray[np.float64]


def _check(y: npt.ArrayLike, p: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    labels = np.asarray(y, dtype=np.float64)
    probs = np.asarray(p, dtype=np.float64)
    if labels.shape != probs.shape or labels.ndim != 1:
        raise ValueError(
            f"labels and predictions must be 1-D of one length, got {labels.shape} and {probs.shape}"
        )
    if len(labels) == 0:
        raise ValueError("no predictions to score")
    if np.any((labels != 0) & (labels != 1)):
        raise ValueError("labels must be 0 or 1")
    if np.any(~np.isfinite(probs)) or np.any((probs < 0) | (probs > 1)):
        raise ValueError("predictions must be probabilities in [0, 1]")
    return labels, probs


def auc(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Area under the ROC curve by the rank-sum (Mann-Whitney U) identity; ties count one half."""
    labels, probs = _check(y, p)
    positives = float(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs both correct and incorrect answers")
    ranks = scipy.stats.rankdata(probs)
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def accuracy(y: npt.ArrayLike, p: npt.ArrayLike, threshold: float = 0.5) -> float:
    labels, probs = _check(y, p)
    return float(np.mean((probs >= threshold) == (labels == 1)))


def rmse(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    labels, probs = _check(y, p)
    return float(np.sqrt(np.mean((probs - labels) ** 2)))


def log_loss(y: npt.ArrayLike, p: npt.ArrayLike, eps: float = 1e-15) -> float:
    labels, probs = _check(y, p)
    clipped = np.clip(probs, eps, 1 - eps)
    return float(-np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped)))


@dataclass(frozen=True)
class Calibration:
    """Reliability diagram data: per bin the mean prediction, the observed rate and the count."""

    mean_predicted: FloatArray
    observed: FloatArray
    count: npt.NDArray[np.int64]

    @property
    def ece(self) -> float:
        """Expected calibration error: the count-weighted mean |observed - predicted| over the bins."""
        total = self.count.sum()
        used = self.count > 0
        gaps = np.abs(self.observed[used] - self.mean_predicted[used])
        return float(np.sum(gaps * self.count[used]) / total)


def calibration(y: npt.ArrayLike, p: npt.ArrayLike, bins: int = 10) -> Calibration:
    """Equal-width bins over [0, 1] (Naeini et al. 2015; Guo et al. 2017 for ECE)."""
    labels, probs = _check(y, p)
    which = np.minimum((probs * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_predicted = np.bincount(which, weights=probs, minlength=bins) / count
        observed = np.bincount(which, weights=labels, minlength=bins) / count
    return Calibration(mean_predicted, observed, count)


def expected_calibration_error(y: npt.ArrayLike, p: npt.ArrayLike, bins: int = 10) -> float:
    return calibration(y, p, bins).ece
