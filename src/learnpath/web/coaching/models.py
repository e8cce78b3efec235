"""Classes as teachers run them: join codes, groups, the pacing guide, interventions.

Classes and memberships live in accounts; which courses a class uses lives in curriculum
(``curriculum.models.ClassCourse``, decision 0079). Courses and skills are referred to by their pack ids
(slugs), as the learning app does, so history outlives a retired skill.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JoinCode(models.Model):
    """The code learners type to join a class. One per class; a teacher can replace or switch it off."""

    klass = models.OneToOneField("accounts.Class", on_delete=models.CASCADE, related_name="join_code")
    code = models.CharField(max_length=16, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.klass_id}: {self.code}"


class LearnerGroup(models.Model):
    """A small group inside a class (e.g. learners stuck on the same skill)."""

    klass = models.ForeignKey("accounts.Class", on_delete=models.CASCADE, related_name="learner_groups")
    name = models.CharField(max_length=120)
    learners = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PacingTarget(models.Model):
    """A skill to reach by a date: for the whole class, one group of it, or one learner of it."""

    klass = models.ForeignKey("accounts.Class", on_delete=models.CASCADE, related_name="pacing_targets")
    course_id = models.CharField(max_length=80)
    skill_id = models.CharField(max_length=80)
    due = models.DateTimeField()
    group = models.ForeignKey(LearnerGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["klass", "course_id", "due"], name="pacing_class_course_due")]

    def __str__(self) -> str:
        return f"{self.skill_id} due {self.due:%Y-%m-%d}"


class InterventionKind(models.TextChoices):
    NOTE = "note", "Note"
    ONE_TO_ONE = "one_to_one", "One-to-one"
    GROUP_LESSON = "group_lesson", "Group lesson"
    ASSIGNMENT = "assignment", "Assignment"


class Intervention(models.Model):
    """Something a teacher did for some learners, kept so they can later see what happened next."""

    klass = models.ForeignKey("accounts.Class", on_delete=models.CASCADE, related_name="interventions")
    kind = models.CharField(max_length=16, choices=InterventionKind.choices)
    course_id = models.CharField(max_length=80)
    skill_id = models.CharField(max_length=80, blank=True)
    note = models.TextField(blank=True, max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.skill_id}"


class InterventionLearner(models.Model):
    """One learner an intervention was for, with their P(mastered) of its skill at that moment."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="learner_rows")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    p_before = models.FloatField(null=True, blank=True)
    answers_before = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["intervention", "learner"], name="intervention_learner_unique")
        ]

    def __str__(self) -> str:
        return f"{self.intervention_id}: {self.learner_id}"


class EnrolmentRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for agreement"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "No longer needed"


class EnrolmentRequest(models.Model):
    """A teacher asks to enrol a learner who is in another teacher's class (decision 0075).

    A teacher of one of the learner's classes, or an administrator, accepts (the learner joins the class
    then) or declines. At most one request per class and learner waits at a time; decided rows stay as the
    record of who agreed.
    """

    klass = models.ForeignKey("accounts.Class", on_delete=models.CASCADE, related_name="enrolment_requests")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=EnrolmentRequestStatus.choices, default=EnrolmentRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["klass", "learner"],
                condition=models.Q(status="pending"),
                name="enrolment_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} → {self.klass_id} ({self.status})"


class InboxState(models.Model):
    """A teacher's inbox: up to when they have seen it, and whether a daily e-mail summary goes to them."""

    teacher = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_until = models.DateTimeField(null=True, blank=True)
    email_daily = models.BooleanField(default=False)
    emailed_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"inbox of {self.teacher_id}"
