"""LTI reads: what a class's LMS page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api
from learnpath.web.lti.models import LtiContext, LtiResourceLink


@dataclass(frozen=True)
class LinkView:
    """One LMS link: what it opens and where its grades stand."""

    title: str
    opens: str
    passes_back: bool
    sent: int
    owed: int
    failing: int
    last_error: str


@dataclass(frozen=True)
class ClassLms:
    """A class made for an LMS course."""

    context_pk: int
    platform_name: str
    course_title: str
    roster_service: bool
    roster_synced_at: datetime | None
    roster_error: str
    links: list[LinkView]


def class_lms(*, class_id: int) -> ClassLms | None:
    """The LMS side of a class, or None for a class no LMS made."""
    context = LtiContext.objects.select_related("platform").filter(class_id=class_id).first()
    if context is None:
        return None
    links = (
        LtiResourceLink.objects.filter(context=context)
        .annotate(
            sent=Count("grades", filter=Q(grades__pending=False)),
            owed=Count("grades", filter=Q(grades__pending=True)),
            failing=Count("grades", filter=Q(grades__pending=True, grades__attempts__gt=0)),
        )
        .order_by("title", "id")
    )
    views = []
    for link in links:
        error = (
            link.grades.filter(pending=True, attempts__gt=0)
            .exclude(last_error="")
            .values_list("last_error", flat=True)
            .first()
            if link.failing  # type: ignore[attr-defined]
            else ""
        )
        views.append(
            LinkView(
                title=link.title or link.course_id,
                opens=_opens(link.course_id, link.skill_id),
                passes_back="https://purl.imsglobal.org/spec/lti-ags/scope/score" in link.scopes,
                sent=link.sent,  # type: ignore[attr-defined]
                owed=link.owed,  # type: ignore[attr-defined]
                failing=link.failing,  # type: ignore[attr-defined]
                last_error=error or "",
            )
        )
    return ClassLms(
        context_pk=context.pk,
        platform_name=context.platform.name,
        course_title=context.title,
        roster_service=bool(context.memberships_url),
        roster_synced_at=context.roster_synced_at,
        roster_error=context.roster_error,
        links=views,
    )


def _opens(course_id: str, skill_id: str) -> str:
    """What a link opens, in the words a teacher knows: the course's title, and the skill's name."""
    course = curriculum_api.course_info(course_id=course_id)
    title = course.title if course is not None else course_id
    if not skill_id:
        return title
    return f"{title}: {dict(learning_api.course_skill_names(course_id=course_id)).get(skill_id, skill_id)}"
