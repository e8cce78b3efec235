"""People and the groups they belong to, and the audit log of privileged actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from learnpath.web.accounts.timezones import is_time_zone


def validate_time_zone(value: str) -> None:
    """An IANA time zone name this machine knows (empty is allowed where the field is optional)."""
    if value and not is_time_zone(value):
        raise ValidationError(
            f"{value!r} is not a time zone. Use a name such as Europe/Madrid or America/Lima."
        )


class Organisation(models.Model):
    """A school, a company or any body that runs classes; members see its courses."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The school's time zone (an IANA name such as Europe/Madrid): its members' times are shown "
        "in it unless they choose their own.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    TEACHER = "teacher", "Teacher"
    GUARDIAN = "guardian", "Guardian"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """A person who signs in. Learners may be minors: keep only what the platform needs."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text="The organisation whose courses this person sees. Empty: global courses only.",
    )
    display_name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Times are shown in this zone. Empty: the organisation's.",
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text="The language of every page for this person. Empty: the browser's, or the switch's.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name or self.username


class Class(models.Model):
    """A school class or training group inside an organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="classes")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    teachers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="classes_taught", blank=True)
    learners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ClassMembership",
        related_name="classes_joined",
        blank=True,
    )
    joining_code = models.CharField(
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        default=None,
        help_text="What learners type to sign up in or join this class (see accounts/join_codes.py).",
    )
    joining_open = models.BooleanField(default=True, help_text="Off: the joining code is refused.")
    archived_at = models.DateTimeField(
        null=True,
        blank=True,
        default=None,
        help_text="Set: the class is archived. It leaves every list, grants nobody access to its learners "
        "and takes no one in; its memberships and history stay, and restoring clears this.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name_plural = "classes"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="class_slug_unique_in_organisation")
        ]

    def __str__(self) -> str:
        return self.name


class ClassMembership(models.Model):
    """A learner in a class, since ``joined_at``: a teacher of the class reads the work the learner wrote
    from then on (coaching/access.py). Removing a learner deletes the row; the audit log keeps the fact."""

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["klass", "learner"], name="class_membership_unique")]

    def __str__(self) -> str:
        return f"{self.learner} in {self.klass}"


