"""Importing QTI 3.0 items and content packages as a learnpath content pack (docs/integrations.md, decision
0089).

A source is a QTI 3.0 content package (a folder or .zip with ``imsmanifest.xml``: its item resources are
read), a folder of item files, or one item file. It becomes one pack: one course named after the package's
test (or the source), one skill, one item per importable QTI item. The mapping:

- ``qti-choice-interaction``: ``single_choice`` when the response has single cardinality (max-choices 1),
  ``multiple_choice`` when multiple (the correct response is the set to choose);
- ``qti-text-entry-interaction``: ``numeric`` when the response's base type is float or integer, otherwise
  ``short_text`` (the correct response is the answer; ``map_response`` entries with full credit are
  alternatives; ``match_correct`` compares exactly, so the item is case-sensitive);
- everything else is skipped with its reason: ``qti-extended-text-interaction`` (an essay: no answer to
  check, and learnpath grades every practice answer), order, match, gap-match, hottext, select-point and
  the other interactions, items with several interactions, items whose response processing is not the
  ``match_correct`` or ``map_response`` template (by URI, or written out exactly), items with no correct
  response, broken items (an unknown element, an ``else-if`` after ``else``, an undeclared variable), and
  items in QTI 1.2 or 2.x.

Every item of the source is imported or listed in ``skipped`` with its reason, and every imported answer
has been graded correct by learnpath's own checker (``pack_from_documents``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from learnpath.content.importers.qti3_rules import check_item, classify_processing
from learnpath.content.importers.qti3_source import (
    CP_NAMESPACES,
    QTI3_NS,
    QtiSourceError,
    SourceFiles,
    UnsafeXml,
    clean_path,
    local_name,
    namespace_of,
    older_qti_version,
    open_source,
    parse_xml,
)
from learnpath.content.importers.qti3_text import TextContext, Unconvertible, escape, to_markdown
from learnpath.content.importers.slugs import allocate_slugs, slug_base
from learnpath.content.model import FORMAT_NAME, FORMAT_VERSION, Pack
from learnpath.content.pack import PackValidationError, pack_from_documents

__all__ = [
    "QtiConversion",
    "QtiSourceError",
    "SkippedItem",
    "convert_qti3",
    "write_skip_list",
]

_ITEM_RESOURCE = re.compile(r"^imsqti_item_xmlv3p0")
_OLDER_RESOURCE = re.compile(r"^imsqti_(?:item_)?xmlv(\d)p(\d)")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_INTERACTION_WORDS = {
    "qti-extended-text-interaction": "an open answer (an essay)",
    "qti-order-interaction": "putting choices in order",
    "qti-match-interaction": "matching pairs",
    "qti-gap-match-interaction": "dragging words into gaps",
    "qti-hottext-interaction": "selecting words in a text",
    "qti-select-point-interaction": "pointing at a picture",
    "qti-hotspot-interaction": "choosing an area of a picture",
    "qti-graphic-order-interaction": "ordering areas of a picture",
    "qti-graphic-associate-interaction": "linking areas of a picture",
    "qti-graphic-gap-match-interaction": "dragging labels onto a picture",
    "qti-position-object-interaction": "placing an object on a picture",
    "qti-associate-interaction": "pairing choices",
    "qti-inline-choice-interaction": "a drop-down choice in a sentence",
    "qti-slider-interaction": "a slider",
    "qti-media-interaction": "playing media",
    "qti-upload-interaction": "uploading a file",
    "qti-drawing-interaction": "drawing",
    "qti-end-attempt-interaction": "an end-attempt button",
    "qti-custom-interaction": "a custom interaction",
    "qti-portable-custom-interaction": "a portable custom interaction",
}
SUPPORTED_INTERACTIONS = ("qti-choice-interaction", "qti-text-entry-interaction")


@dataclass(frozen=True)
class SkippedItem:
    """An item (or item file) not imported, and why; ``category`` groups the reasons for counting."""

    file: str
    identifier: str
    reason: str
    category: str


@dataclass
class QtiConversion:
    """The pack made from one source (None when no item could be imported), what was skipped and why,
    and notes on what imported items lost (feedback blocks, say)."""

    pack: Pack | None
    skipped: list[SkippedItem]
    item_ids: dict[str, str] = field(default_factory=dict)
    item_types: dict[str, str] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)
    ignored_files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def imported_items(self) -> int:
        return len(self.item_ids)

    @property
    def total_items(self) -> int:
        return len(self.item_ids) + len(self.skipped)

    def skip_counts(self) -> Counter[str]:
        """How many items each category of reason skipped."""
        return Counter(skip.category for skip in self.skipped)


@dataclass
class _Found:
    """One candidate item file: its path in the source and its parsed root (or why it could not be read)."""

    path: str
    root: Element | None = None
    problem: tuple[str, str] | None = None
    older: str = ""


def convert_qti3(source: Path, *, course_id: str | None = None, title: str | None = None) -> QtiConversion:
    """Convert the QTI 3.0 source at ``source`` into a learnpath pack.

    Raises ``QtiSourceError`` when the source as a whole cannot be read or is not QTI 3.0 (for example a
    QTI 1.2 or 2.2 package); single items that cannot be imported are listed in ``skipped``.
    """
    files = open_source(Path(source))
    try:
        return _convert(files, course_id, title)
    finally:
        files.close()


def write_skip_list(conversion: QtiConversion, path: Path) -> None:
    """Write the skipped items as CSV with the columns ``file,identifier,reason``, in file order."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "identifier", "reason"])
        for skip in conversion.skipped:
            writer.writerow([skip.file, skip.identifier, skip.reason])


