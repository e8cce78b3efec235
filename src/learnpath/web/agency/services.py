"""Writes for learner agency. Each is atomic; actions on another person's data write an audit row."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learnpath.web.accounts import api as accounts_api
from learnpath.web.agency.models import (
    Feedback,
    FeedbackTarget,
    Goal,
    Milestone,
    ProjectBoard,
    ProjectChoice,
    Reflection,
    Submission,
    SubmissionKind,
)
from learnpath.web.agency.selectors import Windows, work_in_windows
from learnpath.web.agency.uploads import CheckedFile
from learnpath.web.learning import api as learning_api

MAX_MILESTONES = 12


class AgencyError(ValueError):
    """A request that cannot be done, with a message a person can act on."""


def _text(value: str, limit: int) -> str:
    return value.strip()[:limit]


@transaction.atomic
def goal_create(
    *,
    learner_id: int,
    title: str,
    actor: Any,
    why: str = "",
    course_id: str = "",
    target_date: date | None = None,
    milestones: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> Goal:
    """A goal for a learner, set by the learner or by their teacher, with milestones (title, skill id)."""
    title = _text(title, 200)
    if not title:
        raise AgencyError(gettext("Give the goal a title, e.g. “Add fractions by the end of term”."))
    goal = Goal.objects.create(
        learner_id=learner_id,
        title=title,
        why=_text(why, 2000),
        course_id=course_id,
        target_date=target_date,
        set_by=actor,
    )
    Milestone.objects.bulk_create(
        Milestone(goal=goal, title=_text(m_title, 200), skill_id=skill, position=n)
        for n, (m_title, skill) in enumerate(milestones[:MAX_MILESTONES])
        if m_title.strip()
    )
    if actor.pk != learner_id:
        accounts_api.audit_record(
            actor=actor,
            action="goal.create_for_learner",
            target_type="goal",
            target_id=goal.pk,
            details={"learner": learner_id},
        )
    return goal


@transaction.atomic
def milestone_toggle(*, learner_id: int, milestone_id: int) -> Milestone | None:
    """Tick or untick a milestone of the learner's own goal."""
    milestone = (
        Milestone.objects.select_for_update().filter(pk=milestone_id, goal__learner_id=learner_id).first()
    )
    if milestone is None:
        return None
    milestone.done_at = None if milestone.done_at else timezone.now()
    milestone.save(update_fields=["done_at"])
    return milestone


@transaction.atomic
def goal_achieved_toggle(*, learner_id: int, goal_id: int) -> Goal | None:
    goal = Goal.objects.select_for_update().filter(pk=goal_id, learner_id=learner_id).first()
    if goal is None:
        return None
    goal.achieved_at = None if goal.achieved_at else timezone.now()
    goal.save(update_fields=["achieved_at"])
    return goal


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _quota_check(learner_id: int, size: int) -> None:
    """Refuse a file that would take the learner's files past ``LEARNPATH_UPLOAD_QUOTA_BYTES``."""
    quota = int(settings.LEARNPATH_UPLOAD_QUOTA_BYTES)
    # The learner's own row is locked until the upload is saved (on PostgreSQL; SQLite runs one write at a
    # time), so two uploads at once are checked one after the other, even before the first file.
    list(get_user_model().objects.select_for_update().filter(pk=learner_id).values_list("pk", flat=True))
    used = sum(
        Submission.objects.filter(learner_id=learner_id, kind=SubmissionKind.FILE).values_list(
            "file_size", flat=True
        )
    )
    if used + size > quota:
        raise AgencyError(
            gettext(
                "Your portfolio's files already take %(used)s of the %(quota)s each learner may keep, and "
                "this file needs %(size)s. Add it as a link instead, or ask your teacher to make room."
            )
            % {"used": _megabytes(used), "quota": _megabytes(quota), "size": _megabytes(size)}
        )


