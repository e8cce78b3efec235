"""course_import: all or nothing, idempotent, versioned, retiring instead of deleting, in bulk."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learnpath.web.accounts.models import AuditEntry, Organisation
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.curriculum import services
from learnpath.web.curriculum.models import (
    Course,
    CourseVersion,
    Item,
    ItemSkill,
    MediaFile,
    Prerequisite,
    Project,
    Resource,
    Skill,
)

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")
CONTENT_MODELS = (
    Course,
    CourseVersion,
    Skill,
    Prerequisite,
    Item,
    ItemSkill,
    Resource,
    Project,
    MediaFile,
    AuditEntry,
)


def _snapshot() -> dict[str, Any]:
    """Every row's values of every curriculum table (and the audit log), to compare before and after."""
    return {model.__name__: sorted(model.objects.values_list(), key=repr) for model in CONTENT_MODELS}


def test_a_new_pack_creates_the_course_with_everything(build_pack: Any, documents: Any) -> None:
    result = curriculum_api.course_import(pack=build_pack(documents()))
    assert result.created
    assert result.changed
    assert (result.course_id, result.version) == ("fractions", "1.0.0")
    assert result.counts["skills"] == 3
    assert result.counts["items"] == 4
    assert result.counts["resources"] == 2
    assert result.counts["projects"] == 1
    course = Course.objects.get(slug="fractions")
    assert course.organisation is None  # imported without an organisation: global
    assert course.version == "1.0.0"
    assert course.checksum == build_pack(documents()).checksum()
    assert Skill.objects.filter(course=course).count() == 3
    assert set(Skill.objects.get(slug="fractions-add-like").prerequisites.values_list("slug", flat=True)) == {
        "fractions-meaning",
        "fractions-equivalent",
    }
    add = Item.objects.get(slug="add-1")
    assert set(add.skills.values_list("slug", flat=True)) == {"fractions-add-like", "fractions-equivalent"}
    assert add.type == "numeric"
    assert add.document["answer"] == "3/5"
    assert Skill.objects.get(slug="fractions-meaning").standards == [
        {"framework": "CCSS.Math", "code": "3.NF.A.1", "case_id": ""}
    ]
    assert Resource.objects.get(slug="equivalent-video").modality == "video"
    stored = CourseVersion.objects.get(course=course).documents
    assert stored["items"] == {"items.yaml": documents()["items"]}


def test_import_writes_its_audit_row(build_pack: Any, documents: Any, admin_user: Any) -> None:
    curriculum_api.course_import(pack=build_pack(documents()), actor=admin_user)
    entry = AuditEntry.objects.get(action="course.import")
    assert entry.actor == admin_user
    assert entry.target_id == "fractions"
    assert entry.details["version"] == "1.0.0"
    assert CourseVersion.objects.get().imported_by == admin_user


def test_importing_the_same_version_again_writes_nothing(build_pack: Any, documents: Any) -> None:
    curriculum_api.course_import(pack=build_pack(documents()))
    before = _snapshot()
    with CaptureQueriesContext(connection) as queries:
        result = curriculum_api.course_import(pack=build_pack(documents()))
    assert not result.changed
    assert not result.created
    assert result.version == "1.0.0"
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert _snapshot() == before  # updated_at timestamps included


def test_the_same_version_with_other_content_is_refused(build_pack: Any, documents: Any) -> None:
    curriculum_api.course_import(pack=build_pack(documents()))
    before = _snapshot()
    changed = documents()
    changed["items"][0]["prompt"] = "Which picture shows one half of the pizza?"
    with pytest.raises(curriculum_api.CourseImportError, match="bump the version"):
        curriculum_api.course_import(pack=build_pack(changed))
    assert _snapshot() == before