# --- finding the items ---------------------------------------------------------------------------


def _convert(files: SourceFiles, course_id: str | None, title: str | None) -> QtiConversion:
    ignored: list[tuple[str, str]] = []
    if "imsmanifest.xml" in files.names:
        found, package_title = _from_manifest(files, ignored)
    else:
        found, package_title = _from_files(files, ignored), ""
    if not found:
        raise QtiSourceError(f"{files.label} holds no QTI 3.0 item (qti-assessment-item)")
    skipped: list[SkippedItem] = []
    converted: list[tuple[str, dict[str, Any], dict[str, bytes], list[str]]] = []
    # An item is named by its identifier; items that share one (or have none) by their file's path.
    declared = Counter(entry.root.get("identifier", "") for entry in found if entry.root is not None)
    identifiers = {}
    for entry in found:
        identifier = entry.root.get("identifier", "") if entry.root is not None else ""
        identifiers[entry.path] = identifier if identifier and declared[identifier] == 1 else entry.path
    slugs = allocate_slugs(identifiers.values(), "item")
    for entry in found:
        identifier = entry.root.get("identifier", "") if entry.root is not None else ""
        if entry.problem is not None:
            skipped.append(SkippedItem(entry.path, identifier, *entry.problem))
            continue
        assert entry.root is not None
        try:
            item, media, notes = _convert_item(entry.root, entry.path, slugs[identifiers[entry.path]], files)
        except Unconvertible as error:
            skipped.append(SkippedItem(entry.path, identifier, error.reason, error.category))
            continue
        converted.append((entry.path, item, media, notes))
    label = title or package_title or files.label
    pack, refused = _build_pack(converted, label, course_id or _course_id(label), files.label)
    for path, reason in refused.items():
        identifier = next(item["x-qti"]["identifier"] for p, item, _m, _n in converted if p == path)
        skipped.append(SkippedItem(path, identifier, reason, "validation"))
    kept = [(p, item, notes) for p, item, _m, notes in converted if p not in refused]
    return QtiConversion(
        pack=pack,
        skipped=sorted(skipped, key=lambda skip: skip.file),
        item_ids={path: item["id"] for path, item, _ in kept},
        item_types={path: item["type"] for path, item, _ in kept},
        notes=[(path, note) for path, _item, notes in kept for note in notes],
        ignored_files=ignored,
    )


def _from_manifest(files: SourceFiles, ignored: list[tuple[str, str]]) -> tuple[list[_Found], str]:
    try:
        manifest = parse_xml(files.read("imsmanifest.xml") or b"", "imsmanifest.xml")
    except (UnsafeXml, ValueError) as error:
        raise QtiSourceError(f"{files.label}: {error}") from None
    resources = [e for e in manifest.iter() if local_name(e) == "resource"]
    kinds = [resource.get("type", "") for resource in resources]
    if not any(_ITEM_RESOURCE.match(kind) for kind in kinds):
        for kind in kinds:
            older = _OLDER_RESOURCE.match(kind)
            if older and older.group(1) != "3":
                raise QtiSourceError(
                    _older_message(f"{files.label} is a QTI {older.group(1)}.{older.group(2)} package")
                )
        if namespace_of(manifest) not in CP_NAMESPACES:
            raise QtiSourceError(f"{files.label}: imsmanifest.xml is not a QTI 3.0 content package manifest")
    found: list[_Found] = []
    test_title = ""
    for resource in resources:
        kind = resource.get("type", "")
        href = resource.get("href", "")
        path = clean_path(href)
        if kind.startswith("imsqti_test_xmlv3p0") and path:
            test_title = test_title or _test_title(files, path)
        if not _ITEM_RESOURCE.match(kind):
            continue
        entry = _read_item(files, path) if path is not None else _Found(href, problem=("", "missing-file"))
        if entry.problem is not None and entry.problem[1] == "missing-file":
            reason = "the manifest names it, but the package has no such file (or it is too large)"
            entry = _Found(href or "(no href)", problem=(reason, "missing-file"))
        found.append(entry)
    listed = {entry.path for entry in found}
    for name in files.names:
        if name.endswith(".xml") and name not in listed and name != "imsmanifest.xml":
            ignored.append((name, "not an item resource of the manifest"))
    return found, test_title


