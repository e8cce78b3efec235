"""Placement sessions (one learner, one course, one run of ``engine.placement``) and the teachers' caps.

The answers themselves are events in the learning app's log (``learning.api.placement_event_record``);
a session keeps the engine's state (the seed and the answers: all it needs to resume exactly), the
question on screen, and the result once it is finished.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SessionStatus(models.TextChoices):
    ACTIVE = "active", "In progress"
    FINISHED = "finished", "Finished"
    SKIPPED = "skipped", "Skipped"


class PlacementSession(models.Model):
    """One placement of one learner in one course. At most one is in progress per learner and course."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_id = models.CharField(max_length=80)
    course_checksum = models.CharField(max_length=64, help_text="The course version it was started on.")
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.ACTIVE)
    max_questions = models.PositiveSmallIntegerField(help_text="The cap when it started (teacher's or 20).")
    engine_state = models.JSONField(help_text="engine.placement.PlacementState.to_dict()")
    question = models.JSONField(null=True, blank=True, help_text="The question on screen: item, seed, skill.")
    result = models.JSONField(null=True, blank=True, help_text="engine.placement.PlacementResult.to_dict()")
    start_skill_id = models.CharField(max_length=80, blank=True, help_text="Where practice starts after it.")
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course_id"],
                condition=models.Q(status="active"),
                name="placement_one_active_per_learner_course",
            ),
        ]
        indexes = [models.Index(fields=["learner", "course_id", "id"], name="placement_learner_course")]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.course_id} {self.status}"

    @property
    def answered(self) -> int:
        return len(self.engine_state.get("answers", []))


class ClassPlacementCap(models.Model):
    """A class's cap on placement questions (the lowest cap of a learner's classes with the course wins)."""

    klass = models.OneToOneField("accounts.Class", on_delete=models.CASCADE, related_name="placement_cap")
    max_questions = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.klass_id}: {self.max_questions}"
