"""Reads for the curriculum: course overviews in prerequisite order, skill pages, and the stored pack."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from learnpath.content.build import build_item
from learnpath.content.model import MODALITIES, Pack
from learnpath.content.pack import pack_from_validated_documents
from learnpath.content.templates import TemplateError, instantiate
from learnpath.web.curriculum.models import (
    ClassCourse,
    Course,
    Item,
    MediaFile,
    Prerequisite,
    Project,
    Resource,
    Skill,
)


@dataclass(frozen=True)
class SkillLink:
    slug: str
    name: str


@dataclass(frozen=True)
class SkillOverview:
    """A skill as the course page lists it."""

    slug: str
    name: str
    description: str
    prerequisites: tuple[SkillLink, ...]
    item_count: int


@dataclass(frozen=True)
class CourseOverview:
    course: Course
    skills: tuple[SkillOverview, ...]
    item_count: int
    resource_count: int
    project_count: int


@dataclass(frozen=True)
class ResourceLink:
    """A resource as the skill page lists it: a link to open, or a (markdown) body to read in place."""

    title: str
    modality: str
    href: str
    duration_minutes: float | None
    body: str = ""


def resource_href(course_slug: str, url: str) -> str:
    """Where a resource's ``url`` points from the site: a pack's ``media/...`` file is served by the app.

    Anything else the pack validator allowed (a path on this site, a web address) is kept as written.
    """
    if url.startswith("media/"):
        return reverse("curriculum:media", args=[course_slug, url.removeprefix("media/")])
    return url


@dataclass(frozen=True)
class SkillPage:
    """Everything the skill page shows."""

    course: Course
    skill: Skill
    prerequisites: tuple[SkillLink, ...]
    unlocks: tuple[SkillLink, ...]
    resources_by_modality: dict[str, list[ResourceLink]] = field(default_factory=dict)
    item_count: int = 0
    sample_prompt: str = ""


def prerequisite_order(positions: dict[int, int], edges: list[tuple[int, int]]) -> list[int]:
    """Skill ids so that every skill comes after its prerequisites, ties broken by pack order.

    ``positions`` maps skill id to its position in the pack; ``edges`` are (skill, prerequisite) pairs.
    Uses :class:`graphlib.TopologicalSorter`; the pack validator has already ruled out cycles.
    """
    graph = TopologicalSorter(dict.fromkeys(positions, ()))
    for skill, prerequisite in edges:
        if skill in positions and prerequisite in positions:
            graph.add(skill, prerequisite)
    graph.prepare()
    order: list[int] = []
    while graph.is_active():
        ready = sorted(graph.get_ready(), key=positions.__getitem__)
        order.extend(ready)
        graph.done(*ready)
    return order


def _live_count(model: Any) -> Coalesce:
    """The number of live (not retired) rows of ``model`` in the outer query's course, as a subquery.

    One subquery per count: counting two relations through joins in one query multiplies their rows (a
    course with 1,000 skills and 10,000 items made 10 million rows, about 50 seconds with the OATutor pool).
    """
    live = (
        model.objects.filter(course=OuterRef("pk"), retired=False)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(live), 0)


def course_list(*, courses: QuerySet[Course]) -> list[Course]:
    """The given courses (already filtered by access) with their live skill and item counts."""
    counted = courses.annotate(skill_count=_live_count(Skill), item_count=_live_count(Item))
    return list(counted.order_by("title"))


def course_overview(*, course: Course) -> CourseOverview:
    """The course page: live skills in prerequisite order, each with its prerequisites and item count."""
    skills = {
        skill.pk: skill
        for skill in Skill.objects.filter(course=course, retired=False)
        .annotate(item_count=Count("items", filter=Q(items__retired=False)))
        .only("pk", "slug", "name", "description", "position")
    }
    edges = list(
        Prerequisite.objects.filter(skill__course=course, skill__retired=False).values_list(
            "skill_id", "prerequisite_id"
        )
    )
    prerequisites: dict[int, list[SkillLink]] = defaultdict(list)
    for skill_id, prerequisite_id in edges:
        if prerequisite_id in skills:
            prerequisite = skills[prerequisite_id]
            prerequisites[skill_id].append(SkillLink(prerequisite.slug, prerequisite.name))
    order = prerequisite_order({pk: skill.position for pk, skill in skills.items()}, edges)
    counts = (
        Course.objects.filter(pk=course.pk)
        .annotate(
            live_items=_live_count(Item),
            live_resources=_live_count(Resource),
            live_projects=_live_count(Project),
        )
        .values("live_items", "live_resources", "live_projects")
        .get()
    )
    return CourseOverview(
        course=course,
        skills=tuple(
            SkillOverview(
                slug=skills[pk].slug,
                name=skills[pk].name,
                description=skills[pk].description,
                prerequisites=tuple(prerequisites[pk]),
                item_count=skills[pk].item_count,  # type: ignore[attr-defined]
            )
            for pk in order
        ),
        item_count=counts["live_items"],
        resource_count=counts["live_resources"],
        project_count=counts["live_projects"],
    )


def skill_page(*, course: Course, skill_slug: str) -> SkillPage | None:
    """The skill page's content, or None when the course has no live skill ``skill_slug``."""
    skill = Skill.objects.filter(course=course, slug=skill_slug, retired=False).first()
    if skill is None:
        return None
    prerequisites = tuple(
        SkillLink(slug, name)
        for slug, name in skill.prerequisites.filter(retired=False)
        .order_by("position")
        .values_list("slug", "name")
    )
    unlocks = tuple(
        SkillLink(slug, name)
        for slug, name in skill.unlocks.filter(retired=False).order_by("position").values_list("slug", "name")
    )
    by_modality: dict[str, list[ResourceLink]] = {}
    for resource in skill.resources.filter(retired=False).order_by("position"):
        document = resource.document
        by_modality.setdefault(resource.modality, []).append(
            ResourceLink(
                title=resource.title,
                modality=resource.modality,
                href=resource_href(course.slug, str(document.get("url", ""))),
                duration_minutes=document.get("duration_minutes"),
                body=str(document.get("body", "")),
            )
        )
    ordered = {modality: by_modality[modality] for modality in MODALITIES if modality in by_modality}
    items = Item.objects.filter(skills=skill, retired=False)
    first = items.order_by("position").only("prompt", "is_template", "document").first()
    sample = _sample_prompt(first) if first is not None else ""
    return SkillPage(
        course=course,
        skill=skill,
        prerequisites=prerequisites,
        unlocks=unlocks,
        resources_by_modality=ordered,
        item_count=items.count(),
        sample_prompt=sample or "",
    )