def _older_message(what: str) -> str:
    return (
        f"{what}, not QTI 3.0: learnpath imports QTI 3.0 only. Export it from its authoring tool as "
        "QTI 3.0, or convert it first."
    )


def _test_title(files: SourceFiles, path: str) -> str:
    try:
        root = parse_xml(files.read(path) or b"", path)
    except (UnsafeXml, ValueError):
        return ""
    return (root.get("title") or "").strip()


def _from_files(files: SourceFiles, ignored: list[tuple[str, str]]) -> list[_Found]:
    """Every XML file of a folder (or the one file given) that is an item, or would be in QTI 3.0."""
    found: list[_Found] = []
    for name in files.names:
        if not name.lower().endswith(".xml"):
            continue
        entry = _read_item(files, name)
        if entry.problem is not None and entry.problem[1] == "not-an-item":
            ignored.append((name, entry.problem[0]))
            continue
        found.append(entry)
    versions = sorted({entry.older for entry in found if entry.older})
    if versions and not any(entry.root is not None for entry in found):
        # Nothing here is QTI 3.0: say what it is, once, rather than once per file.
        raise QtiSourceError(_older_message(f"{files.label} is {' and '.join(versions)}"))
    return found


def _read_item(files: SourceFiles, path: str) -> _Found:
    data = files.read(path)
    if data is None:
        reason = "could not be read (missing, too large or not a regular file)"
        return _Found(path, problem=(reason, "missing-file"))
    try:
        root = parse_xml(data, "the file")
    except UnsafeXml as error:
        return _Found(path, problem=(f"refused: {error}", "unsafe-xml"))
    except ValueError as error:
        return _Found(path, problem=(str(error), "unreadable"))
    older = older_qti_version(root)
    if older:
        reason = f"this file is {older}, not QTI 3.0: learnpath imports QTI 3.0 only"
        return _Found(path, problem=(reason, "older-qti"), older=older)
    if namespace_of(root) != QTI3_NS or local_name(root) != "qti-assessment-item":
        return _Found(path, problem=(f"not a QTI 3.0 item (its root is <{local_name(root)}>)", "not-an-item"))
    return _Found(path, root=root)


# --- one item ------------------------------------------------------------------------------------


