"""Render a course's authored markdown safely: raw HTML is escaped, unsafe links dropped.

``{{ text|course_markdown:course.slug }}`` also points links and images written as ``media/<name>``
(docs/content-packs.md) at the app's media URL for that course, so they work on every page.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

register = template.Library()

MEDIA_PREFIX = "media/"


@lru_cache(maxsize=128)
def _course_renderer(course_slug: str) -> MarkdownIt:
    # CommonMark with raw HTML off: authors' markup cannot inject tags or scripts; $...$ stays as text.
    renderer = MarkdownIt("commonmark", {"html": False})
    normalize = renderer.normalizeLink

    def course_link(url: str) -> str:
        if url.startswith(MEDIA_PREFIX):
            return reverse("curriculum:media", args=[course_slug, url.removeprefix(MEDIA_PREFIX)])
        return normalize(url)

    renderer.normalizeLink = course_link  # type: ignore[method-assign]
    return renderer


@register.filter(name="course_markdown")
def course_markdown(text: str, course_slug: str) -> SafeString:
    """Render a course's markdown, resolving ``media/<name>`` links to the course's media files."""
    return mark_safe(_course_renderer(course_slug).render(text or ""))  # noqa: S308 - raw HTML is escaped