@transaction.atomic
def submission_create(
    *,
    learner_id: int,
    title: str,
    kind: str,
    text: str = "",
    link: str = "",
    file: CheckedFile | None = None,
    course_id: str = "",
    project_id: str = "",
    topic_id: str = "",
    format_id: str = "",
) -> Submission:
    """Add work to the learner's portfolio: text, an http(s) link, or a checked file."""
    title = _text(title, 200)
    if not title:
        raise AgencyError(gettext("Give your work a title."))
    submission = Submission(
        learner_id=learner_id,
        title=title,
        kind=kind,
        course_id=course_id,
        project_id=project_id,
        topic_id=topic_id,
        format_id=format_id,
    )
    if kind == SubmissionKind.TEXT:
        submission.text = _text(text, 20000)
        if not submission.text:
            raise AgencyError(gettext("Write something, or choose a link or a file instead."))
    elif kind == SubmissionKind.LINK:
        parsed = urlparse(link.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(link) > 500:
            raise AgencyError(gettext("A link starts with https:// (or http://) and names a web site."))
        submission.link = link.strip()
    elif kind == SubmissionKind.FILE:
        if file is None:
            raise AgencyError(gettext("Choose a file to upload."))
        _quota_check(learner_id, len(file.data))
        submission.file_name = file.name
        submission.file_type = file.content_type
        submission.file_size = len(file.data)
        submission.file_sha256 = hashlib.sha256(file.data).hexdigest()
        submission.file_data = file.data
    else:
        raise AgencyError(gettext("Choose text, a link or a file."))
    submission.save()
    return submission


@transaction.atomic
def reflection_create(*, learner_id: int, went_well: str, try_next: str, course_id: str = "") -> Reflection:
    went_well, try_next = _text(went_well, 2000), _text(try_next, 2000)
    if not went_well and not try_next:
        raise AgencyError(gettext("Answer at least one of the two questions."))
    return Reflection.objects.create(
        learner_id=learner_id, went_well=went_well, try_next=try_next, course_id=course_id
    )


@transaction.atomic
def project_board_set(
    *, class_id: int, course_id: str, project_id: str, topic_ids: list[str], format_ids: list[str], actor: Any
) -> ProjectBoard:
    """The teacher's options (topics, formats) for a course project in a class."""
    if not topic_ids or not format_ids:
        raise AgencyError(gettext("Offer at least one topic and one format."))
    board, _ = ProjectBoard.objects.update_or_create(
        klass_id=class_id,
        course_id=course_id,
        project_id=project_id,
        defaults={"topic_ids": topic_ids, "format_ids": format_ids},
    )
    accounts_api.audit_record(
        actor=actor,
        action="project_board.set",
        target_type="project_board",
        target_id=board.pk,
        details={"class": class_id, "project": project_id, "topics": topic_ids, "formats": format_ids},
    )
    return board


@transaction.atomic
def project_choose(*, learner_id: int, board: ProjectBoard, topic_id: str, format_id: str) -> ProjectChoice:
    """The learner's topic and format for a project: only within the teacher's options."""
    if topic_id not in board.topic_ids or format_id not in board.format_ids:
        raise AgencyError(gettext("Choose one of the topics and one of the formats your teacher offers."))
    choice, _ = ProjectChoice.objects.update_or_create(
        learner_id=learner_id, board=board, defaults={"topic_id": topic_id, "format_id": format_id}
    )
    return choice


def _target_exists(learner_id: int, target_type: str, target_id: str, windows: Windows | None) -> bool:
    if not target_id.isdigit():
        return False
    model = {
        FeedbackTarget.SUBMISSION: Submission,
        FeedbackTarget.REFLECTION: Reflection,
        FeedbackTarget.GOAL: Goal,
    }.get(target_type)  # type: ignore[call-overload]
    if model is None:
        return target_type == FeedbackTarget.ATTEMPT  # the caller checked the attempt is the learner's
    inside = work_in_windows(windows)
    return bool(model.objects.filter(inside, pk=int(target_id), learner_id=learner_id).exists())


@transaction.atomic
def feedback_add(
    *,
    learner_id: int,
    author: Any,
    target_type: str,
    target_id: str,
    body: str,
    windows: Windows | None = None,
) -> Feedback:
    """A teacher's comment on the learner's work (the caller checked the teacher teaches the learner);
    work outside the teacher's ``windows`` is refused exactly like work that is not the learner's."""
    body = _text(body, 4000)
    if not body:
        raise AgencyError(gettext("Write the feedback first."))
    if target_type not in FeedbackTarget.values or not _target_exists(
        learner_id, target_type, target_id, windows
    ):
        raise AgencyError(gettext("That piece of work is not this learner's."))
    feedback = Feedback.objects.create(
        learner_id=learner_id, author=author, target_type=target_type, target_id=target_id, body=body
    )
    accounts_api.audit_record(
        actor=author,
        action="feedback.add",
        target_type=target_type,
        target_id=target_id,
        details={"learner": learner_id, "feedback": feedback.pk},
    )
    return feedback


@transaction.atomic
def onboarding_save(
    *,
    learner: Any,
    interests: list[str],
    formats: list[str],
    daily_goal: str,
    goal_title: str = "",
) -> Goal | None:
    """The learner's onboarding answers (issue 11): their profile in learning, and the goal they typed, if
    any, as one of their goals. All or nothing: an unknown answer raises ``AgencyError`` and nothing is
    saved. A goal already open under the same title is not added again (a resent form)."""
    try:
        learning_api.learner_profile_save(
            learner=learner, interests=interests, formats=formats, daily_goal=daily_goal
        )
    except learning_api.LearningError as error:
        raise AgencyError(error.detail) from None
    title = _text(goal_title, 200)
    if not title or Goal.objects.filter(learner_id=learner.pk, title=title, achieved_at=None).exists():
        return None
    return goal_create(learner_id=learner.pk, title=title, actor=learner)
