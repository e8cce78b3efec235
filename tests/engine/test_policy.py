"""The next-activity policy and the choice board: golden scenarios on a fractions/decimals graph, and
properties over random graphs, learners and items."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.engine.mastery import Evidence, MasteryState, SkillProgress
from learnpath.engine.policy import (
    Assignment,
    PolicyConfig,
    Suggestion,
    SuggestionKind,
    choice_board,
    due_phrase,
    next_activities,
    skill_map,
)
from learnpath.engine.review import (
    ReviewPolicy,
    ReviewSchedule,
    rating_for_answer,
    reviews_allowed_today,
    schedule_after_answer,
    start_review,
)
from learnpath.engine.skill_graph import SkillGraph

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
GRAPH = SkillGraph.build(
    [("frac", "Fractions"), ("dec", "Decimals"), ("pct", "Percentages"), ("neg", "Negative numbers")],
    [("frac", "dec"), ("dec", "pct")],
)
ITEMS = {
    "frac": {"f1": 0.92, "f2": 0.8},
    "dec": {"d1": 0.7, "d2": 0.5, "d3": 0.76},
    "pct": {"p1": 0.5, "p2": 0.7},
    "neg": {"n1": 0.95, "n2": 0.62},
}


def mastered(skill_id: str, days_ago: int) -> SkillProgress:
    when = NOW - days_ago * DAY
    return SkillProgress(skill_id, 0.98, Evidence(5, 4), mastered_at=when, last_practised=when)


def kinds(suggestions: tuple[Suggestion, ...]) -> list[tuple[str, str, str]]:
    return [(s.kind.value, s.skill_id, s.item_id) for s in suggestions]


# -- golden scenarios ----------------------------------------------------------------------------------


def test_new_learner_starts_at_the_roots() -> None:
    ranked = next_activities(GRAPH, {}, ITEMS, now=NOW, random_state=0)
    assert kinds(ranked) == [("practice", "frac", "f2"), ("practice", "neg", "n2")]
    assert ranked[0].reason == "Ready: Fractions is a good place to start."
    assert all(s.skill_id not in ("dec", "pct") for s in ranked)


def test_ready_reason_names_the_prerequisite() -> None:
    ranked = next_activities(GRAPH, {"frac": mastered("frac", 1)}, ITEMS, now=NOW, random_state=0)
    assert ranked[0].kind is SuggestionKind.PRACTICE
    assert (ranked[0].skill_id, ranked[0].item_id) == ("dec", "d3")  # 0.76: nearest the 0.75 target
    assert ranked[0].reason == "Ready: you mastered Fractions, which Decimals builds on."


def test_due_review_comes_first_with_the_days_since() -> None:
    progress = {"frac": mastered("frac", 9)}
    ranked = next_activities(
        GRAPH,
        progress,
        ITEMS,
        now=NOW,
        random_state=0,
        schedules={"frac": start_review("frac", now=NOW - 9 * DAY)},
    )
    assert ranked[0].kind is SuggestionKind.REVIEW
    assert ranked[0].reason == "Review: it has been 9 days since you practised Fractions."
    assert [s.kind for s in ranked[1:]] == [SuggestionKind.PRACTICE, SuggestionKind.PRACTICE]


def test_no_review_beyond_the_daily_cap() -> None:
    progress = {"frac": mastered("frac", 9)}
    schedules = {"frac": start_review("frac", now=NOW - 9 * DAY)}
    ranked = next_activities(
        GRAPH, progress, ITEMS, now=NOW, random_state=0, schedules=schedules, reviewed_today=10
    )
    assert SuggestionKind.REVIEW not in {s.kind for s in ranked}
    assert skill_map(GRAPH, progress, now=NOW, schedules=schedules, reviewed_today=10)["frac"].state is (
        MasteryState.MASTERED
    )


def test_a_slip_after_mastery_is_a_kind_review() -> None:
    slipped = mastered("frac", 3).after_answer(correct=False, p_mastered=0.7, now=NOW - DAY)
    ranked = next_activities(GRAPH, {"frac": slipped}, ITEMS, now=NOW, random_state=0)
    assert ranked[0].kind is SuggestionKind.REVIEW
    assert ranked[0].skill_id == "frac"
    assert "You still have it mastered" in ranked[0].reason
    assert "dec" in {s.skill_id for s in ranked}  # Decimals stays open


def test_assignment_can_open_a_locked_skill_and_says_so() -> None:
    ranked = next_activities(
        GRAPH,
        {"frac": mastered("frac", 1)},
        ITEMS,
        now=NOW,
        random_state=0,
        assignments=[Assignment("pct", NOW + 4 * DAY), Assignment("neg", NOW + 10 * DAY)],
    )
    assert kinds(ranked)[:2] == [("assigned", "pct", "p2"), ("assigned", "neg", "n2")]
    assert ranked[0].reason.startswith("Assigned by your teacher, due Friday. It builds on Decimals")
    assert ranked[1].reason == "Assigned by your teacher, due 12 March."


def test_choice_is_honoured_and_a_locked_choice_leads_to_its_prerequisite() -> None:
    progress = {"frac": mastered("frac", 1)}
    ranked = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0, chosen_skill="neg")
    assert (ranked[0].kind, ranked[0].skill_id, ranked[0].reason) == (
        SuggestionKind.CHOSEN,
        "neg",
        "You chose Negative numbers.",
    )
    ranked = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0, chosen_skill="pct")
    assert (ranked[0].kind, ranked[0].skill_id) == (SuggestionKind.CHOSEN, "dec")
    assert ranked[0].reason == "You chose Percentages. It builds on Decimals, so let's master that first."
    assert "pct" not in {s.skill_id for s in ranked}


def test_mastery_check_when_the_model_is_sure_but_evidence_is_short() -> None:
    progress = {"frac": SkillProgress("frac", 0.97, Evidence(1, 1), last_practised=NOW - DAY)}
    ranked = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0)
    assert ranked[0].kind is SuggestionKind.MASTERY_CHECK
    assert (
        ranked[0].reason
        == "Mastery check: you're nearly there with Fractions. Get 2 more right to master it."
    )


def test_items_outside_the_band_come_after_in_band_ones() -> None:
    items = {"frac": {"f1": 0.3}, "neg": {"n1": 0.97}, "dec": {}, "pct": {}}
    config = PolicyConfig()
    ranked = next_activities(GRAPH, {}, {**items, "neg": {"n1": 0.97, "n2": 0.7}}, now=NOW, random_state=0)
    assert kinds(ranked) == [("practice", "neg", "n2"), ("practice", "frac", "f1")]
    assert ranked[1].reason.startswith("A stretch")
    ranked = next_activities(GRAPH, {}, items, now=NOW, random_state=0, config=config)
    assert {s.reason.split(":")[0] for s in ranked} == {"A stretch", "Warm-up"}


def test_never_the_item_just_seen() -> None:
    ranked = next_activities(GRAPH, {}, ITEMS, now=NOW, random_state=0, last_item="f2")
    assert ranked[0].item_id == "n2"
    assert ("practice", "frac", "f1") in kinds(ranked)  # the other Fractions item, as a warm-up


def test_items_rotate_within_a_skill_before_any_repeat() -> None:
    """Fewest exposures first, then in band, then closest to the target: no item comes back while the
    skill has an unseen one, and an unseen out-of-band item comes before a repeat of an in-band one."""
    items = {"frac": {"a": 0.75, "b": 0.7, "c": 0.82, "d": 0.4, "e": 0.95}}
    shown: dict[str, int] = {}
    last_item: str | None = None
    picks: list[tuple[str, str]] = []
    for _ in range(10):
        top = next_activities(
            GRAPH, {}, items, now=NOW, random_state=0, exposures=shown, last_item=last_item
        )[0]
        picks.append((top.item_id, top.reason.split(":")[0]))
        shown[top.item_id] = shown.get(top.item_id, 0) + 1
        last_item = top.item_id
    assert [item for item, _why in picks] == ["a", "b", "c", "e", "d"] * 2
    assert [why for _item, why in picks[:5]] == ["Ready", "Ready", "Ready", "Warm-up", "A stretch"]
    board = choice_board(GRAPH, {}, ITEMS, now=NOW, exposures={"f2": 1, "n2": 2, "n1": 1})
    assert [(e.skill_id, e.item_id) for e in board] == [("frac", "f1"), ("neg", "n1")]


def test_avoided_items_are_used_only_when_the_skill_has_nothing_else() -> None:
    progress = {"frac": mastered("frac", 1)}

    def decimals_item(**kwargs: Any) -> str:
        ranked = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0, **kwargs)
        return next(s.item_id for s in ranked if s.skill_id == "dec")

    assert decimals_item() == "d3"
    assert decimals_item(avoid={"d3"}) == "d1"
    assert decimals_item(avoid=["d3", "d1"]) == "d2"  # a stretch, rather than an avoided item
    assert decimals_item(avoid={"d3"}, exposures={"d1": 1}) == "d2"  # unseen before a repeat
    assert decimals_item(avoid={"d1", "d2", "d3"}) == "d3"  # nothing else: avoid gives way
    assert decimals_item(avoid={"d1", "d2", "d3"}, last_item="d3") == "d1"  # ... but never the last item
    board = choice_board(GRAPH, {}, ITEMS, now=NOW, avoid={"n2", "f2"})
    assert [(e.skill_id, e.item_id) for e in board] == [("frac", "f1"), ("neg", "n1")]


def test_a_learner_who_knows_everything_gets_extra_practice_not_a_dead_end() -> None:
    progress = {
        "frac": mastered("frac", 3),
        "dec": mastered("dec", 9),
        "pct": mastered("pct", 1),
        "neg": mastered("neg", 5),
    }
    ranked = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0)
    assert [(s.kind.value, s.skill_id) for s in ranked] == [
        ("extra", "dec"),
        ("extra", "neg"),
        ("extra", "frac"),
        ("extra", "pct"),
    ]  # least recently practised first
    assert ranked[0].item_id == "d3"
    assert ranked[0].reason == "Extra practice: you have mastered everything here; keep Decimals sharp."
    again = next_activities(GRAPH, progress, ITEMS, now=NOW, random_state=0, recent_skills=["dec", "dec"])
    assert [s.skill_id for s in again] == ["neg", "frac", "pct", "dec"]  # interleaving still applies
    # Placed as knowing everything: nothing practised yet, so topological order.
    placed = {s: SkillProgress(s, 0.97, mastered_at=NOW - DAY) for s in GRAPH.skill_ids}
    ranked = next_activities(GRAPH, placed, ITEMS, now=NOW, random_state=0)
    assert [s.skill_id for s in ranked] == list(GRAPH.topological_order())
    assert {s.kind for s in ranked} == {SuggestionKind.EXTRA}
    board = choice_board(GRAPH, placed, ITEMS, now=NOW)
    assert [(e.skill_id, e.state.value) for e in board] == [
        (s, "mastered") for s in GRAPH.topological_order()
    ]
    assert all(e.item_id is not None for e in board)


def test_a_content_gap_still_leaves_something_to_do() -> None:
    """Only a locked skill has questions (its prerequisites have none): offered last of all, honestly."""
    ranked = next_activities(GRAPH, {}, {"pct": {"p1": 0.5}}, now=NOW, random_state=0)
    assert kinds(ranked) == [("extra", "pct", "p1")]
    assert ranked[0].reason.startswith("A step ahead: there is nothing else to practise just now")
    assert "It builds on Decimals, which you have not mastered yet" in ranked[0].reason
    assert next_activities(GRAPH, {}, {"pct": {"p1": 0.5}}, now=NOW, random_state=0, last_item="p1") == ()


def test_an_assignment_retires_once_its_skill_is_mastered() -> None:
    late = [Assignment("frac", NOW - 3 * DAY), Assignment("dec", NOW + 2 * DAY)]
    placed = {"frac": mastered("frac", 1)}
    ranked = next_activities(GRAPH, placed, ITEMS, now=NOW, random_state=0, assignments=late)
    assert "frac" not in {s.skill_id for s in ranked}
    assert kinds(ranked)[0] == ("assigned", "dec", "d3")
    ranked = next_activities(GRAPH, placed, ITEMS, now=NOW, random_state=0, assignments=late[:1])
    assert (ranked[0].kind, ranked[0].skill_id) == (SuggestionKind.PRACTICE, "dec")
    # Lapsed: the teacher's assignment counts again (here the review cap is used up).
    slipped = mastered("frac", 3).after_answer(correct=False, p_mastered=0.7, now=NOW - DAY)
    ranked = next_activities(
        GRAPH, {"frac": slipped}, ITEMS, now=NOW, random_state=0, assignments=late[:1], reviewed_today=10
    )
    assert (ranked[0].kind, ranked[0].skill_id) == (SuggestionKind.ASSIGNED, "frac")
    assert ranked[0].reason == "Assigned by your teacher, which was due Friday."


def test_interleaving_after_two_in_a_row() -> None:
    progress = {"frac": mastered("frac", 1)}
    ranked = next_activities(
        GRAPH, progress, ITEMS, now=NOW, random_state=0, recent_skills=["neg", "dec", "dec"]
    )
    assert ranked[0].skill_id == "neg"
    assert ranked[-1].skill_id == "dec"
    chosen = next_activities(
        GRAPH, progress, ITEMS, now=NOW, random_state=0, chosen_skill="dec", recent_skills=["dec", "dec"]
    )
    assert chosen[0].skill_id == "neg"  # one other activity in between ...
    again = next_activities(
        GRAPH,
        progress,
        ITEMS,
        now=NOW,
        random_state=0,
        chosen_skill="dec",
        recent_skills=["dec", "dec", "neg"],
    )
    assert again[0].skill_id == "dec"  # ... then the choice is back on top
    alone = next_activities(
        GRAPH, progress, {"dec": ITEMS["dec"]}, now=NOW, random_state=0, recent_skills=["dec"] * 5
    )
    assert [s.skill_id for s in alone] == ["dec"]  # nothing else available: no interleaving


def test_seed_breaks_exact_ties_only() -> None:
    items = {"frac": {f"f{k}": 0.75 for k in range(8)}}
    picks = {next_activities(GRAPH, {}, items, now=NOW, random_state=seed)[0].item_id for seed in range(20)}
    assert len(picks) > 1
    generator = random.Random(5)
    assert next_activities(GRAPH, {}, items, now=NOW, random_state=generator)


def test_choice_board_lists_everything_open_with_reasons() -> None:
    progress = {"frac": mastered("frac", 9), "dec": SkillProgress("dec", 0.4, Evidence(2, 1))}
    schedules = {"frac": start_review("frac", now=NOW - 9 * DAY)}
    board = choice_board(GRAPH, progress, ITEMS, now=NOW, schedules=schedules, last_item="d3")
    assert [(e.skill_id, e.state.value, e.item_id) for e in board] == [
        ("frac", "review_due", "f2"),
        ("dec", "in_progress", "d1"),
        ("neg", "ready", "n2"),
    ]
    assert board[1].reason == "Learning: you have answered 2 questions on Decimals. Keep going!"
    board = choice_board(GRAPH, {"frac": mastered("frac", 1)}, now=NOW, include_mastered=True)
    assert [(e.skill_id, e.state.value, e.item_id) for e in board] == [
        ("frac", "mastered", None),
        ("dec", "ready", None),
        ("neg", "ready", None),
    ]


def test_due_phrase() -> None:
    assert due_phrase(NOW + timedelta(hours=3), NOW) == "due today"
    assert due_phrase(NOW + DAY, NOW) == "due tomorrow"
    assert due_phrase(NOW + 4 * DAY, NOW) == "due Friday"
    assert due_phrase(NOW - 2 * DAY, NOW) == "which was due Saturday"
    assert due_phrase(NOW + 30 * DAY, NOW) == "due 1 April"


def test_bad_inputs_get_clear_errors() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_activities(GRAPH, {}, ITEMS, now=datetime(2026, 3, 2), random_state=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        Assignment("frac", datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="not in the skill graph"):
        next_activities(GRAPH, {}, {"nope": {"x": 0.5}}, now=NOW, random_state=0)
    with pytest.raises(ValueError, match="not in the skill graph"):
        next_activities(GRAPH, {}, ITEMS, now=NOW, random_state=0, chosen_skill="nope")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        next_activities(GRAPH, {}, {"frac": {"f1": 1.5}}, now=NOW, random_state=0)
    with pytest.raises(ValueError, match="band_low"):
        PolicyConfig(band_low=0.9, band_high=0.8)
    with pytest.raises(ValueError, match="count >= 0"):
        next_activities(GRAPH, {}, ITEMS, now=NOW, random_state=0, exposures={"f1": -1})
    with pytest.raises(TypeError, match="collection of item ids"):
        choice_board(GRAPH, {}, ITEMS, now=NOW, avoid="f1")


def test_round_trips() -> None:
    for suggestion in next_activities(GRAPH, {}, ITEMS, now=NOW, random_state=0):
        assert Suggestion.from_dict(json.loads(json.dumps(suggestion.to_dict()))) == suggestion
    config = PolicyConfig(band_low=0.5, band_high=0.9, target=0.7, max_in_a_row=3)
    assert PolicyConfig.from_dict(config.to_dict()) == config


def test_a_learner_journey_through_the_engine() -> None:
    """Choose a ready skill, answer wrong, then right until mastery, see the next skill open, and, with
    the clock moved forward, get a review: the engine half of the issue's browser journey."""
    progress: dict[str, SkillProgress] = {}
    schedules: dict[str, ReviewSchedule] = {}
    board = choice_board(GRAPH, progress, ITEMS, now=NOW)
    assert [e.skill_id for e in board] == ["frac", "neg"]
    now, last_item, recent = NOW, None, []
    model_belief = iter([0.35, 0.6, 0.85, 0.97])  # what the learner model would say after each answer
    for correct, hints in [(False, 0), (True, 1), (True, 0), (True, 0)]:
        top = next_activities(
            GRAPH,
            progress,
            ITEMS,
            now=now,
            random_state=7,
            chosen_skill="frac",
            last_item=last_item,
            recent_skills=recent,
            schedules=schedules,
        )[0]
        assert top.kind is SuggestionKind.CHOSEN or recent[-2:] == ["frac", "frac"]
        skill = "frac"
        before = progress.get(skill, SkillProgress(skill))
        progress[skill] = before.after_answer(correct=correct, p_mastered=next(model_belief), now=now)
        rating = rating_for_answer(correct=correct, hints_used=hints)
        schedule = schedule_after_answer(
            schedules.get(skill), skill_id=skill, mastered=progress[skill].is_mastered, rating=rating, now=now
        )
        if schedule is not None:
            schedules[skill] = schedule
        last_item, recent, now = top.item_id, [*recent, skill], now + timedelta(minutes=2)
    assert progress["frac"].is_mastered
    assert schedules["frac"].due == progress["frac"].mastered_at + 2 * DAY  # type: ignore[operator]
    ranked = next_activities(GRAPH, progress, ITEMS, now=now, random_state=7, schedules=schedules)
    assert ranked[0].reason == "Ready: you mastered Fractions, which Decimals builds on."
    later = next_activities(GRAPH, progress, ITEMS, now=now + 3 * DAY, random_state=7, schedules=schedules)
    assert (later[0].kind, later[0].skill_id) == (SuggestionKind.REVIEW, "frac")
    assert later[0].reason == "Review: it has been 3 days since you practised Fractions."


