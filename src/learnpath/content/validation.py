"""Validating a whole pack: the schema first, then everything a schema cannot say.

The semantic checks run only on the parts whose shape is right (a part the schema refused gets its
schema problems, not a cascade of follow-on ones), and every problem found is reported: nothing
stops at the first. The checks, in file order: duplicate ids; unknown prerequisites and skills;
prerequisite cycles (named skill by skill); fields an item type does not use; answers that are not
among the choices, numbers that are not numbers, expressions that cannot be read or use unknown
variables; authored feedback written for the correct answer or unreadable by the checker; an answer
its own checker would not accept; template placeholders naming unknown parameters, malformed braces,
and templates whose constraints cannot be met or whose variants break any of the above; resources
missing what their modality needs; links to media files that are not in the pack; unsafe urls.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy

from learnpath.content.build import (
    ANSWER_KEYS,
    build_course,
    build_item,
    build_project,
    build_resource,
    build_skill,
    build_step,
)
from learnpath.content.checking import AuthoringError, check_response
from learnpath.content.limits import TEMPLATE_VALIDATION_SEEDS
from learnpath.content.mathexpr import FUNCTIONS, UnreadableExpression, parse_expression
from learnpath.content.model import Pack
from learnpath.content.numeric import UnreadableNumber, number_value
from learnpath.content.problems import PathKey, Problem, format_path, pack_problem, split_pack_path
from learnpath.content.schema_check import schema_problems
from learnpath.content.templates import NOT_TEMPLATED, TemplateError, instantiate, placeholders
from learnpath.content.text import has_control_characters, normalize_text
from learnpath.content.yaml_io import walk_scalars, walk_strings
from learnpath.engine.graph_cycles import cycles

#: The answer fields each type uses (anything else of ANSWER_FIELDS is reported as unused).
ANSWER_FIELDS = (*ANSWER_KEYS, "feedback", "steps")
FIELDS_OF_TYPE: dict[str, frozenset[str]] = {
    "single_choice": frozenset({"choices", "answer", "feedback"}),
    "multiple_choice": frozenset({"choices", "answer", "feedback"}),
    "numeric": frozenset({"answer", "tolerance", "relative_tolerance", "unit", "unit_required", "feedback"}),
    "expression": frozenset({"answer", "variables", "feedback"}),
    "short_text": frozenset({"answer", "alternatives", "case_sensitive", "feedback"}),
    "multi_step": frozenset({"steps"}),
}
_FILE_RANK = {"course.yaml": 0, "skills.yaml": 1, "resources.yaml": 3, "projects.yaml": 4}
_MEDIA_LINK = re.compile(r"\]\(\s*<?(media/[^)\s>]+)|(?:src|href)\s*=\s*[\"']?(media/[^\"'\s>]+)")
_SAFE_URL = re.compile(r"^(?:media/|/(?!/)|https?://)")
_LARGEST_INTEGER = 10**18 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNDEFINED = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


@dataclass
class PackDocuments:
    """The plain data of a pack, as read from files or handed over by an importer."""

    course: Any
    skills: Any
    items: dict[str, Any]
    resources: Any = None
    projects: Any = None
    media: dict[str, bytes] = field(default_factory=dict)
    #: Line of each value, per file (``"items/a.yaml"``) and path inside it; empty when built in memory.
    lines: dict[str, dict[PathKey, int]] = field(default_factory=dict)
    #: Top-level parts that could not be read at all (their problems are already reported).
    unreadable: set[str] = field(default_factory=set)


class Report:
    """Collects problems located by their path in the whole-pack document."""

    def __init__(self, lines: Mapping[str, Mapping[PathKey, int]]) -> None:
        self.lines = lines
        self.entries: list[tuple[tuple[Any, ...], Problem]] = []

    def add(self, keys: PathKey, reason: str, line: int | None = None) -> None:
        """Add a problem at ``keys``; its line is the one given, else that of the nearest known value."""
        file, inner = split_pack_path(keys)
        if line is None:
            file_lines = self.lines.get(file, {})
            known = [inner[:end] for end in range(len(inner), -1, -1) if inner[:end] in file_lines]
            line = file_lines[known[0]] if known else None
        self.add_problem(pack_problem(keys, reason, line), inner)

    def add_problem(self, problem: Problem, inner: PathKey = ()) -> None:
        # Files in pack order, then parts in file order, then problems in the order they were found
        # (which follows the fields of each part).
        rank = _FILE_RANK.get(problem.file, 2 if problem.file.startswith("items/") else 5)
        part = inner[0] if inner and isinstance(inner[0], int) else -1
        self.entries.append(((rank, problem.file, part, len(self.entries)), problem))

    def problems(self) -> list[Problem]:
        unique: dict[Problem, tuple[Any, ...]] = {}
        for key, problem in self.entries:
            unique.setdefault(problem, key)
        return [problem for problem, _key in sorted(unique.items(), key=lambda pair: pair[1])]


def _whole(documents: PackDocuments) -> dict[str, Any]:
    """The documents as one mapping, the optional parts empty where missing."""
    return {
        "course": documents.course,
        "skills": documents.skills if documents.skills is not None else [],
        "items": documents.items,
        "resources": documents.resources if documents.resources is not None else [],
        "projects": documents.projects if documents.projects is not None else [],
    }


def validate_documents(documents: PackDocuments, report: Report) -> Pack | None:
    """Check every part of ``documents`` into ``report``; the built pack if nothing was wrong."""
    whole = _whole(documents)
    refused: set[PathKey] = set()
    for keys, reason in schema_problems(whole):
        if keys and keys[0] in documents.unreadable:
            continue
        report.add(keys, _schema_reason(keys, reason))
        refused.add(_part_of(keys))
    for keys, value in walk_scalars(whole):
        if isinstance(value, float) and not math.isfinite(value):
            report.add(keys, "must be a finite number")
            refused.add(_part_of(keys))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > _LARGEST_INTEGER:
            # Beyond this, JSON readers lose precision; write large answers as text instead.
            report.add(keys, "is too large a number (at most 18 digits); write it as text in quotes")
            refused.add(_part_of(keys))
        elif isinstance(value, str) and _SURROGATE.search(value):
            report.add(keys, "holds an unpaired surrogate, which is not valid Unicode text")
            refused.add(_part_of(keys))
        elif isinstance(value, str) and has_control_characters(value):
            # e.g. "\0" written as a YAML escape: PostgreSQL text cannot hold NUL, and nobody types one
            report.add(keys, "holds a control character (such as NUL); remove it")
            refused.add(_part_of(keys))
    if "skills" in documents.unreadable or ("skills",) in refused:
        # Without a readable skill list every reference would look unknown: report the list's problem only.
        refused.add(("skills",))
    checker = _Semantics(whole, documents.media, report, refused)
    checker.run()
    if report.entries:
        return None
    return _build(whole, documents.media)


def build_documents(documents: PackDocuments) -> Pack:
    """Build the pack from documents without checking them: only for documents that passed
    ``validate_documents`` before (``pack.pack_from_validated_documents`` checks they are those)."""
    return _build(_whole(documents), documents.media)


def _schema_reason(keys: PathKey, reason: str) -> str:
    if keys and keys[-1] == "skills" and reason.startswith("needs at least"):
        return "needs at least one skill id"
    return reason


def _part_of(keys: PathKey) -> PathKey:
    """The unit a problem spoils: one skill, item, resource or project (or a whole file)."""
    if not keys:
        return ()
    if keys[0] == "items":
        return keys[:3]
    if keys[0] == "course":
        return keys[:1]
    return keys[:2]


def _build(whole: dict[str, Any], media: Mapping[str, bytes]) -> Pack:
    items = tuple(
        build_item(document, file_name)
        for file_name in sorted(whole["items"])
        for document in whole["items"][file_name]
    )
    return Pack(
        meta=build_course(whole["course"]),
        skills=tuple(build_skill(d) for d in whole["skills"]),
        items=items,
        resources=tuple(build_resource(d) for d in whole["resources"]),
        projects=tuple(build_project(d) for d in whole["projects"]),
        media=dict(sorted(media.items())),
    )


class _Semantics:
    def __init__(
        self, whole: dict[str, Any], media: Mapping[str, bytes], report: Report, refused: set[PathKey]
    ) -> None:
        self.whole = whole
        self.media = media
        self.report = report
        self.refused = refused
        self.skill_ids: set[str] = set()

    def ok(self, keys: PathKey) -> bool:
        return not any(keys[:end] in self.refused for end in range(len(keys) + 1))

    def parts(self, kind: str, *, with_refused: bool = False) -> list[tuple[PathKey, dict[str, Any]]]:
        """The well-shaped parts of one kind, with their paths (items across all their files).

        ``with_refused`` includes the mappings the schema refused as well.
        """
        found: list[tuple[PathKey, dict[str, Any]]] = []
        if kind == "items":
            files = self.whole["items"] if isinstance(self.whole["items"], dict) else {}
            for file_name in sorted(files):
                if isinstance(files[file_name], list):
                    for index, document in enumerate(files[file_name]):
                        keys: PathKey = ("items", file_name, index)
                        if isinstance(document, dict) and (with_refused or self.ok(keys)):
                            found.append((keys, document))
            return found
        values = self.whole[kind]
        if isinstance(values, list):
            for index, document in enumerate(values):
                if isinstance(document, dict) and (with_refused or self.ok((kind, index))):
                    found.append(((kind, index), document))
        return found

    def all_ids(self, kind: str) -> set[str]:
        """Ids of every part of a kind that has a readable id, even if other fields are wrong."""
        ids: set[str] = set()
        containers = self.whole[kind].values() if kind == "items" else [self.whole[kind]]
        for container in containers:
            if isinstance(container, list):
                ids.update(d["id"] for d in container if isinstance(d, dict) and isinstance(d.get("id"), str))
        return ids

    def run(self) -> None:
        self.skill_ids = self.all_ids("skills")
        self.check_skills()
        self.check_unique_ids("items", "item")
        for keys, document in self.parts("items"):
            ItemChecker(self, keys, document).run()
        self.check_unique_ids("resources", "resource")
        for keys, document in self.parts("resources"):
            self.check_known_skills(keys, document)
            self.check_resource(keys, document)
        self.check_unique_ids("projects", "project")
        for keys, document in self.parts("projects"):
            self.check_known_skills(keys, document)
            for key in ("topics", "formats"):
                self.check_unique_list(keys, document.get(key, []), key, "id")
        self.check_media_links()

    def check_unique_ids(self, kind: str, noun: str) -> None:
        # Every part with a readable id counts, even one with other problems: a duplicate is worth
        # knowing about while the rest is being fixed.
        seen: dict[str, PathKey] = {}
        for keys, document in self.parts(kind, with_refused=True):
            identifier = document.get("id")
            if not isinstance(identifier, str):
                continue
            if identifier in seen:
                first_file, first_path = split_pack_path(seen[identifier])
                where = f"{first_file} {_at(first_path)}"
                self.report.add((*keys, "id"), f"duplicate {noun} id {identifier!r} (first used in {where})")
            else:
                seen[identifier] = keys

    def check_unique_list(self, keys: PathKey, values: list[Any], key: str, field_name: str) -> None:
        seen: set[Any] = set()
        for index, value in enumerate(values):
            identifier = value.get(field_name) if isinstance(value, dict) else value
            if identifier in seen:
                self.report.add((*keys, key, index, field_name), f"duplicate id {identifier!r} in {key}")
            seen.add(identifier)

    def check_skills(self) -> None:
        self.check_unique_ids("skills", "skill")
        edges: dict[str, list[str]] = {}
        for keys, document in self.parts("skills"):
            prerequisites = document.get("prerequisites", [])
            for index, prerequisite in enumerate(prerequisites):
                if prerequisite not in self.skill_ids:
                    self.report.add((*keys, "prerequisites", index), f"unknown prerequisite {prerequisite!r}")
            edges.setdefault(document["id"], [])
            edges[document["id"]].extend(p for p in prerequisites if p in self.skill_ids)
        for cycle in cycles(edges):
            self.report.add(("skills",), f"prerequisites form a cycle: {' -> '.join(cycle)}")

    def check_known_skills(self, keys: PathKey, document: Mapping[str, Any]) -> None:
        if ("skills",) in self.refused:
            return
        for index, skill in enumerate(document.get("skills", [])):
            if skill not in self.skill_ids:
                self.report.add((*keys, "skills", index), f"unknown skill {skill!r}")

    def check_resource(self, keys: PathKey, document: Mapping[str, Any]) -> None:
        modality = document["modality"]
        needs = {
            "text": ("body",),
            "project": ("body",),
            "video": ("url", "transcript"),
            "interactive": ("url",),
        }
        for key in needs[modality]:
            if not str(document.get(key, "")).strip():
                self.report.add(keys, f"a {modality} resource needs {key!r}")
        url = document.get("url", "")
        if url:
            self.check_url((*keys, "url"), url)

    def check_url(self, keys: PathKey, url: str) -> None:
        if not _SAFE_URL.match(url) or any(ch.isspace() for ch in url):
            self.report.add(keys, "a url is media/<file>, a site path starting with /, or an http(s) address")
        elif url.startswith("media/") and url.removeprefix("media/") not in self.media:
            self.report.add(keys, f"{url!r} is not in the pack's media folder")

    def check_media_links(self) -> None:
        for keys, text in walk_strings(self.whole):
            if not self.ok(keys[:3] if keys[:1] == ("items",) else keys[:2]):
                continue
            for match in _MEDIA_LINK.finditer(text):
                target = match.group(1) or match.group(2)
                if target.removeprefix("media/") not in self.media:
                    self.report.add(keys, f"links to {target!r}, which is not in the pack's media folder")


def _at(path: PathKey) -> str:
    return format_path(path) or "(top)"


class ItemChecker:
    """The checks of one item document (and, for templates, of its variants)."""

    def __init__(self, pack: _Semantics, keys: PathKey, document: dict[str, Any]) -> None:
        self.pack = pack
        self.keys = keys
        self.document = document

    def add(self, inner: PathKey, reason: str) -> None:
        self.pack.report.add((*self.keys, *inner), reason)

    def run(self) -> None:
        self.pack.check_known_skills(self.keys, self.document)
        if "params" in self.document:
            self.check_template()
            return
        for key in ("constraints", "computed"):
            if key in self.document:
                self.add((key,), f"{key!r} only makes sense with 'params' (a template)")
        self.check_answerable(self.document, (), prefix="")

    def check_template(self) -> None:
        names = set(self.document.get("params", {})) | set(self.document.get("computed", {}))
        clean = True
        for inner, text in _templated_strings(self.document):
            try:
                unknown = [name for name in placeholders(text) if name not in names]
            except TemplateError as error:
                self.add(inner, str(error))
                clean = False
                continue
            for name in unknown:
                self.add(inner, f"the placeholder {{{name}}} names no parameter or computed value")
                clean = False
        if not clean:
            return
        try:
            item = build_item(self.document)
            variants = [instantiate(item, seed) for seed in range(TEMPLATE_VALIDATION_SEEDS)]
        except TemplateError as error:
            self.add(error.where or ("params",), str(error))
            return
        for seed, variant in enumerate(variants):
            before = len(self.pack.report.entries)
            self.check_answerable(dict(variant.document), (), prefix=f"in the variant for seed {seed}: ")
            if len(self.pack.report.entries) > before:
                return

    def check_answerable(self, document: Mapping[str, Any], inner: PathKey, *, prefix: str) -> None:
        """The checks of one answerable part (item, step or scaffold); ``prefix`` names the variant."""
        kind = document["type"]
        used = FIELDS_OF_TYPE[kind]
        for key in ANSWER_FIELDS:
            if key in document and key not in used:
                self.add((*inner, key), f"{prefix}{key!r} is not used by {kind} items")
        if kind == "multi_step":
            self.check_steps(document, inner, prefix)
            return
        if "choices" in document:
            self.pack.check_unique_list((*self.keys, *inner), document["choices"], "choices", "id")
        if kind in ("single_choice", "multiple_choice") and not self.check_choice_answer(
            document, inner, prefix
        ):
            return
        if kind == "numeric" and not self.check_numeric(document, inner, prefix):
            return
        if kind == "expression" and not self.check_expression(document, inner, prefix):
            return
        if kind == "short_text" and not normalize_text(document["answer"]):
            self.add((*inner, "answer"), f"{prefix}the answer is empty once spaces are removed")
            return
        self.check_against_checker(document, inner, prefix)

    def check_steps(self, document: Mapping[str, Any], inner: PathKey, prefix: str) -> None:
        seen: set[str] = set()
        for index, step in enumerate(document.get("steps", [])):
            step_keys = (*inner, "steps", index)
            for sub_keys, sub in [(step_keys, step)] + [
                ((*step_keys, "scaffolds", s), scaffold)
                for s, scaffold in enumerate(step.get("scaffolds", []))
            ]:
                if sub["id"] in seen:
                    self.add((*sub_keys, "id"), f"{prefix}duplicate step id {sub['id']!r} in this item")
                seen.add(sub["id"])
                self.check_answerable(sub, sub_keys, prefix=prefix)

    def check_choice_answer(self, document: Mapping[str, Any], inner: PathKey, prefix: str) -> bool:
        ids = [choice["id"] for choice in document["choices"]]
        answer = document["answer"]
        answers = answer if isinstance(answer, list) else [answer]
        good = True
        listed = ", ".join(ids)
        for index, value in enumerate(answers):
            where = (*inner, "answer", index) if isinstance(answer, list) else (*inner, "answer")
            if value not in ids:
                self.add(where, f"{prefix}{value!r} is not among the choices {listed}")
                good = False
        if isinstance(answer, list) and len(set(answer)) != len(answer):
            self.add((*inner, "answer"), f"{prefix}a choice is listed twice in the answer")
            good = False
        return good

    def check_numeric(self, document: Mapping[str, Any], inner: PathKey, prefix: str) -> bool:
        try:
            number_value(document["answer"])
        except UnreadableNumber as error:
            self.add(
                (*inner, "answer"), f"{prefix}the answer {document['answer']!r} is not a number ({error})"
            )
            return False
        if document.get("unit_required") and not document.get("unit"):
            self.add((*inner, "unit_required"), f"{prefix}unit_required needs a 'unit'")
            return False
        return True

    def check_expression(self, document: Mapping[str, Any], inner: PathKey, prefix: str) -> bool:
        variables = document.get("variables", [])
        good = True
        for index, name in enumerate(variables):
            if name in FUNCTIONS:
                self.add((*inner, "variables", index), f"{prefix}{name!r} is a function name, not a variable")
                good = False
        if len(set(variables)) != len(variables):
            self.add((*inner, "variables"), f"{prefix}a variable is listed twice")
            good = False
        if not good:
            return False
        try:
            parsed = parse_expression(str(document["answer"]), variables)
        except UnreadableExpression as error:
            reason = str(error)
            if reason.startswith("Unknown name"):
                reason = f"unknown variable: {reason} List every variable under 'variables'."
            self.add((*inner, "answer"), f"{prefix}the answer cannot be read: {reason}")
            return False
        if parsed.has(*_UNDEFINED):
            self.add((*inner, "answer"), f"{prefix}the answer is undefined (a division by zero?)")
            return False
        return True

    def check_against_checker(self, document: Mapping[str, Any], inner: PathKey, prefix: str) -> None:
        step = build_step(document)
        answer = document["answer"]
        own = (
            answer
            if isinstance(answer, list)
            else (repr(answer) if isinstance(answer, float) else str(answer))
        )
        try:
            verdict = check_response(step, own)
        except AuthoringError as error:
            self.add((*inner, "answer"), f"{prefix}{error}")
            return
        if not verdict.correct:
            self.add(
                (*inner, "answer"),
                f"{prefix}the checker does not accept the answer itself: {verdict.message}",
            )
            return
        for index, entry in enumerate(document.get("feedback", [])):
            given = entry["answer"]
            response = (
                given
                if isinstance(given, list)
                else (repr(given) if isinstance(given, float) else str(given))
            )
            where = (*inner, "feedback", index, "answer")
            try:
                result = check_response(step, response)
            except AuthoringError as error:
                self.add(where, f"{prefix}{error}")
                continue
            if result.status == "invalid":
                self.add(where, f"{prefix}the checker cannot read this answer: {result.message}")
            elif result.correct:
                self.add(
                    where, f"{prefix}feedback is written for the correct answer; it would never be shown"
                )


def _templated_strings(document: Mapping[str, Any]) -> Iterable[tuple[PathKey, str]]:
    for key, value in document.items():
        if key in NOT_TEMPLATED:
            continue
        for path, text in walk_strings(value, (key,)):
            if not any(part in NOT_TEMPLATED for part in path if isinstance(part, str)):
                yield path, text
