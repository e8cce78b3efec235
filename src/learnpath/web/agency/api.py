"""What other apps may use from learner agency: plain functions (OEP-49)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from learnpath.web.agency import access, evidence, selectors, services
from learnpath.web.agency.access import LearnerReading
from learnpath.web.agency.evidence import Evidence
from learnpath.web.agency.selectors import GoalView, NewWork, Windows, Work
from learnpath.web.agency.services import AgencyError
from learnpath.web.learning import api as learning_api

__all__ = [
    "AgencyError",
    "Evidence",
    "GoalView",
    "LearnerReading",
    "NewWork",
    "ProjectOffer",
    "Windows",
    "Work",
    "feedback_add",
    "feedback_for",
    "learner_reading",
    "learner_work",
    "mastered_skills",
    "new_work_for_teacher",
    "privacy_provider",
    "project_offer_set",
    "project_offers",
    "readable_events",
]


def learner_reading(*, user: Any, learner_id: int) -> LearnerReading:
    """What ``user`` may read of a learner (a teacher: what the learner did in their classes), else
    ``Http404``: the one rule, ``agency.access.access_learner_reading`` (decisions 0075 and 0079)."""
    return access.access_learner_reading(user, learner_id)


def new_work_for_teacher(
    *, teacher: Any, learner_ids: list[int], since: Any, limit: int = 200
) -> list[NewWork]:
    """Portfolio pieces and reflections of these learners written since ``since`` that ``teacher`` may read
    (the work done in their classes, decision 0075), newest first: the teacher's inbox. Five queries."""
    readings = access.access_learners_reading_as_teacher(teacher, learner_ids)
    return selectors.new_work(readings=readings, since=since, limit=limit)


def mastered_skills(*, learner_id: int) -> set[str]:
    """The skill ids a learner has mastered, in any course."""
    return {
        row.skill_id
        for row in learning_api.skill_progress_rows(learner_ids=[learner_id], course_id=None)
        if row.mastered
    }


def learner_work(
    *, learner_id: int, windows: Windows | None = None, authors: Collection[int] | None = None
) -> Work:
    """The learner's goals (with progress), latest submissions and reflections, each with its feedback.

    A teacher reads only their share: pass ``windows`` and ``authors`` of
    :func:`learner_reading` (None: everything, for the learner, a guardian or an admin).
    """
    return selectors.learner_work(
        learner_id=learner_id,
        mastered=mastered_skills(learner_id=learner_id),
        windows=windows,
        authors=authors,
    )


def feedback_for(
    *, learner_id: int, target_type: str, authors: Collection[int] | None = None
) -> dict[str, list[Any]]:
    """Feedback on the learner's work of one type, by target id (only by ``authors``, if given)."""
    return {
        target_id: rows
        for (_, target_id), rows in selectors.feedback_by_target(
            learner_id=learner_id, target_type=target_type, authors=authors
        ).items()
    }


def feedback_add(
    *,
    learner_id: int,
    author: Any,
    target_type: str,
    target_id: str,
    body: str,
    windows: Windows | None = None,
) -> None:
    """A teacher's comment on an attempt, project, reflection or goal (audited). Raises ``AgencyError``.

    The caller has checked that ``author`` teaches the learner, and for an attempt that it is theirs;
    a project, reflection or goal outside ``windows`` is refused like one that is not the learner's.
    """
    services.feedback_add(
        learner_id=learner_id,
        author=author,
        target_type=target_type,
        target_id=target_id,
        body=body,
        windows=windows,
    )


def readable_events(*, course_id: str, events: list[Any]) -> list[Evidence]:
    """A course's events (``learning.api.recent_events`` rows) as people read them: the question's prompt
    of the variant seen and the chosen choices' texts, never internal ids; one query for all the rows."""
    return evidence.readable(course_id, events)


@dataclass(frozen=True)
class ProjectOffer:
    """The topics and formats a class's teachers offer for one course project."""

    course_id: str
    project_id: str
    topic_ids: tuple[str, ...]
    format_ids: tuple[str, ...]


def project_offers(*, class_id: int) -> list[ProjectOffer]:
    """What the class's teachers offer for each course project they opened for choice."""
    return [
        ProjectOffer(
            course_id=board.course_id,
            project_id=board.project_id,
            topic_ids=tuple(board.topic_ids),
            format_ids=tuple(board.format_ids),
        )
        for board in selectors.boards_for_classes(class_ids=[class_id])
    ]


def project_offer_set(
    *, class_id: int, course_id: str, project_id: str, topic_ids: list[str], format_ids: list[str], actor: Any
) -> None:
    """Offer these topics and formats of a course project to a class (audited). Raises ``AgencyError``
    (e.g. no topic or no format). The caller has checked that ``actor`` teaches the class."""
    services.project_board_set(
        class_id=class_id,
        course_id=course_id,
        project_id=project_id,
        topic_ids=topic_ids,
        format_ids=format_ids,
        actor=actor,
    )


# The app's personal data, for the privacy app (docs/privacy.md): what it holds, export and erase.
from learnpath.web.agency import privacy as privacy_provider  # noqa: E402
