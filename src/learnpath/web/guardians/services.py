"""Writes for guardians: one-time consent codes and redeeming them. Atomic and audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from learnpath.web.accounts import api as accounts_api
from learnpath.web.guardians.models import LinkCode

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_DAYS = 7
NO_SUCH_CODE = (
    "That code does not work: it may be mistyped, used already or older than 7 days. Ask for a new one."
)


class GuardianLinkError(ValueError):
    """A code that cannot link; the message says what to do."""


def _digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[:40]


def pretty(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def link_code_create(*, learner_id: int, actor: Any, now: datetime) -> str:
    """A new one-time code by which a guardian links to the learner; the consent of ``actor``.

    ``actor`` is the learner or a teacher/admin of theirs (the school's consent); the caller checked that.
    Returns the code to show once; only its hash is kept. Earlier unused codes of the learner stop working.
    """
    LinkCode.objects.filter(learner_id=learner_id, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    LinkCode.objects.create(
        learner_id=learner_id,
        code_sha256=_digest(code),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=CODE_DAYS),
    )
    accounts_api.audit_record(
        actor=actor,
        action="guardian_code.create",
        target_type="user",
        target_id=learner_id,
    )
    return pretty(code)


@transaction.atomic
def link_code_redeem(*, guardian: Any, code: str, now: datetime, relationship: str = "") -> int:
    """Link ``guardian`` to the learner whose unused, unexpired code this is; returns the learner's id."""
    if getattr(guardian, "role", None) != "guardian":
        raise GuardianLinkError(NO_SUCH_CODE)
    link_code = (
        LinkCode.objects.select_for_update()
        .filter(code_sha256=_digest(code), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if link_code is None:
        raise GuardianLinkError(NO_SUCH_CODE)
    link_code.used_at = now
    link_code.used_by = guardian
    link_code.save(update_fields=["used_at", "used_by"])
    accounts_api.guardian_link_consent(
        guardian=guardian,
        learner_id=link_code.learner_id,
        consent_given_by_id=link_code.created_by_id or link_code.learner_id,
        relationship=relationship[:60],
    )
    return int(link_code.learner_id)
