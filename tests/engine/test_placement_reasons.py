"""Placement's reasons agree with what the learner answered: "I haven't learned this yet" is never
called "tricky" (issue 10), on a skill or on what it builds on."""

from __future__ import annotations

from learnpath.engine.placement import Placement, PlacementConfig, PlacementItem
from learnpath.engine.skill_graph import SkillGraph

GRAPH = SkillGraph.build(
    [("place", "Place value"), ("add", "Adding"), ("mult", "Multiplying")],
    [("place", "add"), ("add", "mult")],
)
SURE = Placement(
    GRAPH,
    tuple(PlacementItem(f"q-{s}", s, 0.02, 0.02) for s in GRAPH.skill_ids),
    PlacementConfig(max_questions=3, particles=600, known_threshold=0.8, prerequisite_leak=0.05),
)


def reasons(*answers: tuple[str, str]) -> dict[str, str]:
    state = SURE.start(random_state=3)
    for skill, outcome in answers:
        state = SURE.record(state, f"q-{skill}", outcome)
    result = SURE.result(state)
    return {skill: result.reasons[skill] for skill in result.placed_not_known}


def test_not_learned_on_a_prerequisite_is_not_tricky() -> None:
    said = reasons(("place", "not_learned"))
    assert said["place"] == "To learn: you said you haven't learned Place value yet."
    assert said["add"] == "To learn: Adding builds on Place value, which you said you haven't learned yet."
    assert all("tricky" not in reason for reason in said.values())


def test_a_wrong_answer_is_tricky() -> None:
    said = reasons(("place", "wrong"), ("place", "wrong"))
    assert "tricky" in said.get("add", said["place"])
