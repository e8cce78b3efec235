"""Where the policy's pacing targets come from: a source registered at start-up (decision 0079).

Pacing targets (a skill due by a date) are set by teachers, in coaching, which sits above learning. So
learning does not ask coaching: coaching registers its reader here when the app starts
(``coaching.apps.CoachingConfig.ready``) and every suggestion reads through it. With no source
registered, a learner has no targets and the policy ranks as it would for a self-directed learner.
"""

from __future__ import annotations

from typing import Protocol

from learnpath.engine.policy import Assignment


class AssignmentsSource(Protocol):
    """A learner's target skills in a course with due dates, earliest first (as ``coaching.api``
    gives them)."""

    def __call__(self, *, learner_id: int, course_id: str) -> list[Assignment]: ...


_source: AssignmentsSource | None = None


def assignments_source_set(source: AssignmentsSource | None) -> None:
    """Register the one source of pacing targets (None: none). Called once, when the app starts."""
    global _source  # the one registration point, set at app start
    _source = source


def assignments_for(*, learner_id: int, course_id: str) -> list[Assignment]:
    """The learner's pacing targets in the course from the registered source; none without one."""
    if _source is None:
        return []
    return _source(learner_id=learner_id, course_id=course_id)
