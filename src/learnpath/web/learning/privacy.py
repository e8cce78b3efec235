"""Personal data in learning: the event log (everything a learner did) and the state derived from it.

Erasing a learner deletes their events and derived rows. Where their organisation keeps anonymised data
for research and the learner consented (the privacy app decides and passes ``keep_research``), their events
stay, attached to the tombstone accounts leaves, with what they typed, teachers' free-text reasons and who
acted removed: verdicts, items, skills and times are what learner models are fitted on (decision 0041).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from learnpath.web.learning.models import (
    Event,
    LearnerCourse,
    LearnerProfile,
    ResourceUse,
    ResumedKey,
    ReviewSchedule,
    SkillState,
)
from learnpath.web.personal_data import PersonalData, plain_rows

DERIVED = (LearnerCourse, SkillState, ReviewSchedule, ResourceUse)
EVENT_FIELDS = [
    "course_id", "kind", "item_id", "seed", "step_id", "skill_id", "resource_id", "response", "verdict",
    "confidence", "model_version", "result", "actor", "occurred_at",
]  # fmt: skip
FREE_TEXT_IN_RESULT = ("response_text", "reason")

_DERIVED_PURPOSE = "Derived from the event log: what the learner knows, reviews and what to offer next."
_DERIVED_SEEN = "The learner, their teachers, their linked guardians (progress only), administrators."
_DERIVED_KEPT = "As long as the events it is derived from."

PERSONAL_DATA = (
    PersonalData(
        model="learning.Event",
        fields=("learner", "response", "result", "actor", "occurred_at"),
        purpose="The log of what a learner did (answers, hints, skills chosen): the source of their "
        "progress.",
        seen_by="The learner, their teachers, administrators; guardians see only the progress derived "
        "from it.",
        kept="Until the organisation's events window or the learner's deletion; anonymised copies only "
        "where the organisation keeps research data and the learner consented.",
    ),
    PersonalData(
        model="learning.ResumedKey",
        fields=("learner", "result"),
        purpose="Makes a retried request answer like the first one.",
        seen_by="Nobody reads it directly.",
        kept="With the events.",
    ),
    PersonalData(
        model="learning.LearnerCourse",
        fields=("learner", "model_state", "attempt", "teacher_notes", "last_active_at"),
        purpose=_DERIVED_PURPOSE,
        seen_by=_DERIVED_SEEN,
        kept=_DERIVED_KEPT,
    ),
    PersonalData(
        model="learning.SkillState",
        fields=("learner", "p_mastered", "mastered_at"),
        purpose=_DERIVED_PURPOSE,
        seen_by=_DERIVED_SEEN,
        kept=_DERIVED_KEPT,
    ),
    PersonalData(
        model="learning.ReviewSchedule",
        fields=("learner", "due", "schedule"),
        purpose=_DERIVED_PURPOSE,
        seen_by=_DERIVED_SEEN,
        kept=_DERIVED_KEPT,
    ),
    PersonalData(
        model="learning.LearnerProfile",
        fields=("learner", "interests", "formats", "daily_goal", "completed_at", "skipped_at"),
        purpose="What the learner said they like and their daily goal: orders resources and project topics.",
        seen_by="The learner (About me); administrators.",
        kept="Until the learner changes it or is deleted.",
    ),
    PersonalData(
        model="learning.ResourceUse",
        fields=("learner", "views"),
        purpose=_DERIVED_PURPOSE,
        seen_by=_DERIVED_SEEN,
        kept=_DERIVED_KEPT,
    ),
)


def export(*, user_id: int) -> dict[str, Any]:
    """The learner's events and derived state, oldest event first."""
    return {
        "events": plain_rows(Event.objects.filter(learner_id=user_id).order_by("id"), EVENT_FIELDS),
        "courses": plain_rows(
            LearnerCourse.objects.filter(learner_id=user_id).order_by("course_id"),
            [
                "course_id",
                "last_active_at",
                "last_item_id",
                "chosen_skill_id",
                "review_day",
                "reviewed_today",
            ],
        ),
        "skills": plain_rows(
            SkillState.objects.filter(learner_id=user_id).order_by("course_id", "skill_id"),
            ["course_id", "skill_id", "p_mastered", "answers", "mastered_at", "lapsed", "last_practised"],
        ),
        "reviews": plain_rows(
            ReviewSchedule.objects.filter(learner_id=user_id).order_by("due"),
            ["course_id", "skill_id", "due"],
        ),
        "profile": plain_rows(
            LearnerProfile.objects.filter(learner_id=user_id),
            ["interests", "formats", "daily_goal", "completed_at", "skipped_at", "updated_at"],
        ),
        "resources_used": plain_rows(
            ResourceUse.objects.filter(learner_id=user_id).order_by("course_id", "resource_id"),
            ["course_id", "resource_id", "views", "followed", "helped"],
        ),
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Delete the learner's events (or keep them anonymised, with ``keep_research``) and derived rows.

    Also forgets the person as the teacher who overrode another learner's mastery. Idempotent.
    """
    counts = {model.__name__: model.objects.filter(learner_id=user_id).delete()[0] for model in DERIVED}
    counts["ResumedKey"] = ResumedKey.objects.filter(learner_id=user_id).delete()[0]
    counts["LearnerProfile"] = LearnerProfile.objects.filter(learner_id=user_id).delete()[0]
    counts["actor_of_others"] = Event.objects.filter(actor_id=user_id).update(actor=None)
    events = Event.objects.filter(learner_id=user_id)
    if not keep_research:
        counts["Event"] = events.delete()[0]
        return counts
    counts["Event_anonymised"] = events.update(response=None, actor=None)
    with_text = list(events.filter(result__has_any_keys=FREE_TEXT_IN_RESULT).only("id", "result"))
    for event in with_text:
        event.result = {k: v for k, v in event.result.items() if k not in FREE_TEXT_IN_RESULT}
    Event.objects.bulk_update(with_text, ["result"], batch_size=500)
    return counts


def events_expire(*, organisation_id: int, before: datetime) -> int:
    """Delete the events (and retry keys) of the organisation's learners that happened before ``before``."""
    events = Event.objects.filter(learner__organisation_id=organisation_id, occurred_at__lt=before)
    keys = ResumedKey.objects.filter(learner__organisation_id=organisation_id, created_at__lt=before)
    return events.delete()[0] + keys.delete()[0]
