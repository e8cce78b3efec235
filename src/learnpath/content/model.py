"""The in-memory form of a content pack (format version 1, see docs/content-packs.md).

Every object is a frozen dataclass built only by the loader after validation, so code that holds a
``Pack`` may trust it: ids are unique, prerequisites form a DAG, every item names at least one skill.

Each object keeps its ``document``: the exact mapping it was read from, in canonical key order. Export
writes documents back, which is what makes import followed by export round-trip a pack unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from learnpath.engine.wording import gettext_noop

FORMAT_NAME = "learnpath-pack"
FORMAT_VERSION = 1

ItemType = Literal["single_choice", "multiple_choice", "numeric", "expression", "short_text", "multi_step"]
ITEM_TYPES: tuple[ItemType, ...] = (
    "single_choice",
    "multiple_choice",
    "numeric",
    "expression",
    "short_text",
    "multi_step",
)
Modality = Literal["text", "video", "interactive", "project"]
MODALITIES: tuple[Modality, ...] = ("text", "video", "interactive", "project")
MODALITY_NAMES: dict[str, str] = {
    "text": gettext_noop("Reading"),
    "video": gettext_noop("Videos"),
    "interactive": gettext_noop("Interactive"),
    "project": gettext_noop("Projects"),
}
"""Each modality by the name learners read: English here, marked for the catalogue; pages translate them
where they show them (the ``modality_name`` template filter)."""

Document = Mapping[str, Any]


def canonical_json(document: Any) -> str:
    """Serialise a document the one way learnpath hashes and compares documents."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Standard:
    """An outside standard a skill is aligned to, e.g. a CASE competency."""

    code: str
    framework: str = ""
    case_id: str = ""


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    description: str = ""
    prerequisites: tuple[str, ...] = ()
    standards: tuple[Standard, ...] = ()
    document: Document = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Choice:
    id: str
    text: str


@dataclass(frozen=True)
class WrongAnswerFeedback:
    """Authored feedback shown when a response matches ``answer`` under the item's own checker."""

    answer: str
    message: str


@dataclass(frozen=True)
class Step:
    """One answerable part: an item itself, a step of a multi-step problem, or a scaffold of a step.

    Only the fields of ``type`` are meaningful; the loader checks the others are absent.
    """

    id: str
    type: ItemType
    prompt: str
    answer: Any = None
    choices: tuple[Choice, ...] = ()
    alternatives: tuple[str, ...] = ()
    case_sensitive: bool = False
    tolerance: float = 0.0
    relative_tolerance: float = 0.0
    unit: str = ""
    unit_required: bool = False
    variables: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    feedback: tuple[WrongAnswerFeedback, ...] = ()
    scaffolds: tuple[Step, ...] = ()


@dataclass(frozen=True)
class ParamSpec:
    """A template variable: integers ``min..max`` by ``step``, or one of ``choices``."""

    name: str
    min: int | None = None
    max: int | None = None
    step: int = 1
    choices: tuple[int | float | str, ...] = ()


@dataclass(frozen=True)
class Item:
    """A practice or assessment item, possibly a parametric template (``params`` non-empty)."""

    id: str
    type: ItemType
    skills: tuple[str, ...]
    prompt: str
    main: Step
    steps: tuple[Step, ...] = ()
    solution: str = ""
    difficulty: float | None = None
    params: tuple[ParamSpec, ...] = ()
    constraints: tuple[str, ...] = ()
    computed: tuple[tuple[str, str], ...] = ()
    document: Document = field(default_factory=dict, compare=False, repr=False)
    #: The file under items/ the item is kept in (grouping only: not part of equality or checksum).
    source_file: str = field(default="items.yaml", compare=False)

    @property
    def is_template(self) -> bool:
        return bool(self.params)

    @property
    def hints(self) -> tuple[str, ...]:
        return self.main.hints

    def find_step(self, step_id: str) -> Step:
        """The step or scaffold with this id (ids are unique within an item); KeyError if none."""
        for step in self.steps:
            if step.id == step_id:
                return step
            for scaffold in step.scaffolds:
                if scaffold.id == step_id:
                    return scaffold
        raise KeyError(step_id)


@dataclass(frozen=True)
class Resource:
    id: str
    title: str
    modality: Modality
    skills: tuple[str, ...]
    body: str = ""
    url: str = ""
    transcript: str = ""
    duration_minutes: float | None = None
    document: Document = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ProjectOption:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Project:
    id: str
    title: str
    skills: tuple[str, ...]
    brief: str
    topics: tuple[ProjectOption, ...] = ()
    formats: tuple[ProjectOption, ...] = ()
    rubric: tuple[str, ...] = ()
    document: Document = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class CourseMeta:
    id: str
    version: str
    title: str
    description: str = ""
    language: str = "en"
    license: str = ""
    authors: tuple[str, ...] = ()
    source: str = ""
    document: Document = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Pack:
    meta: CourseMeta
    skills: tuple[Skill, ...]
    items: tuple[Item, ...]
    resources: tuple[Resource, ...] = ()
    projects: tuple[Project, ...] = ()
    #: Files under media/ by their name there (``"fractions.mp4"`` for ``media/fractions.mp4``).
    media: Mapping[str, bytes] = field(default_factory=dict, hash=False)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def skill(self, skill_id: str) -> Skill:
        for skill in self.skills:
            if skill.id == skill_id:
                return skill
        raise KeyError(skill_id)

    def checksum(self) -> str:
        """SHA-256 of the pack's canonical documents and media: equal packs have equal checksums.

        Media enter by name and SHA-256 of their bytes; a pack without media hashes as it did before
        media existed.
        """
        whole: dict[str, Any] = {
            "course": self.meta.document,
            "skills": [s.document for s in self.skills],
            "items": [i.document for i in self.items],
            "resources": [r.document for r in self.resources],
            "projects": [p.document for p in self.projects],
        }
        if self.media:
            whole["media"] = {
                name: hashlib.sha256(data).hexdigest() for name, data in sorted(self.media.items())
            }
        return hashlib.sha256(canonical_json(whole).encode("utf-8")).hexdigest()
