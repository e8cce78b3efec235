"""Reading an OATutor content pool, from its folder or from a ``.tar.gz`` of it, without extracting it.

The pool (CAHLR/OATutor-Content) is laid out as::

    coursePlans.json                 courses -> lessons -> learning objectives (mastery thresholds)
    skillModel.json                  step id -> skill names
    bkt-params/*.json                skill name -> BKT parameters
    content-pool/<P>/<P>.json        a problem: title, body, lesson, oer, license
    content-pool/<P>/steps/<S>/<S>.json                        a step: answer, problemType, answerType
    content-pool/<P>/steps/<S>/tutoring/<S>DefaultPathway.json   its hints and scaffolds, in order
    content-pool/<P>/figures/<name>  images (absent from the JSON-only release)

This module only finds and reads those files; ``oatutor.py`` gives them meaning. An archive is read as a
stream, member by member, straight into memory: nothing is written to disk, so a hostile member name
(absolute, ``..``, a link, a device) can do no harm; such members are listed in ``ignored`` and passed over.
"""

from __future__ import annotations

import json
import os
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

POOL_FOLDER = "content-pool"
COURSE_PLANS = "coursePlans.json"
SKILL_MODEL = "skillModel.json"
BKT_FOLDER = "bkt-params"
DEFAULT_BKT_FILE = "defaultBKTParams.json"
PATHWAY_SUFFIX = "DefaultPathway.json"

# A single pool file above this size is not OATutor content; it is passed over rather than read into memory.
MAX_MEMBER_BYTES = 32 * 1024 * 1024
# The whole JSON release is about 46 MB; this bounds what a decompression bomb can make us hold.
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024


class OatutorSourceError(ValueError):
    """The source is not an OATutor content pool (or cannot be read as one)."""


@dataclass
class RawStep:
    """One step's files, still undecoded."""

    id: str
    document: bytes | None = None
    pathway: bytes | None = None
    pathway_name: str = ""


@dataclass
class RawProblem:
    """One problem folder's files, still undecoded."""

    id: str
    document: bytes | None = None
    steps: dict[str, RawStep] = field(default_factory=dict)
    figures: dict[str, bytes] = field(default_factory=dict)


@dataclass
class OatutorPool:
    """The files of one pool, by meaning. ``ignored`` lists (path, reason) for everything passed over."""

    problems: dict[str, RawProblem] = field(default_factory=dict)
    course_plans: bytes | None = None
    skill_model: bytes | None = None
    bkt_params: bytes | None = None
    ignored: list[tuple[str, str]] = field(default_factory=list)


def decode_json(data: bytes, what: str) -> Any:
    """Parse a pool file, naming it in the error."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OatutorSourceError(f"{what}: not valid UTF-8 JSON ({error})") from error


def read_pool(source: Path) -> OatutorPool:
    """Read the pool at ``source``: its folder (or a folder above it), or a ``.tar.gz``/``.tgz``/``.tar``."""
    if source.is_dir():
        files = _folder_files(source)
    elif source.is_file():
        files = _archive_files(source)
    else:
        raise OatutorSourceError(f"{source}: no such file or folder")
    pool = OatutorPool()
    entries = list(files)
    root = _pool_root([parts for parts, content in entries if isinstance(content, bytes)])
    if root is None:
        raise OatutorSourceError(
            f"{source}: no {POOL_FOLDER}/ folder found; is this an OATutor content pool?"
        )
    for parts, content in entries:
        if isinstance(content, str):  # a member refused while reading; the reason is the content
            pool.ignored.append(("/".join(parts), content))
            continue
        if parts[: len(root)] != root:
            pool.ignored.append(("/".join(parts), "outside the pool folder"))
            continue
        _place(pool, parts[len(root) :], content, "/".join(parts))
    if pool.course_plans is None:
        raise OatutorSourceError(f"{source}: {COURSE_PLANS} not found beside {POOL_FOLDER}/")
    return pool


def _pool_root(paths: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The folder holding ``content-pool/``: the shallowest one, so a pool inside a pool is not picked."""
    best: tuple[str, ...] | None = None
    for parts in paths:
        if POOL_FOLDER in parts:
            prefix = parts[: parts.index(POOL_FOLDER)]
            if best is None or len(prefix) < len(best) or (len(prefix) == len(best) and prefix < best):
                best = prefix
    return best


