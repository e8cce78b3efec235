"""Export round trip: import a pack, rebuild it with course_pack, dump it: the same pack comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import dump_pack, load_pack, pack_from_documents
from learnpath.web.curriculum import api as curriculum_api

pytestmark = pytest.mark.django_db


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()
    }


def test_the_demo_pack_round_trips_byte_for_byte(tmp_path: Path) -> None:
    original = load_pack(DEMO_PACK_PATH)
    curriculum_api.course_import(pack=original)
    rebuilt = curriculum_api.course_pack(course_id=original.meta.id)
    assert rebuilt.checksum() == original.checksum()
    assert rebuilt == original
    dump_pack(rebuilt, tmp_path / "export")
    assert load_pack(tmp_path / "export").checksum() == original.checksum()
    dump_pack(original, tmp_path / "direct")
    assert files_of(tmp_path / "export") == files_of(tmp_path / "direct")


def test_item_files_media_and_key_order_survive_the_round_trip(tmp_path: Path, documents: Any) -> None:
    docs = documents()
    items = docs["items"]
    original = pack_from_documents(
        course=docs["course"],
        skills=docs["skills"],
        items={"01-basics.yaml": items[:2], "02-adding.yaml": items[2:]},
        resources=docs["resources"],
        projects=docs["projects"],
        media=docs["media"],
    )
    curriculum_api.course_import(pack=original)
    rebuilt = curriculum_api.course_pack(course_id=original.meta.id)
    assert rebuilt.checksum() == original.checksum()
    assert [item.source_file for item in rebuilt.items] == [item.source_file for item in original.items]
    assert dict(rebuilt.media) == docs["media"]
    dump_pack(rebuilt, tmp_path / "export")
    assert sorted(files_of(tmp_path / "export")) == [
        "course.yaml",
        "items/01-basics.yaml",
        "items/02-adding.yaml",
        "media/clip.mp4",
        "media/widget.html",
        "projects.yaml",
        "resources.yaml",
        "skills.yaml",
    ]
    assert load_pack(tmp_path / "export").checksum() == original.checksum()


def test_export_gives_the_current_version(documents: Any) -> None:
    docs = documents()
    first = pack_from_documents(course=docs["course"], skills=docs["skills"], items={"items": docs["items"]})
    curriculum_api.course_import(pack=first)
    docs["course"]["version"] = "2.0.0"
    second = pack_from_documents(
        course=docs["course"], skills=docs["skills"], items={"items": docs["items"][:3]}
    )
    curriculum_api.course_import(pack=second)
    assert curriculum_api.course_pack(course_id="fractions").checksum() == second.checksum()
