"""Issue 11, a learner's progress made visible and honest: a chosen review is named as a review, and the
"right answers still needed to master" helper never gives a number the mastery rule could prove wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from learnpath.engine.mastery import Evidence, MasteryRule, SkillProgress
from learnpath.engine.policy import (
    SuggestionKind,
    answers_to_master,
    choice_board,
    next_activities,
)
from learnpath.engine.review import start_review
from learnpath.engine.skill_graph import SkillGraph

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
GRAPH = SkillGraph.build([("frac", "Fractions"), ("dec", "Decimals")], [("frac", "dec")])
ITEMS = {"frac": {"f1": 0.9, "f2": 0.8}, "dec": {"d1": 0.7, "d2": 0.75}}
RULE = MasteryRule()


def _mastered(days_ago: int, *, lapsed: bool = False) -> SkillProgress:
    when = NOW - days_ago * DAY
    return SkillProgress("frac", 0.98, Evidence(5, 4), mastered_at=when, last_practised=when, lapsed=lapsed)


def test_a_review_chosen_from_the_board_is_named_a_review_not_a_new_choice() -> None:
    progress = {"frac": _mastered(9)}
    schedules = {"frac": start_review("frac", now=NOW - 9 * DAY)}
    board = choice_board(GRAPH, progress, ITEMS, now=NOW, schedules=schedules)
    on_board = next(e for e in board if e.skill_id == "frac")
    ranked = next_activities(
        GRAPH, progress, ITEMS, now=NOW, random_state=0, schedules=schedules, chosen_skill="frac"
    )
    assert (ranked[0].kind, ranked[0].skill_id) == (SuggestionKind.CHOSEN, "frac")  # still honoured first
    assert ranked[0].reason == "Review: it has been 9 days since you practised Fractions."
    assert ranked[0].reason == on_board.reason  # the board and the question say the same
    assert "You chose" not in ranked[0].reason


def test_a_lapsed_skill_chosen_from_the_board_keeps_its_kind_review_words() -> None:
    progress = {"frac": _mastered(1, lapsed=True)}
    ranked = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0, chosen_skill="frac")
    assert ranked[0].reason.startswith("Time to review: Fractions was tricky just now.")


def test_a_chosen_new_skill_is_still_a_choice() -> None:
    progress = {"frac": _mastered(1)}
    ranked = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0, chosen_skill="dec")
    assert ranked[0].reason == "You chose Decimals."


@pytest.mark.parametrize(
    ("p_mastered", "answers", "streak", "at_least", "at_most"),
    [
        (0.0, 0, 0, 3, 10),  # nothing yet: 3 if learnpath becomes sure quickly, 10 in a row at the latest
        (0.97, 1, 1, 2, 2),  # sure already: the evidence part is exact
        (0.97, 2, 0, 2, 2),  # sure, 2 answers, last wrong: 2 more right in a row
        (0.5, 2, 2, 1, 8),  # not sure: depends on the model, the long run bounds it
        (0.5, 9, 2, 1, 1),  # the long run: 10 answers, last 3 right, is one right answer away
        (0.5, 12, 0, 2, 3),  # 10 answers passed: 2 right may do (if sure), 3 in a row always do
    ],
)
def test_answers_to_master_bounds(
    p_mastered: float, answers: int, streak: int, at_least: int, at_most: int
) -> None:
    needed = answers_to_master(SkillProgress("frac", p_mastered, Evidence(answers, streak)), RULE)
    assert needed is not None
    assert (needed.at_least, needed.at_most) == (at_least, at_most)
    assert needed.exact == (at_least == at_most)


@pytest.mark.parametrize("p_mastered", [0.0, 0.3, 0.94, 0.97])
@pytest.mark.parametrize("answers", [0, 1, 2, 3, 5, 9, 10, 14])
def test_answers_to_master_is_never_wrong_against_the_rule(p_mastered: float, answers: int) -> None:
    """Right answers in a row: the rule cannot be met before ``at_least``; the long run meets it by
    ``at_most`` whatever the model says; when exact, P(mastered) staying at the threshold meets it."""
    for streak in range(answers + 1):
        evidence = Evidence(answers, streak)
        if RULE.is_met(p_mastered, evidence):
            continue
        needed = answers_to_master(SkillProgress("frac", p_mastered, evidence), RULE)
        assert needed is not None
        for k in range(1, needed.at_least):
            after = Evidence(answers + k, streak + k)
            assert not RULE.is_met(1.0, after)  # not even a certain model masters it sooner
        after = Evidence(answers + needed.at_most, streak + needed.at_most)
        if p_mastered >= RULE.threshold:
            assert needed.exact
            assert RULE.is_met(p_mastered, after)
        else:
            assert RULE.is_met(0.0, after)


def test_nothing_is_needed_for_a_mastered_skill() -> None:
    assert answers_to_master(_mastered(1), RULE) is None


def test_the_mastery_check_reason_uses_the_same_count() -> None:
    progress = {"frac": SkillProgress("frac", 0.97, Evidence(1, 1), last_practised=NOW - DAY)}
    ranked = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0)
    needed = answers_to_master(progress["frac"], RULE)
    assert needed is not None
    assert needed.exact
    assert f"Get {needed.at_least} more right to master it." in ranked[0].reason
