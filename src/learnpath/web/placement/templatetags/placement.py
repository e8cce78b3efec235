"""``{% placement_panel %}`` and ``{% placement_notes as notes %}`` for the learner's course page.

The learning app's template asks placement through these tags (which call ``placement.api`` only), so
the learning app's code needs nothing from placement.
"""

from __future__ import annotations

from typing import Any

from django import template

from learnpath.web.placement import api as placement_api

register = template.Library()


@register.inclusion_tag("placement/_panel.html", takes_context=True)
def placement_panel(context: template.Context) -> dict[str, Any]:
    """The offer (new learner), the resume button (paused) or the "Check what I know" link."""
    user = context["request"].user
    course_id = context["course_id"]
    return {
        "course_id": course_id,
        "offer": placement_api.placement_offer(learner_id=user.pk, course_id=course_id),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def placement_notes(context: template.Context) -> dict[str, str]:
    user = context["request"].user
    return placement_api.map_notes(learner_id=user.pk, course_id=context["course_id"])


@register.filter
def placement_note(notes: dict[str, str], skill_id: str) -> str:
    return notes.get(skill_id, "") if notes else ""
