"""The learner loop (``engine.learner_loop``): a golden trajectory worked out by hand, and its rules.

The golden trajectory is a scripted learner's 32 events on a three-skill course. Its expected values were
worked out by hand from the rules, not read off the code:

- P(mastered) follows BKT's update with the prior model's textbook parameters (p_init 0.3, p_learn 0.15,
  guess 0.2, slip 0.1): after a right answer p' = post + (1 - post) 0.15 with post = 0.9 p / (0.9 p +
  0.2 (1 - p)), after a wrong (or aided) one post = 0.1 p / (0.1 p + 0.8 (1 - p)). From 0.3: right 0.709756,
  then aided 0.348994, right 0.750907, right 0.941643, right 0.988453.
- Mastery needs P >= 0.95, three answers and the last two right: the fifth answer on Addition.
- FSRS starts a mastered skill's review rated Good: first stability w2 = 2.3065 days, so at 90 % retention
  the next review is due in round(2.3065) = 2 days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from learnpath.engine.learner_loop import (
    MAIN_PART,
    SOLUTION_MEMORY,
    Course,
    CourseState,
    EventKind,
    LearnerEvent,
    LoopItem,
    initial_state,
    placement_lapsed_reason,
    replay,
    step,
    suggest,
)
from learnpath.engine.placement import Outcome, PlacementResult
from learnpath.engine.served_model import PriorModel
from learnpath.engine.skill_graph import SkillGraph

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GRAPH = SkillGraph.build(
    [("add", "Addition"), ("frac", "Fractions"), ("sub", "Subtraction")],
    [("add", "frac"), ("add", "sub")],
)
ITEMS = {
    "a1": LoopItem(("add",)),
    "a2": LoopItem(("add",)),
    "a3": LoopItem(("add",)),
    "b1": LoopItem(("frac",)),
    "c1": LoopItem(("sub",)),
    "c2": LoopItem(("sub",), variants=3),
}
COURSE = Course(
    graph=GRAPH,
    items=ITEMS,
    model=PriorModel.from_difficulties({}, {k: v.skills for k, v in ITEMS.items()}, GRAPH.skill_ids),
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def start(
    item: str, minutes: float, steps: tuple[str, ...] = (MAIN_PART,), kind: str = "practice"
) -> LearnerEvent:
    return LearnerEvent(
        EventKind.START,
        at(minutes),
        item_id=item,
        seed=0,
        skills=ITEMS[item].skills,
        steps=steps,
        suggestion=kind,
    )


def answer(right: bool, minutes: float, step_id: str = MAIN_PART, confidence: str = "") -> LearnerEvent:
    verdict = "correct" if right else "incorrect"
    return LearnerEvent(
        EventKind.ANSWER, at(minutes), step_id=step_id, verdict=verdict, confidence=confidence
    )


def event(kind: EventKind, minutes: float, **fields: object) -> LearnerEvent:
    return LearnerEvent(kind, at(minutes), **fields)  # type: ignore[arg-type]


def run(state: CourseState, *events: LearnerEvent) -> CourseState:
    for e in events:
        state, _effects = step(state, e, COURSE)
    return state


def test_golden_trajectory() -> None:
    state = initial_state(COURSE)
    # 1-2: a right answer on Addition
    state = run(state, start("a1", 0), answer(True, 1))
    add = state.skills["add"]
    assert add.p_mastered == pytest.approx(0.709756, abs=1e-6)
    assert (add.evidence.answers, add.evidence.correct_streak, add.is_mastered) == (1, 1, False)
    assert state.question is not None
    assert state.question.finished
    assert state.question.observed
    assert state.recent_skills == ("add",)
    assert state.review_day == T0.date()
    # 3-5: right after a hint is evidence that is not right; the hint is counted
    state = run(state, start("a2", 2), event(EventKind.HINT, 3), answer(True, 4))
    assert state.question is not None
    assert state.question.hints_used == 1
    assert state.skills["add"].p_mastered == pytest.approx(0.348994, abs=1e-6)
    assert state.skills["add"].evidence.correct_streak == 0
    # 6-9: two right answers: P 0.750907 then 0.941643; four answers, the last two right, P < 0.95
    state = run(state, start("a3", 5), answer(True, 6), start("a1", 7), answer(True, 8))
    add = state.skills["add"]
    assert add.p_mastered == pytest.approx(0.941643, abs=1e-6)
    assert (add.evidence.answers, add.evidence.correct_streak, add.is_mastered) == (4, 2, False)
    assert "add" not in state.schedules
    # 10-11: the fifth answer masters Addition, starts its review (due in 2 days) and unlocks two skills
    state = run(state, start("a2", 9))
    state, effects = step(state, answer(True, 10), COURSE)
    add = state.skills["add"]
    assert add.p_mastered == pytest.approx(0.988453, abs=1e-6)
    assert add.mastered_at == at(10)
    assert effects.mastered == ("add",)
    assert effects.unlocked == ("frac", "sub")
    assert effects.messages == (
        "You mastered Addition! That skill is yours now.",
        "New skill unlocked: Fractions.",
        "New skill unlocked: Subtraction.",
    )
    assert state.question is not None
    assert state.question.messages == effects.messages
    assert state.schedules["add"].due == at(10) + timedelta(days=2)
    assert state.schedules["add"].reviews == 1
    # items shown: a1 twice, a2 twice, a3 once
    assert {k: v.shown for k, v in state.items.items()} == {"a1": 2, "a2": 2, "a3": 1}
    # 12-16: a resource on Fractions, then a two-step question: step 1 wrong then right, step 2 right.
    # The question is one observation, not right (a first try was wrong): P from 0.3 to 0.19322.
    state = run(
        state,
        event(EventKind.RESOURCE, 11, resource_id="r1", skills=("frac",)),
        start("b1", 12, steps=("s1", "s2")),
        answer(False, 13, "s1"),
        answer(True, 14, "s1"),
    )
    assert "frac" not in state.skills  # no evidence until the last step is right
    assert dict(state.pending_resources) == {"frac": ("r1",)}
    state, effects = step(state, answer(True, 15, "s2"), COURSE)
    assert effects.observed
    assert effects.finished
    assert state.skills["frac"].p_mastered == pytest.approx(0.19322, abs=1e-6)
    assert state.skills["frac"].evidence.correct_streak == 0
    assert state.resources["r1"].views == 1
    assert (state.resources["r1"].followed, state.resources["r1"].helped) == (1, 0)
    assert "frac" not in state.pending_resources
    # 17-19: the learner chooses Subtraction and says "I haven't learned this yet": an observation, not right
    state = run(state, event(EventKind.CHOICE, 16, skill_id="sub"), start("c1", 16, kind="chosen"))
    assert state.chosen_skill_id == "sub"
    state, effects = step(state, event(EventKind.SKIP, 17), COURSE)
    assert effects.observed
    assert effects.finished
    assert state.skills["sub"].p_mastered == pytest.approx(0.19322, abs=1e-6)
    # 20-22: the worked solution, then a right answer: evidence that is not right (0.174707)
    state = run(state, start("c1", 18), event(EventKind.SOLUTION, 19), answer(True, 20))
    assert state.skills["sub"].p_mastered == pytest.approx(0.174707, abs=1e-6)
    assert state.items["c1"].solution_at == at(19)
    # 23-24: the next morning the same item is no evidence (its solution was seen 14 h ago)
    next_morning = 60 * 23
    state = run(state, start("c1", next_morning), answer(True, next_morning + 1))
    assert state.question is not None
    assert not state.question.counts
    assert state.question.finished
    assert state.skills["sub"].p_mastered == pytest.approx(0.174707, abs=1e-6)
    assert state.skills["sub"].evidence.answers == 2
    # a new day: today's interleaving window and review count start afresh
    assert state.review_day == at(next_morning).date()
    assert state.recent_skills == ("sub",)
    assert state.reviewed_today == 0
    assert state.away_since == at(20)
    # 25-26: two days after mastery Addition is due: a right answer is a review, counted for today
    review_time = 10 + 2 * 24 * 60 + 5
    state = run(state, start("a3", review_time, kind="review"))
    state, effects = step(state, answer(True, review_time + 1), COURSE)
    assert state.reviewed_today == 1
    assert state.schedules["add"].reviews == 2
    assert state.schedules["add"].due > at(review_time) + timedelta(days=2)
    assert not effects.mastered
    assert not effects.lapsed
    # 27-28: a miss on mastered Addition: lapsed, never taken away, reviewed again (Again: a lapse)
    state = run(state, start("a1", review_time + 2))
    state, effects = step(state, answer(False, review_time + 3), COURSE)
    assert effects.lapsed == ("add",)
    assert state.skills["add"].is_mastered
    assert state.skills["add"].lapsed
    assert state.schedules["add"].lapses == 1
    assert state.reviewed_today == 1  # not due any more: an answer, not a review
    # 29-30: the next right answer clears the lapse
    state = run(state, start("a2", review_time + 4), answer(True, review_time + 5))
    assert not state.skills["add"].lapsed
    # 31: placement answers count as showings of their items
    state = run(state, event(EventKind.PLACEMENT_ANSWER, review_time + 6, item_id="c2"))
    assert state.items["c2"].shown == 1
    # 32: a re-check placement: Subtraction placed known (mastered, review starts as Easy), Addition placed
    # not known after "I haven't learned this yet": lapsed with a reason that says so, still mastered
    result = PlacementResult(
        p_known={"add": 0.1, "frac": 0.5, "sub": 0.97},
        evidence={"add": (Outcome.NOT_LEARNED,), "sub": (Outcome.CORRECT,)},
        reasons={},
        placed_known=frozenset({"sub"}),
        placed_not_known=frozenset({"add"}),
        questions=2,
        stop_reason=None,
    )
    state, effects = step(state, event(EventKind.PLACEMENT, review_time + 7, placement=result), COURSE)
    assert effects.mastered == ("sub",)
    assert effects.lapsed == ("add",)
    assert effects.messages == (placement_lapsed_reason("Addition", (Outcome.NOT_LEARNED,)),)
    assert "haven't learned Addition" in effects.messages[0]
    assert "tricky" not in effects.messages[0]
    assert state.skills["add"].is_mastered
    assert state.skills["add"].lapsed
    assert state.skills["sub"].mastered_at == at(review_time + 7)
    # knowledge from before the course starts its schedule as FSRS's Easy, not as a fresh memory:
    # S0(Easy) = w3 = 8.2956 days, so the first review is due in 8 days at 90 % retention (Good: 2)
    assert state.schedules["sub"].due == at(review_time + 7) + timedelta(days=8)
    assert state.skills["frac"].p_mastered == pytest.approx(0.5)


def test_apply_is_pure_and_replay_equals_stepwise() -> None:
    events = [start("a1", 0), answer(True, 1), start("a2", 2), event(EventKind.HINT, 3), answer(False, 4)]
    state = initial_state(COURSE)
    snapshots = []
    for e in events:
        before = state
        snapshot = repr(before)
        state, _ = step(state, e, COURSE)
        assert repr(before) == snapshot  # the old state is untouched
        snapshots.append(state)
    assert replay(events, COURSE) == snapshots[-1]


def test_events_need_utc_time_and_a_placement_result() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        LearnerEvent(EventKind.START, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="placement result"):
        LearnerEvent(EventKind.PLACEMENT, T0)
    with pytest.raises(ValueError, match="teleport"):
        LearnerEvent("teleport", T0)  # type: ignore[arg-type]


def test_answers_without_an_open_question_change_nothing_but_the_clock() -> None:
    state = initial_state(COURSE)
    after = run(state, answer(True, 1), event(EventKind.HINT, 2), event(EventKind.SKIP, 3))
    assert not after.skills
    assert after.question is None
    assert after.last_active_at == at(3)


def test_rotation_and_solution_memory_reach_the_policy() -> None:
    """Within a skill no item returns while an unseen one remains; an item whose solution was just seen
    is not offered while another exists (the loop passes what it knows to the policy)."""
    state = initial_state(COURSE)
    seen: list[str] = []
    for n in range(3):
        (top, *_rest) = suggest(state, COURSE, now=at(10 * n), random_state=1, chosen_skill="add")
        seen.append(top.item_id)
        state = run(state, start(top.item_id, 10 * n), answer(False, 10 * n + 1))
    assert sorted(seen) == ["a1", "a2", "a3"]
    # the solution of a1 seen: a1 is avoided the rest of the day even though it is the least shown
    state = run(state, start("a1", 40), event(EventKind.SOLUTION, 41), answer(True, 42))
    offered = {
        suggest(state, COURSE, now=at(43), random_state=seed, chosen_skill="add")[0].item_id
        for seed in range(8)
    }
    assert "a1" not in offered
    later = at(41) + SOLUTION_MEMORY + timedelta(minutes=1)
    assert suggest(state, COURSE, now=later, random_state=0, chosen_skill="add")[0].item_id in {"a2", "a3"}


def test_a_learner_placed_as_knowing_everything_meets_no_dead_end() -> None:
    result = PlacementResult(
        p_known={"add": 0.99, "frac": 0.99, "sub": 0.99},
        evidence={},
        reasons={},
        placed_known=frozenset({"add", "frac", "sub"}),
        placed_not_known=frozenset(),
        questions=3,
        stop_reason=None,
    )
    state = run(initial_state(COURSE), event(EventKind.PLACEMENT, 0, placement=result))
    ranked = suggest(state, COURSE, now=at(5), random_state=0)
    assert ranked, "a learner who knows the whole course still has something to do"
    assert str(ranked[0].kind) == "extra"