def test_a_new_version_updates_by_id_and_retires_what_left(build_pack: Any, documents: Any) -> None:
    curriculum_api.course_import(pack=build_pack(documents()))
    first_ids = dict(Item.objects.values_list("slug", "pk"))
    untouched_before = Item.objects.get(slug="meaning-1").updated_at

    second = documents(version="1.1.0")
    second["skills"] = [s for s in second["skills"] if s["id"] != "fractions-add-like"]
    second["items"] = [i for i in second["items"] if i["id"] != "add-1"]
    second["items"][1]["prompt"] = "Which fraction equals two thirds?"
    second["items"].append(
        {
            "id": "equivalent-3",
            "type": "numeric",
            "skills": ["fractions-equivalent"],
            "prompt": "2/4 = 1/?",
            "answer": 2,
        }
    )
    second["skills"][1]["prerequisites"] = []  # equivalent no longer needs meaning
    result = curriculum_api.course_import(pack=build_pack(second))

    assert result.changed
    assert not result.created
    assert result.counts["retired"] == 2  # one skill, one item
    course = Course.objects.get(slug="fractions")
    assert course.version == "1.1.0"
    assert list(course.versions.order_by("imported_at").values_list("version", flat=True)) == [
        "1.0.0",
        "1.1.0",
    ]
    # Retired, not deleted, and the same rows (learner history points at their ids).
    retired_item = Item.objects.get(slug="add-1")
    assert retired_item.retired
    assert retired_item.pk == first_ids["add-1"]
    assert Skill.objects.get(slug="fractions-add-like").retired
    assert set(retired_item.skills.values_list("slug", flat=True)) == {
        "fractions-add-like",
        "fractions-equivalent",
    }
    # Updated in place.
    updated = Item.objects.get(slug="equivalent-1")
    assert updated.pk == first_ids["equivalent-1"]
    assert updated.prompt == "Which fraction equals two thirds?"
    assert updated.document["prompt"] == "Which fraction equals two thirds?"
    # Unchanged rows are not written.
    assert Item.objects.get(slug="meaning-1").updated_at == untouched_before
    assert Item.objects.filter(slug="equivalent-3", retired=False).exists()
    assert not Skill.objects.get(slug="fractions-equivalent").prerequisites.exists()


def test_a_retired_item_comes_back_when_a_later_version_has_it_again(build_pack: Any, documents: Any) -> None:
    curriculum_api.course_import(pack=build_pack(documents()))
    second = documents(version="2.0.0")
    second["items"] = second["items"][:-1]
    curriculum_api.course_import(pack=build_pack(second))
    assert Item.objects.get(slug="add-1").retired
    curriculum_api.course_import(pack=build_pack(documents(version="3.0.0")))
    assert not Item.objects.get(slug="add-1").retired


def test_a_failure_half_way_leaves_nothing_behind(build_pack: Any, documents: Any) -> None:
    broken = documents()
    broken["items"][2]["skills"] = ["no-such-skill"]  # found only after skills and prerequisites are written
    with pytest.raises(curriculum_api.CourseImportError, match="no-such-skill"):
        curriculum_api.course_import(pack=build_pack(broken))
    assert all(not rows for rows in _snapshot().values())


