"""The event log (the source of truth) and the tables derived from it (docs/decisions/0040).

``Event`` rows are only ever appended. Every other table here is derived: the engine's learner loop
(``engine.learner_loop.apply``) computes them from the events, the services update them in the same
transaction as the event they follow from, and ``learnpath rebuild-state`` recomputes them from the log
with the same code, identically. Each fact is stored once (``learning.store`` converts rows to the
engine's ``CourseState`` and back).

Courses, skills, items and resources are referred to by their pack ids (slugs), not by foreign keys into
the curriculum app: apps meet only through ``api.py``, and a learner's history must outlive a retired
item.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EventKind(models.TextChoices):
    START = "start", "Question shown"
    ANSWER = "answer", "Answer"
    SKIP = "skip", "I haven't learned this yet"
    HINT = "hint", "Hint shown"
    SOLUTION = "solution", "Worked solution shown"
    RESOURCE = "resource", "Resource opened"
    CHOICE = "choice", "Skill chosen"
    OVERRIDE = "override", "Mastery set by a teacher"


class Event(models.Model):
    """One thing a learner did, as it happened. Append-only: never updated, never deleted by the app.

    ``payload_hash`` is the SHA-256 of what the client sent with ``idempotency_key``: the same key with the
    same payload replays ``result``; the same key with another payload is refused.
    """

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events")
    course_id = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    idempotency_key = models.CharField(max_length=100)
    payload_hash = models.CharField(max_length=64)
    item_id = models.CharField(max_length=80, blank=True)
    seed = models.BigIntegerField(null=True, blank=True, help_text="The variant of a parametric item.")
    step_id = models.CharField(max_length=80, blank=True)
    skill_id = models.CharField(max_length=80, blank=True)
    resource_id = models.CharField(max_length=80, blank=True)
    response = models.JSONField(null=True, blank=True, help_text="What the learner answered.")
    verdict = models.CharField(max_length=16, blank=True, help_text="correct, incorrect or empty.")
    confidence = models.CharField(max_length=8, blank=True)
    model_version = models.CharField(
        max_length=100, blank=True, help_text="The learner model served when it happened (blank: the prior)."
    )
    result = models.JSONField(
        default=dict, help_text="What the learner was told (replayed for a repeated key)."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who did it when not the learner: the teacher of an override (blank: the learner).",
    )
    occurred_at = models.DateTimeField(help_text="Server time (UTC) of the action; the clock of the rules.")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"], name="event_key_unique_per_learner"
            ),
        ]
        indexes = [models.Index(fields=["learner", "course_id", "id"], name="event_learner_course")]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.kind} {self.item_id or self.skill_id or self.resource_id}"


class ResumedKey(models.Model):
    """An idempotency key whose request wrote no event: a start while a question was open, answered with
    that question. Kept so that the key goes on meaning that one action after the question closes (the
    same key replays ``result``, the same question; it never starts another)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_id = models.CharField(max_length=80)
    idempotency_key = models.CharField(max_length=100)
    payload_hash = models.CharField(max_length=64)
    result = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"], name="resumed_key_unique_per_learner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.idempotency_key}"


class LearnerCourse(models.Model):
    """Derived: one learner in one course. The served model's state, the open question, recent activity,
    the review counters and the items shown."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_id = models.CharField(max_length=80)
    model_state = models.JSONField(
        null=True, blank=True, help_text="The served learner model's state (engine.served_model)."
    )
    attempt = models.JSONField(
        null=True, blank=True, help_text="The open (or last) question: engine.learner_loop.OpenQuestion."
    )
    recent_skills = models.JSONField(default=list)
    last_item_id = models.CharField(max_length=80, blank=True)
    chosen_skill_id = models.CharField(max_length=80, blank=True)
    last_active_at = models.DateTimeField(null=True, blank=True)
    away_since = models.DateTimeField(
        null=True, blank=True, help_text="Last activity before the current day."
    )
    review_day = models.DateField(null=True, blank=True)
    reviewed_today = models.PositiveIntegerField(default=0)
    pending_resources = models.JSONField(
        default=dict, help_text="Resources opened since the skill's last answer."
    )
    items = models.JSONField(
        default=dict, help_text="Items shown: {item: [times shown, last worked solution seen or null]}."
    )
    teacher_notes = models.JSONField(
        default=dict,
        help_text="Teachers' overrides still to tell the learner: {skill: engine.learner_loop.TeacherNote}.",
    )
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "course_id"], name="learner_course_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.course_id}"


class SkillState(models.Model):
    """Derived: one learner on one skill: ``engine.mastery.SkillProgress``, one column per field."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_id = models.CharField(max_length=80)
    skill_id = models.CharField(max_length=80)
    p_mastered = models.FloatField()
    answers = models.PositiveIntegerField(default=0)
    correct_streak = models.PositiveIntegerField(default=0)
    mastered_at = models.DateTimeField(null=True, blank=True)
    lapsed = models.BooleanField(default=False)
    last_practised = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "course_id", "skill_id"], name="skill_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.course_id}/{self.skill_id}"


