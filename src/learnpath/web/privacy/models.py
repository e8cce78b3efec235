"""Data rights: each organisation's privacy settings, learners' consent per purpose, deletion requests.

The privacy app sits above every other app (decision 0076): it reads and erases their rows only through
each app's ``api.privacy_provider``, and nothing calls it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_noop


class OrganisationPolicy(models.Model):
    """An organisation's privacy settings. No row: the defaults (learners are minors, no research data
    kept after deletion, nothing expires)."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="privacy_policy"
    )
    learners_are_adults = models.BooleanField(
        default=False,
        help_text="On: learners export and delete their own data. Off (a school): a linked guardian or an "
        "administrator does it for them.",
    )
    keep_research_data = models.BooleanField(
        default=False,
        help_text="On: when a learner who consented to research use is deleted, their answers are kept "
        "anonymised (attached to no one) for fitting learner models. Off: everything is deleted.",
    )
    # At least a day: a window of 0 would delete everything every day, and nothing brings it back.
    events_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Delete learners' events older than this many days (1 or more). Empty: keep.",
    )
    uploads_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Delete uploaded project files older than this many days (1 or more). Empty: keep.",
    )
    audit_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Delete audit rows of the organisation's members older than this many days (1 or more). "
        "Empty: keep.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(events_days__isnull=True) | models.Q(events_days__gte=1))
                & (models.Q(uploads_days__isnull=True) | models.Q(uploads_days__gte=1))
                & (models.Q(audit_days__isnull=True) | models.Q(audit_days__gte=1)),
                name="retention_windows_at_least_a_day",
            )
        ]
        verbose_name = "organisation privacy settings"
        verbose_name_plural = "organisation privacy settings"

    def __str__(self) -> str:
        return f"privacy settings of {self.organisation_id}"


class Purpose(models.TextChoices):
    # Labels marked for the catalogue, translated where shown (a translated label would be a migration).
    RESEARCH = "research", gettext_noop("Research use of anonymised logs")
    GUARDIAN_SHARING = "guardian_sharing", gettext_noop("Sharing progress with guardians")
    EMAIL = "email", gettext_noop("E-mail from learnpath")


class ConsentRecord(models.Model):
    """One consent choice for one purpose; the newest per learner and purpose is the one in force, the older
    rows are its history."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    granted = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()
    text_version = models.CharField(max_length=40, help_text="The consent text the choice was made on.")

    class Meta:
        ordering = ["learner", "purpose", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["learner", "purpose", "recorded_at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.purpose} {'yes' if self.granted else 'no'}"


class DeletionRequest(models.Model):
    """The deletion of one person's data, app by app. ``progress`` holds, per app done, when and how many
    rows; running the request again continues with the apps not done (a crash loses nothing)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    keep_research = models.BooleanField(
        help_text="Anonymised answers are kept: the organisation keeps research data, the learner consented."
    )
    progress = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner"],
                condition=models.Q(finished_at__isnull=True),
                name="deletion_one_open_per_learner",
            )
        ]

    def __str__(self) -> str:
        return f"deletion of {self.learner_id}"
