"""Loading, dumping and reloading packs: equality, checksums, byte-identical canonical files."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnpath.content.model import Pack
from learnpath.content.pack import (
    PackValidationError,
    dump_pack,
    load_pack,
    pack_from_documents,
    pack_from_validated_documents,
    validate_pack,
)

from .conftest import BASICS


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_fixture_pack_loads_with_every_part(basics: Pack) -> None:
    assert basics.meta.id == "fractions-basics"
    assert [s.id for s in basics.skills][:2] == ["fractions-meaning", "fractions-equivalent"]
    assert {i.type for i in basics.items} == {
        "single_choice",
        "multiple_choice",
        "numeric",
        "expression",
        "short_text",
        "multi_step",
    }
    assert basics.item("frac-steps").find_step("multiples").type == "single_choice"
    assert basics.item("frac-template").is_template
    assert basics.media["pizza.svg"].startswith(b"<svg")
    assert validate_pack(BASICS) == []


def test_dump_of_a_canonical_folder_is_byte_identical(basics: Pack, tmp_path: Path) -> None:
    dump_pack(basics, tmp_path)
    assert _files(tmp_path) == _files(BASICS)


def test_dump_then_load_gives_an_equal_pack_with_the_same_checksum(basics: Pack, tmp_path: Path) -> None:
    dump_pack(basics, tmp_path)
    again = load_pack(tmp_path)
    assert again == basics
    assert again.checksum() == basics.checksum()


def test_dump_removes_stale_pack_files_but_keeps_others(basics: Pack, tmp_path: Path) -> None:
    shutil.copytree(BASICS, tmp_path, dirs_exist_ok=True)
    (tmp_path / "items" / "old.yaml").write_text("[]\n", encoding="utf-8")
    (tmp_path / "media" / "old.png").write_bytes(b"x")
    (tmp_path / "README.md").write_text("notes\n", encoding="utf-8")
    dump_pack(basics, tmp_path)
    assert not (tmp_path / "items" / "old.yaml").exists()
    assert not (tmp_path / "media" / "old.png").exists()
    assert (tmp_path / "README.md").exists()
    assert load_pack(tmp_path) == basics


def test_pack_from_documents_equals_the_loaded_pack(basics: Pack) -> None:
    items: dict[str, list[object]] = {}
    for item in basics.items:
        items.setdefault(item.source_file, []).append(dict(item.document))
    built = pack_from_documents(
        course=dict(basics.meta.document),
        skills=[dict(s.document) for s in basics.skills],
        items=items,
        resources=[dict(r.document) for r in basics.resources],
        projects=[dict(p.document) for p in basics.projects],
        media={"media/pizza.svg": basics.media["pizza.svg"]},
    )
    assert built == basics
    assert built.checksum() == basics.checksum()


def test_checksum_changes_with_content_and_media(basics: Pack) -> None:
    other = Pack(basics.meta, basics.skills, basics.items, basics.resources, basics.projects, media={})
    assert other.checksum() != basics.checksum()


def test_dump_refuses_names_that_would_leave_the_folder(basics: Pack, tmp_path: Path) -> None:
    item = replace(basics.items[0], source_file="../escape.yaml")
    with pytest.raises(ValueError, match="not a valid items file name"):
        dump_pack(replace(basics, items=(item, *basics.items[1:])), tmp_path / "out")
    with pytest.raises(ValueError, match="media names"):
        dump_pack(replace(basics, media={"../../etc/x": b""}), tmp_path / "out")
    assert not (tmp_path / "escape.yaml").exists()


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=_TEXT, hint=_TEXT, body=_TEXT)
def test_any_text_round_trips_byte_for_byte(
    basics: Pack, tmp_path: Path, prompt: str, hint: str, body: str
) -> None:
    items: dict[str, list[object]] = {"words.yaml": []}
    document = {
        "id": "free-text",
        "type": "short_text",
        "skills": ["fractions-meaning"],
        "prompt": prompt or "?",
        "answer": "yes",
        "hints": [hint],
    }
    items["words.yaml"].append(document)
    resource = {
        "id": "r",
        "title": "T",
        "modality": "text",
        "skills": ["fractions-meaning"],
        "body": body or "b",
    }
    try:
        pack = pack_from_documents(
            dict(basics.meta.document), [dict(s.document) for s in basics.skills], items, [resource], []
        )
    except PackValidationError:
        return  # e.g. text with control characters is refused; nothing to round-trip
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.rmtree(first, ignore_errors=True)
    shutil.rmtree(second, ignore_errors=True)
    dump_pack(pack, first)
    again = load_pack(first)
    assert again == pack
    assert again.checksum() == pack.checksum()
    dump_pack(again, second)
    assert _files(second) == _files(first)


def _documents(pack: Pack) -> dict[str, object]:
    """The pack's documents as a stored course version keeps them (items by their file)."""
    items: dict[str, list[object]] = {}
    for item in pack.items:
        items.setdefault(item.source_file, []).append(item.document)
    return {
        "course": pack.meta.document,
        "skills": [skill.document for skill in pack.skills],
        "items": items,
        "resources": [resource.document for resource in pack.resources],
        "projects": [project.document for project in pack.projects],
        "media": dict(pack.media),
    }


def test_validated_documents_rebuild_the_same_pack_without_validating(
    basics: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored versions were validated at import: rebuilt with their checksum, they are not validated
    again (that was most of the cost of loading a large course) and come out equal."""
    from learnpath.content import pack as pack_module

    documents = _documents(basics)
    expected = pack_from_documents(**documents)  # type: ignore[arg-type]

    def no_validation(*args: object, **kwargs: object) -> Pack:
        raise AssertionError("validated again")

    monkeypatch.setattr(pack_module, "pack_from_documents", no_validation)
    rebuilt = pack_from_validated_documents(**documents, checksum=basics.checksum())  # type: ignore[arg-type]
    assert rebuilt == expected
    assert rebuilt.checksum() == basics.checksum()


def test_documents_that_changed_since_they_were_validated_are_validated_again(basics: Pack) -> None:
    documents = _documents(basics)
    broken = dict(documents)
    broken["skills"] = [{**basics.skills[0].document, "prerequisites": ["no-such-skill"]}]
    with pytest.raises(PackValidationError, match="no-such-skill"):
        pack_from_validated_documents(**broken, checksum=basics.checksum())  # type: ignore[arg-type]
    renamed = dict(documents)
    renamed["course"] = {**basics.meta.document, "title": "Another title"}
    rebuilt = pack_from_validated_documents(**renamed, checksum=basics.checksum())  # type: ignore[arg-type]
    assert rebuilt.meta.title == "Another title"
    assert rebuilt.checksum() != basics.checksum()
