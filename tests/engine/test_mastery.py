"""Mastery: the rule, the states and their reasons, and that mastery is never taken away."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learnpath.engine.mastery import (
    Evidence,
    MasteryRule,
    MasteryState,
    SkillProgress,
    skill_states,
)
from learnpath.engine.skill_graph import SkillGraph

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GRAPH = SkillGraph.build(
    [("frac", "Fractions"), ("place", "Place value"), ("dec", "Decimals"), ("pct", "Percentages")],
    [("frac", "dec"), ("place", "dec"), ("dec", "pct")],
)


def answered(skill_id: str, answers: list[tuple[bool, float]]) -> SkillProgress:
    progress = SkillProgress(skill_id=skill_id)
    for k, (correct, p_mastered) in enumerate(answers):
        progress = progress.after_answer(
            correct=correct, p_mastered=p_mastered, now=NOW + timedelta(minutes=k)
        )
    return progress


def test_rule_needs_belief_and_evidence() -> None:
    rule = MasteryRule()
    assert (rule.threshold, rule.min_answers, rule.min_streak) == (0.95, 3, 2)
    assert not rule.is_met(0.99, Evidence(answers=1, correct_streak=1))  # one lucky answer
    assert not rule.is_met(0.99, Evidence(answers=5, correct_streak=1))  # last one wrong
    assert not rule.is_met(0.90, Evidence(answers=5, correct_streak=5))  # the model is not sure
    assert rule.is_met(0.95, Evidence(answers=3, correct_streak=2))


def test_a_long_run_masters_a_skill_the_model_cannot_be_sure_of() -> None:
    """On a skill whose items say little (a fitted guess near 1 - slip) P(mastered) can stay below the
    threshold for ever; after ten answers, three right in a row is mastery, never before."""
    rule = MasteryRule()
    assert (rule.long_run_answers, rule.long_run_streak) == (10, 3)
    assert not rule.is_met(0.40, Evidence(answers=9, correct_streak=3))
    assert not rule.is_met(0.40, Evidence(answers=10, correct_streak=2))
    assert rule.is_met(0.40, Evidence(answers=10, correct_streak=3))
    stuck = [(k % 2 == 0, 0.4) for k in range(8)] + [(True, 0.4)] * 3  # right, wrong, ..., then 3 right
    progress = answered("frac", stuck)
    assert progress.is_mastered
    assert progress.mastered_at == NOW + timedelta(minutes=len(stuck) - 1)
    assert not answered("frac", stuck[:-1]).is_mastered
    with pytest.raises(ValueError, match="long_run_streak"):
        MasteryRule(long_run_answers=2)
    with pytest.raises(ValueError, match="long_run_streak"):
        MasteryRule(min_streak=2, long_run_streak=1)


def test_mastery_is_reached_once_and_stamped() -> None:
    progress = answered("frac", [(True, 0.7), (False, 0.6), (True, 0.9), (True, 0.96)])
    assert progress.is_mastered
    assert progress.mastered_at == NOW + timedelta(minutes=3)
    assert progress.evidence == Evidence(answers=4, correct_streak=2)
    assert progress.last_practised == NOW + timedelta(minutes=3)


def test_failed_after_mastery_goes_to_review_with_a_kind_message_and_keeps_dependents_open() -> None:
    mastered = answered("frac", [(True, 0.8), (True, 0.9), (True, 0.97)])
    place = answered("place", [(True, 0.8), (True, 0.9), (True, 0.97)])
    slipped = mastered.after_answer(correct=False, p_mastered=0.6, now=NOW + timedelta(days=1))
    assert slipped.is_mastered
    assert slipped.lapsed
    assert slipped.mastered_at == mastered.mastered_at
    states = skill_states(GRAPH, {"frac": slipped, "place": place}, now=NOW + timedelta(days=1))
    assert states["frac"].state is MasteryState.REVIEW_DUE
    assert "You still have it mastered" in states["frac"].reason
    assert states["dec"].state is MasteryState.READY  # not locked again by one slip
    recovered = slipped.after_answer(correct=True, p_mastered=0.8, now=NOW + timedelta(days=1, minutes=1))
    assert not recovered.lapsed
    assert (
        skill_states(GRAPH, {"frac": recovered, "place": place}, now=NOW)["frac"].state
        is MasteryState.MASTERED
    )


def test_golden_states_and_reasons() -> None:
    frac = SkillProgress(
        "frac",
        0.98,
        Evidence(4, 3),
        mastered_at=NOW - timedelta(days=9),
        last_practised=NOW - timedelta(days=9),
    )
    place = SkillProgress("place", 0.97, Evidence(3, 3), mastered_at=NOW - timedelta(days=2))
    dec = SkillProgress("dec", 0.5, Evidence(2, 1), last_practised=NOW - timedelta(hours=1))
    states = skill_states(GRAPH, {"frac": frac, "place": place}, now=NOW, reviews_due=["frac"])
    assert states["frac"].state is MasteryState.REVIEW_DUE
    assert states["frac"].reason == "Review: it has been 9 days since you practised Fractions."
    assert states["place"].state is MasteryState.MASTERED
    assert states["dec"].state is MasteryState.READY
    assert states["dec"].reason == "Ready: you mastered Fractions and Place value, which Decimals builds on."
    assert states["pct"].state is MasteryState.NOT_YET
    assert states["pct"].reason == "Not yet: Percentages builds on Decimals. Master it first."
    states = skill_states(GRAPH, {"frac": frac, "place": place, "dec": dec}, now=NOW)
    assert states["dec"].state is MasteryState.IN_PROGRESS
    assert states["dec"].reason == "Learning: you have answered 2 questions on Decimals. Keep going!"
    assert skill_states(GRAPH, {}, now=NOW)["frac"].reason == "Ready: Fractions is a good place to start."
    assert list(states) == list(GRAPH.topological_order())


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 3, 2, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        skill_states(GRAPH, {}, now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        SkillProgress("frac").after_answer(correct=True, p_mastered=0.5, now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        SkillProgress("frac", mastered_at=naive)


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValueError, match="probability"):
        SkillProgress("frac", p_mastered=1.5)
    with pytest.raises(ValueError, match="correct_streak"):
        Evidence(answers=1, correct_streak=2)
    with pytest.raises(ValueError, match="min_streak"):
        MasteryRule(min_answers=2, min_streak=3)
    with pytest.raises(ValueError, match="only a mastered skill"):
        SkillProgress("frac", lapsed=True)


answer_runs = st.lists(st.tuples(st.booleans(), st.floats(min_value=0.0, max_value=1.0)), max_size=30)


@given(answer_runs, answer_runs)
def test_mastery_is_never_taken_away(
    before: list[tuple[bool, float]], after: list[tuple[bool, float]]
) -> None:
    mastered = answered("frac", [*before, (True, 0.99), (True, 0.99), (True, 0.99)])
    assert mastered.is_mastered
    progress = mastered
    for k, (correct, p_mastered) in enumerate(after):
        progress = progress.after_answer(
            correct=correct, p_mastered=p_mastered, now=NOW + timedelta(days=k + 1)
        )
        assert progress.mastered_at == mastered.mastered_at
        state = skill_states(GRAPH, {"frac": progress}, now=NOW + timedelta(days=k + 1))["frac"].state
        assert state in (MasteryState.MASTERED, MasteryState.REVIEW_DUE)
        assert progress.lapsed == (not correct)


@given(answer_runs, st.sampled_from(["frac", "place", "dec", "pct"]))
def test_round_trip_and_inputs_untouched(answers: list[tuple[bool, float]], skill_id: str) -> None:
    progress = answered(skill_id, answers)
    assert SkillProgress.from_dict(json.loads(json.dumps(progress.to_dict()))) == progress
    given_progress = {skill_id: progress}
    snapshot = copy.deepcopy(given_progress)
    skill_states(GRAPH, given_progress, now=NOW, reviews_due=[skill_id])
    assert given_progress == snapshot


def test_rule_round_trip() -> None:
    rule = MasteryRule(threshold=0.9, min_answers=4, min_streak=3)
    assert MasteryRule.from_dict(rule.to_dict()) == rule
