"""Personal data in agency: what learners own (goals, projects and files, reflections, choices) and the
feedback teachers wrote on it."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from learnpath.web.agency.models import (
    Feedback,
    Goal,
    ProjectChoice,
    Reflection,
    Submission,
    SubmissionKind,
)
from learnpath.web.personal_data import PersonalData, StoredFile, plain, plain_rows

SUBMISSION_FIELDS = [
    "course_id", "project_id", "topic_id", "format_id", "title", "kind", "text", "link", "file_name",
    "file_type", "file_size", "created_at",
]  # fmt: skip
_OWN_SEEN = "The learner, their teachers, administrators; linked guardians see goals and projects."

PERSONAL_DATA = (
    PersonalData(
        model="agency.Goal",
        fields=("learner", "title", "why", "set_by"),
        purpose="The learner's own goals and milestones.",
        seen_by=_OWN_SEEN,
        kept="Until the learner deletes it or is deleted.",
    ),
    PersonalData(
        model="agency.Submission",
        fields=("learner", "title", "text", "link", "file_name", "file_data"),
        purpose="The learner's portfolio: projects as text, links or uploaded files.",
        seen_by=_OWN_SEEN,
        kept="Until the learner is deleted; uploaded files until the organisation's uploads window.",
    ),
    PersonalData(
        model="agency.Reflection",
        fields=("learner", "went_well", "try_next"),
        purpose="The learner's reflections after a session.",
        seen_by="The learner, their teachers, administrators.",
        kept="Until the learner is deleted.",
    ),
    PersonalData(
        model="agency.ProjectChoice",
        fields=("learner",),
        purpose="The topic and format a learner chose for a project.",
        seen_by="The learner, their teachers, administrators.",
        kept="Until the learner is deleted.",
    ),
    PersonalData(
        model="agency.Feedback",
        fields=("learner", "author", "body"),
        purpose="A teacher's comment on a learner's work.",
        seen_by="The learner, their teachers, administrators.",
        kept="Until the learner is deleted.",
    ),
)


def _file_bytes(submission_id: int) -> bytes | None:
    data = Submission.objects.filter(pk=submission_id).values_list("file_data", flat=True).first()
    return None if data is None else bytes(data)


def _submissions(user_id: int) -> list[dict[str, Any]]:
    """The learner's portfolio pieces; a file's bytes are a ``StoredFile``, read only when written out."""
    rows = Submission.objects.filter(learner_id=user_id).defer("file_data").order_by("created_at", "id")
    out = plain_rows(rows, SUBMISSION_FIELDS)
    for record in out:
        has_file = record["kind"] == "file" and record["file_size"] > 0
        record["file_data"] = StoredFile(partial(_file_bytes, record["id"])) if has_file else None
    return out


def export(*, user_id: int) -> dict[str, Any]:
    """The learner's goals (with milestones), submissions (files as ``StoredFile``: base64 in the JSON
    download), reflections, choices and feedback."""
    return {
        "goals": [
            {
                "title": goal.title,
                "why": goal.why,
                "course": goal.course_id,
                "target_date": plain(goal.target_date),
                "created_at": plain(goal.created_at),
                "achieved_at": plain(goal.achieved_at),
                "milestones": [
                    {"title": m.title, "skill": m.skill_id, "done_at": plain(m.done_at)}
                    for m in goal.milestones.all()
                ],
            }
            for goal in Goal.objects.filter(learner_id=user_id).prefetch_related("milestones")
        ],
        "submissions": _submissions(user_id),
        "reflections": plain_rows(
            Reflection.objects.filter(learner_id=user_id).order_by("created_at", "id"),
            ["course_id", "went_well", "try_next", "created_at"],
        ),
        "project_choices": [
            {"project": c.board.project_id, "topic": c.topic_id, "format": c.format_id}
            for c in ProjectChoice.objects.filter(learner_id=user_id).select_related("board")
        ],
        "feedback": plain_rows(
            Feedback.objects.filter(learner_id=user_id).order_by("created_at", "id"),
            ["target_type", "target_id", "body", "created_at"],
        ),
        "feedback_written": Feedback.objects.filter(author_id=user_id).count(),
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Delete everything the learner owns and the feedback on it; forget them as an author. Idempotent."""
    return {
        "goals": Goal.objects.filter(learner_id=user_id).delete()[0],
        "submissions": Submission.objects.filter(learner_id=user_id).delete()[0],
        "reflections": Reflection.objects.filter(learner_id=user_id).delete()[0],
        "project_choices": ProjectChoice.objects.filter(learner_id=user_id).delete()[0],
        "feedback": Feedback.objects.filter(learner_id=user_id).delete()[0],
        "goals_set_for_others": Goal.objects.filter(set_by_id=user_id).update(set_by=None),
        "feedback_written": Feedback.objects.filter(author_id=user_id).update(author=None),
    }


def uploads_expire(*, organisation_id: int, before: datetime) -> int:
    """Delete the uploaded files of the organisation's learners submitted before ``before``: the file's
    bytes (and size and checksum) go; the portfolio piece, its title and the feedback on it stay, and the
    pages say the file was removed. Returns how many files were deleted."""
    files = Submission.objects.filter(
        learner__organisation_id=organisation_id,
        kind=SubmissionKind.FILE,
        created_at__lt=before,
        file_data__isnull=False,
    )
    return files.update(file_data=None, file_size=0, file_sha256="")
