"""Fitting the served model on a course's own log (``engine.model_fit``) and the served models themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from learnpath.cli.simulate import demo_graph
from learnpath.engine.answers import Answer
from learnpath.engine.model_fit import fit_course_model, sequential_predictions, split_by_time
from learnpath.engine.served_model import PriorModel, StackedServedModel, served_model_from_dict
from learnpath.engine.simulate import LearnpathPolicy, Population, course_log, draw_learners

T0 = datetime(2026, 1, 5, tzinfo=UTC)
DEMO = demo_graph()


def answer(learner: str, minutes: float, correct: bool = True, item: str = "i1") -> Answer:
    return Answer(learner, item, ("s0",), correct, T0 + timedelta(minutes=minutes))


def test_the_holdout_is_the_most_recent_fifth_and_never_splits_a_moment() -> None:
    answers = [answer("a", m) for m in range(10)]
    assert split_by_time(answers, 0.2)[0] == 8
    tied = [answer("a", 0), answer("b", 1), answer("c", 2), answer("d", 2), answer("e", 2)]
    cut, boundary = split_by_time(tied, 0.2)
    assert cut == 2  # every answer at the boundary time is held out
    assert boundary == (T0 + timedelta(minutes=2)).timestamp()
    with pytest.raises(ValueError, match="sorted by time"):
        split_by_time([answer("a", 5), answer("a", 1)])
    with pytest.raises(ValueError, match="no time"):
        split_by_time([Answer("a", "i", ("s0",), True)])
    with pytest.raises(ValueError, match="holdout_share"):
        split_by_time(answers, 1.0)


def test_too_few_answers_fit_nothing() -> None:
    prior = PriorModel.from_difficulties({}, {"i1": ("s0",)}, ["s0"])
    outcome = fit_course_model(
        [answer("a", m) for m in range(20)], in_use=prior, version="fit-1", min_answers=100
    )
    assert outcome.model is None
    assert not outcome.serve
    assert "at least 100" in outcome.reason


def test_sequential_predictions_use_only_earlier_answers_of_the_same_learner() -> None:
    prior = PriorModel.from_difficulties({"i1": 0.0}, {"i1": ("s0",)}, ["s0"])
    answers = [answer("a", 0, True), answer("b", 1, False), answer("a", 2, True), answer("b", 3, True)]
    p = sequential_predictions(prior, answers)
    assert p[0] == pytest.approx(0.5)  # nobody's history yet: Elo at difficulty 0
    assert p[1] == pytest.approx(0.5)  # learner b is new although a answered before
    assert p[2] > 0.5 > p[3]  # a was right before, b wrong


@pytest.fixture(scope="module")
def simulated_log() -> list[Answer]:
    """A simulated course's log on the demo course's graph (37 skills): 20 learners practising through the
    product's loop with the prior model, about 5,000 observations (``model_fit.MIN_ANSWERS``)."""
    population = Population()
    skills, learners = draw_learners(DEMO, population, 20, random_state=11)
    return course_log(DEMO, skills, population, learners, LearnpathPolicy(), random_state=5, max_items=300)


def test_on_a_simulated_course_the_fitted_model_beats_the_prior(simulated_log: list[Answer]) -> None:
    """At about MIN_ANSWERS observations a fitted model already predicts the latest answers better."""
    assert len(simulated_log) >= 4000
    items = {a.item: a.skills for a in simulated_log}
    prior = PriorModel.from_difficulties({}, items, DEMO.skill_ids)
    outcome = fit_course_model(simulated_log, in_use=prior, version="fit-1", min_answers=1000)
    assert outcome.model is not None
    assert outcome.held_out is not None
    assert outcome.in_use is not None
    assert outcome.held_out.answers == outcome.in_use.answers > 0.15 * len(simulated_log)
    assert outcome.trained_on + outcome.held_out.answers == len(simulated_log)
    assert outcome.held_out.log_loss < outcome.in_use.log_loss
    assert outcome.held_out.auc is not None
    assert outcome.in_use.auc is not None
    assert outcome.held_out.auc > outcome.in_use.auc
    assert outcome.serve
    assert "no worse" in outcome.reason


def test_a_served_model_round_trips_and_states_name_their_model(simulated_log: list[Answer]) -> None:
    items = {a.item: a.skills for a in simulated_log}
    prior = PriorModel.from_difficulties({}, items, DEMO.skill_ids)
    outcome = fit_course_model(simulated_log, in_use=prior, version="fit-7", min_answers=1000)
    model = outcome.model
    assert isinstance(model, StackedServedModel)
    again = served_model_from_dict(model.to_dict())
    state = model.initial_state()
    for a in simulated_log[:50]:
        state, mastery = model.observe(state, {}, a)
        assert all(0.0 <= p <= 1.0 for p in mastery.values())
    document = model.state_to_dict(state)
    assert document["model"] == "fit-7"
    restored = again.state_from_dict(document)
    item, skills = simulated_log[0].item, simulated_log[0].skills
    assert again.predict_correct(restored, item, skills) == pytest.approx(
        model.predict_correct(state, item, skills)
    )
    with pytest.raises(ValueError, match="given to 'prior'"):
        prior.state_from_dict(document)
    p = sequential_predictions(model, simulated_log[:200])
    assert np.all((p > 0) & (p < 1))
