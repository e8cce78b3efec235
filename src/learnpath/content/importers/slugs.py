"""Turning outside names into learnpath ids (slugs), deterministically and without collisions.

Outside content names things freely (``a343428l'hopital10``, ``solve_one_step_equations_multiply/divide``,
``6.1_områden``); learnpath ids match ``^[a-z0-9][a-z0-9._-]{0,79}$``. The slug of a name depends only on
the name and on the whole set being named, never on the order names are met in, so converting the same
source twice gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

MAX_SLUG_LENGTH = 80
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
_HASH_LENGTH = 8
_NOT_SLUG = re.compile(r"[^a-z0-9.]+")
_DASHES = re.compile(r"-{2,}")


def slug_base(name: str, fallback: str = "x") -> str:
    """The readable part of a slug: ASCII-folded, lower case, runs of other characters as one dash."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    base = _DASHES.sub("-", _NOT_SLUG.sub("-", folded)).strip("-.")
    return base or fallback


def _with_hash(base: str, name: str, length: int) -> str:
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:length]
    keep = MAX_SLUG_LENGTH - length - 1
    return f"{base[:keep].rstrip('-.') or 'x'}-{digest}"


def allocate_slugs(names: Iterable[str], fallback: str = "x") -> dict[str, str]:
    """Map each distinct name to a unique slug.

    A name keeps its plain ``slug_base`` when no other name shares it and it fits in 80 characters;
    otherwise every name of the clash gets a dash and the first 8 hex digits of the SHA-256 of the name
    (more digits in the freak case that two such slugs still collide).
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(names)):
        groups[slug_base(name, fallback)].append(name)
    slugs: dict[str, str] = {}
    for base, members in groups.items():
        plain = len(members) == 1 and len(base) <= MAX_SLUG_LENGTH
        for name in members:
            slugs[name] = base if plain else _with_hash(base, name, _HASH_LENGTH)
    length = _HASH_LENGTH
    while len(set(slugs.values())) < len(slugs):
        length += 4
        owners: dict[str, list[str]] = defaultdict(list)
        for name, slug in slugs.items():
            owners[slug].append(name)
        for clashing in (names_ for names_ in owners.values() if len(names_) > 1):
            for name in clashing:
                slugs[name] = _with_hash(slug_base(name, fallback), name, length)
    return slugs
