"""LogisticKT: golden feature values, mastery, unseen items and skills."""

from __future__ import annotations

import math

import numpy as np
import pytest

from learnpath.engine.answers import Answer, AnswerLog
from learnpath.engine.history import (
    LEARNER_FEATURES,
    NEW_SKILL,
    SKILL_FEATURES,
    LearnerHistory,
    advance,
    learner_features,
    skill_features,
)
from learnpath.engine.logistic_kt import LogisticKT


def history_of(outcomes: list[bool], skill: str = "s") -> LearnerHistory:
    history = LearnerHistory()
    for k, correct in enumerate(outcomes):
        history = advance(history, f"item{k}", (skill,), correct, 0.5)
    return history


def test_learner_feature_golden_values() -> None:
    h = history_of([True, False, True])
    values = dict(
        zip(
            LEARNER_FEATURES,
            learner_features(h.answers, h.successes, h.ema, h.recent, h.streak, h.residual, h.residual_ema),
            strict=True,
        )
    )
    assert values["log_answers"] == pytest.approx(math.log(4))
    assert values["log_successes"] == pytest.approx(math.log(3))
    assert values["success_logit"] == pytest.approx(math.log(3 / 2))
    # bias-corrected EMA with decay 0.5 over 1, 0, 1: (0.125 + 0.5) * ... / (1 - 0.5^3)
    assert values["ema_0.5"] == pytest.approx((0.5 * 0.5 * 0.5 * 1 + 0.5 * 0.5 * 0 + 0.5 * 1) / (1 - 0.125))
    assert [values["last_1"], values["last_2"], values["last_3"]] == [1.0, -1.0, 1.0]
    assert values["streak_right"] == pytest.approx(math.log(2))
    # residuals against P = 0.5: +0.5 - 0.5 + 0.5 = 0.5, shrunk by 3 pseudo answers
    assert values["ability"] == pytest.approx(0.5 / 6)


def test_skill_feature_golden_values() -> None:
    h = history_of([False, True, True, True])
    values = dict(zip(SKILL_FEATURES, skill_features(h.skills["s"], h.answers), strict=True))
    assert values["skill_log_attempts"] == pytest.approx(math.log(5))
    assert values["skill_log_failures"] == pytest.approx(math.log(2))
    assert values["skill_gap_1"] == 1.0
    assert values["skill_three_right"] == 1.0
    assert values["block_log_attempts"] == pytest.approx(math.log(5))
    unseen = dict(zip(SKILL_FEATURES, skill_features(NEW_SKILL, 4), strict=True))
    assert unseen["skill_seen"] == 0.0
    assert unseen["skill_log_gap"] == 0.0


def test_advance_is_pure() -> None:
    h = history_of([True])
    before = h.to_dict()
    advance(h, "x", ("s", "t"), False, 0.3)
    assert h.to_dict() == before


@pytest.fixture(scope="module")
def model(small_split: tuple[AnswerLog, AnswerLog]) -> LogisticKT:
    return LogisticKT(max_iter=80).fit(small_split[0])


def test_beats_chance_and_is_calibrated_on_simulated_learning(
    model: LogisticKT, small_split: tuple[AnswerLog, AnswerLog]
) -> None:
    from learnpath.engine.metrics import auc, expected_calibration_error

    test = small_split[1]
    p = model.predict_sequential(test)
    assert auc(test.correct, p) > 0.6
    assert expected_calibration_error(test.correct, p) < 0.15  # 480 answers: ECE is noisy


def test_mastery_rises_with_success_and_falls_with_failure(model: LogisticKT) -> None:
    state = model.initial_state()
    start = model.predict_mastery(state, "fractions")
    good = bad = state
    for k in range(6):
        good = model.update(good, Answer("l", f"fractions-item{k % 5}", ("fractions",), True))
        bad = model.update(bad, Answer("l", f"fractions-item{k % 5}", ("fractions",), False))
    assert model.predict_mastery(good, "fractions") > start > model.predict_mastery(bad, "fractions")


def test_unseen_items_and_skills_get_a_fallback(model: LogisticKT) -> None:
    state = model.initial_state()
    p_unseen_item = model.predict_correct(state, "a brand-new item", ("fractions",))
    p_unseen_skill = model.predict_correct(state, "another", ("a brand-new skill",))
    assert 0.0 < p_unseen_item < 1.0
    assert 0.0 < p_unseen_skill < 1.0


def test_an_item_must_name_a_skill(model: LogisticKT) -> None:
    with pytest.raises(ValueError, match="names no skill"):
        model.predict_correct(model.initial_state(), "i", ())


def test_golden_prediction_is_stable(model: LogisticKT) -> None:
    # a regression guard: the first prediction for a new learner on a known item
    state = model.initial_state()
    p = model.predict_correct(state, "fractions-item0", ("fractions",))
    assert np.isfinite(p)
    assert p == pytest.approx(
        model.predict_sequential([Answer("z", "fractions-item0", ("fractions",), True)])[0]
    )
