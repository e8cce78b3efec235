"""The learner's placement page (intro, question, summary) and a class's cap page for teachers.

Thin: services write, selectors read, templates show. Plain HTML forms (work without JavaScript), each
carrying an idempotency key made when the page was drawn, so a double click is recorded once. The
question reuses the practice page's answer form (``learning/answer_form.html``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from learnpath.web.learning import api as learning_api
from learnpath.web.learning.api import LearningError
from learnpath.web.placement import selectors, services
from learnpath.web.placement.access import access_class_cap, access_placement_course
from learnpath.web.placement.errors import PlacementError


def _page_context(request: HttpRequest, course_id: str, kept: list[str] | None = None) -> dict[str, Any]:
    """The page's context; ``kept`` is a refused answer to show again in the answer box."""
    info = access_placement_course(request.user, course_id)
    context: dict[str, Any] = {"course_id": course_id, "course_title": info.title, "key": uuid.uuid4().hex}
    session = selectors.active_session(learner_id=request.user.pk, course_id=course_id)
    if session is not None and session.course_checksum != info.checksum:
        # The course has a new version since this placement started: "Start" begins a new one.
        context["course_changed"] = True
    elif session is not None and session.question is not None:
        placement = services.session_placement(session)
        question = session.question
        item = placement.variant(question["item_id"], int(question["seed"]))
        answered = session.answered
        context.update(
            session=session,
            item=item,
            step=item.main,
            attempt={"seed": question["seed"]},
            skill_name=placement.graph.name(question["skill_id"]),
            number=question["number"],
            answered=answered,
            max_questions=session.max_questions,
            percent=round(100 * answered / max(1, session.max_questions)),
            answer_url=reverse("placement:answer", args=[course_id]),
            # The same answer box as practice: the skill's keyboard, the checker's limit, the kept answer.
            form=learning_api.question_answer_form(
                course_id=course_id, checksum=info.checksum, item=item, kept=kept
            ),
        )
        return context
    finished = selectors.last_finished(learner_id=request.user.pk, course_id=course_id)
    if finished is not None:
        context["summary"] = selectors.summary(finished, services.session_placement(finished).graph)
        context["finished"] = finished
    context["cap"] = selectors.cap_for(learner_id=request.user.pk, course_id=course_id)
    return context


@require_http_methods(["GET"])
@login_required
def placement_page(request: HttpRequest, course_id: str) -> HttpResponse:
    """The question on screen, or the summary of the last placement, or what placement is."""
    return render(request, "placement/placement.html", _page_context(request, course_id))


def _refused(request: HttpRequest, course_id: str, error: PlacementError | LearningError) -> HttpResponse:
    context = _page_context(request, course_id, kept=request.POST.getlist("response"))
    context["error"] = error.detail
    return render(request, "placement/placement.html", context, status=error.status)


@require_POST
@login_required
def start(request: HttpRequest, course_id: str) -> HttpResponse:
    services.placement_start(learner=request.user, course_id=course_id)
    return redirect("placement:page", course_id)


@require_POST
@login_required
def skip(request: HttpRequest, course_id: str) -> HttpResponse:
    services.placement_skip(learner=request.user, course_id=course_id)
    return redirect("learning:home", course_id)


def _seed(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("seed", ""))
    except ValueError:
        return -1  # matches no question: refused as not the question on screen


@require_POST
@login_required
def answer(request: HttpRequest, course_id: str) -> HttpResponse:
    responses = request.POST.getlist("response")
    response: str | list[str] = (
        responses if request.POST.get("type") == "multiple_choice" else (responses[0] if responses else "")
    )
    try:
        services.placement_answer(
            learner=request.user,
            course_id=course_id,
            item_id=request.POST.get("item_id", ""),
            seed=_seed(request),
            response=response,
            not_learned=request.POST.get("not_learned") == "1",
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except (PlacementError, LearningError) as error:
        return _refused(request, course_id, error)
    return redirect("placement:page", course_id)


@require_http_methods(["GET", "POST"])
@login_required
def class_cap(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's cap on placement questions (teachers of the class)."""
    klass = access_class_cap(request.user, class_id)
    context: dict[str, Any] = {"klass": klass}
    status = 200
    if request.method == "POST":
        text = request.POST.get("max_questions", "").strip()
        try:
            value = int(text) if text else None
        except ValueError:
            value = -1
        try:
            services.cap_set(actor=request.user, class_id=class_id, max_questions=value)
            return redirect("placement:class-cap", class_id)
        except PlacementError as error:
            context["error"], status = error.detail, error.status
    context["cap"] = selectors.class_cap(class_id=class_id)
    context["default_cap"] = selectors.DEFAULT_CAP
    context["min_cap"], context["max_cap"] = selectors.MIN_CAP, selectors.MAX_CAP
    return render(request, "placement/class_cap.html", context, status=status)
