"""Whatever documents an importer hands over, the result is a Pack or a PackValidationError whose
problems all come from the checks themselves (never the "could not validate" safety net)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.content.model import Pack
from learnpath.content.pack import PackValidationError, Problem, pack_from_documents

from .conftest import BASICS

_JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["", "a", "x", "{a}", "{", "1/0", "media/none.png", "fractions-meaning", "numeric"])
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["id", "type", "answer", "x"]), inner)
    ),
    max_leaves=6,
)


def _documents(pack: Pack) -> dict[str, Any]:
    items: dict[str, list[Any]] = {}
    for item in pack.items:
        items.setdefault(item.source_file, []).append(copy.deepcopy(dict(item.document)))
    return {
        "course": copy.deepcopy(dict(pack.meta.document)),
        "skills": [copy.deepcopy(dict(s.document)) for s in pack.skills],
        "items": items,
        "resources": [copy.deepcopy(dict(r.document)) for r in pack.resources],
        "projects": [copy.deepcopy(dict(p.document)) for p in pack.projects],
    }


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _places(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _places(child, (*path, index))
    return found


def _replace(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    document[path[0]] = _replace(document[path[0]], path[1:], new)
    return document


def test_the_unchanged_documents_are_valid(basics: Pack) -> None:
    docs = _documents(basics)
    assert pack_from_documents(**docs, media=dict(basics.media)) == basics


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_mutation_gives_a_pack_or_readable_problems(data: st.DataObject) -> None:
    from learnpath.content.pack import load_pack

    docs = _documents(load_pack(BASICS))
    places = _places(docs)
    for _ in range(data.draw(st.integers(1, 3))):
        place = data.draw(st.sampled_from(places[1:]))
        try:
            docs = _replace(docs, place, data.draw(_JUNK))
        except (KeyError, IndexError, TypeError):
            continue
    problems = _problems_of(docs)
    assert all(problem.file != "(pack)" for problem in problems), problems


def _problems_of(docs: dict[str, Any]) -> list[Problem]:
    try:
        pack_from_documents(**docs, media={"pizza.svg": b"<svg/>"})
    except PackValidationError as error:
        return error.problems
    return []
