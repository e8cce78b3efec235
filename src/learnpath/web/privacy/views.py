"""Pages for data rights: a person's data to read or download, consent per purpose, deletion.

Who may see each page is decided in ``access.py``; every export and deletion is audited by ``services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from learnpath.web.accounts import api as accounts_api
from learnpath.web.guardians import api as guardians_api
from learnpath.web.personal_data import export_json_chunks
from learnpath.web.privacy import access, selectors, services
from learnpath.web.privacy.models import Purpose

CONFIRM_WORD = "delete"


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in person's data rights: their own data, and the learners they may act for."""
    me = accounts_api.person(user_id=request.user.pk)
    assert me is not None  # signed in
    linked = (
        guardians_api.linked_learners(guardian_id=request.user.pk)
        if access.access_acts_for_linked_learners(request.user)
        else []
    )
    return render(
        request,
        "privacy/mine.html",
        {"me": me, "adult": access.is_adult(me), "linked": linked},
    )


@login_required
@require_GET
def data_page(request: HttpRequest, person_id: int) -> HttpResponse:
    """Everything held about a person, to read (an export: audited)."""
    person = access.access_act_for(request.user, person_id)
    data = services.export_record(
        learner_id=person_id, actor=request.user, now=timezone.now(), shown_as="page"
    )
    return render(
        request,
        "privacy/data.html",
        {
            "person": person,
            "is_self": person.id == request.user.pk,
            "sections": selectors.readable(data),
            "rows_shown": selectors.ROWS_SHOWN,
        },
    )


@login_required
@require_GET
def data_json(request: HttpRequest, person_id: int) -> HttpResponse:
    """Everything held about a person, as a JSON download (an export: audited)."""
    access.access_act_for(request.user, person_id)
    now = timezone.now()
    data = services.export_record(learner_id=person_id, actor=request.user, now=now, shown_as="json")
    # Streamed: the stored files are read one at a time as the download is written.
    response = StreamingHttpResponse(export_json_chunks(data), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="learnpath-data-{person_id}-{now:%Y%m%d}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, person_id: int) -> HttpResponse:
    """Consent per purpose: shown to the learner, changed by whoever may act for them (the learner can
    always withdraw)."""
    person, may_give = access.access_consent(request.user, person_id)
    if request.method == "POST":
        purpose = request.POST.get("purpose", "")
        granted = request.POST.get("granted") == "yes"
        if purpose in Purpose.values and (may_give or not granted):
            services.consent_set(
                learner_id=person_id, purpose=purpose, granted=granted, actor=request.user, now=timezone.now()
            )
            words = gettext("Saved: %(purpose)s: yes.") if granted else gettext("Saved: %(purpose)s: no.")
            messages.success(request, words % {"purpose": gettext(Purpose(purpose).label)})
        else:
            messages.error(request, gettext("Only a guardian or your school can give that consent."))
        return redirect("privacy:consent", person_id=person_id)
    return render(
        request,
        "privacy/consent.html",
        {
            "person": person,
            "is_self": person.id == request.user.pk,
            "may_give": may_give,
            "states": selectors.consent_states(learner_id=person_id),
            "guardians": accounts_api.guardians_of_learner(learner_id=person_id),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, person_id: int) -> HttpResponse:
    """Delete everything held about a person, after typing "delete" to confirm."""
    person = access.access_act_for(request.user, person_id)
    is_self = person.id == request.user.pk
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm", "").strip().lower() != CONFIRM_WORD:
            error = f"Type the word “{CONFIRM_WORD}” to confirm."
        else:
            now = timezone.now()
            deletion = services.deletion_request(learner_id=person_id, actor=request.user, now=now)
            try:
                services.deletion_run(request_id=deletion.pk, now=now)
            except services.DeletionIncomplete:
                messages.error(
                    request, gettext("The deletion stopped part-way. Press Continue to finish it.")
                )
            else:
                if is_self:
                    logout(request)
                    return render(request, "privacy/deleted_self.html")
            return redirect("privacy:deletion", request_id=deletion.pk)
    policy = selectors.policy_of(organisation_id=person.organisation_id)
    return render(
        request,
        "privacy/delete.html",
        {
            "person": person,
            "is_self": is_self,
            "error": error,
            "keeps_research": policy.keep_research_data
            and selectors.consent_granted(learner_id=person_id, purpose=Purpose.RESEARCH),
            "confirm_word": CONFIRM_WORD,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def deletion(request: HttpRequest, request_id: int) -> HttpResponse:
    """Where a deletion stands, and continuing one that stopped."""
    found = access.access_deletion(request.user, request_id)
    if request.method == "POST" and found.finished_at is None:
        try:
            found = services.deletion_run(request_id=found.pk, now=timezone.now())
        except services.DeletionIncomplete:
            messages.error(request, gettext("The deletion stopped again. Please tell your administrator."))
        return redirect("privacy:deletion", request_id=request_id)
    done = [(label, found.progress[label]["at"]) for label in selectors.APP_TITLES if label in found.progress]
    return render(
        request,
        "privacy/deletion.html",
        {
            "deletion": found,
            "done": [(selectors.APP_TITLES[label], at) for label, at in done],
            "apps_left": len(selectors.APP_TITLES) - len(done),
        },
    )
