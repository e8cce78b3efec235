"""Personal data in accounts: the person, their classes, their guardian links and the audit log.

Erasing a person keeps their ``User`` row as a tombstone with nothing that identifies them (a random
user name, no names, no e-mail, no password, inactive, no organisation), as Open edX's retirement does:
the audit log is append-only and its rows keep pointing at the tombstone, and research data an
organisation keeps (learning's anonymised events) stays attached to a person nobody can name.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from learnpath.web.accounts.models import (
    ApiToken,
    AuditEntry,
    Class,
    ClassMembership,
    GuardianLink,
    IdentityLink,
    RosterLink,
    User,
)
from learnpath.web.personal_data import PersonalData, plain, plain_rows

ERASED_PREFIX = "erased-"
ERASED_NAME = "(a deleted account)"

PERSONAL_DATA = (
    PersonalData(
        model="accounts.User",
        fields=("username", "display_name", "first_name", "last_name", "email", "password", "last_login"),
        purpose="Signing in, and showing the person's name to their teachers and guardians.",
        seen_by="The person; their teachers and linked guardians see the name; administrators.",
        kept="Until the account is deleted; then a tombstone without any of these fields is kept.",
    ),
    PersonalData(
        model="accounts.ClassMembership",
        fields=("learner",),
        purpose="Which classes a learner is in, so their teachers see their progress.",
        seen_by="The learner, the class's teachers, administrators.",
        kept="Until the learner leaves the class or is deleted.",
    ),
    PersonalData(
        model="accounts.Class",
        fields=("teachers", "learners"),
        purpose="Who teaches and who learns in a class.",
        seen_by="The class's teachers and learners, administrators.",
        kept="Until the person is removed or deleted.",
    ),
    PersonalData(
        model="accounts.GuardianLink",
        fields=("guardian", "learner", "relationship", "consent_given_by"),
        purpose="A guardian's consented, read-only view of a learner; withdrawn links stay as the record.",
        seen_by="The learner, the guardian, administrators.",
        kept="Until the learner or the guardian is deleted.",
    ),
    PersonalData(
        model="accounts.ApiToken",
        fields=("user", "name", "last_used_at"),
        purpose="Tokens a teacher or administrator made so another system can use the API as them.",
        seen_by="The person; administrators.",
        kept="Until the person revokes it (then kept as revoked) or the account is deleted.",
    ),
    PersonalData(
        model="accounts.RosterLink",
        fields=("sourced_id", "target_id"),
        purpose="The id the school's information system gives a person, so importing its roster again "
        "updates the same account instead of making another.",
        seen_by="Administrators (who import the roster).",
        kept="Until the account is deleted.",
    ),
    PersonalData(
        model="accounts.IdentityLink",
        fields=("user", "issuer", "subject", "last_used_at"),
        purpose="The person's account at their school's identity provider (its issuer and id), so they sign "
        "in with their school account (decision 0092).",
        seen_by="The person; administrators.",
        kept="Until an administrator removes the link or the account is deleted.",
    ),
    PersonalData(
        model="accounts.AuditEntry",
        fields=("actor", "target_id", "details"),
        purpose="The record of privileged actions (who did what to whom, when): security and accountability.",
        seen_by="Administrators.",
        kept="Append-only, for the organisation's audit window; it names people by id only.",
    ),
)

AUDIT_EXPORT_LIMIT = 1000


def export(*, user_id: int) -> dict[str, Any]:
    """Everything accounts holds about the person ``user_id``, as plain data."""
    user = User.objects.select_related("organisation").filter(pk=user_id).first()
    if user is None:
        return {}
    return {
        "person": {
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": user.role,
            "organisation": user.organisation.name if user.organisation else None,
            "date_joined": plain(user.date_joined),
            "last_login": plain(user.last_login),
        },
        "classes_joined": [
            {
                "class": m.klass.name,
                "organisation": m.klass.organisation.name,
                "joined_at": plain(m.joined_at),
            }
            for m in ClassMembership.objects.filter(learner_id=user_id).select_related("klass__organisation")
        ],
        "classes_taught": [
            {"class": c.name, "organisation": c.organisation.name}
            for c in Class.objects.filter(teachers__id=user_id).select_related("organisation")
        ],
        "guardian_links": [
            {
                "guardian": str(link.guardian),
                "learner": str(link.learner),
                "relationship": link.relationship,
                "consent_given_at": plain(link.consent_given_at),
                "consent_withdrawn_at": plain(link.consent_withdrawn_at),
                "active": link.is_active,
            }
            for link in GuardianLink.objects.filter(guardian_id=user_id).select_related("guardian", "learner")
            | GuardianLink.objects.filter(learner_id=user_id).select_related("guardian", "learner")
        ],
        "api_tokens": plain_rows(
            ApiToken.objects.filter(user_id=user_id),
            ["name", "key", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"],
        ),
        "roster_ids": [
            {"organisation": link.organisation.name, "sourced_id": link.sourced_id}
            for link in RosterLink.objects.filter(
                kind=RosterLink.Kind.USER, target_id=user_id
            ).select_related("organisation")
        ],
        "school_accounts": [
            {
                "organisation": link.provider.organisation.name,
                "issuer": link.issuer,
                "subject": link.subject,
                "made_by": link.made_by,
                "created_at": plain(link.created_at),
                "last_used_at": plain(link.last_used_at),
            }
            for link in IdentityLink.objects.filter(user_id=user_id).select_related("provider__organisation")
        ],
        "audit_log": plain_rows(
            _audit_about(user_id)[:AUDIT_EXPORT_LIMIT],
            ["created_at", "actor", "action", "target_type", "target_id", "details"],
        ),
    }


def _audit_about(user_id: int) -> Any:
    """The audit rows a person did, or that were done to them as a user."""
    return AuditEntry.objects.filter(actor_id=user_id) | AuditEntry.objects.filter(
        target_type="user", target_id=str(user_id)
    )


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Remove the person's memberships and guardian links and make their ``User`` row a tombstone.

    Runs last of all apps (others' rows point at the user). ``keep_research`` changes nothing here: the
    tombstone is kept either way, for the append-only audit log. Idempotent.
    """
    counts = {
        "class_memberships": ClassMembership.objects.filter(learner_id=user_id).delete()[0],
        "guardian_links": GuardianLink.objects.filter(learner_id=user_id).delete()[0]
        + GuardianLink.objects.filter(guardian_id=user_id).delete()[0],
        "consents_recorded_for_others": GuardianLink.objects.filter(consent_given_by_id=user_id).update(
            consent_given_by=None
        ),
        "classes_taught": Class.teachers.through.objects.filter(user_id=user_id).delete()[0],
        "api_tokens": ApiToken.objects.filter(user_id=user_id).delete()[0],
        "roster_ids": RosterLink.objects.filter(kind=RosterLink.Kind.USER, target_id=user_id).delete()[0],
        "school_accounts": IdentityLink.objects.filter(user_id=user_id).delete()[0],
        # The admin site's own history names the account it changed ("lena"): keep that something
        # changed, not the name.
        "admin_history_names": LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
        )
        .exclude(object_repr=ERASED_NAME)
        .update(object_repr=ERASED_NAME, change_message=""),
    }
    user = User.objects.filter(pk=user_id).first()
    if user is not None and not is_erased(user_id=user_id):
        user.username = ERASED_PREFIX + secrets.token_hex(8)
        user.display_name = user.first_name = user.last_name = user.email = ""
        user.set_unusable_password()
        user.is_active = user.is_staff = user.is_superuser = False
        user.last_login = None
        # The school stays (it names no one): the tombstone's audit rows then expire with the school's
        # audit window, like everyone else's, instead of being kept for ever.
        user.save()
        counts["person"] = 1
    return counts


def sign_in_stop(*, user_id: int) -> None:
    """The person can no longer sign in, and a session they still have stops working at its next request
    (Django refuses an inactive account): from the moment their deletion is asked for, so nothing new is
    written while it runs, or between a run that stopped and the one that finishes it."""
    User.objects.filter(pk=user_id).update(is_active=False)


def is_erased(*, user_id: int) -> bool:
    """True once the person's ``User`` row is a tombstone."""
    return User.objects.filter(pk=user_id, username__startswith=ERASED_PREFIX, is_active=False).exists()


def audit_expire(*, organisation_id: int, before: datetime) -> int:
    """Delete the audit rows written before ``before`` by members of the organisation (its audit window)."""
    return AuditEntry.objects.filter(actor__organisation_id=organisation_id).expire(before=before)
