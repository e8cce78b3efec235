"""The contract every learner model passes (docs/learner-model.md, learnpath.engine.learner_model)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnpath.engine.answers import Answer, AnswerLog
from learnpath.engine.bkt import BKT
from learnpath.engine.elo import EloModel
from learnpath.engine.learner_model import LearnerModel, NotFittedError
from learnpath.engine.logistic_kt import LogisticKT
from learnpath.engine.stacked_kt import StackedKT

FACTORIES: dict[str, Callable[[], Any]] = {
    "logistic-kt": lambda: LogisticKT(max_iter=60),
    "bkt": lambda: BKT(n_restarts=2, max_iter=30, random_state=3),
    "bkt-forgetting": lambda: BKT(forgetting=True, n_restarts=2, max_iter=30, random_state=3),
    "elo": lambda: EloModel(max_iter=60),
    "stacked-kt": lambda: StackedKT(logistic=LogisticKT(max_iter=60), elo=EloModel(max_iter=60)),
}
LOADERS = {
    "logistic-kt": LogisticKT.from_dict,
    "bkt": BKT.from_dict,
    "bkt-forgetting": BKT.from_dict,
    "elo": EloModel.from_dict,
    "stacked-kt": StackedKT.from_dict,
}

_fitted: dict[str, Any] = {}


@pytest.fixture(params=sorted(FACTORIES))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fitted(name: str, small_split: tuple[AnswerLog, AnswerLog]) -> Any:
    if name not in _fitted:  # fitting once per model keeps the suite fast
        _fitted[name] = FACTORIES[name]().fit(small_split[0])
    return _fitted[name]


def online_predictions(model: Any, log: AnswerLog) -> np.ndarray:
    states: dict[str, Any] = {}
    out = []
    for answer in log.answers():
        state = states.get(answer.learner, model.initial_state())
        out.append(model.predict_correct(state, answer.item, answer.skills))
        states[answer.learner] = model.update(state, answer)
    return np.array(out)


def test_follows_the_protocol(fitted: Any) -> None:
    assert isinstance(fitted, LearnerModel)


def test_fit_returns_self(name: str, small_split: tuple[AnswerLog, AnswerLog]) -> None:
    model = FACTORIES[name]()
    assert model.fit(small_split[0]) is model


def test_fit_accepts_answers_as_well_as_a_log(name: str, small_split: tuple[AnswerLog, AnswerLog]) -> None:
    train, test = small_split
    from_log = FACTORIES[name]().fit(train).predict_sequential(test)
    from_answers = FACTORIES[name]().fit(train.answers()).predict_sequential(test.answers())
    np.testing.assert_allclose(from_log, from_answers, rtol=1e-9, atol=1e-12)


def test_predicting_before_fit_raises_a_clear_error(
    name: str, small_split: tuple[AnswerLog, AnswerLog]
) -> None:
    model = FACTORIES[name]()
    with pytest.raises(NotFittedError, match="not fitted yet: call fit"):
        model.predict_sequential(small_split[1])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict_correct(model.initial_state(), "item", ("skill",))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.to_dict()


def test_online_updates_reproduce_the_sequential_predictions(
    fitted: Any, small_split: tuple[AnswerLog, AnswerLog]
) -> None:
    test = small_split[1]
    np.testing.assert_allclose(
        online_predictions(fitted, test), fitted.predict_sequential(test), rtol=1e-9, atol=1e-12
    )


def test_a_prediction_uses_only_earlier_answers(
    fitted: Any, small_split: tuple[AnswerLog, AnswerLog]
) -> None:
    test = small_split[1]
    before = fitted.predict_sequential(test)
    # flip every label from the middle of the log on: predictions up to and including the middle are unchanged
    middle = len(test) // 2
    flipped = test.correct.copy()
    flipped[middle:] = ~flipped[middle:]
    altered = AnswerLog(
        test.learner,
        test.item,
        test.skill_start,
        test.skill,
        flipped,
        test.time,
        test.learner_ids,
        test.item_ids,
        test.skill_ids,
    )
    after = fitted.predict_sequential(altered)
    np.testing.assert_array_equal(before[: middle + 1], after[: middle + 1])
    # and a learner's predictions do not depend on other learners' answers
    first = test.learner[0]
    alone = test.select(test.learner == first)
    np.testing.assert_allclose(fitted.predict_sequential(alone), before[test.learner == first], rtol=1e-12)


def test_update_never_changes_its_input(fitted: Any, small_split: tuple[AnswerLog, AnswerLog]) -> None:
    state = fitted.initial_state()
    for answer in small_split[1].answers()[:20]:
        snapshot = json.dumps(state.to_dict(), sort_keys=True)
        new = fitted.update(state, answer)
        assert new is not state
        assert json.dumps(state.to_dict(), sort_keys=True) == snapshot
        state = new


def test_states_round_trip(fitted: Any, small_split: tuple[AnswerLog, AnswerLog]) -> None:
    state = fitted.initial_state()
    for answer in small_split[1].answers()[:30]:
        state = fitted.update(state, answer)
    document = json.loads(json.dumps(state.to_dict()))
    assert document["version"] == 1
    again = type(state).from_dict(document)
    assert again.to_dict() == state.to_dict()
    with pytest.raises(ValueError, match="version"):
        type(state).from_dict({**document, "version": 99})


def test_models_round_trip_through_versioned_json(
    name: str, fitted: Any, small_split: tuple[AnswerLog, AnswerLog]
) -> None:
    document = json.loads(json.dumps(fitted.to_dict()))
    assert document["model"] == fitted.name
    assert document["version"] == 1
    loaded = LOADERS[name](document)
    test = small_split[1]
    np.testing.assert_allclose(loaded.predict_sequential(test), fitted.predict_sequential(test), rtol=1e-12)
    with pytest.raises(ValueError, match="unsupported format version"):
        LOADERS[name]({**document, "version": 99})
    with pytest.raises(ValueError, match="expected a serialised"):
        LOADERS[name]({**document, "model": "something-else"})


def test_fitting_is_deterministic(name: str, fitted: Any, small_split: tuple[AnswerLog, AnswerLog]) -> None:
    again = FACTORIES[name]().fit(small_split[0])
    assert json.dumps(again.to_dict()) == json.dumps(fitted.to_dict())


answers_strategy = st.lists(
    st.builds(
        Answer,
        learner=st.sampled_from(["a", "b", "new learner"]),
        item=st.sampled_from(["fractions-item0", "decimals-item3", "ratios-item1", "an unseen item"]),
        skills=st.lists(
            st.sampled_from(["fractions", "decimals", "ratios", "an unseen skill"]),
            min_size=1,
            max_size=3,
            unique=True,
        ).map(tuple),
        correct=st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers_strategy)
def test_probabilities_are_probabilities(fitted: Any, answers: list[Answer]) -> None:
    state = fitted.initial_state()
    for answer in answers:
        p = fitted.predict_correct(state, answer.item, answer.skills)
        assert 0.0 <= p <= 1.0
        for skill in answer.skills:
            assert 0.0 <= fitted.predict_mastery(state, skill) <= 1.0
        state = fitted.update(state, answer)
    if answers:
        p_all = fitted.predict_sequential(answers)
        assert np.all((p_all >= 0.0) & (p_all <= 1.0))
