"""Metrics: golden values and agreement with their definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.engine.metrics import accuracy, auc, calibration, expected_calibration_error, log_loss, rmse


def test_golden_values() -> None:
    y = [1, 0, 1, 1, 0]
    p = [0.9, 0.2, 0.4, 0.6, 0.4]
    # pairs (positive, negative): (0.9 > 0.2, 0.9 > 0.4, 0.4 > 0.2, 0.4 = 0.4 -> 1/2, 0.6 > both) = 5.5 of 6
    assert auc(y, p) == pytest.approx(5.5 / 6)
    assert accuracy(y, p) == pytest.approx(4 / 5)
    assert rmse(y, p) == pytest.approx(np.sqrt((0.01 + 0.04 + 0.36 + 0.16 + 0.16) / 5))
    assert log_loss(y, p) == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.6, 0.6])))


def test_calibration_error_golden_value() -> None:
    y = [1, 0, 1, 1]
    p = [0.05, 0.05, 0.95, 0.95]
    # bin 0: predicted 0.05, observed 0.5; bin 9: predicted 0.95, observed 1
    assert expected_calibration_error(y, p) == pytest.approx((2 * 0.45 + 2 * 0.05) / 4)
    assert calibration(y, p).count.tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 0, 2]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.sampled_from([0.0, 0.1, 0.5, 0.7, 1.0])), min_size=2, max_size=30)
)
def test_auc_is_the_share_of_correctly_ordered_pairs(pairs: list[tuple[bool, float]]) -> None:
    positives = [p for y, p in pairs if y]
    negatives = [p for y, p in pairs if not y]
    if not positives or not negatives:
        return
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(positives, negatives))
    expected = wins / (len(positives) * len(negatives))
    assert auc([y for y, _ in pairs], [p for _, p in pairs]) == pytest.approx(expected)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="both correct and incorrect"):
        auc([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="probabilities"):
        rmse([1, 0], [0.2, 1.3])
    with pytest.raises(ValueError, match="one length"):
        accuracy([1, 0], [0.2])
