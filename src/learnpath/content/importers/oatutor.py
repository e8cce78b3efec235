"""Importing the OATutor content pool (CAHLR/OATutor-Content) as learnpath content packs.

The mapping, and every reason a problem is skipped, is described in docs/oatutor-import.md. In short:

- one pack per OATutor course plan (``coursePlans.json``); its items files are the plan's lessons, in
  order; a problem goes into every course whose plan lists its lesson, and problems whose lesson is in no
  plan go into one more pack, "OATutor: problems in no course plan", grouped by their own lesson;
- a problem is an item: ``multi_step`` when it has several steps or a step with scaffolds, otherwise the
  one step's own type; hints and scaffolds come from each step's default pathway;
- skills are ``skillModel.json``'s skills of the problem's steps; OATutor has no prerequisite graph, so
  packs have none unless ``prerequisites="lesson_order"`` asks for one derived from lesson order;
- licence and attribution go to the course (``license``, ``source``) and to each item's ``x-attribution``.

Every problem is imported (into one or more packs) or listed in ``skipped`` with its reason, and every
imported answer has been graded correct by learnpath's own checker.

Modules: ``oatutor_source`` reads the files (folder or archive), ``oatutor_plans`` the course plans and
skill model, ``oatutor_answers`` maps answers, ``oatutor_steps`` steps, hints and scaffolds,
``oatutor_packs`` assembles the packs; this one converts problems and holds the public API.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnpath.content.importers.oatutor_packs import ConvertedProblem, PrerequisiteMode, build_packs
from learnpath.content.importers.oatutor_plans import (
    natural_key,
    read_bkt_params,
    read_course_plans,
    read_skill_model,
)
from learnpath.content.importers.oatutor_source import (
    OatutorSourceError,
    RawProblem,
    decode_json,
    read_pool,
)
from learnpath.content.importers.oatutor_steps import (
    StepContext,
    Unconvertible,
    convert_step,
    joined,
    local_id,
    markdown,
    text_of,
    titled,
)
from learnpath.content.importers.oatutor_text import named_link
from learnpath.content.importers.slugs import allocate_slugs, slug_base
from learnpath.content.model import Pack

__all__ = [
    "ConversionNote",
    "OatutorConversion",
    "OatutorSourceError",
    "SkippedProblem",
    "convert_oatutor",
    "write_skip_list",
]

_CC_BY = re.compile(r"(?:licenses/by/4\.0|\bCC[- ]?BY[- ]?4\.0\b|^CC4\.0$|^openstax$)", re.IGNORECASE)


@dataclass(frozen=True)
class SkippedProblem:
    """A problem not imported, and why (``category`` groups the reasons for counting)."""

    problem_id: str
    reason: str
    category: str = ""


@dataclass(frozen=True)
class ConversionNote:
    """Something an imported problem lost or changed on the way (a hint with a missing image, a
    scaffold learnpath cannot check written out as a worked hint), for a reviewer."""

    problem_id: str
    note: str
    category: str = ""


@dataclass
class OatutorConversion:
    """The packs made from one pool, what was skipped, and the counts of what was imported.

    ``steps``, ``hints`` and ``scaffolds`` count the imported problems once each, however many packs
    hold them. ``item_ids`` maps each imported OATutor problem id to its item id (the same in every
    pack); ``skill_ids`` maps OATutor skill names to skill ids.
    """

    packs: list[Pack]
    skipped: list[SkippedProblem]
    imported_problems: int
    total_problems: int
    steps: int = 0
    hints: int = 0
    scaffolds: int = 0
    notes: list[ConversionNote] = field(default_factory=list)
    item_ids: dict[str, str] = field(default_factory=dict)
    skill_ids: dict[str, str] = field(default_factory=dict)
    ignored_files: list[tuple[str, str]] = field(default_factory=list)

    def skip_counts(self) -> Counter[str]:
        """How many problems each category of reason skipped."""
        return Counter(skip.category or "other" for skip in self.skipped)


def convert_oatutor(source: Path, *, prerequisites: PrerequisiteMode = "none") -> OatutorConversion:
    """Convert the OATutor pool at ``source`` (its folder, or a ``.tar.gz`` of it) to learnpath packs.

    ``prerequisites="lesson_order"`` derives prerequisites from each plan's lesson order (a skill first
    taught in a lesson requires the skills first taught in the lesson before); by default there are
    none, because OATutor has no prerequisite graph. Raises ``OatutorSourceError`` when ``source`` is
    not an OATutor pool.
    """
    pool = read_pool(Path(source))
    courses = read_course_plans(pool)
    skill_model = read_skill_model(pool)
    bkt = read_bkt_params(pool)
    keep_order = {lesson.id for course in courses for lesson in course.lessons if lesson.keep_choice_order}
    item_slugs = allocate_slugs(pool.problems)
    all_skills = {name for names in skill_model.values() for name in names}
    all_skills |= {name for course in courses for lesson in course.lessons for name in lesson.objectives}
    skill_slugs = allocate_slugs(all_skills)

    converted: dict[str, ConvertedProblem] = {}
    skipped: list[SkippedProblem] = []
    notes: list[ConversionNote] = []
    for problem_id in sorted(pool.problems, key=natural_key):
        raw = pool.problems[problem_id]
        try:
            result, problem_notes = _convert_problem(
                raw, item_slugs[problem_id], skill_model, skill_slugs, keep_order
            )
        except Unconvertible as error:
            skipped.append(SkippedProblem(problem_id, error.reason, error.category))
            continue
        converted[problem_id] = result
        notes.extend(ConversionNote(problem_id, message, category) for message, category in problem_notes)

    packs, refused = build_packs(courses, converted, skill_slugs, bkt, prerequisites)
    skipped.extend(SkippedProblem(pid, reason, "validation") for pid, reason in refused.items())
    in_packs = {item_id for pack in packs for item_id in (item.id for item in pack.items)}
    imported = {pid: c for pid, c in converted.items() if c.item["id"] in in_packs}
    return OatutorConversion(
        packs=packs,
        skipped=sorted(skipped, key=lambda skip: natural_key(skip.problem_id)),
        imported_problems=len(imported),
        total_problems=len(pool.problems),
        steps=sum(c.steps for c in imported.values()),
        hints=sum(c.hints for c in imported.values()),
        scaffolds=sum(c.scaffolds for c in imported.values()),
        notes=[note for note in notes if note.problem_id in imported],
        item_ids={pid: c.item["id"] for pid, c in imported.items()},
        skill_ids=dict(sorted(skill_slugs.items())),
        ignored_files=list(pool.ignored),
    )


def write_skip_list(conversion: OatutorConversion, path: Path) -> None:
    """Write the skipped problems as CSV with the columns ``problem_id,reason``, in problem id order."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["problem_id", "reason"])
        for skip in conversion.skipped:
            writer.writerow([skip.problem_id, skip.reason])