class ReviewSchedule(models.Model):
    """Derived: the FSRS schedule of one mastered skill for one learner (engine.review)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_id = models.CharField(max_length=80)
    skill_id = models.CharField(max_length=80)
    due = models.DateTimeField()
    schedule = models.JSONField(help_text="engine.review.ReviewSchedule.to_dict()")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course_id", "skill_id"], name="review_schedule_unique"
            ),
        ]
        indexes = [models.Index(fields=["learner", "course_id", "due"], name="review_due")]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.course_id}/{self.skill_id} due {self.due:%Y-%m-%d}"


class ResourceUse(models.Model):
    """Derived: how often a resource was opened, and how often the next answer on its skill was right."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_id = models.CharField(max_length=80)
    resource_id = models.CharField(max_length=80)
    views = models.PositiveIntegerField(default=0)
    followed = models.PositiveIntegerField(default=0, help_text="Views followed by an answer on the skill.")
    helped = models.PositiveIntegerField(default=0, help_text="... of which the answer was right.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course_id", "resource_id"], name="resource_use_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.course_id}/{self.resource_id}"


class FittedModel(models.Model):
    """A learner model fitted on one course's own log (``learnpath fit``): a versioned parameter document.

    ``served`` marks the versions that were put in use (their held-out log loss was no worse than the
    model in use then); the course serves the newest served one, and the prior model before any.
    ``held_out`` and ``in_use_score`` score this model and the model in use at fit time on the same
    held-out answers (``engine.model_fit.HeldOutScore.to_dict``).
    """

    course_id = models.CharField(max_length=80)
    number = models.PositiveIntegerField(help_text="1, 2, ... per course")
    name = models.CharField(max_length=100, help_text="The version name learner states refer to.")
    document = models.JSONField(
        null=True, blank=True, help_text="engine.served_model.StackedServedModel.to_dict()"
    )
    fitted_at = models.DateTimeField()
    seconds = models.FloatField(default=0.0, help_text="Wall-clock seconds the fit took.")
    answers = models.PositiveIntegerField(default=0, help_text="Observations in the course's log then.")
    trained_on = models.PositiveIntegerField(default=0)
    held_out = models.JSONField(null=True, blank=True)
    in_use_name = models.CharField(max_length=100, help_text="The model in use when this one was fitted.")
    in_use_score = models.JSONField(null=True, blank=True)
    served = models.BooleanField(default=False)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["course_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course_id", "number"], name="fitted_model_number_unique"),
        ]
        indexes = [models.Index(fields=["course_id", "served", "number"], name="fitted_model_served")]

    def __str__(self) -> str:
        return f"{self.course_id} {self.name}"


class LearnerProfile(models.Model):
    """What the learner told learnpath about themselves (issue 11, docs/decisions/0077): interests, the
    formats they like and a daily goal. Not derived from the log, so rebuild-state never touches it.

    ``interests`` and ``formats`` hold ids of the fixed vocabulary in ``learning.preferences`` (no free
    text); ``daily_goal`` is questions a day, null for no daily goal. Onboarding is pending while
    ``completed_at`` and ``skipped_at`` are both empty.
    """

    learner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    interests = models.JSONField(default=list, blank=True, help_text="Interest area ids.")
    formats = models.JSONField(default=list, blank=True, help_text="Preferred modalities.")
    daily_goal = models.PositiveSmallIntegerField(
        null=True, blank=True, default=10, help_text="Questions a day (blank: no daily goal)."
    )
    completed_at = models.DateTimeField(null=True, blank=True, help_text="Onboarding answered.")
    skipped_at = models.DateTimeField(null=True, blank=True, help_text="Onboarding put off (“Not now”).")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.learner_id}"
