"""Personal data in the privacy app itself: consent choices and the record of deletions."""

from __future__ import annotations

from typing import Any

from learnpath.web.personal_data import PersonalData, plain_rows
from learnpath.web.privacy.models import ConsentRecord, DeletionRequest

PERSONAL_DATA = (
    PersonalData(
        model="privacy.ConsentRecord",
        fields=("learner", "recorded_by"),
        purpose="The learner's consent per purpose (research, guardian sharing, e-mail) and its history.",
        seen_by="The learner, whoever may act for them (a linked guardian, an administrator).",
        kept="Until the learner is deleted.",
    ),
    PersonalData(
        model="privacy.DeletionRequest",
        fields=("learner", "requested_by"),
        purpose="The record that a person's data was deleted, by whom, app by app.",
        seen_by="Administrators, and whoever asked for it.",
        kept="Kept: it points at the tombstone left of the person, who is no longer named anywhere.",
    ),
)


def export(*, user_id: int) -> dict[str, Any]:
    """The person's consent history, newest first."""
    return {
        "consent": plain_rows(
            ConsentRecord.objects.filter(learner_id=user_id).order_by("-recorded_at", "-id"),
            ["purpose", "granted", "recorded_at", "text_version"],
        )
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Delete the person's consent history and forget them as the recorder of others' consent or as who
    asked for another deletion. Deletion requests about them stay (the record). Idempotent."""
    return {
        "consent": ConsentRecord.objects.filter(learner_id=user_id).delete()[0],
        "consent_recorded_for_others": ConsentRecord.objects.filter(recorded_by_id=user_id).update(
            recorded_by=None
        ),
        "deletions_requested": DeletionRequest.objects.filter(requested_by_id=user_id)
        .exclude(learner_id=user_id)
        .update(requested_by=None),
    }
