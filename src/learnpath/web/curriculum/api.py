"""What other apps and the CLI may use from the curriculum: plain functions and plain data (OEP-49)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from learnpath.content.build import build_item
from learnpath.content.model import Item as ContentItem
from learnpath.content.model import Pack, Step
from learnpath.content.templates import TemplateError, instantiate, placeholders, substitute
from learnpath.web.curriculum import access, selectors, services
from learnpath.web.curriculum.models import Course, Item, Skill
from learnpath.web.curriculum.services import CourseImportError, ImportResult
from learnpath.web.curriculum.standards import course_frameworks, course_standards, framework_import

__all__ = [
    "CourseImportError",
    "CourseInfo",
    "CourseNotFound",
    "ImportResult",
    "ItemText",
    "class_course_attach",
    "class_course_ids",
    "class_course_ids_of",
    "course_frameworks",
    "course_ids",
    "course_import",
    "course_info",
    "course_organisation_set",
    "course_pack",
    "course_skill_prerequisites",
    "course_standards",
    "courses_visible",
    "framework_import",
    "item_document",
    "item_texts",
    "privacy_provider",
]


class CourseNotFound(LookupError):
    """There is no course with that id."""


@dataclass(frozen=True)
class CourseInfo:
    """A course as other apps see it."""

    id: str
    title: str
    description: str
    version: str
    checksum: str
    organisation_id: int | None


def _info(course: Course) -> CourseInfo:
    return CourseInfo(
        id=course.slug,
        title=course.title,
        description=course.description,
        version=course.version,
        checksum=course.checksum,
        organisation_id=course.organisation_id,
    )


def course_import(*, pack: Pack, actor: Any = None, organisation_id: int | None = None) -> ImportResult:
    """Import a validated pack (see :func:`learnpath.web.curriculum.services.course_import`).

    Raises ``CourseImportError`` with an actionable message, e.g. when the version needs a bump.
    """
    return services.course_import(pack=pack, actor=actor, organisation_id=organisation_id)


_packs: dict[str, tuple[str, Pack]] = {}
"""The last pack rebuilt for each course, with its checksum: a pack is immutable and its checksum names its
version, so one query (the checksum) says whether it is still current. Bounded by the number of courses."""


def course_pack(*, course_id: str) -> Pack:
    """The ``Pack`` of a course's current version, as imported; raises ``CourseNotFound`` if there is none.

    One query when this process has rebuilt the current version before (pages that name a course's skills
    or projects call it per course); otherwise the version's documents and media are read and rebuilt.
    """
    pack = course_packs(course_ids=[course_id]).get(course_id)
    if pack is None:
        raise CourseNotFound(f"no course {course_id!r}; `learnpath import` it first")
    return pack


def course_packs_forget() -> None:
    """Rebuild every pack from the database on next use (between tests, whose databases reuse course ids
    and checksums with other item files)."""
    _packs.clear()


def course_packs(*, course_ids: Iterable[str]) -> dict[str, Pack]:
    """The current ``Pack`` of each of these courses that exists (missing ones are left out): one query
    for their checksums, plus a rebuild of each course this process has not rebuilt at that version."""
    wanted = list(dict.fromkeys(course_ids))
    current = dict(Course.objects.filter(slug__in=wanted).values_list("slug", "checksum"))
    out: dict[str, Pack] = {}
    for course_id in wanted:
        if course_id not in current:
            continue
        known = _packs.get(course_id)
        if known is not None and known[0] == current[course_id]:
            out[course_id] = known[1]
        else:
            out[course_id] = selectors.course_pack(course_id=course_id)
            _packs[course_id] = (current[course_id], out[course_id])
    return out


def courses_info(*, course_ids: Iterable[str]) -> dict[str, CourseInfo]:
    """The metadata of each of these courses that exists, by id: one query; not filtered by access."""
    return {course.slug: _info(course) for course in Course.objects.filter(slug__in=list(course_ids))}


def course_ids() -> list[str]:
    """The ids of every course, for operators (export, maintenance); not filtered by access."""
    return list(Course.objects.order_by("slug").values_list("slug", flat=True))


def course_info(*, course_id: str) -> CourseInfo | None:
    """One course's metadata, or None; not filtered by access."""
    course = Course.objects.filter(slug=course_id).first()
    return _info(course) if course is not None else None


def courses_visible(*, user: Any) -> list[CourseInfo]:
    """The courses ``user`` may see, by title."""
    return [_info(course) for course in access.access_visible_courses(user).order_by("title")]


def course_skill_prerequisites(*, course_id: str) -> dict[str, list[str]]:
    """Each live skill of a course with the ids of its live prerequisites, in pack order (the skill graph)."""
    graph: dict[str, list[str]] = {
        slug: []
        for slug in Skill.objects.filter(course__slug=course_id, retired=False).values_list("slug", flat=True)
    }
    for skill, prerequisite in (
        Skill.prerequisites.through.objects.filter(
            skill__course__slug=course_id, skill__retired=False, prerequisite__retired=False
        )
        .order_by("prerequisite__position")
        .values_list("skill__slug", "prerequisite__slug")
    ):
        graph[skill].append(prerequisite)
    return graph


def item_document(*, course_id: str, item_id: str) -> dict[str, Any] | None:
    """An item's document (retired items included, so history stays readable), or None."""
    item = Item.objects.filter(course__slug=course_id, slug=item_id).only("document").first()
    return dict(item.document) if item is not None else None


