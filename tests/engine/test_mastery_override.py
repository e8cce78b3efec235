"""A teacher's override (``EventKind.OVERRIDE``) through the engine's one learner loop.

Marking a skill mastered sets ``mastered_at`` and starts its FSRS schedule rated Good, as the loop does for
a mastery it reaches itself (first stability w2 = 2.3065 days: due again in round(2.3065) = 2 days at 90 %
retention). "Not mastered" never takes mastery away: the skill becomes lapsed (a review due first of all)
with the teacher's reason told to the learner. The reason stays beside the skill until the learner's next
answer on it. Apply is pure, and a replay of the log gives the same state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from learnpath.engine.learner_loop import (
    MAIN_PART,
    Course,
    CourseState,
    EventKind,
    LearnerEvent,
    LoopItem,
    OverrideDirection,
    TeacherNote,
    apply,
    initial_state,
    replay,
    skill_map,
    step,
    suggest,
)
from learnpath.engine.mastery import MasteryState
from learnpath.engine.served_model import PriorModel
from learnpath.engine.skill_graph import SkillGraph

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GRAPH = SkillGraph.build(
    [("add", "Addition"), ("frac", "Fractions"), ("sub", "Subtraction")],
    [("add", "frac"), ("add", "sub")],
)
ITEMS = {"a1": LoopItem(("add",)), "a2": LoopItem(("add",)), "b1": LoopItem(("frac",))}
COURSE = Course(
    graph=GRAPH,
    items=ITEMS,
    model=PriorModel.from_difficulties({}, {k: v.skills for k, v in ITEMS.items()}, GRAPH.skill_ids),
)
REASON = "Showed me three ways to add in class today."


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def override(skill: str, direction: str, minutes: float, reason: str = REASON) -> LearnerEvent:
    return LearnerEvent(EventKind.OVERRIDE, at(minutes), skill_id=skill, direction=direction, reason=reason)


def practise(item: str, right: bool, minutes: float) -> list[LearnerEvent]:
    return [
        LearnerEvent(EventKind.START, at(minutes), item_id=item, seed=0, skills=ITEMS[item].skills),
        LearnerEvent(
            EventKind.ANSWER,
            at(minutes + 1),
            step_id=MAIN_PART,
            verdict="correct" if right else "incorrect",
        ),
    ]


def mastered_by_practice() -> list[LearnerEvent]:
    """Five right answers on Addition: mastered at the fifth (P 0.709756, 0.941643, 0.988453 ...)."""
    events: list[LearnerEvent] = []
    for n in range(5):
        events += practise("a1" if n % 2 == 0 else "a2", True, 10 * n)
    return events


def test_marking_mastered_sets_mastered_at_starts_review_and_unlocks() -> None:
    state, effects = step(initial_state(COURSE), override("add", "mastered", 0), COURSE)
    progress = state.skills["add"]
    assert progress.mastered_at == at(0)
    assert not progress.lapsed
    assert progress.evidence.answers == 0  # no answer was made up
    assert progress.last_practised is None  # the teacher's action is not practice
    assert state.schedules["add"].due == at(0) + timedelta(days=2)
    assert effects.mastered == ("add",)
    assert set(effects.unlocked) == {"frac", "sub"}
    assert effects.messages[0] == f"Your teacher marked Addition as mastered: “{REASON}”"
    assert state.teacher_notes["add"] == TeacherNote(OverrideDirection.MASTERED, REASON, at(0))
    status = skill_map(state, COURSE, now=at(1))["add"]
    assert status.state is MasteryState.MASTERED
    assert status.reason == "Mastered: your teacher marked Addition as mastered."


def test_an_override_is_not_the_learners_activity() -> None:
    before = replay(practise("a1", True, 0), COURSE)
    after = apply(before, override("add", "mastered", 60 * 24 * 3), COURSE)
    assert after.last_active_at == before.last_active_at
    assert after.review_day == before.review_day
    assert after.reviewed_today == before.reviewed_today


def test_not_mastered_is_another_look_never_a_reset() -> None:
    mastered = replay(mastered_by_practice(), COURSE)
    progress = mastered.skills["add"]
    assert progress.is_mastered
    state, effects = step(mastered, override("add", "not_mastered", 100, "Mixes up carrying."), COURSE)
    after = state.skills["add"]
    assert after.mastered_at == progress.mastered_at  # mastery is never taken away
    assert after.lapsed
    assert after.evidence == progress.evidence
    assert after.p_mastered == progress.p_mastered
    assert state.schedules["add"] == mastered.schedules["add"]
    assert effects.lapsed == ("add",)
    assert effects.messages == (
        "Your teacher asked you to take another look at Addition: “Mixes up carrying.” You still have it "
        "mastered, and a quick review will make it strong again.",
    )
    status = skill_map(state, COURSE, now=at(101))["add"]
    assert status.state is MasteryState.REVIEW_DUE
    assert "your teacher asked you to take another look at Addition" in status.reason
    # the skills it opened stay open, and the review comes first (the next day: five questions on
    # Addition today already hit the limit on questions in a row on one skill)
    assert skill_map(state, COURSE, now=at(101))["frac"].state is MasteryState.READY
    top = suggest(state, COURSE, now=at(60 * 24), random_state=0)[0]
    assert (top.skill_id, str(top.kind)) == ("add", "review")


def test_not_mastered_on_a_skill_not_mastered_changes_no_progress() -> None:
    state = replay(practise("a1", True, 0), COURSE)
    after = apply(state, override("add", "not_mastered", 5), COURSE)
    assert after.skills == state.skills
    assert after.schedules == state.schedules
    assert "add" in after.teacher_notes


def test_marking_a_lapsed_skill_mastered_clears_the_lapse_only() -> None:
    lapsed = replay([*mastered_by_practice(), *practise("a1", False, 60)], COURSE)
    assert lapsed.skills["add"].lapsed
    state, effects = step(lapsed, override("add", "mastered", 70), COURSE)
    assert not state.skills["add"].lapsed
    assert state.skills["add"].mastered_at == lapsed.skills["add"].mastered_at
    assert state.schedules["add"] == lapsed.schedules["add"]
    assert effects.mastered == ()  # it was mastered already: nothing newly unlocked


def test_the_next_answer_on_the_skill_reads_the_teachers_note() -> None:
    state = replay([*mastered_by_practice(), override("add", "not_mastered", 100)], COURSE)
    state = replay(practise("a1", True, 110), COURSE, state)
    assert "add" not in state.teacher_notes
    assert not state.skills["add"].lapsed  # the review went right
    assert state.skills["add"].is_mastered


def test_apply_is_pure_and_replay_gives_the_same_state() -> None:
    log = [*mastered_by_practice(), override("add", "not_mastered", 100), override("frac", "mastered", 101)]
    state = replay(log[:-1], COURSE)
    snapshot = (state.skills, state.schedules, state.teacher_notes, state.last_active_at)
    after = apply(state, log[-1], COURSE)
    assert (state.skills, state.schedules, state.teacher_notes, state.last_active_at) == snapshot
    assert after != state
    assert replay(log, COURSE) == replay(log, COURSE) == after


def test_an_override_of_a_skill_no_longer_in_the_course_changes_nothing() -> None:
    state = initial_state(COURSE)
    assert apply(state, override("gone", "mastered", 0), COURSE) == state


def test_an_override_event_needs_a_skill_and_a_direction() -> None:
    with pytest.raises(ValueError, match="skill"):
        LearnerEvent(EventKind.OVERRIDE, at(0), direction="mastered", reason=REASON)
    with pytest.raises(ValueError, match="forgotten"):
        LearnerEvent(EventKind.OVERRIDE, at(0), skill_id="add", direction="forgotten", reason=REASON)


def test_a_teacher_note_round_trips() -> None:
    note = TeacherNote(OverrideDirection.NEEDS_REVIEW, REASON, at(3))
    assert TeacherNote.from_dict(note.to_dict()) == note
    assert len(CourseState().teacher_notes) == 0