# --- one problem ---------------------------------------------------------------------------------


def _convert_problem(
    raw: RawProblem,
    item_slug: str,
    skill_model: Mapping[str, list[str]],
    skill_slugs: Mapping[str, str],
    keep_order: set[str],
) -> tuple[ConvertedProblem, list[tuple[str, str]]]:
    if raw.document is None:
        raise Unconvertible(f"its folder has no {raw.id}.json", "missing-file")
    problem = _json_object(raw.document, f"{raw.id}.json")
    if problem.get("variabilization"):
        raise Unconvertible(
            "uses OATutor variabilization (randomised values), which is not converted", "variabilization"
        )
    lesson_id = text_of(problem, "lessonId")
    media: dict[str, bytes] = {}

    def image(name: str) -> str | None:
        data = raw.figures.get(name)
        if data is None:
            return None
        key = f"{item_slug}/{slug_base(name)}"
        media[key] = data
        return f"![{name}](media/{key})"

    context = StepContext(image=image, keep_choice_order=lesson_id in keep_order)
    title = markdown(text_of(problem, "title"), context, "the problem's title")
    body = markdown(text_of(problem, "body"), context, "the problem's body")
    if not raw.steps:
        raise Unconvertible("has no steps", "no-steps")
    steps: list[dict[str, Any]] = []
    skills: list[str] = []
    used_ids: set[str] = set()
    for position, step_id in enumerate(sorted(raw.steps), start=1):
        raw_step = raw.steps[step_id]
        label = f"step {local_id(step_id, raw.id, step_id)}"
        if raw_step.document is None:
            raise Unconvertible(f"{label}: its folder has no {step_id}.json", "missing-file")
        step = _json_object(raw_step.document, f"{step_id}.json")
        pathway = _pathway(raw_step.pathway, step_id)
        if step.get("variabilization") or any(
            isinstance(entry, Mapping) and entry.get("variabilization") for entry in pathway
        ):
            raise Unconvertible(
                f"{label} uses OATutor variabilization (randomised values), which is not converted",
                "variabilization",
            )
        step_slug = local_id(step_id, raw.id, f"step-{position}")
        if step_slug in used_ids:
            step_slug = f"step-{position}"
        used_ids.add(step_slug)
        steps.append(convert_step(step, pathway, step_slug, label, context))
        skills.extend(name for name in skill_model.get(step_id, ()) if name not in skills)
    if not skills:
        raise Unconvertible("no skill in skillModel.json for any of its steps", "no-skill")
    item = _item(item_slug, title, body, steps, [skill_slugs[name] for name in skills])
    if not item["prompt"]:
        raise Unconvertible("has no text: its title, body and step text are all empty", "empty-text")
    item["x-attribution"] = _attribution(problem)
    item["x-oatutor"] = {
        "problem": raw.id,
        "lesson": text_of(problem, "lesson"),
        "course": text_of(problem, "courseName"),
    }
    converted = ConvertedProblem(
        problem_id=raw.id,
        item=item,
        lesson_id=lesson_id,
        lesson_name=text_of(problem, "lesson") or lesson_id or "Lesson",
        course_name=text_of(problem, "courseName"),
        skills=skills,
        media=media,
        steps=len(steps),
        hints=context.hints,
        scaffolds=context.scaffolds,
    )
    return converted, context.notes


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = decode_json(data, what)
    except OatutorSourceError as error:
        raise Unconvertible(str(error), "unreadable-json") from None
    if not isinstance(value, dict):
        raise Unconvertible(f"{what}: expected a JSON object", "unreadable-json")
    return value


