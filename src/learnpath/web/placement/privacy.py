"""Personal data in placement: a learner's placement sessions (the answers themselves are learning events)."""

from __future__ import annotations

from typing import Any

from learnpath.web.personal_data import PersonalData, plain_rows
from learnpath.web.placement.models import PlacementSession

PERSONAL_DATA = (
    PersonalData(
        model="placement.PlacementSession",
        fields=("learner", "engine_state", "question", "result", "start_skill_id"),
        purpose="Placing a new learner in a course in a few questions, and resuming a paused placement.",
        seen_by="The learner, their teachers, administrators.",
        kept="Until the learner is deleted.",
    ),
)


def export(*, user_id: int) -> dict[str, Any]:
    """The learner's placement sessions, oldest first."""
    return {
        "sessions": plain_rows(
            PlacementSession.objects.filter(learner_id=user_id).order_by("id"),
            ["course_id", "status", "result", "start_skill_id", "started_at", "finished_at"],
        )
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Delete the learner's placement sessions. Idempotent."""
    return {"sessions": PlacementSession.objects.filter(learner_id=user_id).delete()[0]}
