"""Personal data in credentials: the badges a learner claimed (decision 0091).

A badge is issued only when the learner claims it, and names them only if they ask (their name, or their
e-mail address hashed with a salt). Deleting the account revokes every badge and forgets the signed file
and who held it; the row itself stays, anonymous, so that anyone who was shown the badge learns that it
is revoked, not that it never existed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from learnpath.web.credentials.models import Credential
from learnpath.web.personal_data import PersonalData, plain

PERSONAL_DATA = (
    PersonalData(
        model="credentials.Credential",
        fields=("learner", "revoked_by", "jwt", "name_included", "email_included"),
        purpose="The Open Badges 3.0 credentials the learner claimed: the signed badge (with their name or "
        "hashed e-mail address only if they chose so) and whether it is revoked.",
        seen_by="The learner; administrators see a badge's status when they check it; anyone the learner "
        "shows the badge to can check it.",
        kept="Until the learner revokes it or the account is deleted: then it is revoked, and the signed "
        "badge and the link to the learner are deleted.",
    ),
)


def export(*, user_id: int) -> dict[str, Any]:
    """The person's badges (each with its signed text), and the badges they revoked as an administrator."""
    rows = Credential.objects.filter(Q(learner_id=user_id) | Q(revoked_by_id=user_id)).order_by(
        "issued_at", "id"
    )
    return {
        "badges": [
            {
                "for_you": row.learner_id == user_id,
                "id": f"urn:uuid:{row.public_id}",
                "kind": row.kind,
                "course": row.course_id,
                "skill": row.skill_id,
                "achievement": row.achievement_name,
                "issued_at": plain(row.issued_at),
                "name_included": row.name_included,
                "email_included": row.email_included,
                "revoked_at": plain(row.revoked_at),
                "revoked_by_you": row.revoked_by_id == user_id,
                "signed_badge": row.jwt if row.learner_id == user_id else "",
            }
            for row in rows
        ]
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Revoke the person's badges, delete their signed text and the link to them; forget them as the
    revoker of others' badges. Idempotent."""
    from django.utils import timezone

    now = timezone.now()
    revoked = Credential.objects.filter(learner_id=user_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason="account deleted"
    )
    forgotten = Credential.objects.filter(learner_id=user_id).update(
        learner=None, jwt="", name_included=False, email_included=False, revoked_by=None
    )
    return {
        "badges_revoked": revoked,
        "badges_forgotten": forgotten,
        "revocations_forgotten": Credential.objects.filter(revoked_by_id=user_id).update(revoked_by=None),
    }
