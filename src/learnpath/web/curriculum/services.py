"""Writes for the curriculum: importing content packs and storing course media.

``course_import`` runs in one transaction and uses bulk operations, so a course of ten thousand items
imports in seconds and a failure anywhere leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from learnpath.content.build import plain_copy
from learnpath.content.model import Item as PackItem
from learnpath.content.model import Pack
from learnpath.content.model import Project as PackProject
from learnpath.content.model import Resource as PackResource
from learnpath.content.model import Skill as PackSkill
from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum.models import (
    ClassCourse,
    Course,
    CourseVersion,
    Item,
    ItemSkill,
    MediaFile,
    Prerequisite,
    Project,
    ProjectSkill,
    Resource,
    ResourceSkill,
    Skill,
)

# Rows per INSERT/UPDATE statement: large enough to be fast, small enough for every backend's limits.
BATCH_SIZE = 500
# bulk_update writes one CASE expression per field over the batch: smaller batches keep it cheap.
UPDATE_BATCH_SIZE = 100


class CourseImportError(Exception):
    """A pack that cannot be imported as it is; the message says what to change."""


@dataclass(frozen=True)
class ImportResult:
    """What ``course_import`` did.

    ``created``: the course is new. ``changed``: anything was written (False for a repeated import).
    ``counts``: the pack's skills, items, resources and projects, and how many rows were created,
    updated and retired.
    """

    course_id: str
    version: str
    created: bool
    changed: bool
    counts: Mapping[str, int] = field(default_factory=dict)


def pack_documents(pack: Pack) -> dict[str, Any]:
    """The pack's documents as ``CourseVersion.documents`` keeps them.

    Items are grouped by the items file they came from (in first-seen order) and media are listed by
    name with the SHA-256 of their bytes (the bytes live in ``MediaFile``), so ``course_pack`` can hand
    ``pack_from_documents`` exactly what ``load_pack`` read.
    """
    item_files: dict[str, list[Any]] = {}
    for item in pack.items:
        item_files.setdefault(item.source_file, []).append(plain_copy(item.document))
    return {
        "course": plain_copy(pack.meta.document),
        "skills": [plain_copy(skill.document) for skill in pack.skills],
        "items": item_files,
        "resources": [plain_copy(resource.document) for resource in pack.resources],
        "projects": [plain_copy(project.document) for project in pack.projects],
        "media": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(pack.media.items())},
    }


def _same(stored: Any, wanted: Any) -> bool:
    """Equal, and for documents in the same key order too (order can carry meaning)."""
    if isinstance(wanted, dict | list):
        return json.dumps(stored, ensure_ascii=False) == json.dumps(wanted, ensure_ascii=False)
    return bool(stored == wanted)


def _pack_counts(pack: Pack) -> dict[str, int]:
    return {
        "skills": len(pack.skills),
        "items": len(pack.items),
        "resources": len(pack.resources),
        "projects": len(pack.projects),
        "media": len(pack.media),
    }


@dataclass
class _SyncTally:
    created: int = 0
    updated: int = 0
    retired: int = 0


def _sync_rows(
    model: type[models.Model],
    course: Course,
    rows: Sequence[tuple[str, dict[str, Any]]],
    tally: _SyncTally,
) -> dict[str, int]:
    """Make ``model``'s rows of ``course`` match ``rows`` (slug, fields): create, update, retire.

    Only rows whose fields differ are written, and only the fields that differ: updates are grouped by
    their set of changed fields so each ``bulk_update`` statement stays small. Returns every slug's
    primary key, retired ones included.
    """
    now = timezone.now()
    existing = {row.slug: row for row in model.objects.filter(course=course)}  # type: ignore[attr-defined]
    to_create: list[models.Model] = []
    to_update: dict[tuple[str, ...], list[models.Model]] = defaultdict(list)
    for position, (slug, fields) in enumerate(rows):
        wanted = {**fields, "position": position, "retired": False}
        row = existing.pop(slug, None)
        if row is None:
            to_create.append(model(course=course, slug=slug, **wanted))
            continue
        changed = tuple(
            sorted(name for name, value in wanted.items() if not _same(getattr(row, name), value))
        )
        if changed:
            for name in changed:
                setattr(row, name, wanted[name])
            row.updated_at = now  # type: ignore[attr-defined]
            to_update[changed].append(row)
    for row in existing.values():  # gone from the pack: retire, never delete
        if not row.retired:  # type: ignore[attr-defined]
            row.retired = True  # type: ignore[attr-defined]
            row.updated_at = now  # type: ignore[attr-defined]
            to_update[("retired",)].append(row)
            tally.retired += 1
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)  # type: ignore[attr-defined]
    for changed, changed_rows in to_update.items():
        model.objects.bulk_update(  # type: ignore[attr-defined]
            changed_rows, [*changed, "updated_at"], batch_size=UPDATE_BATCH_SIZE
        )
        if changed != ("retired",):
            tally.updated += len(changed_rows)
    tally.created += len(to_create)
    # Re-read the keys: not every backend returns them from a bulk insert.
    return dict(model.objects.filter(course=course).values_list("slug", "pk"))  # type: ignore[attr-defined]


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), BATCH_SIZE):
        yield values[start : start + BATCH_SIZE]


def _sync_links(
    through: type[models.Model],
    owner_field: str,
    other_field: str,
    course: Course,
    owners: Mapping[str, int],
    others: Mapping[str, int],
    links: Mapping[str, Sequence[str]],
    *,
    what: str,
) -> None:
    """Make the links of the owners in ``links`` (owner slug -> linked skill slugs) exactly those.

    Owners not in ``links`` (retired ones) keep their links, so history can still be read with the
    links it was made under.
    """
    wanted_pairs: set[tuple[int, int]] = set()
    wanted_owners = {owners[owner_slug] for owner_slug in links}
    for owner_slug, other_slugs in links.items():
        for other_slug in other_slugs:
            if other_slug not in others:
                # English: for operators (learnpath import)
                raise CourseImportError(f"{what} {owner_slug!r} names unknown skill {other_slug!r}")
            wanted_pairs.add((owners[owner_slug], others[other_slug]))
    owner_id, other_id = f"{owner_field}_id", f"{other_field}_id"
    existing = {
        (owner, other): pk
        for pk, owner, other in through.objects.filter(  # type: ignore[attr-defined]
            **{f"{owner_field}__course": course}
        ).values_list("pk", owner_id, other_id)
    }
    stale = [pk for pair, pk in existing.items() if pair[0] in wanted_owners and pair not in wanted_pairs]
    for chunk in _chunks(stale):
        through.objects.filter(pk__in=chunk).delete()  # type: ignore[attr-defined]
    missing = [through(**{owner_id: o, other_id: s}) for o, s in sorted(wanted_pairs - existing.keys())]
    through.objects.bulk_create(missing, batch_size=BATCH_SIZE)  # type: ignore[attr-defined]


def _sync_media(course: Course, media: Mapping[str, bytes], tally: _SyncTally) -> None:
    """Make the course's media rows the pack's media: add new, replace changed, delete gone.

    Media mirror the current version (no learner history points at a file), so gone files are deleted.
    """
    existing = dict(MediaFile.objects.filter(course=course).values_list("path", "sha256"))
    for name, data in media.items():
        digest = hashlib.sha256(data).hexdigest()
        if existing.pop(name, None) == digest:
            continue
        MediaFile.objects.update_or_create(
            course=course,
            path=name,
            defaults={
                "content_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
                "sha256": digest,
                "size": len(data),
                "data": bytes(data),
            },
        )
        tally.updated += 1
    if existing:
        MediaFile.objects.filter(course=course, path__in=list(existing)).delete()


def _skill_fields(skill: PackSkill) -> dict[str, Any]:
    return {
        "name": skill.name,
        "description": skill.description,
        "standards": [
            {"framework": standard.framework, "code": standard.code, "case_id": standard.case_id}
            for standard in skill.standards
        ],
        "document": plain_copy(skill.document),
    }


def _item_fields(item: PackItem) -> dict[str, Any]:
    return {
        "type": item.type,
        "prompt": item.prompt,
        "difficulty": item.difficulty,
        "is_template": item.is_template,
        "document": plain_copy(item.document),
    }


def _resource_fields(resource: PackResource) -> dict[str, Any]:
    return {"title": resource.title, "modality": resource.modality, "document": plain_copy(resource.document)}


def _project_fields(project: PackProject) -> dict[str, Any]:
    return {"title": project.title, "document": plain_copy(project.document)}


def course_import(*, pack: Pack, actor: Any = None, organisation_id: int | None = None) -> ImportResult:
    """Import a validated content pack as a course, in one transaction (all or nothing).

    - A new course id creates the course (global, or owned by ``organisation_id``).
    - The same id and version with the same checksum changes nothing and writes nothing.
    - The same id and version with a different checksum is refused: bump the version.
    - A new version updates skills, items, resources and projects by id; ids that left the pack are
      retired, never deleted, because learner history points at them.
    """
    meta = pack.meta
    checksum = pack.checksum()
    counts = _pack_counts(pack)
    with transaction.atomic():
        course = Course.objects.select_for_update().filter(slug=meta.id).first()
        if course is not None:
            imported = course.versions.filter(version=meta.version).values_list("checksum", flat=True).first()
            if imported == checksum:
                return ImportResult(meta.id, meta.version, created=False, changed=False, counts=counts)
            if imported is not None:
                # English: for operators (learnpath import)
                raise CourseImportError(
                    f"course {meta.id!r} version {meta.version!r} was already imported with other content "
                    f"(checksum {imported[:12]}…, this pack {checksum[:12]}…); bump the version in "
                    "course.yaml to import the changes"
                )
            if organisation_id is not None and course.organisation_id != organisation_id:
                # English: for operators (learnpath import)
                raise CourseImportError(
                    f"course {meta.id!r} already exists in another organisation; choose another course id"
                )
        course_fields = {
            "title": meta.title,
            "description": meta.description,
            "language": meta.language,
            "license": meta.license,
            "version": meta.version,
            "checksum": checksum,
        }
        created = course is None
        if course is None:
            course = Course.objects.create(slug=meta.id, organisation_id=organisation_id, **course_fields)
        else:
            for name, value in course_fields.items():
                setattr(course, name, value)
            course.save()
        CourseVersion.objects.create(
            course=course,
            version=meta.version,
            checksum=checksum,
            documents=pack_documents(pack),
            imported_by=actor if actor is not None and getattr(actor, "pk", None) else None,
        )
        tally = _SyncTally()
        skills = _sync_rows(Skill, course, [(s.id, _skill_fields(s)) for s in pack.skills], tally)
        _sync_links(
            Prerequisite,
            "skill",
            "prerequisite",
            course,
            skills,
            skills,
            {skill.id: skill.prerequisites for skill in pack.skills},
            what="skill",
        )
        for what, model, through, parts, fields_of in (
            ("item", Item, ItemSkill, pack.items, _item_fields),
            ("resource", Resource, ResourceSkill, pack.resources, _resource_fields),
            ("project", Project, ProjectSkill, pack.projects, _project_fields),
        ):
            keys = _sync_rows(model, course, [(part.id, fields_of(part)) for part in parts], tally)
            links = {part.id: part.skills for part in parts}
            _sync_links(through, what, "skill", course, keys, skills, links, what=what)
        _sync_media(course, pack.media, tally)
        counts.update(created=tally.created, updated=tally.updated, retired=tally.retired)
        accounts_api.audit_record(
            actor=actor,
            action="course.import",
            target_type="course",
            target_id=meta.id,
            details={"version": meta.version, "checksum": checksum, "created": created, **counts},
        )
    return ImportResult(meta.id, meta.version, created=created, changed=True, counts=counts)


@transaction.atomic
def course_organisation_set(*, course_id: str, organisation_id: int | None, actor: Any = None) -> None:
    """Give a course to one organisation (only its members see it) or make it global (``None``)."""
    updated = Course.objects.filter(slug=course_id).update(organisation_id=organisation_id)
    if not updated:
        # English: for operators (learnpath import)
        raise CourseImportError(f"no course {course_id!r}")
    accounts_api.audit_record(
        actor=actor,
        action="course.organisation_set",
        target_type="course",
        target_id=course_id,
        details={"organisation": organisation_id},
    )


@transaction.atomic
def class_course_attach(*, class_id: int, course_id: str, actor: Any) -> bool:
    """A class starts using a course (idempotent, audited when new); True if it is new to the class.

    The caller has checked that ``actor`` teaches the class and may see the course.
    """
    _, created = ClassCourse.objects.get_or_create(klass_id=class_id, course_id=course_id)
    if created:
        accounts_api.audit_record(
            actor=actor,
            action="class.course_attach",
            target_type="class",
            target_id=class_id,
            details={"course": course_id},
        )
    return created