def test_a_failure_half_way_through_a_new_version_keeps_the_old_one(
    build_pack: Any, documents: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    curriculum_api.course_import(pack=build_pack(documents()))
    before = _snapshot()
    original_sync_links = services._sync_links

    def fail_on_projects(through: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("what") == "project":
            raise RuntimeError("disk full")
        original_sync_links(through, *args, **kwargs)

    monkeypatch.setattr(services, "_sync_links", fail_on_projects)
    second = documents(version="2.0.0")
    second["items"] = second["items"][:1]
    with pytest.raises(RuntimeError, match="disk full"):
        curriculum_api.course_import(pack=build_pack(second))
    assert _snapshot() == before


def test_an_existing_course_of_another_organisation_is_refused(
    build_pack: Any, documents: Any, organisation: Organisation, other_organisation: Organisation
) -> None:
    curriculum_api.course_import(pack=build_pack(documents()), organisation_id=organisation.pk)
    with pytest.raises(curriculum_api.CourseImportError, match="another organisation"):
        curriculum_api.course_import(
            pack=build_pack(documents(version="2.0.0")), organisation_id=other_organisation.pk
        )


def test_import_uses_a_number_of_queries_independent_of_the_course_size(
    generated_documents: Any, build_pack: Any
) -> None:
    """Bulk operations: 10 items or 600, the same statements (batches aside)."""

    def queries_for(course_id: str, items_per_skill: int) -> int:
        pack = build_pack(generated_documents(course_id=course_id, skills=6, items_per_skill=items_per_skill))
        with CaptureQueriesContext(connection) as queries:
            curriculum_api.course_import(pack=pack)
        return len(queries.captured_queries)

    small = queries_for("small-course", 2)
    large = queries_for("large-course", 100)
    # Allow a few extra batches of BATCH_SIZE rows (SQLite splits by its variable limit too).
    assert large <= small + 2 * (600 // services.BATCH_SIZE + 1) + 4, (small, large)


def test_media_come_with_the_pack_and_follow_its_versions(build_pack: Any, documents: Any) -> None:
    result = curriculum_api.course_import(pack=build_pack(documents()))
    assert result.counts["media"] == 2
    widget = MediaFile.objects.get(path="widget.html")
    assert widget.content_type == "text/html"
    assert bytes(widget.data) == b"<script>1</script>"
    assert widget.size == len(b"<script>1</script>")

    changed = documents()
    changed["media"] = {"widget.html": b"<script>2</script>"}
    with pytest.raises(curriculum_api.CourseImportError, match="bump the version"):
        curriculum_api.course_import(pack=build_pack(changed))  # media are part of the checksum

    changed["course"]["version"] = "1.0.1"
    curriculum_api.course_import(pack=build_pack(changed))
    assert list(MediaFile.objects.values_list("path", flat=True)) == ["widget.html"]
    assert bytes(MediaFile.objects.get().data) == b"<script>2</script>"


def test_documents_keep_their_key_order(build_pack: Any, documents: Any) -> None:
    """PostgreSQL's jsonb would sort keys; a template's params are drawn in the author's order."""
    ordered = documents()
    ordered["items"][0]["x-zeta"] = 1
    ordered["items"][0]["x-alpha"] = 2
    curriculum_api.course_import(pack=build_pack(ordered))
    assert list(Item.objects.get(slug="meaning-1").document)[-2:] == ["x-zeta", "x-alpha"]
    assert list(curriculum_api.item_document(course_id="fractions", item_id="meaning-1"))[-2:] == [
        "x-zeta",
        "x-alpha",
    ]
    stored = CourseVersion.objects.get().documents
    assert list(stored["items"]["items.yaml"][0])[-2:] == ["x-zeta", "x-alpha"]


def test_course_api_functions_return_plain_data(
    build_pack: Any, documents: Any, learner: Any, outsider: Any
) -> None:
    course_id = curriculum_api.course_import(
        pack=build_pack(documents()), organisation_id=learner.organisation_id
    ).course_id
    assert curriculum_api.course_ids() == ["fractions"]
    info = curriculum_api.course_info(course_id=course_id)
    assert info is not None
    assert info.version == "1.0.0"
    assert curriculum_api.course_info(course_id="nope") is None
    assert [c.id for c in curriculum_api.courses_visible(user=learner)] == ["fractions"]
    assert curriculum_api.courses_visible(user=outsider) == []
    assert curriculum_api.course_skill_prerequisites(course_id=course_id) == {
        "fractions-add-like": ["fractions-meaning", "fractions-equivalent"],
        "fractions-meaning": [],
        "fractions-equivalent": ["fractions-meaning"],
    }
    assert curriculum_api.item_document(course_id=course_id, item_id="add-1")["answer"] == "3/5"
    assert curriculum_api.item_document(course_id=course_id, item_id="nope") is None
    curriculum_api.course_organisation_set(course_id=course_id, organisation_id=None)
    assert [c.id for c in curriculum_api.courses_visible(user=outsider)] == ["fractions"]
    with pytest.raises(curriculum_api.CourseNotFound):
        curriculum_api.course_pack(course_id="nope")
