"""Who may see what about people and organisations: the one place it is decided.

The three checks every app needs are here, once, and other apps reach them through ``accounts.api``
(decision 0079): :func:`access_is_signed_in` (signed in and active), :func:`access_is_learner` and
:func:`access_is_teacher`, and :func:`access_class_taught` (teaches this class).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext

from learnpath.web.accounts.models import Class, ClassMembership, GuardianLink, Role, User

CLASS_NOT_FOUND = "There is no class {id} that you teach. Your classes page lists the ones you do."


def access_is_signed_in(user: Any) -> bool:
    """Signed in, with an account that is active (a deactivated account counts as signed out)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def access_is_learner(user: Any) -> bool:
    """Signed in, active, and a learner."""
    return access_is_signed_in(user) and user.role == Role.LEARNER


def access_is_teacher(user: Any) -> bool:
    """Signed in, active, and a teacher or an admin (or a platform admin): may create and run classes."""
    return access_is_signed_in(user) and (user.role in (Role.TEACHER, Role.ADMIN) or user.is_superuser)


def access_is_platform_admin(user: Any) -> bool:
    """A superuser administers the whole installation and sees every organisation's content."""
    return access_is_signed_in(user) and bool(user.is_superuser)


def access_needs_second_factor(user: Any) -> bool:
    """Teachers, admins and anyone with admin-site rights sign in with a second factor (decision 0080);
    learners and guardians (who may be children, or parents with a phone they share) are never asked."""
    return access_is_signed_in(user) and (
        user.role in (Role.TEACHER, Role.ADMIN) or bool(user.is_staff) or bool(user.is_superuser)
    )


def access_admin_site(user: Any) -> bool:
    """May use Django's admin site: signed in, active, with admin-site rights (``is_staff``). The admin
    site itself also asks for each model's permissions, and staff for a second factor (decision 0080)."""
    return access_is_signed_in(user) and bool(user.is_staff)


def access_member_organisation_id(user: Any) -> int | None:
    """The organisation a signed-in person belongs to, or None (anonymous, inactive or unaffiliated)."""
    if not access_is_signed_in(user):
        return None
    organisation_id: int | None = user.organisation_id
    return organisation_id


def access_relation_to_learner(user: Any, learner_id: int) -> str | None:
    """How ``user`` may see a learner's data: ``"self"``, ``"admin"``, ``"teacher"``, ``"guardian"`` or None.

    A teacher sees the learners of the classes they teach (archived classes grant nothing); a guardian only
    a learner whose link is active (consent given, not withdrawn); a platform admin everyone. Nobody else
    sees anything. What a teacher then reads of the learner is narrowed to their classes by
    ``agency.access.access_learner_reading``.
    """
    if not access_is_signed_in(user):
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


def access_class_taught(user: Any, class_id: int, *, archived_too: bool = False) -> Class:
    """The class if ``user`` teaches it (a platform admin: any class), else ``Http404``. One query.

    The one "teaches this class" rule of every class page (accounts, coaching, placement): another
    teacher's class, or an archived one (unless ``archived_too``, to restore it), looks exactly like one
    that does not exist.
    """
    if access_is_teacher(user):
        classes = Class.objects.select_related("organisation").filter(pk=class_id)
        if not archived_too:
            classes = classes.filter(archived_at__isnull=True)
        if not access_is_platform_admin(user):
            classes = classes.filter(teachers=user)
        klass = classes.first()
        if klass is not None:
            return klass
    raise Http404(CLASS_NOT_FOUND.format(id=class_id))


def access_class_code_joiner(user: Any) -> None:
    """Pass for a signed-in learner, who may join one more class with a code; else ``Http404``. The code
    makes learners only: a teacher, guardian or admin is added to a class by an administrator."""
    if not access_is_learner(user):
        raise Http404("Class codes are for learners. Teachers are added to a class by an administrator.")


class ResetNeedsAnotherTeacher(Exception):
    """A teacher may not give this learner a new password: the learner is also in a class they do not
    teach. The message says which class, and who can."""


def _classes_taught_by_others(user: Any, learner_ids: list[int]) -> dict[int, list[str]]:
    """Per learner, the names of the open classes they are in that ``user`` does not teach."""
    rows = (
        ClassMembership.objects.filter(learner_id__in=learner_ids, klass__archived_at__isnull=True)
        .exclude(klass__teachers=user)
        .values_list("learner_id", "klass__name")
        .order_by("klass__name")
    )
    out: dict[int, list[str]] = {}
    for learner_id, name in rows:
        out.setdefault(learner_id, []).append(name)
    return out


def access_learners_resettable(user: Any, learner_ids: list[int]) -> set[int]:
    """Of ``learner_ids`` (learners of a class ``user`` teaches), those ``user`` may give a new password.

    A new password lets whoever holds it sign in as the learner and so read all they did, in every class.
    So a teacher may reset only a learner all of whose open classes they teach (decision 0075); a platform
    admin may reset anyone.
    """
    if access_is_platform_admin(user):
        return set(learner_ids)
    elsewhere = _classes_taught_by_others(user, learner_ids)
    return {learner_id for learner_id in learner_ids if learner_id not in elsewhere}


def access_class_learner_for_reset(user: Any, class_id: int, learner_id: int) -> tuple[Class, User]:
    """The class and one of its learners, if ``user`` teaches the class, else ``Http404``; and
    ``ResetNeedsAnotherTeacher`` when the learner is also in an open class ``user`` does not teach.

    Only a learner of that very class: not a learner of the teacher's other classes through this one,
    not a teacher, not the teacher themselves.
    """
    klass = access_class_taught(user, class_id)
    learner = User.objects.filter(
        pk=learner_id, role=Role.LEARNER, memberships__klass=klass, organisation_id=klass.organisation_id
    ).first()
    if learner is None:
        raise Http404(f"The class {klass.name!r} has no learner {learner_id}.")
    if learner.pk not in access_learners_resettable(user, [learner.pk]):
        others = ", ".join(_classes_taught_by_others(user, [learner.pk])[learner.pk])
        raise ResetNeedsAnotherTeacher(
            gettext(
                "{learner} is also in {others}, which you do not teach, so a new password would let you see "
                "their work there. A teacher of every class they are in, or an administrator, can give them "
                "one."
            ).format(learner=learner, others=others)
        )
    return klass, learner
