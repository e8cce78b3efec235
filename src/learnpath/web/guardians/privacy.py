"""Personal data in guardians: the one-time codes by which a learner (or their school) consents."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from learnpath.web.guardians.models import LinkCode
from learnpath.web.personal_data import PersonalData, plain

PERSONAL_DATA = (
    PersonalData(
        model="guardians.LinkCode",
        fields=("learner", "created_by", "used_by"),
        purpose="A one-time code that links a guardian with consent; only its SHA-256 is kept.",
        seen_by="Administrators (never the code itself).",
        kept="Until the learner is deleted; a code works for 7 days.",
    ),
)


def export(*, user_id: int) -> dict[str, Any]:
    """The codes made for the person (as a learner), by them, or used by them; never the hash."""
    codes = LinkCode.objects.filter(Q(learner_id=user_id) | Q(created_by_id=user_id) | Q(used_by_id=user_id))
    return {
        "link_codes": [
            {
                "for_you": code.learner_id == user_id,
                "made_by_you": code.created_by_id == user_id,
                "used_by_you": code.used_by_id == user_id,
                "created_at": plain(code.created_at),
                "expires_at": plain(code.expires_at),
                "used_at": plain(code.used_at),
            }
            for code in codes.order_by("created_at", "id")
        ]
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Delete the learner's codes; forget the person as maker or user of others' codes. Idempotent."""
    return {
        "codes": LinkCode.objects.filter(learner_id=user_id).delete()[0],
        "codes_made": LinkCode.objects.filter(created_by_id=user_id).update(created_by=None),
        "codes_used": LinkCode.objects.filter(used_by_id=user_id).update(used_by=None),
    }
