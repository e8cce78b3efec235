"""Versioned JSON documents: the check every ``from_dict`` of the practice engine makes first.

Every ``to_dict`` writes ``{"model": <kind>, "version": <int>, ...}``; ``from_dict`` refuses another kind
or a newer version than the code reads, with a message that says which, instead of a ``KeyError`` later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def check_document(document: Mapping[str, Any], kind: str, version: int) -> None:
    """Raise ``ValueError`` unless ``document`` is a ``kind`` document of a version from 1 to ``version``."""
    if document.get("model") != kind:
        raise ValueError(f"expected a serialised {kind!r}, found {document.get('model')!r}")
    found = document.get("version")
    if not isinstance(found, int) or isinstance(found, bool) or not 1 <= found <= version:
        raise ValueError(f"{kind}: unsupported format version {found!r} (this code reads up to {version})")


def dump_flat(instance: Any, kind: str, version: int) -> dict[str, Any]:
    """``to_dict`` of a dataclass whose fields are all JSON scalars (str enums included)."""
    values = {f.name: getattr(instance, f.name) for f in fields(instance)}
    return {"model": kind, "version": version, **values}


def load_flat(cls: type[T], document: Mapping[str, Any], kind: str, version: int) -> T:
    """Inverse of ``dump_flat``: check the document, then build ``cls`` (its ``__post_init__`` validates)."""
    check_document(document, kind, version)
    return cls(**{f.name: document[f.name] for f in fields(cls)})  # type: ignore[arg-type]
