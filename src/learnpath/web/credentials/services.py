"""Writes: a learner claims a badge (issue and sign an OB 3.0 credential), a learner or an admin revokes
one. Each is atomic and writes its audit row in the same transaction (decision 0091)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

import jwt
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from learnpath.web.accounts import api as accounts_api
from learnpath.web.credentials import keys
from learnpath.web.credentials.documents import Alignment, BadgeContent, open_badge_credential
from learnpath.web.credentials.models import Credential, CredentialKind
from learnpath.web.credentials.selectors import claimables
from learnpath.web.curriculum import api as curriculum_api

SITE_ISSUER = "site"  # the issuer's slug for learners who belong to no organisation

SKILL_CRITERIA = (
    "Mastered in learnpath: from the learner's own answers over time, learnpath's learner model judged that "
    "they very likely answer a typical question of the skill “{name}” correctly (the course's mastery "
    "threshold), or their teacher, who saw their work, marked the skill mastered. Questions answered after "
    "a hint or a worked solution count less. learnpath keeps mastered skills fresh with spaced review."
)
COURSE_CRITERIA = (
    "Every skill of the course “{name}” mastered in learnpath: for each, learnpath's learner model judged "
    "from the learner's own answers that they very likely answer a typical question of it correctly (the "
    "course's mastery threshold), or their teacher marked it mastered."
)


class CredentialError(Exception):
    """A claim or revocation that cannot be done; the message says why, for the learner."""


def _url(base: str, name: str, *args: Any) -> str:
    return base.rstrip("/") + reverse(name, args=args)


def issuer_of(*, organisation_id: int | None) -> tuple[str, str]:
    """(slug, name) of the issuer for a member of this organisation (the site itself without one)."""
    info = accounts_api.organisation_info(organisation_id=organisation_id) if organisation_id else None
    return (info.slug, info.name) if info is not None else (SITE_ISSUER, "learnpath")


def _alignments(standards: list[Any]) -> list[Alignment]:
    out = []
    for standard in standards:
        if not standard.case_id:
            continue  # only CASE items (CFItem) are aligned; a bare code has no identifier to point at
        target = standard.case_id if ":" in standard.case_id else f"urn:uuid:{standard.case_id}"
        out.append(Alignment(target, standard.code, standard.code, standard.framework, standard.statement))
    return out


def credential_claim(
    *,
    learner: Any,
    course_id: str,
    skill_id: str,
    include_name: bool,
    include_email: bool,
    base_url: str,
    now: datetime,
    valid_until: datetime | None = None,
) -> Credential:
    """Issue and sign the learner's badge for a mastered skill (or, with ``skill_id=""``, a course with
    every skill mastered). Only the learner claims their own; their name and (hashed) e-mail address go in
    only when they ask. Raises ``CredentialError``. Claiming again while a badge is valid returns it."""
    wanted = next(
        (c for c in claimables(learner_id=learner.pk) if c.course_id == course_id and c.skill_id == skill_id),
        None,
    )
    if wanted is None:
        raise CredentialError(gettext("You can claim a badge only for a skill or course you have mastered."))
    existing = Credential.objects.filter(
        learner=learner, course_id=course_id, skill_id=skill_id, revoked_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    slug, issuer_name = issuer_of(organisation_id=accounts_api.user_organisation_id(learner))
    standards = curriculum_api.course_standards(course_id=course_id)
    pack = curriculum_api.course_packs(course_ids=[course_id])[course_id]
    if skill_id:
        skill = next(s for s in pack.skills if s.id == skill_id)
        alignments = _alignments(standards.get(skill_id, []))
        description = skill.description or skill.name
        criteria = SKILL_CRITERIA.format(name=skill.name)
        achievement_id = _url(base_url, "curriculum:skill", course_id, skill_id)
    else:
        seen: dict[str, Alignment] = {}
        for s in pack.skills:
            for alignment in _alignments(standards.get(s.id, [])):
                seen.setdefault(alignment.target_url, alignment)
        alignments = list(seen.values())
        info = curriculum_api.course_info(course_id=course_id)
        description = (info.description if info is not None else "") or wanted.name
        criteria = COURSE_CRITERIA.format(name=wanted.name)
        achievement_id = _url(base_url, "curriculum:course", course_id)
    person = accounts_api.person(user_id=learner.pk)
    email = accounts_api.mail_address(user_id=learner.pk) if include_email else ""
    public_id = uuid.uuid4()
    kid, private_key, public_jwk = keys.signing_key(now=now)
    issuer_id = _url(base_url, "credentials:issuer", slug)
    content = BadgeContent(
        credential_id=f"urn:uuid:{public_id}",
        issuer_id=issuer_id,
        issuer_name=issuer_name,
        issuer_url=base_url.rstrip("/") + "/",
        valid_from=now,
        valid_until=valid_until,
        achievement_id=achievement_id,
        achievement_name=wanted.name,
        achievement_description=description,
        criteria=criteria,
        achievement_type="Competency" if skill_id else "Course",
        subject_id=f"urn:uuid:{uuid.uuid4()}",
        status_url=_url(base_url, "credentials:status", str(public_id)),
        alignments=tuple(alignments),
        subject_name=(person.name if person is not None else "") if include_name else "",
        subject_email=email,
        email_salt=secrets.token_hex(8) if email else "",
    )
    credential = open_badge_credential(content)
    claims: dict[str, Any] = {
        "iss": issuer_id,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(now.timestamp()),
        "iat": int(now.timestamp()),
        "vc": credential,
    }
    if valid_until is not None:
        claims["exp"] = int(valid_until.timestamp())
    kid_url = _url(base_url, "credentials:key", kid)
    header = {"typ": "JWT", "kid": kid_url, "jwk": {**public_jwk, "kid": kid_url}}
    token = jwt.encode(claims, private_key, algorithm=keys.ALGORITHM, headers=header)
    with transaction.atomic():
        row = Credential.objects.create(
            public_id=public_id,
            learner=learner,
            kind=CredentialKind.SKILL if skill_id else CredentialKind.COURSE,
            course_id=course_id,
            skill_id=skill_id,
            achievement_name=wanted.name[:300],
            issuer_id=issuer_id,
            key_id=kid,
            issued_at=now,
            name_included=bool(content.subject_name),
            email_included=bool(email),
            jwt=token,
        )
        accounts_api.audit_record(
            actor=learner,
            action="credential.issue",
            target_type="credential",
            target_id=str(public_id),
            details={"kind": row.kind, "course": course_id, "skill": skill_id, "key": kid},
        )
    return row


def credential_revoke(*, credential: Credential, actor: Any, reason: str, now: datetime) -> bool:
    """Revoke a credential (the caller checked that ``actor`` may); False if it was revoked already."""
    with transaction.atomic():
        updated = Credential.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_reason=reason[:200], revoked_by=actor
        )
        if updated:
            accounts_api.audit_record(
                actor=actor,
                action="credential.revoke",
                target_type="credential",
                target_id=str(credential.public_id),
                details={"reason": reason[:200]},
            )
    return bool(updated)