SAMPLE_SEED = 0


def _sample_prompt(item: Item) -> str:
    """The prompt as a learner would see it: a template's variant for a fixed seed, never its ``{a}``s.

    A template that cannot be instantiated (the import validated it, so this should not happen) gives
    no sample rather than its placeholders.
    """
    if not item.is_template:
        return item.prompt
    try:
        return instantiate(build_item(item.document), SAMPLE_SEED).prompt
    except TemplateError:
        return ""


def course_documents(*, course_id: str) -> dict[str, Any]:
    """The stored documents of a course's current version (see ``services.pack_documents``)."""
    course = Course.objects.get(slug=course_id)
    documents: dict[str, Any] = (
        course.versions.filter(version=course.version).values_list("documents", flat=True).get()
    )
    return documents


def course_pack(*, course_id: str) -> Pack:
    """Rebuild the ``Pack`` of a course's current version from its stored documents and media.

    ``dump_pack`` of the result writes the pack that was imported (same checksum). The documents were
    validated when they were imported; they are not validated again unless their checksum no longer
    matches the version's (``content.pack.pack_from_validated_documents``).
    """
    course = Course.objects.get(slug=course_id)
    documents, checksum = (
        course.versions.filter(version=course.version).values_list("documents", "checksum").get()
    )
    media = {
        path: bytes(data)
        for path, data in MediaFile.objects.filter(course__slug=course_id).values_list("path", "data")
    }
    return pack_from_validated_documents(
        documents["course"],
        documents["skills"],
        documents["items"],
        documents["resources"],
        documents["projects"],
        media,
        checksum=checksum,
    )


def class_course_ids(*, class_id: int) -> list[str]:
    """The ids of the courses a class uses, in the order they were attached."""
    return list(ClassCourse.objects.filter(klass_id=class_id).values_list("course_id", flat=True))


def class_course_ids_of(*, class_ids: list[int]) -> dict[int, list[str]]:
    """The courses each of these classes uses, in the order they were attached: one query."""
    out: dict[int, list[str]] = defaultdict(list)
    for class_id, course_id in ClassCourse.objects.filter(klass_id__in=class_ids).values_list(
        "klass_id", "course_id"
    ):
        out[class_id].append(course_id)
    return dict(out)
