"""Content packs on disk and in memory: ``load_pack``, ``validate_pack``, ``pack_from_documents``,
``dump_pack`` (format version 1, docs/content-packs.md).

Loading treats every pack as possibly hostile: files are size-capped and counted, symbolic links are
refused (a link could expose files outside the pack), text must be UTF-8, YAML is read with a hardened
safe loader (``yaml_io``), and everything wrong is reported at once in one ``PackValidationError``.
Nothing else escapes: whatever the folder holds, the caller gets a ``Pack`` or that error.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from learnpath.content.build import plain_copy
from learnpath.content.limits import (
    MAX_ITEM_FILES,
    MAX_MEDIA_BYTES,
    MAX_MEDIA_DEPTH,
    MAX_MEDIA_FILES,
    MAX_MEDIA_TOTAL_BYTES,
    MAX_PACK_YAML_BYTES,
    MAX_YAML_BYTES,
)
from learnpath.content.model import Pack
from learnpath.content.problems import PackValidationError, PathKey, Problem
from learnpath.content.validation import PackDocuments, Report, build_documents, validate_documents
from learnpath.content.yaml_io import YamlSyntaxError, dump_yaml, read_yaml

__all__ = [
    "PackValidationError",
    "Problem",
    "dump_pack",
    "load_pack",
    "pack_from_documents",
    "validate_pack",
]

_MEDIA_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_ITEMS_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.yaml$")
_OPTIONAL_FILES = ("resources", "projects")


def load_pack(path: Path) -> Pack:
    """Read and validate the pack folder at ``path``.

    Raises ``PackValidationError`` listing every problem (and nothing else, whatever the folder holds).
    """
    try:
        documents, report = _read_folder(Path(path))
    except Exception as error:  # the contract: a bad pack only ever raises PackValidationError
        reason = f"could not read the pack ({type(error).__name__}: {error})"
        raise PackValidationError([Problem(str(path), "", reason)]) from None
    return _finish(documents, report)


def validate_pack(path: Path) -> list[Problem]:
    """Every problem of the pack folder at ``path``; an empty list when it is valid."""
    try:
        load_pack(path)
    except PackValidationError as error:
        return error.problems
    return []


def pack_from_documents(
    course: dict[str, Any],
    skills: list[Any],
    items: dict[str, list[Any]],
    resources: list[Any] | None = None,
    projects: list[Any] | None = None,
    media: dict[str, bytes] | None = None,
) -> Pack:
    """Validate documents built in memory (by an importer) exactly as ``load_pack`` validates files.

    ``items`` maps an items file name (``"fractions.yaml"``; ``"items/"`` and ``".yaml"`` may be left
    off) to its list of item documents. ``media`` maps a name under media/ (``"chart.png"``, or
    ``"media/chart.png"``) to its bytes. Documents are copied, never kept or changed.
    """
    report = Report({})
    try:
        whole = _in_memory(course, skills, items, resources, projects, media, report)
    except Exception as error:  # the contract: a bad pack only ever raises PackValidationError
        reason = f"could not read the documents ({type(error).__name__}: {error})"
        raise PackValidationError([Problem("(pack)", "", reason)]) from None
    return _finish(whole, report)


def pack_from_validated_documents(
    course: dict[str, Any],
    skills: list[Any],
    items: dict[str, list[Any]],
    resources: list[Any] | None,
    projects: list[Any] | None,
    media: dict[str, bytes] | None,
    *,
    checksum: str,
) -> Pack:
    """Rebuild a pack from documents that ``pack_from_documents`` accepted before (a stored course
    version), without validating them again: validation is most of the cost of loading a large course
    (seconds for 2,000 items), and the documents have not changed since, which ``checksum`` (the
    pack's ``checksum()`` when it was validated) proves. Documents whose checksum differs are validated in
    full, as ``pack_from_documents`` does (``PackValidationError`` if they are not valid).
    """
    report = Report({})
    try:
        whole = _in_memory(course, skills, items, resources, projects, media, report)
        pack = None if report.entries else build_documents(whole)
    except Exception:  # not what was validated: the full check below says what is wrong
        pack = None
    if pack is not None and pack.checksum() == checksum:
        return pack
    return pack_from_documents(course, skills, items, resources, projects, media)


def _in_memory(
    course: Any, skills: Any, items: Any, resources: Any, projects: Any, media: Any, report: Report
) -> PackDocuments:
    files: dict[str, Any] = {}
    if isinstance(items, Mapping):
        for name, documents in items.items():
            file_name = str(name).removeprefix("items/")
            if not file_name.endswith(".yaml"):
                file_name += ".yaml"
            files[file_name] = plain_copy(documents)
    else:
        report.add_problem(Problem("items/", "", "expected a mapping of items file names to lists of items"))
    media_files: dict[str, bytes] = {}
    total = 0
    if media is not None and not isinstance(media, Mapping):
        report.add_problem(Problem("media/", "", "expected a mapping of media names to bytes"))
        media = {}
    for name, data in (media or {}).items():
        clean = str(name).removeprefix("media/")
        if _media_name_problem(clean) or not isinstance(data, bytes | bytearray):
            report.add_problem(Problem(f"media/{clean}", "", _media_name_problem(clean) or "expected bytes"))
            continue
        total += len(data)
        if len(data) > MAX_MEDIA_BYTES:
            report.add_problem(Problem(f"media/{clean}", "", f"larger than {MAX_MEDIA_BYTES} bytes"))
        media_files[clean] = bytes(data)
    if len(media_files) > MAX_MEDIA_FILES or total > MAX_MEDIA_TOTAL_BYTES:
        report.add_problem(Problem("media/", "", "too many or too large media files"))
    whole = PackDocuments(
        course=plain_copy(course),
        skills=plain_copy(skills),
        items=files,
        resources=plain_copy(resources) if resources is not None else None,
        projects=plain_copy(projects) if projects is not None else None,
        media=media_files,
    )
    if not files:
        report.add_problem(Problem("items/", "", "a pack needs at least one items file"))
        whole.unreadable.add("items")
    return whole


def _finish(documents: PackDocuments, report: Report) -> Pack:
    try:
        pack = validate_documents(documents, report)
    except RecursionError:
        report.add_problem(Problem("(pack)", "", "the pack is nested too deeply to validate"))
        pack = None
    except Exception as error:  # the contract: a bad pack only ever raises PackValidationError
        report.add_problem(
            Problem("(pack)", "", f"could not validate the pack ({type(error).__name__}: {error})")
        )
        pack = None
    problems = report.problems()
    if problems or pack is None:
        raise PackValidationError(problems or [Problem("(pack)", "", "the pack could not be built")])
    return pack


@dataclass
class _Reading:
    """What reading one folder accumulates: the report, each file's line map, the YAML bytes read."""

    report: Report
    lines: dict[str, dict[PathKey, int]]
    yaml_bytes: int = 0


def _read_folder(root: Path) -> tuple[PackDocuments, Report]:
    lines: dict[str, dict[PathKey, int]] = {}
    report = Report(lines)
    reading = _Reading(report, lines)
    if not root.is_dir():
        report.add_problem(
            Problem(str(root), "", "not a folder; a content pack is a folder with course.yaml")
        )
        documents = PackDocuments(course=None, skills=None, items={}, lines=lines)
        documents.unreadable.update({"course", "skills", "items"})
        return documents, report
    parts: dict[str, Any] = {}
    unreadable: set[str] = set()
    for kind in ("course", "skills", *_OPTIONAL_FILES):
        file_name = f"{kind}.yaml"
        data: Any = None
        if not _exists(root / file_name):
            if _exists(root / f"{kind}.yml"):
                report.add_problem(Problem(f"{kind}.yml", "", f"rename it to {file_name}"))
            if kind not in _OPTIONAL_FILES:
                report.add_problem(Problem(file_name, "", "missing: every pack has one"))
                unreadable.add(kind)
        else:
            data = _read_yaml_file(root / file_name, file_name, reading)
            if data is _UNREADABLE:
                unreadable.add(kind)
                data = None
        parts[kind] = [] if data is None and kind in _OPTIONAL_FILES else data
    documents = PackDocuments(**parts, items={}, lines=lines, unreadable=unreadable)
    _read_items(root, documents, reading)
    _read_media(root, documents, report)
    return documents, report


_UNREADABLE = object()


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _read_items(root: Path, documents: PackDocuments, reading: _Reading) -> None:
    report = reading.report
    folder = root / "items"
    if folder.is_symlink() or not folder.is_dir():
        reason = "a symbolic link; packs may not contain links" if folder.is_symlink() else "missing"
        report.add_problem(Problem("items/", "", f"{reason}: items/*.yaml holds the items"))
        documents.unreadable.add("items")
        return
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    if len(entries) > MAX_ITEM_FILES:
        report.add_problem(Problem("items/", "", f"more than {MAX_ITEM_FILES} files"))
        documents.unreadable.add("items")
        return
    unreadable_files = False
    for entry in entries:
        if entry.name.startswith("."):
            continue
        label = f"items/{entry.name}"
        if not entry.name.endswith(".yaml"):
            hint = (
                f"rename it to {entry.name[:-4]}.yaml" if entry.name.endswith(".yml") else "only .yaml files"
            )
            report.add_problem(Problem(label, "", f"not read ({hint} are read in items/)"))
            continue
        data = _read_yaml_file(entry, label, reading)
        if data is _UNREADABLE:
            # Reported already; the other items files are still checked.
            unreadable_files = True
            continue
        documents.items[entry.name] = [] if data is None else data
    if not documents.items:
        if not unreadable_files:
            report.add_problem(Problem("items/", "", "no .yaml files: a pack needs at least one items file"))
        documents.unreadable.add("items")


HARD_LINK = (
    "a hard link (the same file has another name, perhaps outside the pack); packs may not contain "
    "links: copy the file instead"
)


def _read_yaml_file(path: Path, label: str, reading: _Reading) -> Any:
    """The data of one YAML file, or ``_UNREADABLE`` after reporting why it cannot be read."""
    report, lines = reading.report, reading.lines
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            report.add_problem(Problem(label, "", "a symbolic link; packs may not contain links"))
            return _UNREADABLE
        if not stat.S_ISREG(info.st_mode):
            report.add_problem(Problem(label, "", "not a regular file"))
            return _UNREADABLE
        if info.st_nlink > 1:
            report.add_problem(Problem(label, "", HARD_LINK))
            return _UNREADABLE
        if reading.yaml_bytes + info.st_size > MAX_PACK_YAML_BYTES:
            limit = MAX_PACK_YAML_BYTES // (1024 * 1024)
            report.add_problem(
                Problem(label, "", f"not read: the pack's YAML files pass {limit} MB together")
            )
            return _UNREADABLE
        reading.yaml_bytes += info.st_size
        if info.st_size > MAX_YAML_BYTES:
            report.add_problem(
                Problem(label, "", f"larger than the {MAX_YAML_BYTES // (1024 * 1024)} MB limit")
            )
            return _UNREADABLE
        with path.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
    except OSError as error:
        report.add_problem(Problem(label, "", f"cannot be read: {error.strerror or error}"))
        return _UNREADABLE
    if len(raw) > MAX_YAML_BYTES:
        report.add_problem(Problem(label, "", f"larger than the {MAX_YAML_BYTES // (1024 * 1024)} MB limit"))
        return _UNREADABLE
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        byte = raw[error.start : error.start + 1].hex()
        report.add_problem(
            Problem(label, f"line {line}", f"not UTF-8 text (byte 0x{byte}); save the file as UTF-8", line)
        )
        return _UNREADABLE
    text = text.removeprefix("\ufeff")
    try:
        document = read_yaml(text)
    except YamlSyntaxError as error:
        where = f"line {error.line}" if error.line else ""
        report.add_problem(Problem(label, where, error.reason, error.line or None))
        return _UNREADABLE
    lines[label] = document.lines
    kind = label.removesuffix(".yaml") if "/" not in label else "items"
    for inner, line, reason in document.problems:
        keys: PathKey = (kind, *inner) if kind != "items" else ("items", label.removeprefix("items/"), *inner)
        report.add(keys, reason, line)
    return document.data


def _media_name_problem(name: str) -> str:
    parts = name.split("/")
    if len(parts) > MAX_MEDIA_DEPTH or not all(_MEDIA_PART.match(part) for part in parts):
        return "media names use letters, digits, '.', '_' and '-' (folders at most 4 deep, no '..')"
    return ""


def _read_media(root: Path, documents: PackDocuments, report: Report) -> None:
    folder = root / "media"
    if not _exists(folder):
        return
    if folder.is_symlink() or not folder.is_dir():
        report.add_problem(Problem("media/", "", "must be a folder (not a link)"))
        return
    total = 0
    pending: list[tuple[Path, int]] = [(folder, 0)]
    while pending:
        directory, depth = pending.pop()
        for entry in sorted(directory.iterdir(), key=lambda p: p.name):
            name = entry.relative_to(folder).as_posix()
            label = f"media/{name}"
            if entry.name.startswith("."):
                continue
            info = entry.lstat()
            if stat.S_ISLNK(info.st_mode):
                report.add_problem(Problem(label, "", "a symbolic link; packs may not contain links"))
            elif stat.S_ISDIR(info.st_mode):
                if depth + 1 >= MAX_MEDIA_DEPTH:
                    report.add_problem(
                        Problem(label, "", f"media folders nest at most {MAX_MEDIA_DEPTH} deep")
                    )
                else:
                    pending.append((entry, depth + 1))
            elif not stat.S_ISREG(info.st_mode):
                report.add_problem(Problem(label, "", "not a regular file"))
            elif info.st_nlink > 1:
                report.add_problem(Problem(label, "", HARD_LINK))
            elif _media_name_problem(name):
                report.add_problem(Problem(label, "", _media_name_problem(name)))
            elif info.st_size > MAX_MEDIA_BYTES:
                report.add_problem(
                    Problem(label, "", f"larger than the {MAX_MEDIA_BYTES // (1024 * 1024)} MB limit")
                )
            elif len(documents.media) >= MAX_MEDIA_FILES or total + info.st_size > MAX_MEDIA_TOTAL_BYTES:
                report.add_problem(Problem("media/", "", "too many or too large media files"))
                return
            else:
                total += info.st_size
                try:
                    documents.media[name] = entry.read_bytes()[: MAX_MEDIA_BYTES + 1]
                except OSError as error:
                    report.add_problem(Problem(label, "", f"cannot be read: {error.strerror or error}"))


def dump_pack(pack: Pack, directory: Path) -> None:
    """Write ``pack`` to ``directory`` in canonical form (stable key order, block YAML, UTF-8).

    ``load_pack`` of the result equals ``pack`` (same checksum); dumping a pack loaded from a
    canonical folder rewrites its files byte for byte. Items go to the items file they came from.
    Files this function manages that the pack no longer has (old items files, media, an emptied
    resources.yaml) are removed; other files in the folder (a README, .git) are left alone.
    """
    directory = Path(directory)
    # A Pack can be built by hand, so file names are checked here too: nothing may be written
    # outside ``directory``.
    for item in pack.items:
        if not _ITEMS_FILE.match(item.source_file):
            raise ValueError(f"item {item.id!r}: {item.source_file!r} is not a valid items file name")
    for name in pack.media:
        if _media_name_problem(name):
            raise ValueError(f"media {name!r}: {_media_name_problem(name)}")
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / "course.yaml", dump_yaml(dict(pack.meta.document)))
    _write(directory / "skills.yaml", dump_yaml([dict(s.document) for s in pack.skills]))
    groups: dict[str, list[Any]] = {}
    for item in pack.items:
        groups.setdefault(item.source_file, []).append(dict(item.document))
    items_folder = directory / "items"
    items_folder.mkdir(exist_ok=True)
    for old in items_folder.glob("*.yaml"):
        if old.name not in groups and (old.is_file() or old.is_symlink()):
            old.unlink()
    for file_name, documents in groups.items():
        _write(items_folder / file_name, dump_yaml(documents))
    for kind, parts in (("resources", pack.resources), ("projects", pack.projects)):
        target = directory / f"{kind}.yaml"
        if parts:
            _write(target, dump_yaml([dict(p.document) for p in parts]))
        elif target.is_file():
            target.unlink()
    _write_media(directory / "media", pack.media)


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def _write_media(folder: Path, media: Mapping[str, bytes]) -> None:
    if folder.is_dir():
        for old in sorted(folder.rglob("*"), reverse=True):
            name = old.relative_to(folder).as_posix()
            if old.is_file() and name not in media:
                old.unlink()
    for name, data in media.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
