"""Render a course's authored markdown and maths safely: raw HTML is escaped, unsafe links dropped.

``{{ text|course_markdown:course.slug }}`` renders blocks (paragraphs, lists); ``course_markdown_inline``
renders a one-line text without the surrounding ``<p>`` (answer choices, hints, short questions). Both
point links and images written as ``media/<name>`` (docs/content-packs.md) at the app's media URL for
that course, so they work on every page.

Maths written as ``$...$`` (inline) or ``$$...$$`` (display) becomes MathML on the server, with the LaTeX
source in ``alttext`` (docs/decisions/0070-maths-and-markdown-rendering.md): it needs no JavaScript and
screen readers read it. LaTeX that cannot be converted is shown as its (escaped) source text. A ``$``
next to a space or a digit is not a maths delimiter, so prices such as "$5 and $10" stay text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element, tostring

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from latex2mathml.converter import convert_to_element
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

register = template.Library()

MEDIA_PREFIX = "media/"
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
# latex2mathml writes characters as entity text ("&#x0002B;") and would un-escape its whole output,
# letting "\text{<b>}" through as a tag; the tree is serialised here instead, with the entities decoded.
_ENTITY = re.compile(r"&#x([0-9A-Fa-f]+);")
# Attributes latex2mathml may copy from the LaTeX (\href, \style) or that could reach the page's scripts.
_DROPPED_ATTRIBUTES = frozenset({"href", "style", "id", "class", "src"})


def _decode(text: str | None) -> str | None:
    return None if text is None else _ENTITY.sub(lambda match: chr(int(match.group(1), 16)), text)


def _clean(element: Element) -> None:
    for node in element.iter():
        node.text = _decode(node.text)
        node.tail = _decode(node.tail)
        for name in list(node.attrib):
            if name in _DROPPED_ATTRIBUTES or name.startswith("on") or not name.isalpha():
                del node.attrib[name]
            else:
                node.attrib[name] = _decode(node.attrib[name]) or ""


@lru_cache(maxsize=4096)
def latex_to_mathml(latex: str, display: bool = False) -> str:
    """``latex`` as a ``<math>`` element (HTML-safe), or its escaped source when it cannot be converted."""
    source = latex.strip()
    try:
        math = convert_to_element(source, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds of error on LaTeX it cannot read
        return f'<span class="math-source">{escape(source)}</span>'
    _clean(math)
    math.set("alttext", source)
    return tostring(math, encoding="unicode", short_empty_elements=False)


def _render_inline_math(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return latex_to_mathml(tokens[idx].content)


def _render_display_math(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    # ``$$...$$`` inside a paragraph: still display maths, but no <div> inside the <p>.
    return latex_to_mathml(tokens[idx].content, display=True)


def _render_math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    # A wrapper, so a wide equation scrolls sideways on a phone instead of widening the page.
    return f'<div class="math-display">{latex_to_mathml(tokens[idx].content, display=True)}</div>\n'


@lru_cache(maxsize=128)
def _course_renderer(course_slug: str) -> MarkdownIt:
    # CommonMark with raw HTML off: authors' markup cannot inject tags or scripts.
    renderer = MarkdownIt("commonmark", {"html": False}).use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,  # "$5 and $10": a "$" before or after a space is not a delimiter
        allow_digits=False,  # "$5-$10": nor is a "$" just after or before a digit outside the maths
        allow_blank_lines=False,
        double_inline=True,  # "$$...$$" inside a sentence is display maths too
    )
    renderer.add_render_rule("math_inline", _render_inline_math)
    renderer.add_render_rule("math_inline_double", _render_display_math)
    renderer.add_render_rule("math_block", _render_math_block)
    normalize = renderer.normalizeLink

    def course_link(url: str) -> str:
        if url.startswith(MEDIA_PREFIX):
            return reverse("curriculum:media", args=[course_slug, url.removeprefix(MEDIA_PREFIX)])
        return normalize(url)

    renderer.normalizeLink = course_link  # type: ignore[method-assign]
    return renderer


@register.filter(name="course_markdown")
def course_markdown(text: str, course_slug: str) -> SafeString:
    """Render a course's markdown and maths, resolving ``media/<name>`` links to the course's media files."""
    return mark_safe(_course_renderer(course_slug).render(text or ""))  # noqa: S308 - raw HTML is escaped


@register.filter(name="course_markdown_inline")
def course_markdown_inline(text: str, course_slug: str) -> SafeString:
    """Like ``course_markdown`` for a short text: one line renders without the surrounding ``<p>``.

    A text of several lines falls back to ``course_markdown``, so its paragraphs and lists survive.
    """
    text = (text or "").strip()
    if "\n" in text:
        return course_markdown(text, course_slug)
    return mark_safe(_course_renderer(course_slug).renderInline(text))  # noqa: S308 - raw HTML is escaped
