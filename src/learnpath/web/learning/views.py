"""The learner's pages: the course home (skill map, Continue, choice board) and the practice page.

Thin: services write, selectors read, templates show. Every action is a plain HTML form (works without
JavaScript) carrying an idempotency key made when the page was drawn, so a double click or a resent form
is recorded once. Actions redirect back to the practice page, which shows the feedback from the log.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from learnpath.content.limits import MAX_MATH_RESPONSE_CHARS, MAX_TEXT_RESPONSE_CHARS
from learnpath.content.model import Item, Step
from learnpath.content.numeric import UnreadableNumber, number_value
from learnpath.engine.learner_loop import MAIN_PART, LastAnswer
from learnpath.web.learning import selectors, services
from learnpath.web.learning.clock import now as clock_now
from learnpath.web.learning.course_model import CourseModel
from learnpath.web.learning.errors import LearningError
from learnpath.web.learning.map_graph import map_graph
from learnpath.web.learning.models import Event, EventKind
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
    return render(request, "learning/home.html", context)


# A minus sign before a number or a bracket, or the word: the question may have a negative answer.
_NEGATIVES = re.compile(r"[-\u2212]\s*[\d(]|negative|minus", re.IGNORECASE)
# A fraction in the question: the learner may need "/".
_FRACTIONS = re.compile(r"\d\s*/\s*\d|\\frac|\\dfrac|fraction", re.IGNORECASE)
#: The query a page gets right after an answer: only then does the feedback take the focus.
ANSWERED = "answered"
TEMPLATE_SAMPLES = 8
"""Variants of a template item read to decide its skill's keyboard (``_skill_keyboard``)."""
_SKILL_KEYBOARDS: dict[tuple[str, str, str], str] = {}


def _answer_keyboard(step: Step) -> str:
    """The keyboard one numeric answer can be typed on: ``numeric`` (digits) for a whole number of zero
    or more, ``decimal`` (digits and a point) for another number of zero or more, ``""`` (the full
    keyboard) for a fraction, a negative number, a unit or anything unreadable."""
    if step.unit_required or "/" in str(step.answer):
        return ""
    try:
        value = number_value(step.answer)
    except UnreadableNumber:
        return ""
    if value < 0:
        return ""
    whole = value.denominator == 1 and not step.tolerance and not step.relative_tolerance
    return "numeric" if whole else "decimal"


def _numeric_steps(item: Item) -> list[Step]:
    steps = [item.main, *item.steps, *(s for step in item.steps for s in step.scaffolds)]
    return [step for step in steps if step.type == "numeric"]


def _skill_keyboard(model: CourseModel, skill_id: str) -> str:
    """The keyboard for every numeric answer of a skill: the widest any of its items needs (template
    items through ``TEMPLATE_SAMPLES`` variants). Decided per skill, not per question, so that the
    keyboard never gives one question's answer away (a whole number, its sign, a fraction)."""
    key = (model.course_id, model.checksum, skill_id)
    found = _SKILL_KEYBOARDS.get(key)
    if found is None:
        kinds = set()
        for item_id in model.skill_items.get(skill_id, ()):
            seeds = range(TEMPLATE_SAMPLES) if model.items[item_id].is_template else (0,)
            for seed in seeds:
                try:
                    shown = selectors.variant(model, item_id, seed)
                except ValueError:
                    kinds.add("")
                    continue
                kinds.update(_answer_keyboard(step) for step in _numeric_steps(shown))
        found = "" if "" in kinds else "decimal" if "decimal" in kinds else "numeric"
        _SKILL_KEYBOARDS[key] = found
    return found


def _keyboard(step: Step, question: str, skill_keyboard: str) -> str:
    """The ``inputmode`` of an answer box: the skill's keyboard for a numeric answer (``_skill_keyboard``),
    the full keyboard for text, for an answer with a unit, and when the question itself shows a minus
    sign or a fraction (phone number pads have no "-" or "/")."""
    if step.type != "numeric" or step.unit_required:
        return ""
    if _NEGATIVES.search(question) or _FRACTIONS.search(question):
        return ""
    return skill_keyboard


def _step_of(item: Item, step_id: str) -> Step | None:
    if step_id == MAIN_PART:
        return item.main
    try:
        return item.find_step(step_id)
    except KeyError:
        return None


def _answer_form(
    step: Step,
    question: str,
    kept: tuple[str, Sequence[str]] | None,
    skill_keyboard: str,
    step_id: str | None = None,
) -> dict[str, Any]:
    """What the answer form of ``step`` needs beyond the step: its keyboard, its limit (the checker's),
    and the learner's previous response to show again (``kept``: step id and response; the main part's
    step id is ``MAIN_PART``, given as ``step_id``)."""
    step_id = step.id if step_id is None else step_id
    values = list(kept[1]) if kept is not None and kept[0] == step_id else []
    return {
        "inputmode": _keyboard(step, question, skill_keyboard),
        "maxlength": MAX_TEXT_RESPONSE_CHARS if step.type == "short_text" else MAX_MATH_RESPONSE_CHARS,
        "kept": values,
        "kept_text": values[0] if values else "",
    }


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
    keyboards = {_skill_keyboard(model, skill) for skill in item.skills}
    keyboard = "" if "" in keyboards else "decimal" if "decimal" in keyboards else "numeric"
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
                "form": _answer_form(step, question, kept, keyboard),
                "scaffolds": [
                    {
                        "step": s,
                        "solved": s.id in attempt.scaffolds_solved,
                        "form": _answer_form(s, f"{question}\n{s.prompt}", kept, keyboard),
                    }
                    for s in step.scaffolds
                ],
            }
        )
    last = attempt.last
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
        "main_form": _answer_form(item.main, item.prompt, kept, keyboard, MAIN_PART),
        "last": last,
        "last_choices": _chosen_texts(_step_of(item, last.step_id), last.response) if last else [],
        "focus_feedback": ANSWERED in request.GET,
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

    from learnpath.web.learning.access import access_course_model
    from learnpath.web.learning.model_page import model_page_context

    info = access_course_model(request.user, course_id)
    context = model_page_context(course_id=info.id, min_answers=settings.LEARNPATH_FIT_MIN_ANSWERS)
    context.update(course_id=info.id, title=info.title)
    return render(request, "learning/model.html", context)
