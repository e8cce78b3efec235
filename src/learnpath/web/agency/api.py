"""What other apps may use from learner agency: plain functions (OEP-49)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from learnpath.web.agency import evidence, selectors, services
from learnpath.web.agency.evidence import Evidence
from learnpath.web.agency.selectors import GoalView, Windows, Work
from learnpath.web.agency.services import AgencyError
from learnpath.web.learning import api as learning_api

__all__ = [
    "AgencyError",
    "Evidence",
    "GoalView",
    "Windows",
    "Work",
    "feedback_add",
    "feedback_for",
    "learner_work",
    "mastered_skills",
    "privacy_provider",
    "readable_events",
]


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
    ``coaching.api.learner_reading`` (None: everything, for the learner, a guardian or an admin).
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


# The app's personal data, for the privacy app (docs/privacy.md): what it holds, export and erase.
from learnpath.web.agency import privacy as privacy_provider  # noqa: E402