# -- properties ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    graph: SkillGraph
    progress: dict[str, SkillProgress]
    schedules: dict[str, ReviewSchedule]
    items: dict[str, dict[str, float]]
    kwargs: dict[str, Any]


probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(min_value=1, max_value=7))
    ids = [f"s{i}" for i in range(n)]
    pairs = [(ids[i], ids[j]) for i in range(n) for j in range(i + 1, n)]
    graph = SkillGraph.build(
        [(s, s.upper()) for s in ids], draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    )
    progress: dict[str, SkillProgress] = {}
    schedules: dict[str, ReviewSchedule] = {}
    for skill in ids:
        kind = draw(st.sampled_from(["none", "learning", "mastered", "lapsed"]))
        if kind == "none":
            continue
        answers = draw(st.integers(min_value=0, max_value=8))
        evidence = Evidence(answers, draw(st.integers(min_value=0, max_value=answers)))
        p = draw(probabilities)
        if kind == "learning":
            progress[skill] = SkillProgress(skill, p, evidence)
            continue
        when = NOW - draw(st.integers(min_value=0, max_value=60)) * DAY
        progress[skill] = SkillProgress(
            skill, p, evidence, mastered_at=when, lapsed=kind == "lapsed", last_practised=when
        )
        schedules[skill] = start_review(skill, now=when)
    items = {
        skill: {
            f"{skill}-i{k}": draw(probabilities) for k in range(draw(st.integers(min_value=0, max_value=3)))
        }
        for skill in ids
    }
    all_items = [item for per_skill in items.values() for item in per_skill]
    kwargs: dict[str, Any] = {
        "random_state": draw(st.integers(min_value=0, max_value=2**32 - 1)),
        "chosen_skill": draw(st.none() | st.sampled_from(ids)),
        "assignments": [
            Assignment(skill, NOW + draw(st.integers(min_value=-5, max_value=20)) * DAY)
            for skill in draw(st.lists(st.sampled_from(ids), unique=True, max_size=3))
        ],
        "last_item": draw(st.none() | st.sampled_from(all_items)) if all_items else None,
        "recent_skills": draw(st.lists(st.sampled_from(ids), max_size=4)),
        "reviewed_today": draw(st.integers(min_value=0, max_value=12)),
        "away_since": draw(st.none() | st.integers(min_value=0, max_value=40).map(lambda d: NOW - d * DAY)),
        "review_policy": ReviewPolicy(daily_cap=draw(st.integers(1, 6)), restart_cap=1),
        "exposures": {
            item: draw(st.integers(min_value=0, max_value=3))
            for item in draw(st.lists(st.sampled_from(all_items), unique=True) if all_items else st.just([]))
        },
        "avoid": draw(st.lists(st.sampled_from(all_items), unique=True)) if all_items else [],
    }
    return Scenario(graph, progress, schedules, items, kwargs)


