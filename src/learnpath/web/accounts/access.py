"""Who may see what about people and organisations: the one place it is decided."""

from __future__ import annotations

from typing import Any

from learnpath.web.accounts.models import ClassMembership, GuardianLink


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

    A teacher sees the learners of the classes they teach; a guardian only a learner whose link is active
    (consent given, not withdrawn); a platform admin everyone. Nobody else sees anything.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.pk == learner_id:
        return "self"
    if access_is_platform_admin(user):
        return "admin"
    if ClassMembership.objects.filter(learner_id=learner_id, klass__teachers=user).exists():
        return "teacher"
    if GuardianLink.objects.filter(
        guardian=user,
        learner_id=learner_id,
        consent_given_at__isnull=False,
        consent_withdrawn_at__isnull=True,
    ).exists():
        return "guardian"
    return None
