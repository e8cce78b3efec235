"""The parts of an OATutor pool that describe courses: course plans, the skill model, BKT parameters.

``coursePlans.json`` lists courses, each with lessons in order, each lesson with its learning objectives
(skill name -> mastery threshold). ``skillModel.json`` maps step ids to skill names.
``bkt-params/defaultBKTParams.json`` gives each skill's BKT parameters. Spreadsheet-exported empty cells
arrive as the number 0.0; they are read as empty text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from learnpath.content.importers.oatutor_source import OatutorPool, OatutorSourceError, decode_json

_NATURAL = re.compile(r"(\d+)")


@dataclass
class Lesson:
    """A lesson of a course plan: its learning objectives map skill names to mastery thresholds."""

    id: str
    name: str
    topics: str
    objectives: dict[str, float]
    keep_choice_order: bool = False


@dataclass
class CoursePlan:
    """A course of ``coursePlans.json``: its lessons in order, language, OER source and licence text."""

    name: str
    language: str
    oer: str
    license: str
    lessons: list[Lesson]


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that puts ``P2`` before ``P10``."""
    return tuple(int(part) if part.isdigit() else part for part in _NATURAL.split(text))


def read_course_plans(pool: OatutorPool) -> list[CoursePlan]:
    """The pool's course plans; entries without a course name or lesson id are passed over."""
    data = decode_json(pool.course_plans or b"[]", "coursePlans.json")
    if not isinstance(data, list):
        raise OatutorSourceError("coursePlans.json: expected a list of courses")
    courses: list[CoursePlan] = []
    for entry in data:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("courseName"), str):
            continue
        lessons: list[Lesson] = []
        for lesson in entry.get("lessons") or []:
            if not isinstance(lesson, Mapping) or not isinstance(lesson.get("id"), str):
                continue
            objectives = lesson.get("learningObjectives")
            lessons.append(
                Lesson(
                    id=lesson["id"],
                    name=plain_text(lesson.get("name")) or lesson["id"],
                    topics=plain_text(lesson.get("topics")),
                    objectives={
                        str(name): float(value)
                        for name, value in (objectives.items() if isinstance(objectives, Mapping) else ())
                        if isinstance(value, int | float) and str(name).strip()
                    },
                    keep_choice_order=lesson.get("keepMCOrder") is True,
                )
            )
        courses.append(
            CoursePlan(
                name=entry["courseName"],
                language=plain_text(entry.get("language")) or "en",
                oer=plain_text(entry.get("courseOER")),
                license=plain_text(entry.get("courseLicense")),
                lessons=lessons,
            )
        )
    return courses


def plain_text(value: Any) -> str:
    """Text of a spreadsheet-exported field; OATutor's empty cells are exported as the number 0.0."""
    return value.strip() if isinstance(value, str) else ""


def read_skill_model(pool: OatutorPool) -> dict[str, list[str]]:
    """Step id -> skill names, blank names dropped (the pool has a skill named "")."""
    data = decode_json(pool.skill_model or b"{}", "skillModel.json")
    if not isinstance(data, Mapping):
        raise OatutorSourceError("skillModel.json: expected an object mapping step ids to skills")
    model: dict[str, list[str]] = {}
    for step_id, names in data.items():
        if isinstance(names, list):
            model[str(step_id)] = [name.strip() for name in names if isinstance(name, str) and name.strip()]
    return model


def read_bkt_params(pool: OatutorPool) -> dict[str, dict[str, float]]:
    """Skill name -> BKT parameters (probMastery, probTransit, probSlip, probGuess); empty if absent."""
    if pool.bkt_params is None:
        return {}
    data = decode_json(pool.bkt_params, "bkt-params/defaultBKTParams.json")
    if not isinstance(data, Mapping):
        return {}
    return {
        str(name): {key: float(value) for key, value in params.items() if isinstance(value, int | float)}
        for name, params in data.items()
        if isinstance(params, Mapping)
    }
