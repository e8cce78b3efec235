"""Guardians link with a code and read a linked learner's progress; learners see who can see their data.

Who may see each page is decided in ``access.py``; what the guardian's view shows is read in ``selectors.py``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnpath.web import throttle
from learnpath.web.accounts import api as accounts_api
from learnpath.web.guardians import access, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    """A learner: who can see my data, a code for a guardian, and withdrawing a guardian's access."""
    access.access_own_sharing(request.user)
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
                messages.success(request, gettext("That guardian can no longer see your data."))
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
    learner = access.access_school_code(request.user, learner_id)
    code = services.link_code_create(learner_id=learner_id, actor=request.user, now=timezone.now())
    return render(request, "guardians/school_code.html", {"code": code, "learner": learner})


@login_required
@require_http_methods(["GET", "POST"])
def guardian_home(request: HttpRequest) -> HttpResponse:
    """A guardian: the learners they are linked to, and a form to link with a code."""
    access.access_guardian_home(request.user)
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
        messages.success(request, gettext("Linked. You can now follow their progress."))
        return redirect("guardians:learner", learner_id=learner_id)
    return render(
        request,
        "guardians/home.html",
        {"learners": selectors.linked_learners(guardian_id=request.user.pk)},
    )


@login_required
@require_GET
def learner_view(request: HttpRequest, learner_id: int) -> HttpResponse:
    """Read-only: a linked learner's progress, goals, recent work and what to practise together."""
    learner = access.access_linked_learner(request.user, learner_id)
    overview = selectors.learner_overview(learner_id=learner_id)
    return render(
        request,
        "guardians/learner.html",
        {
            "learner": learner,
            "progress": overview.progress,
            "practise": overview.practise,
            "plan": overview.plan,
            "work": overview.work,
        },
    )
