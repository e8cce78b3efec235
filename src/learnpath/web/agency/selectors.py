"""Reads for learner agency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q

from learnpath.web.agency.models import Feedback, Goal, ProjectBoard, ProjectChoice, Reflection, Submission


@dataclass
class GoalView:
    goal: Goal
    milestones: list[tuple[object, bool]]  # (milestone, done)
    done: int
    total: int

    @property
    def percent(self) -> int:
        if self.goal.achieved_at:
            return 100
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class Work:
    """A learner's goals, submissions and reflections, each with its feedback."""

    goals: list[GoalView] = field(default_factory=list)
    submissions: list[tuple[Submission, list[Feedback]]] = field(default_factory=list)
    reflections: list[tuple[Reflection, list[Feedback]]] = field(default_factory=list)


Windows = Sequence[tuple[datetime, Collection[str]]]
"""Where a teacher reads a learner's work (``agency.access.access_learner_reading``): per class, work
written since the learner joined it, in one of its courses or in none. None: everything."""


def work_in_windows(windows: Windows | None, *, set_by: Collection[int] | None = None) -> Q:
    """The filter for work (rows with ``course_id`` and ``created_at``) inside ``windows``; goals set by
    one of ``set_by`` (the teachers of those classes) too. Everything when ``windows`` is None."""
    if windows is None:
        return Q()
    inside = Q(pk__in=[])
    for since, course_ids in windows:
        inside |= Q(created_at__gte=since) & (Q(course_id="") | Q(course_id__in=list(course_ids)))
    if set_by is not None:
        inside |= Q(set_by_id__in=list(set_by))
    return inside


def feedback_by_target(
    *, learner_id: int, target_type: str | None = None, authors: Collection[int] | None = None
) -> dict[tuple[str, str], list[Feedback]]:
    rows = Feedback.objects.filter(learner_id=learner_id).select_related("author")
    if target_type is not None:
        rows = rows.filter(target_type=target_type)
    if authors is not None:
        rows = rows.filter(author_id__in=list(authors))
    out: dict[tuple[str, str], list[Feedback]] = defaultdict(list)
    for row in rows:
        out[(row.target_type, row.target_id)].append(row)
    return out


def goals(
    *,
    learner_id: int,
    mastered: set[str],
    windows: Windows | None = None,
    authors: Collection[int] | None = None,
) -> list[GoalView]:
    """The learner's goals (within ``windows``, or set by one of ``authors``); a milestone with a skill
    counts as done once that skill is mastered."""
    views = []
    for goal in (
        Goal.objects.filter(work_in_windows(windows, set_by=authors), learner_id=learner_id)
        .prefetch_related("milestones")
        .select_related("set_by")
    ):
        milestones = [
            (m, bool(m.done_at) or (bool(m.skill_id) and m.skill_id in mastered))
            for m in goal.milestones.all()
        ]
        views.append(GoalView(goal, milestones, sum(done for _, done in milestones), len(milestones)))
    return views


def learner_work(
    *,
    learner_id: int,
    mastered: set[str],
    recent: int = 20,
    windows: Windows | None = None,
    authors: Collection[int] | None = None,
) -> Work:
    """The learner's latest work with its feedback; a teacher's share of it with ``windows`` and
    ``authors`` (see ``Windows``; None: everything)."""
    feedback = feedback_by_target(learner_id=learner_id, authors=authors)
    inside = work_in_windows(windows)
    submissions = Submission.objects.filter(inside, learner_id=learner_id).defer("file_data")[:recent]
    reflections = Reflection.objects.filter(inside, learner_id=learner_id)[:recent]
    return Work(
        goals=goals(learner_id=learner_id, mastered=mastered, windows=windows, authors=authors),
        submissions=[(s, feedback.get(("submission", str(s.pk)), [])) for s in submissions],
        reflections=[(r, feedback.get(("reflection", str(r.pk)), [])) for r in reflections],
    )


def boards_for_classes(*, class_ids: list[int]) -> list[ProjectBoard]:
    return list(ProjectBoard.objects.filter(klass_id__in=class_ids).select_related("klass"))


def choices_of(*, learner_id: int) -> dict[int, ProjectChoice]:
    return {c.board_id: c for c in ProjectChoice.objects.filter(learner_id=learner_id)}


def submission_file(*, submission_id: int) -> Submission | None:
    # A file removed by the school's retention window is missing like one that never was.
    return Submission.objects.filter(pk=submission_id, kind="file", file_data__isnull=False).first()


@dataclass(frozen=True)
class NewWork:
    """A piece of work for a teacher's inbox: a portfolio piece or a reflection."""

    kind: str  # "submission" or "reflection"
    id: int
    learner_id: int
    course_id: str
    created_at: datetime
    title: str  # a portfolio piece's title; a reflection's first words


def _preview(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def new_work(*, readings: Mapping[int, Any], since: datetime, limit: int = 200) -> list[NewWork]:
    """Portfolio pieces and reflections written since ``since`` by the learners of ``readings`` (per
    learner, an ``access.LearnerReading``) that the reading lets its holder read, newest first, at most
    ``limit``. Two queries."""
    learner_ids = [learner_id for learner_id, reading in readings.items() if reading.windows != ()]
    if not learner_ids:
        return []
    found: list[NewWork] = []
    submissions = Submission.objects.filter(learner_id__in=learner_ids, created_at__gte=since).only(
        "id", "learner_id", "course_id", "created_at", "title"
    )
    found.extend(
        NewWork("submission", s.pk, s.learner_id, s.course_id, s.created_at, s.title)
        for s in submissions.order_by("-created_at")[:limit]
    )
    reflections = Reflection.objects.filter(learner_id__in=learner_ids, created_at__gte=since).only(
        "id", "learner_id", "course_id", "created_at", "went_well"
    )
    found.extend(
        NewWork("reflection", r.pk, r.learner_id, r.course_id, r.created_at, _preview(r.went_well))
        for r in reflections.order_by("-created_at")[:limit]
    )
    readable = [i for i in found if readings[i.learner_id].sees_work(i.course_id, i.created_at)]
    return sorted(readable, key=lambda item: item.created_at, reverse=True)[:limit]
