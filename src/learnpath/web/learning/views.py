"""The learner's pages: the course home (skill map, Continue, choice board) and the practice page.

Thin: services write, selectors read, templates show. Every action is a plain HTML form (works without
JavaScript) carrying an idempotency key made when the page was drawn, so a double click or a resent form
is recorded once. Actions redirect back to the practice page, which shows the feedback from the log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from learnpath.content.model import Item, Step
from learnpath.engine.learner_loop import MAIN_PART, LastAnswer
from learnpath.web.learning import access, selectors, services
from learnpath.web.learning.answer_forms import answer_form, item_keyboard
from learnpath.web.learning.clock import now as clock_now
from learnpath.web.learning.course_model import CourseModel
from learnpath.web.learning.errors import LearningError
from learnpath.web.learning.map_graph import map_graph
from learnpath.web.learning.models import Event, EventKind
from learnpath.web.learning.preferences import formats_sentence
from learnpath.web.learning.store import LearnerState, state_load

CONFIDENCE = (
    ("low", gettext_lazy("Not sure")),
    ("medium", gettext_lazy("Fairly sure")),
    ("high", gettext_lazy("Very sure")),
)


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
    progress = selectors.map_progress(state, model, now=now)
    levels: dict[int, list[dict[str, Any]]] = {}
    for skill in skills:
        levels.setdefault(skill.depth, []).append({"skill": skill, "progress": progress[skill.id]})
    ranked = selectors.suggestions(state, model, now=now) if state.open_attempt() is None else ()
    counts = {
        state_name: sum(1 for s in skills if s.state == state_name) for state_name in selectors.STATE_LABELS
    }
    context = {
        "model": model,
        "course_id": course_id,
        "levels": [levels[depth] for depth in sorted(levels)],
        "graph": map_graph(skills, model.graph.prerequisites),
        "counts": counts,
        "legend": [(name, *selectors.STATE_LABELS[name]) for name in selectors.STATE_LABELS],
        "open_attempt": state.open_attempt(),
        "top": ranked[0] if ranked else None,
        "top_skill_name": model.graph.name(ranked[0].skill_id) if ranked else "",
        "board": [e for e in selectors.board(state, model, now=now) if e.item_id],
        "threshold_percent": selectors.mastery_percent(model.loop.rule.threshold),
        "key": _key(),
    }
    profile = selectors.learner_profile(learner_id=request.user.pk)
    context["habits"] = selectors.habits(learner_id=request.user.pk, now=now, daily_goal=profile.daily_goal)
    # The onboarding questions are the learner's own (agency's /me/welcome/): offered, never forced.
    context["welcome"] = access.access_is_learner(request.user) and profile.onboarding_pending
    return render(request, "learning/home.html", context)


#: The query a page gets right after an answer: only then does the feedback take the focus.
ANSWERED = "answered"


def _step_of(item: Item, step_id: str) -> Step | None:
    if step_id == MAIN_PART:
        return item.main
    try:
        return item.find_step(step_id)
    except KeyError:
        return None


def _as_values(response: Any) -> list[str]:
    if response is None:
        return []
    if isinstance(response, str):
        return [response]
    return [str(part) for part in response]


def _last_wrong_response(
    learner_id: int, course_id: str, item_id: str, seed: int | None, last: LastAnswer | None
) -> tuple[str, list[str]] | None:
    """The response of the latest answer when it was not right, whole (the log keeps it; the state keeps
    only a short copy for the feedback line)."""
    if last is None or last.status == "correct":
        return None
    row = (
        Event.objects.filter(learner_id=learner_id, course_id=course_id, kind=EventKind.ANSWER)
        .order_by("-id")
        .values_list("item_id", "seed", "step_id", "response")
        .first()
    )
    if row is not None and (row[0], row[1], row[2]) == (item_id, seed, last.step_id):
        return last.step_id, _as_values(row[3])
    return last.step_id, [last.response]


def _chosen_texts(step: Step | None, response: str) -> list[str]:
    """The text of each chosen option of a choice step, in the order the options are shown."""
    if step is None or step.type not in ("single_choice", "multiple_choice"):
        return []
    chosen = {part.strip().casefold() for part in response.replace(",", " ").split()}
    return [choice.text for choice in step.choices if choice.id.casefold() in chosen]


def _practice_context(
    request: HttpRequest,
    model: CourseModel,
    state: LearnerState,
    course_id: str,
    kept: tuple[str, Sequence[str]] | None = None,
) -> dict[str, Any] | None:
    """The practice page's context; ``kept`` (step id, response) is a refused response to show again,
    otherwise the last answer's response is shown again when it was wrong."""
    attempt = state.state.question
    if attempt is None:
        return None
    item = selectors.variant(model, attempt.item_id, attempt.seed)
    hints = attempt.hints
    current = attempt.current_step()
    if kept is None and not attempt.finished:
        kept = _last_wrong_response(request.user.pk, course_id, attempt.item_id, attempt.seed, attempt.last)
    keyboard = item_keyboard(model, item)
    parts = []
    for step in item.steps:
        question = f"{item.prompt}\n{step.prompt}"
        parts.append(
            {
                "step": step,
                "solved": step.id in attempt.solved,
                "current": step.id == current and not attempt.finished,
                "hints": step.hints[: hints.get(step.id, 0)],
                "more_hints": hints.get(step.id, 0) < len(step.hints),
                "form": answer_form(step, question, kept, keyboard),
                "scaffolds": [
                    {
                        "step": s,
                        "solved": s.id in attempt.scaffolds_solved,
                        "form": answer_form(s, f"{question}\n{s.prompt}", kept, keyboard),
                    }
                    for s in step.scaffolds
                ],
            }
        )
    last = attempt.last
    open_resource = request.GET.get("open", "")
    profile = selectors.learner_profile(learner_id=request.user.pk)
    resources = selectors.resources_for(state, model, list(item.skills), preferred=profile.formats)
    return {
        "model": model,
        "course_id": course_id,
        "attempt": attempt,
        "item": item,
        "skill_names": [model.skill_name(s) for s in item.skills],
        "parts": parts,
        "main_hints": item.main.hints[: hints.get(MAIN_PART, 0)],
        "more_main_hints": hints.get(MAIN_PART, 0) < len(item.main.hints),
        "main_form": answer_form(item.main, item.prompt, kept, keyboard, MAIN_PART),
        "last": last,
        "last_choices": _chosen_texts(_step_of(item, last.step_id), last.response) if last else [],
        "focus_feedback": ANSWERED in request.GET,
        "messages_for_learner": list(attempt.messages),
        "finished": attempt.finished,
        "show_solution": bool(item.solution) and (attempt.finished or attempt.solution),
        "resources": resources,
        "formats_first": _formats_first(resources, profile.formats),
        "profile": profile,
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
        now = clock_now()
        ranked = selectors.suggestions(state, model, now=now)
        context["next_reason"] = ranked[0].reason if ranked else ""
        context.update(_session_end(request, state, context, nothing_left=not ranked, now=now))
    return render(request, "learning/practice.html", context)


def _formats_first(resources: Sequence[Any], formats: Sequence[str]) -> str:
    """ "Videos and reading" when the learner's preferred formats were put before others, else ``""``."""
    shown = {resource.modality for resource in resources}
    liked = [f for f in formats if f in shown]
    if not liked or not shown - set(liked):
        return ""
    return formats_sentence(liked)


def _session_end(
    request: HttpRequest, state: LearnerState, context: dict[str, Any], *, nothing_left: bool, now: Any
) -> dict[str, Any]:
    """At the natural end of a session (issue 11): today's goal just reached (celebrated), a skill just
    mastered by this question, or nothing left to do right now; then a learner is asked to reflect."""
    habits = selectors.habits(learner_id=request.user.pk, now=now, daily_goal=context["profile"].daily_goal)
    goal_reached = habits.goal_just_reached and habits.last_course == context["course_id"]
    # The answer that finished the question is the learner's latest action (the loop stamps both).
    finished_at = state.state.last_active_at
    mastered = finished_at is not None and any(
        (progress := state.state.skills.get(skill)) is not None and progress.mastered_at == finished_at
        for skill in context["attempt"].skills
    )
    return {
        "habits": habits,
        "goal_reached": goal_reached,
        "reflect": access.access_is_learner(request.user) and (goal_reached or mastered or nothing_left),
    }


def _refused(
    request: HttpRequest,
    course_id: str,
    error: LearningError,
    kept: tuple[str, Sequence[str]] | None = None,
) -> HttpResponse:
    """Draw the practice page again with the reason the action was refused (nothing was recorded).

    ``kept`` (step id, response) is the refused answer: it is put back in its form, so nothing typed is lost.
    """
    model = services.practice_course(request.user, course_id)
    state = state_load(learner_id=request.user.pk, course_id=course_id, course=model.loop)
    context = _practice_context(request, model, state, course_id, kept=kept)
    if context is None:
        context = {"model": model, "course_id": course_id, "attempt": None, "key": _key()}
    context["error"] = error.detail
    context["error_kept"] = bool(kept and any(value.strip() for value in kept[1]))
    return render(request, "learning/practice.html", context, status=error.status)


def _act(
    request: HttpRequest,
    course_id: str,
    action: Any,
    kept: tuple[str, Sequence[str]] | None = None,
    then: str = "",
    **fields: Any,
) -> HttpResponse:
    try:
        action(
            learner=request.user,
            course_id=course_id,
            idempotency_key=request.POST.get("idempotency_key", ""),
            **fields,
        )
    except LearningError as error:
        return _refused(request, course_id, error, kept=kept)
    return redirect(reverse("learning:practice", args=[course_id]) + then)


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
    step_id = request.POST.get("step_id", "")
    return _act(
        request,
        course_id,
        services.attempt_record,
        kept=(step_id or MAIN_PART, responses),
        then=f"?{ANSWERED}",  # the page after an answer puts the focus on its feedback
        item_id=request.POST.get("item_id", ""),
        seed=_seed(request),
        step_id=step_id,
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

    from learnpath.web.learning.model_page import model_page_context

    info = access.access_course_model(request.user, course_id)
    context = model_page_context(course_id=info.id, min_answers=settings.LEARNPATH_FIT_MIN_ANSWERS)
    context.update(course_id=info.id, title=info.title)
    return render(request, "learning/model.html", context)