@dataclass(frozen=True)
class ItemText:
    """What a learner read of an item: the prompt of the variant they saw, each part's prompt and the text
    of each choice (authored markdown and maths; render them with the ``course_markdown`` filters)."""

    prompt: str
    #: The prompt of each part by step id ("" is the item itself; steps and scaffolds by their ids).
    parts: dict[str, str] = field(default_factory=dict)
    #: ``{step id: {choice id: choice text}}`` for the parts with choices.
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The item is gone from the course's current version (kept for history).
    retired: bool = False
    #: A template item asked for without its seed: its placeholders read "…".
    variant_unknown: bool = False

    def choice_texts(self, step_id: str, response_text: str) -> list[str] | None:
        """The texts of the choices in a recorded response ("b" or "a, c"), or None if the part has no
        choices or the response names one it does not have (then the response is what was typed)."""
        choices = self.choices.get(step_id or "")
        if not choices or not response_text:
            return None
        ids = [part.strip() for part in response_text.split(",")]
        if not all(choice in choices for choice in ids):
            return None
        return [choices[choice] for choice in ids]


def _unknown_variant(document: dict[str, Any]) -> dict[str, Any]:
    """A template's document with every placeholder shown as "…" (the variant seen is not known)."""

    def blank(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return substitute(value, dict.fromkeys(placeholders(value), "…"))
            except TemplateError:
                return value
        if isinstance(value, dict):
            return {key: blank(inner) for key, inner in value.items()}
        if isinstance(value, list):
            return [blank(inner) for inner in value]
        return value

    kept = {k: v for k, v in document.items() if k not in ("params", "constraints", "computed")}
    return {k: v if k in ("id", "type", "skills") else blank(v) for k, v in kept.items()}


def _item_text(item: ContentItem, retired: bool, variant_unknown: bool) -> ItemText:
    parts: dict[str, str] = {}
    choices: dict[str, dict[str, str]] = {}

    def add(step: Step, step_id: str) -> None:
        parts[step_id] = step.prompt
        if step.choices:
            choices[step_id] = {choice.id: choice.text for choice in step.choices}
        for scaffold in step.scaffolds:
            add(scaffold, scaffold.id)

    add(item.main, "")
    for step in item.steps:
        add(step, step.id)
    return ItemText(
        prompt=item.prompt, parts=parts, choices=choices, retired=retired, variant_unknown=variant_unknown
    )


def item_texts(
    *, course_id: str, items: Iterable[tuple[str, int | None]]
) -> dict[tuple[str, int | None], ItemText]:
    """The texts learners read of these ``(item id, seed)`` pairs, in one query however many pairs.

    A template item gives the variant of that seed (``content.templates.instantiate``, as practice showed
    it); with no seed its placeholders read "…". Retired items are included (so history stays readable);
    a pair whose item the course never had (or cannot be read) is absent: show it as a question no longer
    in the course.
    """
    wanted = set(items)
    slugs = {item_id for item_id, _seed in wanted if item_id}
    if not slugs:
        return {}
    rows = Item.objects.filter(course__slug=course_id, slug__in=slugs).values_list(
        "slug", "document", "retired"
    )
    built: dict[str, tuple[ContentItem, bool]] = {}
    for slug, document, retired in rows:
        try:
            built[slug] = (build_item(dict(document)), bool(retired))
        except (KeyError, TypeError, ValueError):  # a document the current code cannot read
            continue
    out: dict[tuple[str, int | None], ItemText] = {}
    for item_id, seed in wanted:
        if item_id not in built:
            continue
        item, retired = built[item_id]
        try:
            if not item.is_template:
                concrete = item
            elif seed is None:
                concrete = build_item(_unknown_variant(dict(item.document)))
            else:
                concrete = instantiate(item, int(seed))
        except (KeyError, TypeError, ValueError):  # TemplateError is a ValueError
            continue
        out[(item_id, seed)] = _item_text(concrete, retired, item.is_template and seed is None)
    return out


def course_organisation_set(*, course_id: str, organisation_id: int | None, actor: Any = None) -> None:
    """Give a course to one organisation, or make it global with ``None``."""
    services.course_organisation_set(course_id=course_id, organisation_id=organisation_id, actor=actor)


# -- which courses a class uses (decision 0079) ---------------------------------------------------------


def class_course_ids(*, class_id: int) -> list[str]:
    """The ids of the courses a class uses, in the order they were attached; not filtered by access."""
    return selectors.class_course_ids(class_id=class_id)


def class_course_ids_of(*, class_ids: Iterable[int]) -> dict[int, list[str]]:
    """The courses each of these classes uses (classes with none are absent): one query."""
    return selectors.class_course_ids_of(class_ids=list(class_ids))


def class_course_attach(*, class_id: int, course_id: str, actor: Any) -> bool:
    """A class starts using a course (idempotent; audited when new); True if new. The caller decides
    who may (coaching: a teacher of the class who can see the course)."""
    return services.class_course_attach(class_id=class_id, course_id=course_id, actor=actor)


# The app's personal data, for the privacy app (docs/privacy.md): what it holds, export and erase.
from learnpath.web.curriculum import privacy as privacy_provider  # noqa: E402
