"""Reads for accounts."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from learnpath.web.accounts.join_codes import join_code_normalise
from learnpath.web.accounts.models import AuditEntry, Class, GuardianLink, User


def classes_of_user(*, user: User) -> QuerySet[Class]:
    """The classes a person teaches or learns in, with their organisation."""
    return (
        Class.objects.filter(Q(teachers=user) | Q(learners=user))
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


def classes_taught(*, user: User) -> QuerySet[Class]:
    """The classes a person teaches (every class of the installation for a platform admin)."""
    classes = Class.objects.select_related("organisation").order_by("name")
    if user.is_superuser:
        return classes
    return classes.filter(teachers=user)


def teachers_of_learner(*, learner_id: int) -> list[User]:
    """Every teacher of every class the learner is in."""
    return list(
        User.objects.filter(classes_taught__memberships__learner_id=learner_id)
        .distinct()
        .order_by("display_name", "username")
    )


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
        .filter(joining_code=normalised, joining_open=True)
        .first()
    )
