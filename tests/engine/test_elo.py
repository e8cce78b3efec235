"""Elo / Rasch calibration: golden ability estimates and recovery of item difficulty order."""

from __future__ import annotations

import numpy as np
import pytest

from learnpath.engine.answers import Answer, AnswerLogBuilder
from learnpath.engine.elo import EloModel, EloState, estimate_ability


def test_map_ability_golden_values() -> None:
    assert estimate_ability([], []) == 0.0
    # one right answer on an item of difficulty 0 with a N(0, 1) prior: theta = 1 - sigmoid(theta)
    theta = estimate_ability([0.0], [True])
    assert theta == pytest.approx(1.0 - 1.0 / (1.0 + np.exp(-theta)))
    assert theta == pytest.approx(0.40106, abs=1e-5)
    assert estimate_ability([0.0], [False]) == pytest.approx(-0.40106, abs=1e-5)


def test_rasch_fit_recovers_the_order_of_item_difficulties() -> None:
    rng = np.random.default_rng(1)
    difficulty = np.linspace(-2, 2, 9)
    builder = AnswerLogBuilder()
    for learner in range(400):
        theta = rng.normal()
        for item, b in enumerate(difficulty):
            correct = rng.random() < 1 / (1 + np.exp(-(theta - b)))
            builder.add(f"l{learner}", f"i{item}", ("skill",), bool(correct), float("nan"))
    model = EloModel().fit(builder.build())
    fitted = np.array([model.difficulty(f"i{k}", ("skill",)) for k in range(9)])
    assert np.corrcoef(fitted, difficulty)[0, 1] > 0.98
    # an unseen item of the skill gets the skill's mean difficulty
    assert model.difficulty("new", ("skill",)) == pytest.approx(model.skill_difficulty_["skill"])


def test_elo_update_moves_ability_towards_the_answer() -> None:
    model = EloModel.from_dict(
        {
            "model": "elo",
            "version": 1,
            "params": {},
            "item_difficulty": {"i": 0.0},
            "skill_difficulty": {"s": 0.0},
            "default_difficulty": 0.0,
        }
    )
    state = EloState()
    after = model.update(state, Answer("l", "i", ("s",), True))
    # error 0.5, step k / (1 + 0) = 0.8
    assert after.ability == pytest.approx(0.4)
    assert after.skill("s") == (pytest.approx(0.4), 1)
    assert state.ability == 0.0