def _convert_item(
    root: Element, path: str, item_id: str, files: SourceFiles
) -> tuple[dict[str, Any], dict[str, bytes], list[str]]:
    check_item(root)
    body = _child(root, "qti-item-body")
    interactions = [
        e for e in (body.iter() if body is not None else ()) if local_name(e).endswith("-interaction")
    ]
    if not interactions:
        raise Unconvertible(
            "has no interaction: it is an information page, with nothing to answer", "no-interaction"
        )
    unsupported = [local_name(e) for e in interactions if local_name(e) not in SUPPORTED_INTERACTIONS]
    if unsupported:
        name = unsupported[0]
        if name == "qti-extended-text-interaction":
            raise Unconvertible(
                "asks for an open answer (qti-extended-text-interaction): it has no answer to check, and "
                "learnpath grades every practice answer, so it cannot be a learnpath item",
                "extended-text",
            )
        words = _INTERACTION_WORDS.get(name, "an interaction learnpath does not have")
        raise Unconvertible(f"uses {name} ({words}), which learnpath items cannot ask", f"interaction:{name}")
    if len(interactions) > 1:
        raise Unconvertible(
            f"has {len(interactions)} interactions; the importer converts items with one interaction",
            "several-interactions",
        )
    interaction = interactions[0]
    response_id = interaction.get("response-identifier", "")
    declaration = next(
        (
            d
            for d in root
            if local_name(d) == "qti-response-declaration" and d.get("identifier") == response_id
        ),
        None,
    )
    if declaration is None:
        raise Unconvertible(f"its interaction answers '{response_id}', which is not declared", "broken")
    template = classify_processing(root, response_id)
    correct = _values(_child(declaration, "qti-correct-response"))
    if not correct:
        raise Unconvertible(
            "declares no correct response, so there is no answer to check against", "no-correct-response"
        )
    media: dict[str, bytes] = {}
    base = posixpath.dirname(path)

    def image(src: str, alt: str) -> str:
        target = clean_path(posixpath.join(base, src)) if src else None
        data = files.read(target) if target else None
        if data is None:
            raise Unconvertible(f"shows the image '{src}', which the package does not hold", "missing-image")
        key = f"{item_id}/{slug_base(posixpath.basename(target or src), 'image')}"
        media[key] = data
        return f"![{escape(alt)}](media/{key})"

    context = TextContext(image=image)
    document: dict[str, Any]
    # In the prompt, a choice interaction stands for its own prompt (its choices are the item's choices),
    # a text entry for a blank.
    if local_name(interaction) == "qti-choice-interaction":
        document = _choice(interaction, declaration, correct, context)
        context.placeholder = lambda node: _prompt_of(node, context)
    else:
        document = _text_entry(declaration, correct, template)
        context.placeholder = lambda _node: escape("______")
    prompt = to_markdown(body, context) if body is not None else ""
    # A blank standing alone after the question says nothing: the answer box shows where to type.
    prompt = "\n\n".join(block for block in prompt.split("\n\n") if block != escape("______"))
    if not prompt:
        raise Unconvertible("has no text to show the learner", "empty-text")
    item: dict[str, Any] = {"id": item_id, "type": document.pop("type"), "skills": [], "prompt": prompt}
    item.update(document)
    item["x-qti"] = {
        "identifier": root.get("identifier", ""),
        "title": root.get("title", ""),
        "file": path,
        "response_processing": template,
    }
    if language_of(root):
        item["x-qti"]["language"] = language_of(root)
    return item, media, context.notes


def _prompt_of(interaction: Element, context: TextContext) -> str:
    prompt = _child(interaction, "qti-prompt")
    if prompt is None:
        return ""
    inner = TextContext(context.image, context.notes)
    return "\n\n" + to_markdown(prompt, inner) + "\n\n"


def _choice(
    interaction: Element, declaration: Element, correct: list[str], context: TextContext
) -> dict[str, Any]:
    cardinality = declaration.get("cardinality", "single")
    if declaration.get("base-type") != "identifier":
        raise Unconvertible("its choice response is not of base type identifier", "broken")
    choices = [e for e in interaction.iter() if local_name(e) == "qti-simple-choice"]
    if len(choices) < 2:
        raise Unconvertible("offers fewer than two choices", "too-few-choices")
    ids = allocate_slugs([c.get("identifier", "") for c in choices], "choice")
    documents = []
    for choice in choices:
        inner = TextContext(context.image, context.notes)
        text = to_markdown(choice, inner)
        if not text:
            raise Unconvertible(f"choice '{choice.get('identifier')}' has no text", "empty-text")
        documents.append({"id": ids[choice.get("identifier", "")], "text": text})
    unknown = [value for value in correct if value not in ids]
    if unknown:
        raise Unconvertible(f"its correct response '{unknown[0]}' is not one of its choices", "broken")
    max_choices = interaction.get("max-choices", "1")
    if cardinality == "single" or (cardinality == "multiple" and max_choices == "1" and len(correct) == 1):
        if len(correct) != 1:
            raise Unconvertible("a single-choice response with several correct values", "broken")
        return {"type": "single_choice", "choices": documents, "answer": ids[correct[0]]}
    if cardinality == "multiple":
        if max_choices not in ("0", "") and max_choices.isdigit() and int(max_choices) < len(correct):
            raise Unconvertible(
                f"its correct response has {len(correct)} choices, but learners may choose at most "
                f"{max_choices}",
                "broken",
            )
        return {
            "type": "multiple_choice",
            "choices": documents,
            "answer": [ids[v] for v in dict.fromkeys(correct)],
        }
    raise Unconvertible(
        f"its choice response has {cardinality} cardinality (an order), not single or multiple",
        "interaction:ordered",
    )


