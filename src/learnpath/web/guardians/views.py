"""Guardians link with a code and read a linked learner's progress; learners see who can see their data."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnpath.web import throttle
from learnpath.web.accounts import api as accounts_api
from learnpath.web.agency import api as agency_api
from learnpath.web.coaching import api as coaching_api
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.guardians import services
from learnpath.web.learning import api as learning_api

PRACTISE_TOGETHER = 3


def _is_role(user: object, role: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == role)  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    """A learner: who can see my data, a code for a guardian, and withdrawing a guardian's access."""
    if not _is_role(request.user, "learner"):
        raise Http404("This page is a learner's own.")
    code = None
    if request.method == "POST":
        if request.POST.get("action") == "code":
            code = services.link_code_create(
                learner_id=request.user.pk, actor=request.user, now=timezone.now()
            )
        elif request.POST.get("action") == "withdraw" and request.POST.get("guardian", "").isdigit():
            if accounts_api.guardian_link_withdraw(
                guardian_id=int(request.POST["guardian"]), learner=request.user, actor=request.user
            ):
                messages.success(request, "That guardian can no longer see your data.")
            return redirect("guardians:sharing")
    learner_id = request.user.pk
    return render(
        request,
        "guardians/sharing.html",
        {
            "code": code,
            "teachers": accounts_api.teachers_of_learner(learner_id=learner_id),
            "guardians": accounts_api.guardians_of_learner(learner_id=learner_id),
            "classes": accounts_api.classes_of_learner(learner_id=learner_id),
        },
    )


@login_required
@require_POST
def school_code(request: HttpRequest, learner_id: int) -> HttpResponse:
    """A teacher (the school's consent) makes a guardian code for a learner they teach; shown once."""
    if accounts_api.relation_to_learner(user=request.user, learner_id=learner_id) not in ("teacher", "admin"):
        raise Http404("There is no learner here that you teach.")
    learner = accounts_api.person(user_id=learner_id)
    code = services.link_code_create(learner_id=learner_id, actor=request.user, now=timezone.now())
    return render(request, "guardians/school_code.html", {"code": code, "learner": learner})


@login_required
@require_http_methods(["GET", "POST"])
def guardian_home(request: HttpRequest) -> HttpResponse:
    """A guardian: the learners they are linked to, and a form to link with a code."""
    if not _is_role(request.user, "guardian"):
        raise Http404("This page is for guardians.")
    if request.method == "POST":
        who = str(request.user.pk)
        if throttle.held(request, throttle.GUARDIAN_CODE_PER_USER, who, "codes"):
            return redirect("guardians:home")
        try:
            learner_id = services.link_code_redeem(
                guardian=request.user,
                code=request.POST.get("code", ""),
                now=timezone.now(),
                relationship=request.POST.get("relationship", ""),
            )
        except services.GuardianLinkError as error:
            throttle.failed(throttle.GUARDIAN_CODE_PER_USER, who)
            messages.error(request, str(error))
            return redirect("guardians:home")
        messages.success(request, "Linked. You can now follow their progress.")
        return redirect("guardians:learner", learner_id=learner_id)
    return render(
        request,
        "guardians/home.html",
        {"learners": accounts_api.learners_of_guardian(guardian_id=request.user.pk)},
    )


@login_required
@require_GET
def learner_view(request: HttpRequest, learner_id: int) -> HttpResponse:
    """Read-only: a linked learner's progress, goals, recent work and what to practise together."""
    if accounts_api.relation_to_learner(user=request.user, learner_id=learner_id) != "guardian":
        raise Http404("There is no learner here that you are linked to.")
    learner = accounts_api.person(user_id=learner_id)
    rows = learning_api.skill_progress_rows(learner_ids=[learner_id], course_id=None)
    by_course: dict[str, list[object]] = defaultdict(list)
    for row in rows:
        by_course[row.course_id].append(row)
    progress = []
    practise = []
    for course_id, course_rows in by_course.items():
        info = curriculum_api.course_info(course_id=course_id)
        try:
            names = {s.id: s.name for s in curriculum_api.course_pack(course_id=course_id).skills}
        except curriculum_api.CourseNotFound:
            names = {}
        mastered = [r for r in course_rows if r.mastered]
        learning = sorted(
            (r for r in course_rows if not r.mastered and r.answers), key=lambda r: r.p_mastered
        )
        progress.append(
            {
                "title": info.title if info else course_id,
                "mastered": [names.get(r.skill_id, r.skill_id) for r in mastered],
                "learning": [
                    (names.get(r.skill_id, r.skill_id), round(r.p_mastered * 100)) for r in learning
                ],
                "total": len(names),
            }
        )
        practise.extend(
            (names.get(r.skill_id, r.skill_id), info.title if info else course_id) for r in learning
        )
    skill_names: dict[str, dict[str, str]] = {}
    plan = []
    for entry in coaching_api.learner_plan(learner_id=learner_id)[:5]:
        if entry.course_id not in skill_names:
            skill_names[entry.course_id] = dict(learning_api.course_skill_names(course_id=entry.course_id))
        plan.append((skill_names[entry.course_id].get(entry.skill_id, entry.skill_id), entry.due))
    return render(
        request,
        "guardians/learner.html",
        {
            "learner": learner,
            "progress": progress,
            "practise": practise[:PRACTISE_TOGETHER],
            "plan": plan,
            "work": agency_api.learner_work(learner_id=learner_id),
        },
    )