class GuardianLink(models.Model):
    """A guardian (parent, carer) linked to a learner, with the consent that makes the link active.

    The link is active while consent is given and not withdrawn; withdrawing keeps the row so the
    history of who could see what stays auditable.
    """

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardian_links"
    )
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardians")
    relationship = models.CharField(max_length=60, blank=True, help_text="e.g. parent, carer")
    consent_given_at = models.DateTimeField(null=True, blank=True)
    consent_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who recorded the consent (the learner, the guardian or a staff member).",
    )
    consent_text_version = models.CharField(max_length=40, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guardian", "learner"], name="guardian_link_unique")]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.learner}"

    @property
    def is_active(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None


class AuditLogIsAppendOnly(Exception):
    """An audit row was about to be changed or deleted: the audit log only grows (decision 0076)."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Refuses bulk updates and deletes; rows leave only through ``expire`` (the retention window)."""

    def update(self, **kwargs: object) -> int:
        raise AuditLogIsAppendOnly("audit rows are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit rows are never deleted; the retention job expires old ones")

    def expire(self, *, before: datetime) -> int:
        """Delete the rows of this queryset written before ``before``: the retention job's one way out."""
        deleted, _ = models.QuerySet.delete(self.filter(created_at__lt=before))
        return deleted


class AuditEntry(models.Model):
    """One privileged action, written by the service that did it, in the same transaction.

    Append-only: saving an existing row, deleting one and bulk updates or deletes raise
    ``AuditLogIsAppendOnly``; only the retention job removes rows past the organisation's window.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=120, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # A person's data export and page list what was done to them: found by target, not by a scan.
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AuditLogIsAppendOnly("audit rows are never updated")
        # Always an INSERT: a new object carrying an existing row's id is refused by the database instead
        # of silently overwriting that row (Django would otherwise UPDATE it).
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit rows are never deleted; the retention job expires old ones")


class ApiToken(models.Model):
    """A token another system sends instead of a session cookie: ``Authorization: Bearer lp_<key>_<secret>``.

    It acts as its ``user``, with that person's access and no more, and only for the ``scopes`` it was made
    with (``accounts.api_tokens``). Only a SHA-256 digest of the secret is stored: the token is shown once.
    Revoked tokens are kept (revoked) as the record of what could sign in, until the account is deleted.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the system that uses it.")
    key = models.CharField(max_length=16, unique=True, help_text="The public part that names the token.")
    secret_digest = models.CharField(max_length=64, help_text="SHA-256 of the secret part, in hex.")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (lp_{self.key}…)"


class RosterLink(models.Model):
    """A class or a person of an organisation as its information system names them (a OneRoster
    ``sourcedId``): what makes importing the same roster again change nothing (``accounts.rostering``).

    ``missing_since``: a bulk roster no longer lists them; the class or the account is kept as it is (never
    deleted by a roster), and cleared when a roster lists them again."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "School"  # the organisation itself: one school's roster per organisation
        CLASS = "class", "Class"
        USER = "user", "User"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roster_links")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sourced_id = models.CharField(max_length=255)
    target_id = models.BigIntegerField(help_text="The id of the organisation, the class or the user.")
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(help_text="When a roster last listed it.")
    missing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "sourced_id"], name="roster_link_unique"),
            models.UniqueConstraint(fields=["kind", "target_id"], name="roster_link_one_per_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sourced_id} → {self.target_id}"


class IdentityProvider(models.Model):
    """An organisation's OpenID Connect provider (its Google Workspace, Microsoft Entra ID, …): its members
    sign in with their school account (``accounts.oidc``, docs/decisions/0092-oidc-sign-in.md).

    The provider's discovery document is fetched when it is configured and kept in ``discovery``; the client
    secret is written once and never shown again. Who may sign in is decided conservatively: a person signs
    in only through an ``IdentityLink``, which an operator makes, or a verified e-mail of the organisation's
    domains makes when ``link_by_email`` is on; ``make_learners`` (off by default) gives an unknown person of
    the provider a new learner account."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="identity_providers"
    )
    name = models.CharField(
        max_length=100, help_text='Shown on the sign-in button: "Sign in with <name>", e.g. North School.'
    )
    issuer = models.CharField(max_length=300, help_text="The provider's issuer URL, exactly as it says it.")
    client_id = models.CharField(max_length=255)
    client_secret = models.CharField(max_length=500, blank=True, help_text="Never shown again once saved.")
    discovery = models.JSONField(
        default=dict, blank=True, help_text="The provider's /.well-known/openid-configuration."
    )
    discovered_at = models.DateTimeField(null=True, blank=True)
    email_domains = models.CharField(
        max_length=500,
        blank=True,
        help_text="The organisation's e-mail domains, separated by spaces (e.g. north.example). Set: only "
        "people whose verified e-mail is in one of them are linked by e-mail or get a new account.",
    )
    link_by_email = models.BooleanField(
        default=False,
        help_text="On: a first sign-in with a verified e-mail equal to that of a learner or teacher of the "
        "organisation links the two (never an administrator).",
    )
    make_learners = models.BooleanField(
        default=False,
        help_text="On: a person the provider knows but learnpath does not gets a new learner account "
        "(just in time). Off: they are refused and asked to see their teacher or administrator.",
    )
    enabled = models.BooleanField(default=True, help_text="Off: its button is gone and sign-ins are refused.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "issuer"], name="identity_provider_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer})"


class IdentityLink(models.Model):
    """A person's account at an organisation's identity provider (its issuer and ``sub``), linked to their
    learnpath account: the only way an OpenID Connect sign-in finds a learnpath account."""

    class MadeBy(models.TextChoices):
        OPERATOR = "operator", "An operator or administrator"
        EMAIL = "email", "A verified e-mail of the organisation"
        NEW_ACCOUNT = "new_account", "A new learner account made at the first sign-in"

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_links"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255, help_text="The provider's ``sub`` for the person.")
    made_by = models.CharField(max_length=16, choices=MadeBy.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "issuer", "subject"], name="identity_link_unique"),
            models.UniqueConstraint(fields=["provider", "user"], name="identity_link_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject} → {self.user_id}"