def eligible(scenario: Scenario, skill_id: str, last_item: str | None) -> dict[str, int]:
    """The items the picker may use for a skill, with their exposures: never the last item, avoided
    ones only when nothing else is left."""
    items = [i for i in scenario.items[skill_id] if i != last_item]
    allowed = [i for i in items if i not in scenario.kwargs["avoid"]] or items
    return {i: scenario.kwargs["exposures"].get(i, 0) for i in allowed}


def run(scenario: Scenario, **overrides: Any) -> tuple[Suggestion, ...]:
    kwargs = {**scenario.kwargs, **overrides}
    return next_activities(
        scenario.graph, scenario.progress, scenario.items, now=NOW, schedules=scenario.schedules, **kwargs
    )


@given(scenarios())
@settings(max_examples=150, deadline=None)
def test_policy_invariants(scenario: Scenario) -> None:
    snapshot = copy.deepcopy(scenario)
    ranked = run(scenario)
    assert scenario == snapshot  # inputs never mutated

    last_item = scenario.kwargs["last_item"]
    assert all(s.item_id != last_item for s in ranked)

    states = skill_map(
        scenario.graph,
        scenario.progress,
        now=NOW,
        schedules=scenario.schedules,
        review_policy=scenario.kwargs["review_policy"],
        reviewed_today=scenario.kwargs["reviewed_today"],
        away_since=scenario.kwargs["away_since"],
    )
    assigned = {a.skill_id for a in scenario.kwargs["assignments"]}
    for suggestion in ranked:
        assert (
            states[suggestion.skill_id].state is not MasteryState.NOT_YET
            or suggestion.skill_id in assigned
            or suggestion.kind is SuggestionKind.EXTRA
        )
        assert suggestion.item_id in scenario.items[suggestion.skill_id]
        assert suggestion.reason
        # The review wording belongs to reviews only: those the policy ranks, and a chosen skill due for one.
        assert suggestion.reason.startswith(("Review:", "Time to review")) == (
            suggestion.kind is SuggestionKind.REVIEW
            or (
                suggestion.kind is SuggestionKind.CHOSEN
                and states[suggestion.skill_id].state is MasteryState.REVIEW_DUE
                and suggestion.skill_id == scenario.kwargs["chosen_skill"]
            )
        )
        # Rotation: an item with the fewest exposures among those the picker may use.
        candidates = eligible(scenario, suggestion.skill_id, last_item)
        assert candidates[suggestion.item_id] == min(candidates.values())
        # A teacher's assignment retires once its skill is mastered and not lapsed.
        entry = scenario.progress.get(suggestion.skill_id)
        if suggestion.kind is SuggestionKind.ASSIGNED and entry is not None:
            assert not entry.is_mastered or entry.lapsed

    # Extra practice only when nothing else exists, and never a dead end while an item is left. The one
    # exception is by design: when a skill the learner may work on has no item but the one just seen, the
    # policy offers nothing (rather than a locked skill) and the caller offers that item again.
    assert all(s.kind is SuggestionKind.EXTRA for s in ranked) or all(
        s.kind is not SuggestionKind.EXTRA for s in ranked
    )
    open_skills = [s for s in scenario.items if states[s].state is not MasteryState.NOT_YET]
    only_the_last_left = any(scenario.items[s] and not eligible(scenario, s, last_item) for s in open_skills)
    if any(eligible(scenario, s, last_item) for s in open_skills) or (
        not only_the_last_left and any(eligible(scenario, s, last_item) for s in scenario.items)
    ):
        assert ranked

    reviews = [s for s in ranked if s.kind is SuggestionKind.REVIEW]
    allowed = reviews_allowed_today(
        now=NOW,
        policy=scenario.kwargs["review_policy"],
        reviewed_today=scenario.kwargs["reviewed_today"],
        away_since=scenario.kwargs["away_since"],
    )
    assert len(reviews) <= allowed
    assert len({s.skill_id for s in ranked}) == len(ranked)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)

    assert run(scenario) == ranked  # deterministic under the seed
    shuffled_items = {k: dict(reversed(list(v.items()))) for k, v in reversed(list(scenario.items.items()))}
    shuffled = Scenario(
        scenario.graph,
        dict(reversed(list(scenario.progress.items()))),
        scenario.schedules,
        shuffled_items,
        scenario.kwargs,
    )
    assert run(shuffled) == ranked  # and independent of dictionary order


