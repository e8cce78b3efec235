"""LTI pages and endpoints: the tool's keys, the OIDC login and launch, the teacher's deep-linking choice,
dynamic registration, and a class's LMS page. Thin: the checks are in ``launch``, the writes in
``services``, the platform calls in ``grades`` and ``registration``."""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnpath.web.accounts import api as accounts_api
from learnpath.web.learning import api as learning_api
from learnpath.web.lti import keys, launch, registration, selectors, services
from learnpath.web.lti.deep_linking import DeepLinkRequest, deep_link_choices, deep_link_response
from learnpath.web.lti.launch import LaunchRefused
from learnpath.web.lti.receivers import grades_send_soon, roster_sync_soon

DEEP_LINK_SESSION_KEY = "lti_deep_link"


def _absolute(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(name))


def _refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "lti/refused.html", {"message": message}, status=status)


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    """learnpath's public keys (JWK Set): platforms verify its signed messages with them."""
    response = JsonResponse(keys.public_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """OIDC third-party-initiated login: on to the platform's authorization endpoint."""
    try:
        return launch.login_redirect(request, launch_url=_absolute(request, "lti:launch"))
    except LaunchRefused as error:
        return _refused(request, str(error))


@csrf_exempt
@never_cache
@require_POST
def launch_view(request: HttpRequest) -> HttpResponse:
    """The platform's launch (id_token and state, posted by the browser): checked, then acted on."""
    try:
        facts = launch.launch_check(request)
        if facts.message_type == "LtiDeepLinkingRequest" and facts.role != "teacher":
            raise LaunchRefused(gettext("Only a course's instructors choose what a learnpath link opens."))
        if facts.message_type not in ("LtiResourceLinkRequest", "LtiDeepLinkingRequest"):
            raise LaunchRefused(
                gettext("learnpath does not handle {kind} messages yet.").format(kind=facts.message_type)
            )
        accepted = services.launch_accept(facts)
    except LaunchRefused as error:
        return _refused(request, str(error))
    accounts_api.person_sign_in(request, user_id=accepted.user_id)
    if facts.message_type == "LtiDeepLinkingRequest":
        request.session[DEEP_LINK_SESSION_KEY] = DeepLinkRequest.from_launch(facts).to_dict()
        return redirect("lti:deep-link")
    if accepted.role == "teacher":
        if accepted.class_id is not None:
            roster_sync_soon(class_id=accepted.class_id)
        if accepted.class_id is not None:
            return redirect("lti:class", class_id=accepted.class_id)
        return redirect("coaching:classes")
    if accepted.link_id is not None:
        grades_send_soon()
    if not accepted.course_id:
        return _refused(
            request,
            gettext(
                "This LMS link does not open a learnpath course yet. Your teacher chooses one when adding "
                "learnpath to the course (deep linking)."
            ),
            status=200,
        )
    if accepted.skill_id:
        with contextlib.suppress(learning_api.LearningError):  # the course still opens; the learner chooses
            learning_api.skill_choose(
                learner=request.user,
                course_id=accepted.course_id,
                skill_id=accepted.skill_id,
                idempotency_key="lti-" + hashlib.sha256(facts.nonce.encode()).hexdigest()[:40],
            )
        return redirect("learning:practice", course_id=accepted.course_id)
    return redirect("learning:home", course_id=accepted.course_id)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest) -> HttpResponse:
    """The teacher chooses a course or one skill for the LMS link; the choice goes back to the LMS signed."""
    stored = request.session.get(DEEP_LINK_SESSION_KEY)
    if not stored or not accounts_api.user_is_teacher(request.user):
        raise Http404
    wanted = DeepLinkRequest.from_dict(stored)
    choices = deep_link_choices(user=request.user)
    if request.method == "GET":
        return render(request, "lti/deep_link.html", {"choices": choices, "request_title": wanted.title})
    course_id = str(request.POST.get("course", ""))
    skill_id = str(request.POST.get("skill", ""))
    skill_columns = request.POST.get("skill_columns") == "yes"
    chosen = next((c for c in choices if c.course_id == course_id), None)
    if chosen is None or (skill_id and skill_id not in {s for s, _ in chosen.skills}):
        context: dict[str, Any] = {
            "choices": choices,
            "error": gettext("Choose one of the courses or skills listed."),
        }
        return render(request, "lti/deep_link.html", context, status=400)
    jwt_value = deep_link_response(
        wanted,
        launch_url=_absolute(request, "lti:launch"),
        course=chosen,
        skill_id=skill_id,
        skill_columns=skill_columns,
    )
    del request.session[DEEP_LINK_SESSION_KEY]
    response = render(
        request,
        "lti/deep_link_return.html",
        {"return_url": wanted.return_url, "jwt": jwt_value, "title": chosen.title},
    )
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(wanted.return_url))
    response._csp_update = {"form-action": [origin]}  # type: ignore[attr-defined]
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """LTI Dynamic Registration: an administrator, signed in here, registers learnpath with the LMS that
    opened this page (its openid_configuration and registration_token are in the address)."""
    config_url = str(request.GET.get("openid_configuration", ""))
    token = str(request.GET.get("registration_token", ""))
    if not accounts_api.user_is_platform_admin(request.user):
        return _refused(
            request,
            gettext(
                "Only a learnpath administrator can register learnpath with an LMS. Sign in as one in this "
                "window, then start the registration again from the LMS."
            ),
            status=403,
        )
    if not config_url:
        return _refused(
            request, gettext("The registration has no openid_configuration address. Start it from the LMS.")
        )
    try:
        platform_config = registration.platform_configuration(config_url)
    except registration.RegistrationFailed as error:
        return _refused(request, str(error), status=502)
    organisations = registration.organisations()
    context = {"platform": platform_config, "organisations": organisations}
    if request.method == "GET":
        return render(request, "lti/register.html", context)
    try:
        organisation_id = int(str(request.POST.get("organisation", "")))
    except ValueError:
        organisation_id = 0
    if organisation_id not in {o.id for o in organisations}:
        context["error"] = gettext("Choose the organisation whose people and classes this LMS serves.")
        return render(request, "lti/register.html", context, status=400)
    try:
        platform = registration.register(
            platform_config,
            token=token,
            tool_urls=registration.ToolUrls(
                login=_absolute(request, "lti:login"),
                launch=_absolute(request, "lti:launch"),
                jwks=_absolute(request, "lti:jwks"),
                home=request.build_absolute_uri("/"),
            ),
            organisation_id=organisation_id,
            actor=request.user,
        )
    except registration.RegistrationFailed as error:
        context["error"] = str(error)
        return render(request, "lti/register.html", context, status=502)
    return render(request, "lti/registered.html", {"platform": platform})


@never_cache
@login_required
@require_GET
def class_page(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class made for an LMS course: its LMS, its links, the grades owed and the last roster sync."""
    accounts_api.class_taught(user=request.user, class_id=class_id)
    view = selectors.class_lms(class_id=class_id)
    if view is None:
        raise Http404
    return render(request, "lti/class.html", {"view": view, "class_id": class_id})


@never_cache
@login_required
@require_POST
def class_roster_sync(request: HttpRequest, class_id: int) -> HttpResponse:
    """Read the LMS course's roster into the class now (a teacher's button)."""
    accounts_api.class_taught(user=request.user, class_id=class_id)
    view = selectors.class_lms(class_id=class_id)
    if view is None:
        raise Http404
    from learnpath.web.lti.tasks import roster_sync

    roster_sync(view.context_pk)
    return redirect("lti:class", class_id=class_id)
