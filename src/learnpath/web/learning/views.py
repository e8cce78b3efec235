"""The learner's pages: the course home (skill map, Continue, choice board) and the practice page.

Thin: services write, selectors read, templates show. Every action is a plain HTML form (works without
JavaScript) carrying an idempotency key made when the page was drawn, so a double click or a resent form
is recorded once. Actions redirect back to the practice page, which shows the feedback from the log.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from learnpath.engine.learner_loop import MAIN_PART
from learnpath.web.learning import selectors, services
from learnpath.web.learning.clock import now as clock_now
from learnpath.web.learning.course_model import CourseModel
from learnpath.web.learning.errors import LearningError
from learnpath.web.learning.store import LearnerState, state_load

CONFIDENCE = (("low", "Not sure"), ("medium", "Fairly sure"), ("high", "Very sure"))


def _key() -> str:
    return uuid.uuid4().hex


@require_GET
@login_required
def course_home(request: HttpRequest, course_id: str) -> HttpResponse:
    """The skill map with the reason for every state, the Continue button and the choice board."""
    model = services.practice_course(request.user, course_id)
    state = state_load(
        learner_id=request.user.pk, course_id=course_id, course=model.loop, with_resources=False
    )
    now = clock_now()
    skills = selectors.map_skills(state, model, now=now)
    levels: dict[int, list[selectors.MapSkill]] = {}
    for skill in skills:
        levels.setdefault(skill.depth, []).append(skill)
    ranked = selectors.suggestions(state, model, now=now) if state.open_attempt() is None else ()
    counts = {
        state_name: sum(1 for s in skills if s.state == state_name) for state_name in selectors.STATE_LABELS
    }
    context = {
        "model": model,
        "course_id": course_id,
        "levels": [levels[depth] for depth in sorted(levels)],
        "counts": counts,
        "legend": [(name, *selectors.STATE_LABELS[name]) for name in selectors.STATE_LABELS],
        "open_attempt": state.open_attempt(),
        "top": ranked[0] if ranked else None,
        "top_skill_name": model.graph.name(ranked[0].skill_id) if ranked else "",
        "board": [e for e in selectors.board(state, model, now=now) if e.item_id],
        "key": _key(),
    }
    return render(request, "learning/home.html", context)


def _practice_context(
    request: HttpRequest, model: CourseModel, state: LearnerState, course_id: str
) -> dict[str, Any] | None:
    attempt = state.state.question
    if attempt is None:
        return None
    item = selectors.variant(model, attempt.item_id, attempt.seed)
    hints = attempt.hints
    current = attempt.current_step()
    parts = []
    for step in item.steps:
        parts.append(
            {
                "step": step,
                "solved": step.id in attempt.solved,
                "current": step.id == current and not attempt.finished,
                "hints": step.hints[: hints.get(step.id, 0)],
                "more_hints": hints.get(step.id, 0) < len(step.hints),
                "scaffolds": [
                    {"step": s, "solved": s.id in attempt.scaffolds_solved} for s in step.scaffolds
                ],
            }
        )
    open_resource = request.GET.get("open", "")
    return {
        "model": model,
        "course_id": course_id,
        "attempt": attempt,
        "item": item,
        "skill_names": [model.skill_name(s) for s in item.skills],
        "parts": parts,
        "main_hints": item.main.hints[: hints.get(MAIN_PART, 0)],
        "more_main_hints": hints.get(MAIN_PART, 0) < len(item.main.hints),
        "last": attempt.last,
        "messages_for_learner": list(attempt.messages),
        "finished": attempt.finished,
        "show_solution": bool(item.solution) and (attempt.finished or attempt.solution),
        "resources": selectors.resources_for(state, model, list(item.skills)),
        "open_resource": open_resource,
        "confidence_choices": CONFIDENCE,
        "key": _key(),
    }


@require_GET
@login_required
def practice(request: HttpRequest, course_id: str) -> HttpResponse:
    """The open question (or the one just finished, with its feedback and what comes next)."""
    model = services.practice_course(request.user, course_id)
    state = state_load(learner_id=request.user.pk, course_id=course_id, course=model.loop)
    context = _practice_context(request, model, state, course_id)
    if context is None:
        return redirect("learning:home", course_id)
    if context["finished"]:
        ranked = selectors.suggestions(state, model, now=clock_now())
        context["next_reason"] = ranked[0].reason if ranked else ""
    return render(request, "learning/practice.html", context)


def _refused(request: HttpRequest, course_id: str, error: LearningError) -> HttpResponse:
    """Draw the practice page again with the reason the action was refused (nothing was recorded)."""
    model = services.practice_course(request.user, course_id)
    state = state_load(learner_id=request.user.pk, course_id=course_id, course=model.loop)
    context = _practice_context(request, model, state, course_id)
    if context is None:
        context = {"model": model, "course_id": course_id, "attempt": None, "key": _key()}
    context["error"] = error.detail
    return render(request, "learning/practice.html", context, status=error.status)


def _act(request: HttpRequest, course_id: str, action: Any, **fields: Any) -> HttpResponse:
    try:
        action(
            learner=request.user,
            course_id=course_id,
            idempotency_key=request.POST.get("idempotency_key", ""),
            **fields,
        )
    except LearningError as error:
        return _refused(request, course_id, error)
    return redirect("learning:practice", course_id)


def _seed(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("seed", ""))
    except ValueError:
        return -1  # matches no question: refused as out of order


@require_POST
@login_required
def start(request: HttpRequest, course_id: str) -> HttpResponse:
    return _act(request, course_id, services.activity_start)


@require_POST
@login_required
def choose(request: HttpRequest, course_id: str) -> HttpResponse:
    return _act(request, course_id, services.skill_choose, skill_id=request.POST.get("skill_id", ""))


@require_POST
@login_required
def answer(request: HttpRequest, course_id: str) -> HttpResponse:
    responses = request.POST.getlist("response")
    response: str | list[str] = (
        responses if request.POST.get("type") == "multiple_choice" else (responses[0] if responses else "")
    )
    return _act(
        request,
        course_id,
        services.attempt_record,
        item_id=request.POST.get("item_id", ""),
        seed=_seed(request),
        step_id=request.POST.get("step_id", ""),
        response=response,
        confidence=request.POST.get("confidence") or None,
    )


@require_POST
@login_required
def hint(request: HttpRequest, course_id: str) -> HttpResponse:
    return _act(
        request,
        course_id,
        services.hint_reveal,
        item_id=request.POST.get("item_id", ""),
        seed=_seed(request),
        step_id=request.POST.get("step_id", ""),
    )


@require_POST
@login_required
def solution(request: HttpRequest, course_id: str) -> HttpResponse:
    return _act(
        request,
        course_id,
        services.solution_view,
        item_id=request.POST.get("item_id", ""),
        seed=_seed(request),
    )


@require_POST
@login_required
def skip(request: HttpRequest, course_id: str) -> HttpResponse:
    return _act(
        request,
        course_id,
        services.attempt_skip,
        item_id=request.POST.get("item_id", ""),
        seed=_seed(request),
    )


@require_POST
@login_required
def resource(request: HttpRequest, course_id: str, resource_id: str) -> HttpResponse:
    """Log the resource view, then open it: text in place on the practice page, media at its address."""
    try:
        result = services.resource_view(
            learner=request.user,
            course_id=course_id,
            resource_id=resource_id,
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except LearningError as error:
        return _refused(request, course_id, error)
    url = str(result.get("url", ""))
    if url.startswith("media/"):
        return redirect("curriculum:media", course_id, url.removeprefix("media/"))
    if url.startswith("/"):
        return redirect(url)
    return redirect(
        f"{reverse('learning:practice', args=[course_id])}?open={resource_id}#resource-{resource_id}"
    )


@require_GET
@login_required
def course_model_page(request: HttpRequest, course_id: str) -> HttpResponse:
    """The learner model a course serves, how it was validated, and its versions (platform admins)."""
    from django.conf import settings

    from learnpath.web.learning.access import access_course_model
    from learnpath.web.learning.model_page import model_page_context

    info = access_course_model(request.user, course_id)
    context = model_page_context(course_id=info.id, min_answers=settings.LEARNPATH_FIT_MIN_ANSWERS)
    context.update(course_id=info.id, title=info.title)
    return render(request, "learning/model.html", context)
