"""BKT: golden values of the update equations and recovery of known parameters."""

from __future__ import annotations

import pytest

from learnpath.engine.bkt import BKT, BKTParams, BKTState, bkt_predict, bkt_step

from .conftest import simulate_bkt

PARAMS = BKTParams(p_init=0.3, p_learn=0.2, p_guess=0.2, p_slip=0.1)


def test_prediction_golden_value() -> None:
    # 0.3 * 0.9 + 0.7 * 0.2
    assert bkt_predict(0.3, PARAMS) == pytest.approx(0.41)


def test_step_after_a_correct_answer_golden_value() -> None:
    # posterior 0.27 / 0.41, then learning: p + (1 - p) * 0.2
    posterior = 0.27 / 0.41
    assert bkt_step(0.3, True, PARAMS) == pytest.approx(posterior + (1 - posterior) * 0.2)


def test_step_after_a_wrong_answer_golden_value() -> None:
    posterior = 0.03 / (0.03 + 0.56)
    assert bkt_step(0.3, False, PARAMS) == pytest.approx(posterior + (1 - posterior) * 0.2)


def test_forgetting_lowers_mastery() -> None:
    forgetful = BKTParams(p_init=0.3, p_learn=0.2, p_guess=0.2, p_slip=0.1, p_forget=0.1)
    assert bkt_step(0.9, True, forgetful) < bkt_step(0.9, True, PARAMS)


def test_parameters_must_be_probabilities() -> None:
    with pytest.raises(ValueError, match="p_slip must be a probability"):
        BKTParams(p_init=0.3, p_learn=0.2, p_guess=0.2, p_slip=1.5)


TRUE = {
    "a": BKTParams(p_init=0.3, p_learn=0.15, p_guess=0.2, p_slip=0.1),
    "b": BKTParams(p_init=0.5, p_learn=0.25, p_guess=0.15, p_slip=0.05),
    "c": BKTParams(p_init=0.2, p_learn=0.1, p_guess=0.25, p_slip=0.15),
}


def test_em_recovers_known_parameters() -> None:
    log = simulate_bkt(TRUE, learners=1500, answers_per_skill=15, seed=11)
    model = BKT(n_restarts=4, max_iter=200, tol=1e-8, random_state=0).fit(log)
    for skill, truth in TRUE.items():
        fitted = model.skill_params(skill)
        for name in ("p_init", "p_learn", "p_guess", "p_slip"):
            assert getattr(fitted, name) == pytest.approx(getattr(truth, name), abs=0.05), (skill, name)


def test_em_recovers_forgetting() -> None:
    truth = {"a": BKTParams(p_init=0.3, p_learn=0.2, p_guess=0.2, p_slip=0.1, p_forget=0.05)}
    log = simulate_bkt(truth, learners=3000, answers_per_skill=20, seed=5)
    fitted = (
        BKT(forgetting=True, n_restarts=4, max_iter=300, tol=1e-9, random_state=0).fit(log).skill_params("a")
    )
    for name in ("p_init", "p_learn", "p_guess", "p_slip", "p_forget"):
        assert getattr(fitted, name) == pytest.approx(getattr(truth["a"], name), abs=0.05), name


def test_guess_and_slip_stay_within_bounds() -> None:
    # data where a skill is mostly answered wrong by everyone: the bounds keep guess and slip <= 0.5
    truth = {"hard": BKTParams(p_init=0.05, p_learn=0.01, p_guess=0.05, p_slip=0.6)}
    log = simulate_bkt(truth, learners=300, answers_per_skill=10, seed=2)
    model = BKT(random_state=0)
    assert model.max_guess == model.max_slip == 0.5
    fitted = model.fit(log).skill_params("hard")
    assert fitted.p_guess <= 0.5 + 1e-12
    assert fitted.p_slip <= 0.5 + 1e-12
    assert fitted.p_guess <= 1.0 - fitted.p_slip  # "mastered" never means "less likely right"
    assert fitted.p_slip > 0.3  # the bound binds: unbounded, EM would go further
    tighter = BKT(random_state=0, max_guess=0.2, max_slip=0.2).fit(log).skill_params("hard")
    assert tighter.p_slip <= 0.2 + 1e-12


def test_a_multi_skill_answer_updates_every_skill_and_averages_predictions() -> None:
    model = BKT.from_dict(
        {
            "model": "bkt",
            "version": 1,
            "params": {},
            "skills": {"x": [0.3, 0.2, 0.2, 0.1, 0.0], "y": [0.6, 0.1, 0.25, 0.05, 0.0]},
            "default": [0.5, 0.1, 0.2, 0.1, 0.0],
        }
    )
    state = BKTState()
    assert model.predict_correct(state, "i", ("x", "y")) == pytest.approx(
        (bkt_predict(0.3, model.skill_params("x")) + bkt_predict(0.6, model.skill_params("y"))) / 2
    )
    from learnpath.engine.answers import Answer

    after = model.update(state, Answer("l", "i", ("x", "y"), True))
    assert after.mastery["x"] == pytest.approx(bkt_step(0.3, True, model.skill_params("x")))
    assert after.mastery["y"] == pytest.approx(bkt_step(0.6, True, model.skill_params("y")))
    assert state.mastery == {}


def test_a_guess_rate_above_the_old_bound_is_recovered() -> None:
    """Issue 10 re-checked the bound on training data only and moved it from 0.4 to 0.5: a skill whose
    answers are guessed right 47 % of the time is no longer clipped to 0.4."""
    truth = {"guessable": BKTParams(p_init=0.3, p_learn=0.2, p_guess=0.47, p_slip=0.1)}
    log = simulate_bkt(truth, learners=1500, answers_per_skill=15, seed=13)
    fitted = BKT(n_restarts=4, max_iter=200, tol=1e-8, random_state=0).fit(log).skill_params("guessable")
    assert fitted.p_guess == pytest.approx(0.47, abs=0.04)
