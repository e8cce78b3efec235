"""Who may see what about people and organisations: the one place it is decided."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from learnpath.web.accounts.models import Class, ClassMembership, GuardianLink, Role, User

CLASS_NOT_FOUND = "There is no class {id} that you teach. Your classes page lists the ones you do."


def access_is_platform_admin(user: Any) -> bool:
    """A superuser administers the whole installation and sees every organisation's content."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def access_member_organisation_id(user: Any) -> int | None:
    """The organisation a signed-in person belongs to, or None (anonymous, inactive or unaffiliated)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    organisation_id: int | None = user.organisation_id
    return organisation_id


def access_relation_to_learner(user: Any, learner_id: int) -> str | None:
    """How ``user`` may see a learner's data: ``"self"``, ``"admin"``, ``"teacher"``, ``"guardian"`` or None.

    A teacher sees the learners of the classes they teach (archived classes grant nothing); a guardian only
    a learner whose link is active (consent given, not withdrawn); a platform admin everyone. Nobody else
    sees anything. What a teacher then reads of the learner is narrowed to their classes by
    ``coaching.access.access_learner_reading``.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.pk == learner_id:
        return "self"
    if access_is_platform_admin(user):
        return "admin"
    if ClassMembership.objects.filter(
        learner_id=learner_id, klass__teachers=user, klass__archived_at__isnull=True
    ).exists():
        return "teacher"
    if GuardianLink.objects.filter(
        guardian=user,
        learner_id=learner_id,
        consent_given_at__isnull=False,
        consent_withdrawn_at__isnull=True,
    ).exists():
        return "guardian"
    return None


def access_class_taught(user: Any, class_id: int) -> Class:
    """The class if ``user`` teaches it (a platform admin: any class), else ``Http404``.

    The same rule and the same answer as every class page (coaching/access.py): another teacher's class,
    or an archived one, looks exactly like one that does not exist.
    """
    if getattr(user, "is_authenticated", False) and user.is_active:
        classes = Class.objects.select_related("organisation").filter(pk=class_id, archived_at__isnull=True)
        if not access_is_platform_admin(user):
            is_teacher = user.role in (Role.TEACHER, Role.ADMIN)
            classes = classes.filter(teachers=user) if is_teacher else classes.none()
        klass = classes.first()
        if klass is not None:
            return klass
    raise Http404(CLASS_NOT_FOUND.format(id=class_id))


def access_class_learner_for_reset(user: Any, class_id: int, learner_id: int) -> tuple[Class, User]:
    """The class and one of its learners, if ``user`` teaches the class, else ``Http404``.

    Only a learner of that very class: not a learner of the teacher's other classes through this one,
    not a teacher, not the teacher themselves.
    """
    klass = access_class_taught(user, class_id)
    learner = User.objects.filter(
        pk=learner_id, role=Role.LEARNER, memberships__klass=klass, organisation_id=klass.organisation_id
    ).first()
    if learner is None:
        raise Http404(f"The class {klass.name!r} has no learner {learner_id}.")
    return klass, learner
