"""What the LTI app does when learning records an event: a change of mastery makes the learner's grades in
the course's LMS links owed, and the worker is asked to send them now (its schedule retries)."""

from __future__ import annotations

from typing import Any

from learnpath.web.learning.api import EventNote
from learnpath.web.lti.grades import grades_mark_due


def mastery_changed(sender: Any, note: EventNote, **kwargs: Any) -> None:
    """Owe the LMS the learner's new mastery; only events that changed mastery cost a query."""
    if not (note.mastered or note.lapsed):
        return
    if grades_mark_due(learner_id=note.learner_id, course_id=note.course_id):
        grades_send_soon()


def grades_send_soon() -> None:
    """Queue the worker's grade sending (it also runs on a schedule, so a lost queue entry costs minutes)."""
    from django_q.tasks import async_task

    async_task("learnpath.web.lti.tasks.grades_send", task_name="lti grades", group="lti")


def roster_sync_soon(*, class_id: int) -> None:
    """Queue a roster sync for the class's LMS course, when the LMS offers its roster."""
    from django_q.tasks import async_task

    from learnpath.web.lti.models import LtiContext

    context_id = (
        LtiContext.objects.filter(class_id=class_id)
        .exclude(memberships_url="")
        .values_list("pk", flat=True)
        .first()
    )
    if context_id is not None:
        async_task("learnpath.web.lti.tasks.roster_sync", context_id, task_name="lti roster", group="lti")
