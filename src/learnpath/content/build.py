"""Turning validated documents into the frozen model, and putting documents in canonical order.

Canonical order is the order of the keys listed below (the order docs/content-packs.md shows them),
then extension keys (``x-...``) sorted by name. The maps whose keys are author-chosen names
(``params``, ``computed``) keep the author's order, because it is meaningful: parameters are drawn
and computed values evaluated in that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from learnpath.content.model import (
    Choice,
    CourseMeta,
    Item,
    ParamSpec,
    Project,
    ProjectOption,
    Resource,
    Skill,
    Standard,
    Step,
    WrongAnswerFeedback,
)

COURSE_KEYS = (
    "format",
    "format_version",
    "id",
    "version",
    "title",
    "description",
    "language",
    "license",
    "authors",
    "source",
)
SKILL_KEYS = ("id", "name", "description", "prerequisites", "standards")
STANDARD_KEYS = ("framework", "code", "case_id")
ANSWER_KEYS = (
    "choices",
    "answer",
    "tolerance",
    "relative_tolerance",
    "unit",
    "unit_required",
    "variables",
    "alternatives",
    "case_sensitive",
)
ITEM_KEYS = (
    "id",
    "type",
    "skills",
    "difficulty",
    "params",
    "constraints",
    "computed",
    "prompt",
    *ANSWER_KEYS,
    "steps",
    "hints",
    "solution",
    "feedback",
)
STEP_KEYS = ("id", "type", "prompt", *ANSWER_KEYS, "hints", "feedback", "scaffolds")
CHOICE_KEYS = ("id", "text")
FEEDBACK_KEYS = ("answer", "message")
PARAM_KEYS = ("min", "max", "step", "choices")
RESOURCE_KEYS = ("id", "title", "modality", "skills", "url", "duration_minutes", "body", "transcript")
PROJECT_KEYS = ("id", "title", "skills", "brief", "topics", "formats", "rubric")
OPTION_KEYS = ("id", "title", "description")


def plain_copy(value: Any) -> Any:
    """A deep copy of plain data (so a pack never shares lists or dicts with its caller)."""
    if isinstance(value, Mapping):
        return {str(key): plain_copy(child) for key, child in value.items()}
    if isinstance(value, list | tuple):
        return [plain_copy(child) for child in value]
    return value


def _ordered(document: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    known = {key: plain_copy(document[key]) for key in keys if key in document}
    extra = {key: plain_copy(document[key]) for key in sorted(document) if key not in keys}
    return {**known, **extra}


def _ordered_list(values: Any, keys: Sequence[str]) -> Any:
    if not isinstance(values, list):
        return plain_copy(values)
    return [_ordered(value, keys) if isinstance(value, Mapping) else plain_copy(value) for value in values]


def canonical_course(document: Mapping[str, Any]) -> dict[str, Any]:
    return _ordered(document, COURSE_KEYS)


def canonical_skill(document: Mapping[str, Any]) -> dict[str, Any]:
    result = _ordered(document, SKILL_KEYS)
    if "standards" in result:
        result["standards"] = _ordered_list(result["standards"], STANDARD_KEYS)
    return result


def _canonical_answer_parts(result: dict[str, Any]) -> None:
    if "choices" in result:
        result["choices"] = _ordered_list(result["choices"], CHOICE_KEYS)
    if "feedback" in result:
        result["feedback"] = _ordered_list(result["feedback"], FEEDBACK_KEYS)


def canonical_step(document: Mapping[str, Any]) -> dict[str, Any]:
    result = _ordered(document, STEP_KEYS)
    _canonical_answer_parts(result)
    if isinstance(result.get("scaffolds"), list):
        result["scaffolds"] = [
            canonical_step(s) if isinstance(s, Mapping) else s for s in result["scaffolds"]
        ]
    return result


def canonical_item(document: Mapping[str, Any]) -> dict[str, Any]:
    """The item document in canonical key order (nested choices, steps, params included)."""
    result = _ordered(document, ITEM_KEYS)
    _canonical_answer_parts(result)
    if isinstance(result.get("steps"), list):
        result["steps"] = [canonical_step(s) if isinstance(s, Mapping) else s for s in result["steps"]]
    if isinstance(result.get("params"), Mapping):
        result["params"] = {
            name: _ordered(spec, PARAM_KEYS) if isinstance(spec, Mapping) else spec
            for name, spec in result["params"].items()
        }
    return result


def canonical_resource(document: Mapping[str, Any]) -> dict[str, Any]:
    return _ordered(document, RESOURCE_KEYS)


def canonical_project(document: Mapping[str, Any]) -> dict[str, Any]:
    result = _ordered(document, PROJECT_KEYS)
    for key in ("topics", "formats"):
        if key in result:
            result[key] = _ordered_list(result[key], OPTION_KEYS)
    return result


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(str(value) for value in values or ())


def build_course(document: Mapping[str, Any]) -> CourseMeta:
    document = canonical_course(document)
    return CourseMeta(
        id=document["id"],
        version=document["version"],
        title=document["title"],
        description=document.get("description", ""),
        language=document.get("language", "en"),
        license=document.get("license", ""),
        authors=_texts(document.get("authors")),
        source=document.get("source", ""),
        document=document,
    )


def build_skill(document: Mapping[str, Any]) -> Skill:
    document = canonical_skill(document)
    standards = tuple(
        Standard(code=s["code"], framework=s.get("framework", ""), case_id=s.get("case_id", ""))
        for s in document.get("standards", ())
    )
    return Skill(
        id=document["id"],
        name=document["name"],
        description=document.get("description", ""),
        prerequisites=_texts(document.get("prerequisites")),
        standards=standards,
        document=document,
    )


def feedback_text(answer: Any) -> str:
    """An authored feedback ``answer`` as text: lists of choice ids are joined with commas."""
    if isinstance(answer, list | tuple):
        return ",".join(str(part) for part in answer)
    if isinstance(answer, float):
        return repr(answer)
    return str(answer)


def build_step(document: Mapping[str, Any]) -> Step:
    """A ``Step`` from an item, step or scaffold document (the answer fields and hints)."""
    answer = document.get("answer")
    if isinstance(answer, list):
        answer = tuple(str(part) for part in answer)
    return Step(
        id=document["id"],
        type=document["type"],
        prompt=document["prompt"],
        answer=answer,
        choices=tuple(Choice(c["id"], c["text"]) for c in document.get("choices", ())),
        alternatives=_texts(document.get("alternatives")),
        case_sensitive=bool(document.get("case_sensitive", False)),
        tolerance=float(document.get("tolerance", 0.0)),
        relative_tolerance=float(document.get("relative_tolerance", 0.0)),
        unit=document.get("unit", ""),
        unit_required=bool(document.get("unit_required", False)),
        variables=_texts(document.get("variables")),
        hints=_texts(document.get("hints")),
        feedback=tuple(
            WrongAnswerFeedback(feedback_text(f["answer"]), f["message"])
            for f in document.get("feedback", ())
        ),
        scaffolds=tuple(build_step(s) for s in document.get("scaffolds", ())),
    )


def build_param(name: str, spec: Mapping[str, Any]) -> ParamSpec:
    return ParamSpec(
        name=name,
        min=spec.get("min"),
        max=spec.get("max"),
        step=int(spec.get("step", 1)),
        choices=tuple(spec.get("choices", ())),
    )


def build_item(document: Mapping[str, Any], source_file: str = "items.yaml") -> Item:
    """An ``Item`` from a validated item document; the document is kept in canonical order."""
    document = canonical_item(document)
    difficulty = document.get("difficulty")
    return Item(
        id=document["id"],
        type=document["type"],
        skills=_texts(document["skills"]),
        prompt=document["prompt"],
        main=build_step(document),
        steps=tuple(build_step(s) for s in document.get("steps", ())),
        solution=document.get("solution", ""),
        difficulty=float(difficulty) if difficulty is not None else None,
        params=tuple(build_param(name, spec) for name, spec in document.get("params", {}).items()),
        constraints=_texts(document.get("constraints")),
        computed=tuple((name, str(expr)) for name, expr in document.get("computed", {}).items()),
        document=document,
        source_file=source_file,
    )


def build_resource(document: Mapping[str, Any]) -> Resource:
    document = canonical_resource(document)
    duration = document.get("duration_minutes")
    return Resource(
        id=document["id"],
        title=document["title"],
        modality=document["modality"],
        skills=_texts(document.get("skills")),
        body=document.get("body", ""),
        url=document.get("url", ""),
        transcript=document.get("transcript", ""),
        duration_minutes=float(duration) if duration is not None else None,
        document=document,
    )


def _options(values: Any) -> tuple[ProjectOption, ...]:
    return tuple(ProjectOption(v["id"], v["title"], v.get("description", "")) for v in values or ())


def build_project(document: Mapping[str, Any]) -> Project:
    document = canonical_project(document)
    return Project(
        id=document["id"],
        title=document["title"],
        skills=_texts(document.get("skills")),
        brief=document["brief"],
        topics=_options(document.get("topics")),
        formats=_options(document.get("formats")),
        rubric=_texts(document.get("rubric")),
        document=document,
    )
