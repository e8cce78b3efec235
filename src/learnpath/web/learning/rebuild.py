"""``learnpath rebuild-state``: recompute every derived table from the event log.

The rebuild replays each learner's events in log order through the engine's ``learner_loop`` (the function
the live services use), each event with the learner model that was served when it happened
(``Event.model_version``; ``store.replay_rows``), on empty states, then replaces the derived rows, all in
one transaction. Course content comes from the courses' current versions, as in the live path.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from learnpath.engine.learner_loop import Course
from learnpath.engine.served_model import PRIOR_VERSION
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning.course_model import course_model
from learnpath.web.learning.models import Event, LearnerCourse, ResourceUse, ReviewSchedule, SkillState
from learnpath.web.learning.store import EVENT_FIELDS, LearnerState, replay_rows, states_insert

DERIVED_MODELS = (LearnerCourse, SkillState, ReviewSchedule, ResourceUse)
ROW_FIELDS = ("id", "learner_id", "course_id", "model_version", *EVENT_FIELDS)


@dataclass(frozen=True)
class RebuildReport:
    events: int
    learners: int
    skipped_events: int  # events of courses that no longer exist


def _course_finder(course_id: str) -> Callable[[str], Course] | None:
    info = curriculum_api.course_info(course_id=course_id)
    if info is None:
        return None
    courses: dict[str, Course] = {}

    def course_for(version: str) -> Course:
        if version not in courses:
            courses[version] = course_model(info.id, info.checksum, version).loop
        return courses[version]

    return course_for


def state_rebuild(*, course_id: str | None = None) -> RebuildReport:
    """Replace the derived tables (of one course, or of all) by what the event log gives."""
    finders: dict[str, Callable[[str], Course] | None] = {}
    states: list[tuple[LearnerState, Course]] = []
    learners: set[int] = set()
    events = skipped = 0
    with transaction.atomic():
        for model in DERIVED_MODELS:
            rows = model.objects.all() if course_id is None else model.objects.filter(course_id=course_id)
            rows.delete()
        log = Event.objects.all() if course_id is None else Event.objects.filter(course_id=course_id)
        ordered = log.order_by("learner_id", "course_id", "id").values(*ROW_FIELDS).iterator(chunk_size=5000)
        for (learner_id, course), group in itertools.groupby(
            ordered, key=lambda row: (row["learner_id"], row["course_id"])
        ):
            if course not in finders:
                finders[course] = _course_finder(course)
            course_for = finders[course]
            rows = list(group)
            if course_for is None:
                skipped += len(rows)
                continue
            loaded = None
            for _event, state, _effects in replay_rows(rows, course_for):
                loaded = state
            assert loaded is not None
            last = rows[-1]
            course_loop = course_for(last["model_version"] or PRIOR_VERSION)
            states.append((LearnerState(learner_id, course, loaded, last["id"]), course_loop))
            learners.add(learner_id)
            events += len(rows)
        states_insert(states)
    return RebuildReport(events=events, learners=len(learners), skipped_events=skipped)
