"""Reading a CASE 1.0 framework package (1EdTech Competencies and Academic Standards Exchange, the JSON
``CFPackage`` that OpenSALT and state education agencies publish) into the standards a course aligns to,
and matching a skill's standards to its items. Pure: no database, no network.

A package is ``CFDocument`` (the framework: identifier, title, creator, version), ``CFItems`` (each
standard or grouping: identifier, ``humanCodingScheme`` such as ``CCSS.Math.Content.4.NBT.A.1``,
``fullStatement``, type, grade levels) and ``CFAssociations`` (``isChildOf`` gives the tree; the other
kinds are read as nothing). A skill names its standards by code and optionally by CASE identifier
(``content.model.Standard``); ``standard_match`` finds the item each one means.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from learnpath.content.model import Standard

MAX_PACKAGE_BYTES = 50 * 1024 * 1024
"""The whole Common Core mathematics package is under 2 MB; a package past this is not a framework."""


@dataclass(frozen=True)
class CaseItem:
    identifier: str
    code: str  # humanCodingScheme; "" for a grouping without one
    statement: str
    item_type: str
    levels: tuple[str, ...]
    parent: str  # the identifier of the item or document it is a child of ("" at the top)
    position: int  # its place in the package, for showing the framework in its own order


@dataclass(frozen=True)
class CaseFramework:
    identifier: str
    title: str
    creator: str
    version: str
    items: tuple[CaseItem, ...]

    def by_identifier(self) -> dict[str, CaseItem]:
        return {item.identifier: item for item in self.items}


class CasePackageError(ValueError):
    """The file is not a CASE package learnpath can read: every reason, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def case_package_read(source: Path | bytes) -> tuple[CaseFramework, list[str]]:
    """The framework in a CASE package (a path or its bytes) and the warnings about it (items left out and
    why). Raises ``CasePackageError`` with every reason when it cannot be read at all."""
    if isinstance(source, Path):
        if not source.is_file():
            raise CasePackageError([f"{source} is not a file"])
        if source.stat().st_size > MAX_PACKAGE_BYTES:
            raise CasePackageError([f"{source.name} is larger than {MAX_PACKAGE_BYTES // 2**20} MB"])
        raw = source.read_bytes()
    else:
        raw = source
    try:
        package = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CasePackageError([f"not JSON: {error}"]) from error
    if not isinstance(package, dict):
        raise CasePackageError(["a CASE package is a JSON object with CFDocument and CFItems"])
    document = package.get("CFDocument")
    items = package.get("CFItems")
    problems = []
    if not isinstance(document, dict):
        problems.append("there is no CFDocument: this is not a CASE framework package")
    if not isinstance(items, list):
        problems.append("there is no CFItems list: the package has no standards")
    if problems:
        raise CasePackageError(problems)
    assert isinstance(document, dict)
    assert isinstance(items, list)
    identifier, title = _text(document.get("identifier")), _text(document.get("title"))
    if not identifier:
        problems.append("CFDocument has no identifier")
    if not title:
        problems.append("CFDocument has no title")
    if problems:
        raise CasePackageError(problems)

    warnings: list[str] = []
    parents: dict[str, str] = {}
    for association in package.get("CFAssociations") or []:
        if not isinstance(association, dict) or association.get("associationType") != "isChildOf":
            continue
        child = _text(association.get("originNodeIdentifier")) or _text(
            (association.get("originNodeURI") or {}).get("identifier")
        )
        parent = _text(association.get("destinationNodeIdentifier")) or _text(
            (association.get("destinationNodeURI") or {}).get("identifier")
        )
        if child and parent:
            parents.setdefault(child, parent)
    read: list[CaseItem] = []
    seen: set[str] = set()
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            warnings.append(f"CFItems[{position}] is not an object; left out")
            continue
        item_id = _text(item.get("identifier"))
        statement = _text(item.get("fullStatement"))
        if not item_id or not statement:
            warnings.append(f"CFItems[{position}] has no identifier or no fullStatement; left out")
            continue
        if item_id in seen:
            warnings.append(f"CFItems[{position}]: identifier {item_id} appears twice; the first is kept")
            continue
        seen.add(item_id)
        levels = item.get("educationalLevel") or []
        read.append(
            CaseItem(
                identifier=item_id,
                code=_text(item.get("humanCodingScheme")),
                statement=statement,
                item_type=_text(item.get("CFItemType")),
                levels=tuple(_text(level) for level in (levels if isinstance(levels, list) else [levels])),
                parent=parents.get(item_id, ""),
                position=position,
            )
        )
    if not read:
        raise CasePackageError(["no item of CFItems has an identifier and a fullStatement", *warnings])
    orphans = [i.parent for i in read if i.parent and i.parent not in seen and i.parent != identifier]
    if orphans:
        warnings.append(f"{len(orphans)} item(s) are children of identifiers the package does not have")
    framework = CaseFramework(
        identifier=identifier,
        title=title,
        creator=_text(document.get("creator")),
        version=_text(document.get("version")) or _text(document.get("lastChangeDateTime")),
        items=tuple(read),
    )
    return framework, warnings


def code_key(code: str) -> str:
    """A code as compared: case aside, and a component letter written either way (``4.NF.B.3.a``, the
    corestandards.org notation, is the package's ``4.NF.B.3a``)."""
    return re.sub(r"(\d)\.([a-z])$", r"\1\2", code.strip()).upper()


def standard_match(framework: CaseFramework, standard: Standard) -> CaseItem | None:
    """The item a skill's standard means: by its CASE identifier when it has one; else by its code, exactly
    or as the last part of an item's code (``4.NBT.A.1`` in ``CCSS.Math.Content.4.NBT.A.1``) when exactly
    one item ends so (``code_key`` compares them). None when nothing, or more than one item, fits."""
    items = framework.items
    if standard.case_id:
        return next((item for item in items if item.identifier == standard.case_id), None)
    key = code_key(standard.code)
    if not key:
        return None
    exact = [item for item in items if item.code and code_key(item.code) == key]
    if len(exact) == 1:
        return exact[0]
    ending = [item for item in items if item.code and code_key(item.code).endswith("." + key)]
    return ending[0] if len(ending) == 1 else None