@given(scenarios())
@settings(max_examples=100, deadline=None)
def test_choice_board_invariants(scenario: Scenario) -> None:
    board = choice_board(
        scenario.graph,
        scenario.progress,
        scenario.items,
        now=NOW,
        schedules=scenario.schedules,
        last_item=scenario.kwargs["last_item"],
        exposures=scenario.kwargs["exposures"],
        avoid=scenario.kwargs["avoid"],
    )
    states = skill_map(scenario.graph, scenario.progress, now=NOW, schedules=scenario.schedules)
    open_states = {MasteryState.READY, MasteryState.IN_PROGRESS, MasteryState.REVIEW_DUE}
    listed = [s for s, status in states.items() if status.state in open_states]
    if not listed:  # knows the whole course: the mastered skills, never an empty board
        listed = [s for s, status in states.items() if status.state is MasteryState.MASTERED]
    assert [e.skill_id for e in board] == listed
    assert board
    for entry in board:
        assert entry.item_id != scenario.kwargs["last_item"] or entry.item_id is None
        assert entry.reason == states[entry.skill_id].reason
        candidates = eligible(scenario, entry.skill_id, scenario.kwargs["last_item"])
        if entry.item_id is None:
            assert not candidates
        else:
            assert candidates[entry.item_id] == min(candidates.values())
