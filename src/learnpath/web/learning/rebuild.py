"""``learnpath rebuild-state``: recompute every derived table from the event log.

The rebuild replays each learner's events in log order through ``derive.apply_event`` (the function the
live services use) on empty states, then replaces the derived rows, all in one transaction. Models come
from the courses' current versions, as in the live path.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning.course_model import CourseModel, course_model
from learnpath.web.learning.derive import EventData, LearnerState, apply_event
from learnpath.web.learning.models import Event, LearnerCourse, ResourceUse, ReviewSchedule, SkillState
from learnpath.web.learning.store import states_insert

DERIVED_MODELS = (LearnerCourse, SkillState, ReviewSchedule, ResourceUse)
EVENT_FIELDS = (
    "id",
    "learner_id",
    "course_id",
    "kind",
    "occurred_at",
    "item_id",
    "seed",
    "step_id",
    "skill_id",
    "resource_id",
    "verdict",
    "confidence",
    "result",
)


@dataclass(frozen=True)
class RebuildReport:
    events: int
    learners: int
    skipped_events: int  # events of courses that no longer exist


def state_rebuild(*, course_id: str | None = None) -> RebuildReport:
    """Replace the derived tables (of one course, or of all) by what the event log gives."""
    models: dict[str, CourseModel | None] = {}
    states: dict[tuple[int, str], LearnerState] = {}
    events = skipped = 0
    with transaction.atomic():
        for model in DERIVED_MODELS:
            rows = model.objects.all() if course_id is None else model.objects.filter(course_id=course_id)
            rows.delete()
        log = Event.objects.all() if course_id is None else Event.objects.filter(course_id=course_id)
        for row in (
            log.order_by("learner_id", "course_id", "id").values_list(*EVENT_FIELDS).iterator(chunk_size=5000)
        ):
            event_id, learner_id, course, kind, occurred_at, *rest = row
            if course not in models:
                info = curriculum_api.course_info(course_id=course)
                models[course] = course_model(info.id, info.checksum) if info is not None else None
            model = models[course]
            if model is None:
                skipped += 1
                continue
            state = states.get((learner_id, course))
            if state is None:
                state = states[(learner_id, course)] = LearnerState(learner_id=learner_id, course_id=course)
            item_id, seed, step_id, skill_id, resource_id, verdict, confidence, result = rest
            apply_event(
                state,
                EventData(
                    event_id,
                    kind,
                    occurred_at,
                    item_id,
                    seed,
                    step_id,
                    skill_id,
                    resource_id,
                    verdict,
                    confidence,
                    result,
                ),
                model,
            )
            events += 1
        states_insert(states.values())
    return RebuildReport(
        events=events, learners=len({learner for learner, _ in states}), skipped_events=skipped
    )
