"""What learners own: goals with milestones, portfolio submissions, reflections, project choices, and the
feedback teachers give on their work. Courses, skills and projects are referred to by their pack ids."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Goal(models.Model):
    """A learner's goal, set by the learner or with a teacher, with milestones toward it."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    why = models.TextField(blank=True, max_length=2000)
    course_id = models.CharField(max_length=80, blank=True)
    target_date = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    achieved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["achieved_at", "target_date", "id"]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    """A step toward a goal: done by hand, or by mastering its skill."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    skill_id = models.CharField(max_length=80, blank=True, help_text="Done when this skill is mastered.")
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class SubmissionKind(models.TextChoices):
    TEXT = "text", "Text"
    LINK = "link", "Link"
    FILE = "file", "File"


class Submission(models.Model):
    """A piece of work in the learner's portfolio: a project as text, a link or a file.

    Files are kept in the database (no path on disk a name could steer) and served as attachments with
    their checked type and ``nosniff``.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    course_id = models.CharField(max_length=80, blank=True)
    project_id = models.CharField(max_length=80, blank=True)
    topic_id = models.CharField(max_length=80, blank=True)
    format_id = models.CharField(max_length=80, blank=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=SubmissionKind.choices)
    text = models.TextField(blank=True, max_length=20000)
    link = models.URLField(blank=True, max_length=500)
    file_name = models.CharField(max_length=120, blank=True)
    file_type = models.CharField(max_length=80, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_data = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Reflection(models.Model):
    """A learner's answers to the prompts after a session; the learner and their teachers read it."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    course_id = models.CharField(max_length=80, blank=True)
    went_well = models.TextField(max_length=2000)
    try_next = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.created_at:%Y-%m-%d}"


class ProjectBoard(models.Model):
    """A teacher's options for one course project in one class: the topics and formats learners pick from."""

    klass = models.ForeignKey("accounts.Class", on_delete=models.CASCADE, related_name="project_boards")
    course_id = models.CharField(max_length=80)
    project_id = models.CharField(max_length=80)
    topic_ids = models.JSONField(default=list)
    format_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["klass", "course_id", "project_id"], name="project_board_unique")
        ]

    def __str__(self) -> str:
        return f"{self.klass_id}: {self.project_id}"


class ProjectChoice(models.Model):
    """The topic and format a learner chose for a project, within the teacher's options."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    board = models.ForeignKey(ProjectBoard, on_delete=models.CASCADE, related_name="choices")
    topic_id = models.CharField(max_length=80)
    format_id = models.CharField(max_length=80)
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "board"], name="project_choice_unique")]

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.topic_id}/{self.format_id}"


class FeedbackTarget(models.TextChoices):
    ATTEMPT = "attempt", "Attempt"
    SUBMISSION = "submission", "Project"
    REFLECTION = "reflection", "Reflection"
    GOAL = "goal", "Goal"


class Feedback(models.Model):
    """A teacher's comment on a learner's attempt, project, reflection or goal; the learner reads it."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_type = models.CharField(max_length=16, choices=FeedbackTarget.choices)
    target_id = models.CharField(max_length=40)
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["learner", "target_type", "target_id"], name="feedback_target")]

    def __str__(self) -> str:
        return f"{self.target_type}:{self.target_id}"