def _place(pool: OatutorPool, parts: tuple[str, ...], content: bytes, shown: str) -> None:
    """Put one file of the pool where it belongs, or note it as ignored."""
    if parts == (COURSE_PLANS,):
        pool.course_plans = content
    elif parts == (SKILL_MODEL,):
        pool.skill_model = content
    elif parts == (BKT_FOLDER, DEFAULT_BKT_FILE):
        pool.bkt_params = content
    elif len(parts) >= 3 and parts[0] == POOL_FOLDER:
        problem_id = parts[1]
        problem = pool.problems.get(problem_id)
        if problem is None:
            problem = pool.problems[problem_id] = RawProblem(problem_id)
        rest = parts[2:]
        if rest == (f"{problem_id}.json",):
            problem.document = content
        elif len(rest) == 2 and rest[0] == "figures":
            problem.figures[rest[1]] = content
        elif len(rest) == 3 and rest[0] == "steps" and rest[2] == f"{rest[1]}.json":
            _step(problem, rest[1]).document = content
        elif (
            len(rest) == 4
            and rest[0] == "steps"
            and rest[2] == "tutoring"
            and rest[3].endswith(PATHWAY_SUFFIX)
        ):
            step = _step(problem, rest[1])
            # OATutor uses <S>DefaultPathway.json; of several default pathways, keep that one (or the first).
            if step.pathway is None or rest[3] == f"{rest[1]}{PATHWAY_SUFFIX}":
                step.pathway, step.pathway_name = content, rest[3]
        else:
            pool.ignored.append((shown, "not a file OATutor defines"))
    else:
        pool.ignored.append((shown, "not a file OATutor defines"))


def _step(problem: RawProblem, step_id: str) -> RawStep:
    step = problem.steps.get(step_id)
    if step is None:
        step = problem.steps[step_id] = RawStep(step_id)
    return step


def _screen(parts: tuple[str, ...], regular: bool, size: int) -> str | None:
    """None to read a file; else why it is refused, or "" to pass over it silently (not a pool file, so
    a big unrelated file is never read)."""
    name = parts[-1]
    wanted = (
        (POOL_FOLDER in parts[:-1] and (name.endswith(".json") or parts[-2] == "figures"))
        or name in (COURSE_PLANS, SKILL_MODEL)
        or (len(parts) >= 2 and parts[-2] == BKT_FOLDER)
    )
    if not regular:
        return "not a regular file (a link or a device)"
    if not wanted:
        return ""
    if size > MAX_MEMBER_BYTES:
        return f"larger than {MAX_MEMBER_BYTES} bytes"
    return None


def _safe_parts(name: str) -> tuple[str, ...] | str:
    """The parts of a relative member name, or why the name is refused."""
    if "\x00" in name or "\\" in name:
        return "a name with a NUL or a backslash"
    path = PurePosixPath(name)
    if path.is_absolute():
        return "an absolute path"
    parts = tuple(part for part in path.parts if part != ".")
    if any(part == ".." for part in parts):
        return "a path that climbs out with '..'"
    if not parts:
        return "an empty name"
    return parts


def _archive_files(source: Path) -> Iterator[tuple[tuple[str, ...], bytes | str]]:
    """Stream a tar archive's regular files. Refused members come with the reason in place of the bytes."""
    total = 0
    try:
        with tarfile.open(source, mode="r|*") as archive:
            for member in archive:
                parts = _safe_parts(member.name)
                if isinstance(parts, str):
                    yield (member.name,), parts
                    continue
                if member.isdir():
                    continue
                refusal = _screen(parts, member.isreg(), member.size)
                if refusal is not None:
                    if refusal:
                        yield parts, refusal
                    continue
                total += member.size
                if total > MAX_TOTAL_BYTES:
                    raise OatutorSourceError(f"{source}: more than {MAX_TOTAL_BYTES} bytes of pool files")
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - isreg() members always have content
                    continue
                yield parts, handle.read()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise OatutorSourceError(f"{source}: not a readable tar archive ({error})") from error


def _folder_files(source: Path) -> Iterator[tuple[tuple[str, ...], bytes | str]]:
    """Walk a folder without following links; links are refused like hostile archive members."""
    for folder, subfolders, names in os.walk(source, followlinks=False):
        base = Path(folder)
        relative = base.relative_to(source).parts
        subfolders.sort()
        for name in sorted(names):
            parts = (*relative, name)
            path = base / name
            info = path.lstat()
            refusal = _screen(parts, stat.S_ISREG(info.st_mode), info.st_size)
            if refusal is None:
                yield parts, path.read_bytes()
            elif refusal:
                yield parts, refusal
