"""LogisticKT: golden feature values, mastery, unseen items and skills."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from learnpath.engine.answers import Answer, AnswerLog, AnswerLogBuilder
from learnpath.engine.history import (
    LEARNER_FEATURES,
    NEW_SKILL,
    SKILL_FEATURES,
    LearnerHistory,
    advance,
    learner_features,
    skill_features,
)
from learnpath.engine.logistic_kt import LogisticKT, most_recent_answers
from learnpath.engine.metrics import auc, log_loss


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


def _log_with_a_coin_flip_item(seed: int, learners: int) -> AnswerLog:
    """Learners of Rasch-like ability answering 400 items on 5 skills; every 4th answer is to one item,
    "coin", whose label is a fair coin flip, independent of the learner, the item and the past."""
    rng = np.random.default_rng(seed)
    difficulty = np.random.default_rng(0).normal(0.0, 1.0, 400)  # the same items in every log
    builder = AnswerLogBuilder()
    for learner in range(learners):
        ability = rng.normal()
        for t in range(40):
            if t % 4 == 0:
                builder.add(f"{seed}-{learner}", "coin", ("s0",), bool(rng.random() < 0.5), float("nan"))
                continue
            item = int(rng.integers(400))
            p = 1.0 / (1.0 + math.exp(-(ability - difficulty[item] + 0.03 * t)))
            builder.add(
                f"{seed}-{learner}", f"i{item}", (f"s{item % 5}",), bool(rng.random() < p), float("nan")
            )
    return builder.build()


@pytest.fixture(scope="module")
def coin_flip_fit() -> tuple[LogisticKT, AnswerLog, AnswerLog]:
    train = _log_with_a_coin_flip_item(1, learners=300)
    test = _log_with_a_coin_flip_item(101, learners=150)
    return LogisticKT().fit(train), train, test


def test_an_item_with_random_labels_is_not_predicted_above_chance(
    coin_flip_fit: tuple[LogisticKT, AnswerLog, AnswerLog],
) -> None:
    """Issue 10: a training row's item rate must not reveal its own label. Leaving the row's own label
    out did: on the coin item a right answer saw a lower rate than a wrong one, the fit learned that, and
    on held-out learners it predicted the coin item right with P about 1 (log loss 4.5, not log 2)."""
    model, _, test = coin_flip_fit
    coin = np.array([test.item_ids[code] == "coin" for code in test.item])
    y, p = test.correct[coin], model.predict_sequential(test)[coin]
    assert 0.44 < auc(y, p) < 0.56
    assert log_loss(y, p) < math.log(2.0) + 0.03  # no worse than the constant 0.5, give or take noise
    assert abs(float(p.mean()) - float(y.mean())) < 0.08


def test_training_item_rates_carry_nothing_of_the_rows_own_label(
    coin_flip_fit: tuple[LogisticKT, AnswerLog, AnswerLog],
) -> None:
    model, train, _ = coin_flip_fit
    rate, evidence = model._training_item_rates(train)
    coin = np.array([train.item_ids[code] == "coin" for code in train.item])
    # out of fold: the coin item's rate differs between folds of learners, independently of the label
    assert 0.44 < auc(train.correct[coin], 1.0 / (1.0 + np.exp(-rate[coin]))) < 0.56
    # scaled to the whole log's size, the evidence is what a test answer sees: log(1 + all answers)
    assert np.allclose(evidence[coin], math.log1p(coin.sum()), atol=0.1)


def test_most_recent_answers_by_position_and_by_time() -> None:
    builder = AnswerLogBuilder()
    times = [5.0, 1.0, 4.0, 2.0, 3.0]
    for k in range(len(times)):
        builder.add(f"l{k % 2}", f"i{k}", ("s",), k % 2 == 0, float("nan"))
    untimed = builder.build()
    assert most_recent_answers(untimed, None) is untimed
    assert most_recent_answers(untimed, 10) is untimed
    assert [untimed.item_ids[i] for i in most_recent_answers(untimed, 2).item] == ["i3", "i4"]
    timed = AnswerLog.from_answers(
        Answer(f"l{k % 2}", f"i{k}", ("s",), True, datetime.fromtimestamp(moment, tz=UTC))
        for k, moment in enumerate(times)
    )
    # the three latest by time (5, 4, 3), kept in log order
    assert [timed.item_ids[i] for i in most_recent_answers(timed, 3).item] == ["i0", "i2", "i4"]
    with pytest.raises(ValueError, match="max_answers must be at least 1"):
        most_recent_answers(untimed, 0)


def test_max_answers_fits_on_the_most_recent_answers_only(small_split: tuple[AnswerLog, AnswerLog]) -> None:
    train, test = small_split
    capped = LogisticKT(max_iter=40, max_answers=500).fit(train)
    assert capped.item_attempts_ is not None
    assert capped.item_attempts_.sum() == 500
    same = LogisticKT(max_iter=40).fit(most_recent_answers(train, 500))
    np.testing.assert_allclose(capped.predict_sequential(test), same.predict_sequential(test), rtol=1e-9)
    assert LogisticKT.from_dict(capped.to_dict()).get_params()["max_answers"] == 500