def _text_entry(declaration: Element, correct: list[str], template: str) -> dict[str, Any]:
    cardinality = declaration.get("cardinality", "single")
    if cardinality != "single" or len(correct) != 1:
        raise Unconvertible(
            f"its text entry has {cardinality} cardinality; learnpath takes one answer", "broken"
        )
    base_type = declaration.get("base-type", "string")
    answer = correct[0]
    if base_type in ("float", "integer"):
        try:
            float(answer)
        except ValueError:
            raise Unconvertible(f"its correct response '{answer}' is not a number", "broken") from None
        return {"type": "numeric", "answer": answer}
    if base_type != "string":
        raise Unconvertible(
            f"its text entry has base type {base_type}, not string, float or integer", "broken"
        )
    document: dict[str, Any] = {"type": "short_text", "answer": answer}
    if template == "map_response":
        entries = [e for e in declaration.iter() if local_name(e) == "qti-map-entry"]
        values = [_number(e.get("mapped-value", "0")) for e in entries]
        full = max(values, default=0.0)
        alternatives = [
            e.get("map-key", "").strip()
            for e, value in zip(entries, values, strict=True)
            if value >= full > 0 and e.get("map-key", "").strip() not in ("", answer)
        ]
        if alternatives:
            document["alternatives"] = list(dict.fromkeys(alternatives))
        if any(e.get("case-sensitive", "false") == "true" for e in entries):
            document["case_sensitive"] = True
    else:  # match_correct compares strings exactly
        document["case_sensitive"] = True
    return document


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if local_name(child) == name), None)


def _values(element: Element | None) -> list[str]:
    if element is None:
        return []
    return [
        (v.text or "").strip() for v in element if local_name(v) == "qti-value" and (v.text or "").strip()
    ]


# --- the pack ------------------------------------------------------------------------------------


def _course_id(label: str) -> str:
    return ("qti-" + slug_base(label, "items"))[:80].rstrip("-.")


def _build_pack(
    converted: list[tuple[str, dict[str, Any], dict[str, bytes], list[str]]],
    title: str,
    course_id: str,
    source_label: str,
) -> tuple[Pack | None, dict[str, str]]:
    refused: dict[str, str] = {}
    for _attempt in range(3):
        kept = [(p, item, media) for p, item, media, _n in converted if p not in refused]
        if not kept:
            return None, refused
        documents = _documents(kept, title, course_id, source_label)
        try:
            return pack_from_documents(**documents), refused
        except PackValidationError as error:
            newly = _refused(error, kept)
            if not newly:
                raise
            refused.update(newly)
    raise RuntimeError("the pack is still refused after dropping items")  # pragma: no cover


def _documents(
    kept: list[tuple[str, dict[str, Any], dict[str, bytes]]], title: str, course_id: str, source_label: str
) -> dict[str, Any]:
    skill_id = slug_base(title, "items")[:80].rstrip("-.") or "items"
    items = []
    media: dict[str, bytes] = {}
    languages: Counter[str] = Counter()
    for _path, item, item_media in kept:
        items.append({**item, "skills": [skill_id]})
        media.update(item_media)
    for _path, item, _m in kept:
        if item["x-qti"].get("language"):
            languages[item["x-qti"]["language"]] += 1
    course: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "id": course_id,
        "version": "",
        "title": title,
        "description": f"{len(items)} items imported from the QTI 3.0 source '{source_label}'.",
        "source": f"QTI 3.0: {source_label}",
    }
    if languages:
        course["language"] = languages.most_common(1)[0][0]
    skills = [
        {"id": skill_id, "name": title, "description": f"The items of the QTI 3.0 source '{source_label}'."}
    ]
    body = json.dumps([course, skills, items], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(body.encode("utf-8"))
    for name in sorted(media):
        digest.update(name.encode("utf-8") + hashlib.sha256(media[name]).digest())
    course["version"] = f"qti-{digest.hexdigest()[:12]}"
    return {"course": course, "skills": skills, "items": {"qti.yaml": items}, "media": media}


def _refused(
    error: PackValidationError, kept: list[tuple[str, dict[str, Any], dict[str, bytes]]]
) -> dict[str, str]:
    refused: dict[str, str] = {}
    for problem in error.problems:
        index = re.match(r"\[(\d+)\]", problem.path)
        if problem.file != "items/qti.yaml" or not index or int(index.group(1)) >= len(kept):
            continue
        path = kept[int(index.group(1))][0]
        refused.setdefault(path, f"refused by the pack validator: {problem.path}: {problem.reason}")
    return refused


def language_of(root: Element) -> str:
    """The item's language (``xml:lang``) as learnpath writes languages, or ""."""
    value = root.get("{http://www.w3.org/XML/1998/namespace}lang", "")
    return value if _LANGUAGE.match(value) else ""
