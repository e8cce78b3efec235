"""Refitting a course's learner model on its own log (``learnpath fit`` and the scheduled worker job).

``model_fit`` reads the observations the learner loop made (``learner_loop.observations`` semantics: each
learner's log replayed through ``store.replay_rows``, one observation per question), hands them to the
engine's ``model_fit.fit_course_model`` with the model in use, and stores the result as a new
``FittedModel`` version. A version that was no worse than the model in use on the held-out answers is
served at once (``course_model.served_version``); learners' model states follow at their next event
(``store.state_load`` switches them, ``rebuild-state`` does the same at the same event).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from learnpath.engine.answers import Answer
from learnpath.engine.learner_loop import Course
from learnpath.engine.model_fit import MIN_ANSWERS, fit_course_model
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning.course_model import course_model, forget_served_version
from learnpath.web.learning.models import Event, FittedModel
from learnpath.web.learning.store import EVENT_FIELDS, replay_rows


class NoSuchCourse(LookupError):
    """``model_fit`` was given a course id that does not exist."""


@dataclass(frozen=True)
class FitReport:
    """What a refit did: the course, its observations, the new version (None if none was made)."""

    course_id: str
    answers: int
    version: str | None
    served: bool
    reason: str
    seconds: float
    held_out: dict[str, Any] | None = None
    in_use: dict[str, Any] | None = None
    in_use_name: str = ""


def course_observations(course_id: str, course_for: Callable[[str], Course]) -> list[Answer]:
    """Every observation the loop made in the course, each with its learner, sorted by time."""
    rows = (
        Event.objects.filter(course_id=course_id)
        .order_by("learner_id", "id")
        .values("learner_id", "model_version", *EVENT_FIELDS)
        .iterator(chunk_size=5000)
    )
    found: list[Answer] = []
    for learner_id, group in itertools.groupby(rows, key=lambda row: row["learner_id"]):
        learner = str(learner_id)
        for _event, _state, effects in replay_rows(group, course_for):
            if effects.evidence is not None:
                found.append(replace(effects.evidence, learner=learner))
    found.sort(key=lambda a: (a.time.timestamp() if a.time else 0.0, a.learner))
    return found


def model_fit(*, course_id: str, min_answers: int = MIN_ANSWERS, now: datetime | None = None) -> FitReport:
    """Fit the course's learner model on its own log and serve it if it is no worse (module docstring).

    Raises ``NoSuchCourse``. With fewer than ``min_answers`` observations nothing is stored.
    """
    info = curriculum_api.course_info(course_id=course_id)
    if info is None:
        raise NoSuchCourse(f"there is no course {course_id!r}")
    started = time.perf_counter()
    current = course_model(info.id, info.checksum)
    answers = course_observations(info.id, lambda v: course_model(info.id, info.checksum, v).loop)
    in_use = current.loop.model
    if len(answers) < min_answers:
        return FitReport(
            info.id,
            len(answers),
            None,
            False,
            f"the course has {len(answers)} answers; a fitted model needs at least {min_answers}, "
            f"so it keeps serving {in_use.version!r}",
            time.perf_counter() - started,
            in_use_name=in_use.version,
        )
    number = (FittedModel.objects.filter(course_id=info.id).aggregate(n=Max("number"))["n"] or 0) + 1
    name = f"fit-{number}"
    outcome = fit_course_model(answers, in_use=in_use, version=name, min_answers=min_answers)
    seconds = time.perf_counter() - started
    held_out = outcome.held_out.to_dict() if outcome.held_out else None
    in_use_score = outcome.in_use.to_dict() if outcome.in_use else None
    if outcome.model is None:
        return FitReport(
            info.id, len(answers), None, False, outcome.reason, seconds, in_use_name=in_use.version
        )
    with transaction.atomic():
        FittedModel.objects.create(
            course_id=info.id,
            number=number,
            name=name,
            document=outcome.model.to_dict(),
            fitted_at=now or timezone.now(),
            seconds=seconds,
            answers=len(answers),
            trained_on=outcome.trained_on,
            held_out=held_out,
            in_use_name=in_use.version,
            in_use_score=in_use_score,
            served=outcome.serve,
            reason=outcome.reason,
        )
    forget_served_version(info.id)
    return FitReport(
        info.id,
        len(answers),
        name,
        outcome.serve,
        outcome.reason,
        seconds,
        held_out,
        in_use_score,
        in_use.version,
    )


REFIT_GROWTH = 0.1
"""The scheduled refit skips a course whose log grew by less than this share since its last fit: a refit
that learned nothing new would only make every learner's model state switch again."""


def refit_all(*, min_answers: int = MIN_ANSWERS, scheduled: bool = False) -> list[FitReport]:
    """Refit every course, one after another (``scheduled``: the worker's job, which skips a course whose
    log has not grown by ``REFIT_GROWTH`` since its last fit)."""
    reports = []
    for course_id in curriculum_api.course_ids():
        last = FittedModel.objects.filter(course_id=course_id).order_by("-number").values("answers").first()
        if scheduled and last is not None:
            questions = Event.objects.filter(course_id=course_id, kind__in=("answer", "skip")).count()
            # answers and skips bound the observations from above: a cheap test before replaying the log
            if questions < (1 + REFIT_GROWTH) * last["answers"]:
                reports.append(
                    FitReport(
                        course_id,
                        last["answers"],
                        None,
                        False,
                        f"its log has not grown by {REFIT_GROWTH:.0%} since the last fit",
                        0.0,
                    )
                )
                continue
        reports.append(model_fit(course_id=course_id, min_answers=min_answers))
    return reports


def report_line(report: FitReport) -> str:
    """One plain line about a refit, for the command and the worker's log."""
    if report.version is None:
        return f"{report.course_id}: not refitted: {report.reason}."
    auc = (report.held_out or {}).get("auc")
    shown = "n/a" if auc is None else f"{auc:.4f}"
    verdict = "serving it" if report.served else f"still serving {report.in_use_name}"
    return (
        f"{report.course_id}: fitted {report.version} on {report.answers} answers in {report.seconds:.1f} s, "
        f"held-out AUC {shown}; {report.reason}; {verdict}."
    )
