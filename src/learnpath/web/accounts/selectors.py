"""Reads for accounts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Q, QuerySet

from learnpath.web.accounts.join_codes import join_code_normalise
from learnpath.web.accounts.models import AuditEntry, Class, ClassMembership, GuardianLink, User


def classes_of_user(*, user: User) -> QuerySet[Class]:
    """The classes a person teaches or learns in, with their organisation."""
    return (
        Class.objects.filter(Q(teachers=user) | Q(learners=user), archived_at__isnull=True)
        .select_related("organisation")
        .distinct()
        .order_by("name")
    )


def audit_entries(*, action: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest audit rows, newest first, optionally for one action."""
    entries = AuditEntry.objects.select_related("actor")
    if action is not None:
        entries = entries.filter(action=action)
    return list(entries[:limit])


def class_learners(*, class_id: int) -> list[User]:
    """The learners of a class, by display name then user name."""
    return list(User.objects.filter(memberships__klass_id=class_id).order_by("display_name", "username"))


def learners_of_classes(*, class_ids: list[int]) -> dict[int, list[User]]:
    """The learners of each of these classes, by display name then user name: one query."""
    out: dict[int, list[User]] = {class_id: [] for class_id in class_ids}
    rows = (
        ClassMembership.objects.filter(klass_id__in=class_ids)
        .select_related("learner")
        .order_by("learner__display_name", "learner__username")
    )
    for membership in rows:
        out[membership.klass_id].append(membership.learner)
    return out


def classes_taught(*, user: User, archived: bool = False, own: bool = False) -> QuerySet[Class]:
    """The classes a person teaches (every class of the installation for a platform admin, unless
    ``own``: only those they are a teacher of); the archived ones instead with ``archived=True``."""
    classes = (
        Class.objects.select_related("organisation").filter(archived_at__isnull=not archived).order_by("name")
    )
    if user.is_superuser and not own:
        return classes
    return classes.filter(teachers=user)


def teachers_of_learner(*, learner_id: int) -> list[User]:
    """Every teacher of every class the learner is in (archived classes left out: they grant nothing)."""
    return list(
        User.objects.filter(
            classes_taught__memberships__learner_id=learner_id, classes_taught__archived_at__isnull=True
        )
        .distinct()
        .order_by("display_name", "username")
    )


def class_teachers(*, class_id: int) -> list[User]:
    """The teachers of a class, by display name then user name."""
    return list(User.objects.filter(classes_taught__id=class_id).order_by("display_name", "username"))


def memberships_of_learners(*, learner_ids: list[int]) -> list[tuple[int, int, datetime, list[int]]]:
    """``(learner id, class id, joined at, teacher ids)`` of every class (not archived) the learners are in:
    two queries whatever the number of learners."""
    memberships = list(
        ClassMembership.objects.filter(learner_id__in=learner_ids, klass__archived_at__isnull=True)
        .order_by("joined_at", "id")
        .values_list("learner_id", "klass_id", "joined_at")
    )
    teachers: dict[int, list[int]] = defaultdict(list)
    for class_id, teacher_id in Class.teachers.through.objects.filter(
        class_id__in={class_id for _, class_id, _ in memberships}
    ).values_list("class_id", "user_id"):
        teachers[class_id].append(teacher_id)
    return [
        (learner_id, class_id, joined_at, sorted(teachers[class_id]))
        for learner_id, class_id, joined_at in memberships
    ]


def active_guardian_links(
    *, learner_id: int | None = None, guardian_id: int | None = None
) -> list[GuardianLink]:
    """Active (consented, not withdrawn) guardian links of a learner or of a guardian."""
    links = GuardianLink.objects.filter(consent_given_at__isnull=False, consent_withdrawn_at__isnull=True)
    if learner_id is not None:
        links = links.filter(learner_id=learner_id)
    if guardian_id is not None:
        links = links.filter(guardian_id=guardian_id)
    return list(
        links.select_related("guardian", "learner").order_by("learner__username", "guardian__username")
    )


def class_open_with_code(*, code: str) -> Class | None:
    """The class whose join code this is (as typed: case, spaces and dashes ignored), if joining is open."""
    normalised = join_code_normalise(code)
    if not normalised:
        return None
    return (
        Class.objects.select_related("organisation")
        .filter(joining_code=normalised, joining_open=True, archived_at__isnull=True)
        .first()
    )
