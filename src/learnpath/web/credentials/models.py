"""The Credentials app's tables: the issuer's signing keys and the credentials learners claimed.

Decision 0091 (docs/decisions/0091-open-badges.md) says why the private key lives in the database (every
app process signs with the same key, PostgreSQL or SQLite alike) and why a credential's row outlives the
learner's account (a verifier who holds the badge must still learn that it was revoked).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class IssuerKey(models.Model):
    """An ECDSA P-256 (ES256) key pair the site signs credentials with. The newest unretired key signs;
    retired keys stay published in the JWKS so that credentials signed with them stay verifiable."""

    kid = models.CharField(max_length=64, unique=True)  # the RFC 7638 thumbprint of the public key
    private_pem = models.TextField()  # PKCS#8 PEM; never shown, exported or logged
    public_jwk = models.JSONField()
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"issuer key {self.kid}"


class CredentialKind(models.TextChoices):
    SKILL = "skill", "Skill"
    COURSE = "course", "Course"


class Credential(models.Model):
    """An Open Badges 3.0 credential a learner claimed, as issued (the signed VC-JWT), and its status."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=CredentialKind.choices)
    course_id = models.CharField(max_length=80)
    skill_id = models.CharField(max_length=120, blank=True)  # "" for a course
    achievement_name = models.CharField(max_length=300)
    issuer_id = models.URLField(max_length=500)
    key_id = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    name_included = models.BooleanField(default=False)
    email_included = models.BooleanField(default=False)
    jwt = models.TextField(blank=True)  # emptied when the account is deleted
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["learner", "course_id"], name="credential_learner_course")]

    def __str__(self) -> str:
        return f"credential {self.public_id}"
