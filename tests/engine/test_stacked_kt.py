"""StackedKT's own online update: the same steps as its two models' updates, with one cache."""

from __future__ import annotations

import json

import pytest

from learnpath.engine.answers import Answer, AnswerLog
from learnpath.engine.elo import EloModel
from learnpath.engine.logistic_kt import LogisticKT
from learnpath.engine.stacked_kt import StackedKT, StackedState


def _model() -> StackedKT:
    return StackedKT(logistic=LogisticKT(max_iter=40), elo=EloModel(max_iter=40))


def _assert_same_as_the_components(model: StackedKT, answers: list[Answer]) -> None:
    assert model.logistic_ is not None
    assert model.elo_ is not None
    state = model.initial_state()
    for answer in answers:
        after = model.update(state, answer)
        assert after.history == model.logistic_.update(state.history, answer)
        assert after.elo == model.elo_.update(state.elo, answer)
        state = after


def test_update_matches_the_two_models_updates_for_every_kind_of_item(
    small_split: tuple[AnswerLog, AnswerLog],
) -> None:
    train, test = small_split
    model = _model().fit(train)
    known = test.answers()[:40]
    item, skills = known[0].item, known[0].skills
    other_skill = next(a.skills[0] for a in known if a.skills[0] != skills[0])
    answers = [
        *known,
        Answer("new-learner", "never-seen-item", (skills[0],), True),
        Answer("new-learner", "never-seen-item", ("never-seen-skill",), False),
        # the same item id tagged with other skills: the cache is keyed by item and must not reuse them
        Answer("new-learner", item, (other_skill,), True),
        Answer("new-learner", item, (skills[0], other_skill), False),
        Answer("new-learner", item, skills, True),
    ]
    _assert_same_as_the_components(model, answers)


def test_a_refit_replaces_the_cached_item_parameters(small_split: tuple[AnswerLog, AnswerLog]) -> None:
    train, test = small_split
    model = _model().fit(train)
    answers = test.answers()[:40]
    _assert_same_as_the_components(model, answers)
    # fit on other data: the item difficulties change, and update must use the new ones
    model.fit(test)
    _assert_same_as_the_components(model, answers)


def test_malformed_state_documents_are_refused_with_a_reason(
    small_split: tuple[AnswerLog, AnswerLog],
) -> None:
    model = _model().fit(small_split[0])
    state = model.initial_state()
    for answer in small_split[1].answers()[:10]:
        state = model.update(state, answer)
    document = json.loads(json.dumps(state.to_dict()))
    elo = document["elo"]
    skill = next(iter(elo["skill_answers"]))
    del elo["skill_answers"][skill]
    with pytest.raises(ValueError, match="must name the same skills"):
        StackedState.from_dict(document)
    document = json.loads(json.dumps(state.to_dict()))
    record = next(iter(document["history"]["skills"].values()))
    record[3] = [0.5]  # one moving average where there are two
    with pytest.raises(ValueError, match="moving averages"):
        StackedState.from_dict(document)


def test_unknown_item_ids_do_not_grow_the_caches(small_split: tuple[AnswerLog, AnswerLog]) -> None:
    train, test = small_split
    model = _model().fit(train)
    assert model.logistic_ is not None
    state = model.initial_state()
    for answer in test.answers()[:20]:
        state = model.update(state, answer)
    known = len(model._item_cache), len(model.logistic_._item_p_cache)
    assert known[0] > 0
    skill = test.answers()[0].skills[0]
    for k in range(500):  # a stream of ids no training answer had, as a hostile client might send
        state = model.update(state, Answer("l", f"unknown-{k}", (skill,), k % 2 == 0))
    assert (len(model._item_cache), len(model.logistic_._item_p_cache)) == known