def _pathway(data: bytes | None, step_id: str) -> list[Any]:
    if data is None:
        return []
    try:
        value = decode_json(data, f"{step_id}DefaultPathway.json")
    except OatutorSourceError as error:
        raise Unconvertible(str(error), "unreadable-json") from None
    if not isinstance(value, list):
        raise Unconvertible(f"{step_id}DefaultPathway.json: expected a list of hints", "unreadable-json")
    return value


def _item(
    item_slug: str, title: str, body: str, steps: list[dict[str, Any]], skills: list[str]
) -> dict[str, Any]:
    """One step without scaffolds becomes an item of that step's type; anything else is multi_step."""
    if len(steps) == 1 and "scaffolds" not in steps[0]:
        step = dict(steps[0])
        step.pop("id")
        prompt = titled(title, joined(body, step.pop("prompt")))
        return {"id": item_slug, "type": step.pop("type"), "skills": skills, "prompt": prompt, **step}
    # With no text anywhere there is nothing to ask, and the caller skips the problem.
    text = titled(title, body)
    asked = bool(text) or any(step["prompt"] for step in steps)
    prompt = (text or "Answer each part.") if asked else ""
    for index, step in enumerate(steps, start=1):
        if not step["prompt"]:
            step["prompt"] = f"Part {index}." if len(steps) > 1 else "Your answer:"
    return {"id": item_slug, "type": "multi_step", "skills": skills, "prompt": prompt, "steps": steps}


def _attribution(problem: Mapping[str, Any]) -> str:
    oer = text_of(problem, "oer").strip()
    license_text = text_of(problem, "license").strip()
    source = named_link(oer) or "OATutor"
    licence = "CC BY 4.0" if not license_text or _CC_BY.search(license_text) else license_text
    return f"{source}, {licence}; hints and scaffolds by OATutor (https://OATutor.io), CC BY 4.0"
