"""Assembling learnpath packs from converted OATutor problems: one per course plan, one for the rest.

Each course plan's lessons become items files, in order; a problem is in every course whose plan lists its
lesson; problems whose lesson is in no plan go to the extra pack ``oatutor-unassigned``. Skills are those
the pack's items practise, in order of the lesson that first names them; prerequisites only when asked
(``lesson_order``). Every pack goes through ``pack_from_documents``, which validates it and grades every
answer; a problem it refuses is dropped from the pack and reported, never imported broken.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from learnpath.content.importers.oatutor_plans import CoursePlan, Lesson, natural_key
from learnpath.content.importers.oatutor_text import named_link
from learnpath.content.importers.slugs import allocate_slugs, slug_base
from learnpath.content.model import FORMAT_NAME, FORMAT_VERSION, Pack
from learnpath.content.pack import PackValidationError, pack_from_documents

PrerequisiteMode = Literal["none", "lesson_order"]

POOL_LICENSE = "CC-BY-4.0"
POOL_SOURCE = "OATutor content pool (CAHLR/OATutor-Content, https://github.com/CAHLR/OATutor-Content)"
POOL_AUTHORS = ("OATutor Project, Computational Approaches to Human Learning Research Lab, UC Berkeley",)
UNASSIGNED_COURSE = "OATutor: problems in no course plan"
UNASSIGNED_LABEL = "\x00unassigned"
COURSE_PREFIX = "oatutor-"
# OATutor's plans write Swedish as "se" (the code of Northern Sami); BCP 47 for Swedish is "sv".
_LANGUAGES = {"se": "sv"}


@dataclass
class ConvertedProblem:
    """One problem converted to an item document, with what placing it in packs needs."""

    problem_id: str
    item: dict[str, Any]
    lesson_id: str
    lesson_name: str
    course_name: str
    skills: list[str]
    media: dict[str, bytes]
    steps: int
    hints: int
    scaffolds: int


def build_packs(
    courses: list[CoursePlan],
    converted: dict[str, ConvertedProblem],
    skill_slugs: Mapping[str, str],
    bkt: Mapping[str, Mapping[str, float]],
    prerequisites: PrerequisiteMode,
) -> tuple[list[Pack], dict[str, str]]:
    """One pack per course plan (and one for problems in no plan), and the problems the validator
    refused (problem id -> reason), which no pack holds. Courses left without items get no pack."""
    planned = {lesson.id for course in courses for lesson in course.lessons}
    unplanned = _unassigned_course([c for c in converted.values() if c.lesson_id not in planned])
    plans = [*courses, *([unplanned] if unplanned.lessons else [])]
    # The extra course is named "unassigned" for its id; a real course of that name would share the
    # slug, and allocate_slugs then gives both a hashed one.
    labels = {id(course): UNASSIGNED_LABEL if course is unplanned else course.name for course in plans}
    course_slugs = allocate_slugs(labels.values())
    by_lesson: dict[str, list[ConvertedProblem]] = defaultdict(list)
    for problem in converted.values():
        by_lesson[problem.lesson_id if problem.lesson_id in planned else _unplanned_key(problem)].append(
            problem
        )
    refused: dict[str, str] = {}
    packs: list[Pack] = []
    for course in plans:
        course_id = _course_id(course_slugs[labels[id(course)]])
        for _attempt in range(3):
            documents = _pack_documents(
                course, course_id, by_lesson, refused, skill_slugs, bkt, prerequisites
            )
            if documents is None:
                break
            try:
                packs.append(pack_from_documents(**documents))
                break
            except PackValidationError as error:
                newly = _refused_problems(error, documents["items"])
                if not newly:
                    raise
                refused.update(newly)
        else:  # pragma: no cover - a third refusal means the converter writes invalid documents
            raise RuntimeError(f"{course.name}: the pack is still refused after dropping problems")
    return packs, refused


def _course_id(slug: str) -> str:
    return (COURSE_PREFIX + slug)[:80].rstrip("-.")


def _unplanned_key(problem: ConvertedProblem) -> str:
    return f"unplanned:{problem.course_name}:{problem.lesson_name}"


def _unassigned_course(problems: Sequence[ConvertedProblem]) -> CoursePlan:
    lessons: dict[str, Lesson] = {}
    for problem in sorted(problems, key=lambda p: (natural_key(p.course_name), natural_key(p.lesson_name))):
        key = _unplanned_key(problem)
        if key not in lessons:
            name = (
                f"{problem.course_name}: {problem.lesson_name}"
                if problem.course_name
                else problem.lesson_name
            )
            lessons[key] = Lesson(id=key, name=name, topics="", objectives={})
    return CoursePlan(
        name=UNASSIGNED_COURSE, language="en", oer="", license="", lessons=list(lessons.values())
    )


def _pack_documents(
    course: CoursePlan,
    course_id: str,
    by_lesson: Mapping[str, list[ConvertedProblem]],
    refused: Mapping[str, str],
    skill_slugs: Mapping[str, str],
    bkt: Mapping[str, Mapping[str, float]],
    prerequisites: PrerequisiteMode,
) -> dict[str, Any] | None:
    items: dict[str, list[dict[str, Any]]] = {}
    media: dict[str, bytes] = {}
    lesson_skills: list[list[str]] = []
    for index, lesson in enumerate(course.lessons, start=1):
        problems = [p for p in by_lesson.get(lesson.id, []) if p.problem_id not in refused]
        problems.sort(key=lambda p: natural_key(p.problem_id))
        order = list(lesson.objectives)
        order.extend(name for p in problems for name in p.skills if name not in order)
        lesson_skills.append(order if problems else [])
        if not problems:
            continue
        label = slug_base(f"{lesson.name} {lesson.topics}", "lesson")[:60].rstrip("-.")
        file_name = f"{index:03d}-{label}.yaml"
        items[file_name] = [p.item for p in problems]
        for problem in problems:
            media.update(problem.media)
    if not items:
        return None
    used = {slug for docs in items.values() for doc in docs for slug in doc["skills"]}
    skills = _skill_documents(course, lesson_skills, used, skill_slugs, bkt, prerequisites)
    course_document = _course_document(course, course_id, items)
    body = json.dumps([course_document, skills, items], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(body.encode("utf-8"))
    for name in sorted(media):
        digest.update(name.encode("utf-8") + hashlib.sha256(media[name]).digest())
    course_document["version"] = f"oatutor-{digest.hexdigest()[:12]}"
    return {
        "course": course_document,
        "skills": skills,
        "items": items,
        "resources": [],
        "projects": [],
        "media": media,
    }


def _skill_documents(
    course: CoursePlan,
    lesson_skills: list[list[str]],
    used: set[str],
    skill_slugs: Mapping[str, str],
    bkt: Mapping[str, Mapping[str, float]],
    prerequisites: PrerequisiteMode,
) -> list[dict[str, Any]]:
    """The skills the pack's items practise, in order of the lesson that first names them.

    Learning objectives no item of this course practises are left out: nobody could show mastery of them.
    """
    first_lesson: dict[str, int] = {}
    for index, names in enumerate(lesson_skills):
        for name in names:
            if skill_slugs[name] in used:
                first_lesson.setdefault(name, index)
    thresholds: dict[str, dict[str, float]] = defaultdict(dict)
    for lesson in course.lessons:
        for name, threshold in lesson.objectives.items():
            thresholds[name][lesson.name] = threshold
    introduced: dict[int, list[str]] = defaultdict(list)
    for name, index in first_lesson.items():
        introduced[index].append(name)
    documents: list[dict[str, Any]] = []
    previous: list[str] = []
    for index in sorted(introduced):
        for name in introduced[index]:
            document: dict[str, Any] = {"id": skill_slugs[name], "name": _skill_name(name)}
            document["description"] = _skill_description(name, thresholds.get(name, {}))
            if prerequisites == "lesson_order" and previous:
                document["prerequisites"] = [skill_slugs[p] for p in previous]
            extra: dict[str, Any] = {"skill": name}
            if thresholds.get(name):
                extra["mastery_thresholds"] = dict(thresholds[name])
            if name in bkt:
                extra["bkt"] = dict(bkt[name])
            document["x-oatutor"] = extra
            documents.append(document)
        previous = introduced[index]
    return documents


def _skill_name(name: str) -> str:
    words = re.sub(r"\s+", " ", name.replace("_", " ")).strip()
    return words[:1].upper() + words[1:]


def _skill_description(name: str, thresholds: Mapping[str, float]) -> str:
    text = f"OATutor skill '{name}'."
    if thresholds:
        levels = sorted(set(thresholds.values()))
        shown = ", ".join(f"{level:g}" for level in levels)
        text += f" A learning objective of {len(thresholds)} lesson(s), mastered at {shown} (BKT)."
    return text


def _course_document(
    course: CoursePlan, course_id: str, items: Mapping[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    sources = Counter(doc["x-attribution"].split(";")[0] for docs in items.values() for doc in docs)
    lines = [f"Imported from the {POOL_SOURCE}."]
    if course.oer:
        lines.append(f"Course source: {named_link(course.oer)}.")
    lines.append(
        "Problems: " + "; ".join(f"{source} ({count})" for source, count in sources.most_common()) + "."
    )
    lines.append("Hints and scaffolds: OATutor (https://OATutor.io), CC BY 4.0.")
    lessons = [lesson for index, lesson in enumerate(course.lessons, start=1) if _has_file(items, index)]
    description = "\n".join(
        [f"{course.name}, converted from OATutor: {len(lessons)} lessons.", ""]
        + [f"- {lesson.name}" + (f": {lesson.topics}" if lesson.topics else "") for lesson in lessons]
    )
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "id": course_id,
        "version": "",
        "title": course.name,
        "description": description,
        "language": _LANGUAGES.get(course.language, course.language),
        "license": POOL_LICENSE,
        "authors": list(POOL_AUTHORS),
        "source": " ".join(lines),
        "x-oatutor": {
            "course": course.name,
            "oer": course.oer,
            "license": course.license,
            "lessons": [
                {"id": lesson.id, "name": lesson.name, "topics": lesson.topics}
                for lesson in course.lessons
                if not lesson.id.startswith("unplanned:")
            ],
        },
    }


def _has_file(items: Mapping[str, Any], index: int) -> bool:
    return any(name.startswith(f"{index:03d}-") for name in items)


def _refused_problems(
    error: PackValidationError, items: Mapping[str, list[dict[str, Any]]]
) -> dict[str, str]:
    """The problems whose items the validator refused, with its reasons."""
    refused: dict[str, str] = {}
    for problem in error.problems:
        match = re.fullmatch(r"items/(.+?)", problem.file)
        index = re.match(r"\[(\d+)\]", problem.path)
        if not match or not index:
            continue
        documents = items.get(match.group(1))
        if documents is None or int(index.group(1)) >= len(documents):
            continue
        document = documents[int(index.group(1))]
        problem_id = document["x-oatutor"]["problem"]
        if problem_id not in refused:
            refused[problem_id] = f"refused by the pack validator: {problem.path}: {problem.reason}"
    return refused
