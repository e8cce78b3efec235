"""Sign-in, sign-out and password pages (Django's auth views with learnpath's templates), password reset by
e-mail for adults, a teacher's printable class sheet with password resets for the class's learners, and
joining a class with its code: a new learner's sign-up (no e-mail), a signed-in learner's join, and the
teacher's code controls."""

from __future__ import annotations

import logging
import math
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, update_session_auth_hash
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learnpath.web import throttle
from learnpath.web.accounts import access, languages, selectors, services
from learnpath.web.accounts.class_landing import class_landing
from learnpath.web.accounts.first_passwords import first_passwords_keep, first_passwords_take
from learnpath.web.accounts.forms import CHOICE_MADE, JoinForm, PasswordResetRequestForm, SignUpForm
from learnpath.web.accounts.join_codes import SIGN_UP_PER_ADDRESS, join_code_display
from learnpath.web.accounts.known_devices import known_device_id, known_device_remember
from learnpath.web.accounts.passwords import password_generate
from learnpath.web.accounts.second_factor import second_factor_signed_in
from learnpath.web.accounts.timezones import time_zone_names, time_zone_remember

logger = logging.getLogger(__name__)


def _account_key(username: str) -> str:
    return username.strip().casefold()[:300]


class SignInView(auth_views.LoginView):
    """Sign in: the one way in for everyone, the admin site's included (``admin_sign_in``). A failed attempt
    gets one generic message, whether or not the account exists.

    Failures back off (learnpath.web.throttle, docs/decisions/0073-sign-in-limits.md) per network address
    across usernames and per account for devices the account does not know; a device the account signed
    in on before (its known-device cookie) is held only by its own failures on that account, so a correct
    password from it gets in whatever others tried. In a wait the page says when to try again, with status
    429; the password is not even checked and nothing is written. Failures and refusals are logged.
    """

    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The page, with a "Sign in with <school>" button per enabled identity provider (decision 0092)."""
        from learnpath.web.accounts.identity_providers import providers_for_sign_in

        return {**super().get_context_data(**kwargs), "identity_providers": providers_for_sign_in()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = _account_key(str(request.POST.get("username", "")))
        address = throttle.client_address(request)
        device_id = known_device_id(request, account=account)
        device = f"{account}\0{device_id}"
        try:
            if device_id is None:
                throttle.backoff_check(
                    throttle.SIGN_IN_PER_ADDRESS, address, "sign-in attempts from this network"
                )
                throttle.backoff_check(throttle.SIGN_IN_PER_ACCOUNT, account, "passwords for this account")
            else:
                throttle.backoff_check(throttle.SIGN_IN_PER_DEVICE, device, "passwords on this device")
        except throttle.Throttled as error:
            logger.warning(
                "sign-in refused for %r from %s (%s device): %s",
                account[:150],
                address,
                "unknown" if device_id is None else "known",
                error,
            )
            form = self.get_form_class()(request=request)
            form.fields["username"].initial = request.POST.get("username", "")[:150]
            context = self.get_context_data(form=form, throttled=str(error))
            return self.render_to_response(context, status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            if device_id is None:
                throttle.backoff_cleared(throttle.SIGN_IN_PER_ACCOUNT, account)
            else:
                throttle.backoff_cleared(throttle.SIGN_IN_PER_DEVICE, device)
            known_device_remember(request, response, account=account)
            second_factor_signed_in(request)  # staff with an app owe a code next (decision 0080)
        else:
            logger.info(
                "sign-in failed for %r from %s (%s device)",
                account[:150],
                address,
                "unknown" if device_id is None else "known",
            )
            throttle.backoff_failed(throttle.SIGN_IN_PER_ADDRESS, address)
            if device_id is None:
                throttle.backoff_failed(throttle.SIGN_IN_PER_ACCOUNT, account)
            else:
                throttle.backoff_failed(throttle.SIGN_IN_PER_DEVICE, device)
        return response


@require_http_methods(["GET", "POST", "HEAD"])
def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """/admin/login/: the admin site has no sign-in of its own. Everyone, the superuser included, signs in
    on the sign-in page with its limits, and comes back to ``next``. A post here checks no password.

    Signed in with admin rights: straight on to ``next``. Signed in without them: a plain 403 saying so,
    with a sign-out button (sending them to sign in would bounce back here)."""
    admin_index = reverse("admin:index")
    target = str(request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME) or "")
    if not target.startswith("/admin/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = admin_index
    user = request.user
    if user.is_authenticated:
        if access.access_admin_site(user):
            return redirect(target)
        return render(request, "accounts/admin_not_allowed.html", status=403)
    return redirect(f"{reverse('accounts:sign-in')}?{urlencode({REDIRECT_FIELD_NAME: target}, safe='/')}")


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only, with the CSRF token), then back to the home page."""


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (current password, the new one twice, the installed validators), in plainer words."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Type it again; if you have forgotten "
        "it, ask your teacher or administrator for a new one.",
    }


class PasswordChangeView(auth_views.PasswordChangeView):
    """Anyone signed in changes their own password; this session stays signed in, every other one ends."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")

    def form_valid(self, form: auth_forms.PasswordChangeForm) -> HttpResponse:
        services.user_password_change(user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The footer's language switch: the chosen language for this browser (a cookie) and, for a signed-in
    person, for their account on every device; then back to the page it was used on."""
    language = request.POST.get("language", "")
    # Back to the page the switch was used on (the same-origin Referer; pages do not carry their own
    # address in the form, so a page looks the same whichever address showed it), or to ``next``.
    back = request.POST.get("next", "") or request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("home")
    if not languages.is_language(language):
        return HttpResponse(
            f"{language[:20]!r} is not a language learnpath is offered in.",
            status=400,
            content_type="text/plain",
        )
    if access.access_is_signed_in(request.user):
        services.user_language_set(user=request.user, language=language)  # type: ignore[arg-type]
    response = HttpResponseRedirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=True,
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_settings(request: HttpRequest) -> HttpResponse:
    """A person's own settings: the time zone their times are shown in."""
    user = request.user
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("time_zone", "").strip()
        try:
            services.user_time_zone_set(user=user, time_zone=chosen)  # type: ignore[arg-type]
        except ValueError as refused:
            error = str(refused)
        else:
            time_zone_remember(request, user)
            messages.success(request, gettext("Settings saved."))
            return redirect("accounts:settings")
    organisation = getattr(user, "organisation", None)
    context = {
        "zones": time_zone_names(),
        "chosen": getattr(user, "time_zone", ""),
        "school_zone": organisation.time_zone if organisation is not None else "",
        "now": timezone.now(),
        "zone_name": timezone.get_current_timezone_name(),
        "error": error,
    }
    return render(request, "accounts/settings.html", context, status=400 if error else 200)


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


# -- password reset by e-mail (adults) --------------------------------------------------------------------

# Every request counts, since whether a link went out is never told: per network address (a class behind
# one school address asks rarely), and per typed address whoever asks, so nobody floods a mailbox; the
# second limit holds for unknown addresses alike, so it tells nothing either.
PASSWORD_RESET_PER_ADDRESS = throttle.Limit("password-reset-address", attempts=10, window=60 * 60)
PASSWORD_RESET_PER_MAILBOX = throttle.Limit("password-reset-mailbox", attempts=3, window=60 * 60)


def _reset_refusal(error: throttle.Throttled) -> str:
    minutes = max(1, math.ceil(error.seconds_left / 60))
    return (
        "Too many password reset requests in a short time. "
        f"Please wait {minutes} minute{'s' if minutes != 1 else ''} and try again."
    )


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Ask for a link to set a new password (teachers, guardians, administrators). The answer is the same
    page whether or not an account has the address; limited per network address and per typed address
    (429 with one plain line, nothing sent, nothing counted)."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset_request.html"
    subject_template_name = "accounts/password_reset_subject.txt"
    email_template_name = "accounts/password_reset_email.txt"
    success_url = reverse_lazy("accounts:password-forgotten-sent")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = f"address:{throttle.client_address(request)}"
        mailbox = str(request.POST.get("email", "")).strip().casefold()[:254]
        try:
            throttle.check(PASSWORD_RESET_PER_ADDRESS, address, "password reset requests")
            if mailbox:
                throttle.check(PASSWORD_RESET_PER_MAILBOX, mailbox, "password reset requests")
        except throttle.Throttled as error:
            # The address typed is personal data and not logged; the network address is.
            logger.warning("password reset refused from %s: %s", address, error)
            context = self.get_context_data(form=self.get_form(), throttled=_reset_refusal(error))
            return self.render_to_response(context, status=429)
        throttle.failed(PASSWORD_RESET_PER_ADDRESS, address)
        if mailbox:
            throttle.failed(PASSWORD_RESET_PER_MAILBOX, mailbox)
        return super().post(request, *args, **kwargs)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetSetView(auth_views.PasswordResetConfirmView):
    """The link from the mail: Django checks its one-use token (an hour, PASSWORD_RESET_TIMEOUT) and moves
    it into the session before showing the form; the new password goes through the validators and
    ``services.user_password_reset_by_email`` (audited; every session of that person ends). No sign-in
    here: the person signs in with the new password, through the sign-in page and its limits."""

    template_name = "accounts/password_reset_set.html"
    success_url = reverse_lazy("accounts:password-reset-done")
    post_reset_login = False

    def form_valid(self, form: auth_forms.SetPasswordForm) -> HttpResponse:
        services.user_password_reset_by_email(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_done.html"


@login_required
@require_GET
def class_sheet(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's printable sheet: each learner's name and user name, the sign-in address and, once,
    the passwords made by this teacher's latest enrolment or resets."""
    klass = access.access_class_taught(request.user, class_id)
    new_passwords = first_passwords_take(request.session, class_id=klass.pk, now=timezone.now())
    learners = selectors.class_learners(class_id=klass.pk)
    resettable = access.access_learners_resettable(request.user, [learner.pk for learner in learners])
    return render(
        request,
        "accounts/class_sheet.html",
        {
            "klass": klass,
            "rows": [
                (learner, new_passwords.get(learner.username, ""), learner.pk in resettable)
                for learner in learners
            ],
            "new_passwords": bool(new_passwords),
            "sign_in_url": request.build_absolute_uri(reverse("accounts:sign-in")),
        },
    )


@login_required
@require_POST
def learner_password_reset(request: HttpRequest, class_id: int, learner_id: int) -> HttpResponse:
    """A teacher of the class gives one of its learners a new password, shown once on the class sheet."""
    try:
        klass, learner = access.access_class_learner_for_reset(request.user, class_id, learner_id)
    except access.ResetNeedsAnotherTeacher as refusal:
        messages.error(request, str(refusal))
        return redirect("accounts:class-sheet", class_id=class_id)
    password = services.learner_password_reset(learner=learner, class_id=klass.pk, actor=request.user)  # type: ignore[arg-type]
    first_passwords_keep(
        request.session, class_id=klass.pk, passwords=[(learner.username, password)], now=timezone.now()
    )
    return redirect("accounts:class-sheet", class_id=klass.pk)


# -- joining a class with its code ------------------------------------------------------------------------

JOIN_WELCOME_SESSION_KEY = "learnpath:join-welcome"


def _class_landing(class_id: int) -> str:
    """Where a learner lands after joining: the class's first course, or the home page without one
    (``accounts.class_landing``: learning registers the answer, decision 0079)."""
    return class_landing(class_id)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Join a class with its code. Signed out: make a learner account in it. A signed-in learner: join one
    more class. The code makes learners only, so a signed-in teacher, guardian or admin gets 404."""
    user = request.user
    if not access.access_is_signed_in(user):
        return _sign_up(request)
    access.access_class_code_joiner(user)
    return _join_signed_in(request)


def _sign_up(request: HttpRequest) -> HttpResponse:
    address = f"address:{throttle.client_address(request)}"
    form = SignUpForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form}
    if request.method != "POST":
        return render(request, "accounts/sign_up.html", context)
    try:
        throttle.check(SIGN_UP_PER_ADDRESS, address, "class codes from this network")
    except throttle.Throttled as error:
        context["code_error"] = str(error)
        return render(request, "accounts/sign_up.html", context, status=429)
    if not selectors.class_open_with_code(code=str(request.POST.get("code", ""))):
        throttle.failed(SIGN_UP_PER_ADDRESS, address)
        context["code_error"] = services.NO_CLASS_WITH_THAT_CODE
        return render(request, "accounts/sign_up.html", context, status=400)
    if not form.is_valid():
        return render(request, "accounts/sign_up.html", context, status=400)
    data = form.cleaned_data
    made_password = password_generate() if data["password_choice"] == CHOICE_MADE else None
    try:
        user, klass = services.learner_sign_up(
            code=data["code"],
            username=data["username"],
            display_name=data["display_name"],
            password=made_password or data["password1"],
        )
    except services.JoinRefused as error:  # closed or replaced between the check and now
        context["code_error"] = str(error)
        return render(request, "accounts/sign_up.html", context, status=400)
    except IntegrityError:  # the same user name taken a moment ago
        form.add_error("username", gettext("That username was taken a moment ago. Choose another one."))
        return render(request, "accounts/sign_up.html", context, status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if made_password is None and not data.get("username_made"):
        return redirect(_class_landing(klass.pk))
    # Something was made for them: show it once, then on to the course (a reload cannot sign up twice).
    request.session[JOIN_WELCOME_SESSION_KEY] = {
        "class_id": klass.pk,
        "class_name": klass.name,
        "username": user.username,
        "password": made_password or "",
    }
    return redirect("accounts:join-welcome")


def _join_signed_in(request: HttpRequest) -> HttpResponse:
    who = str(request.user.pk)  # the same count as the My classes form (coaching)
    form = JoinForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "signed_in": True}
    if request.method != "POST":
        return render(request, "accounts/sign_up.html", context)
    try:
        throttle.check(throttle.JOIN_CODE_PER_USER, who, "class codes")
    except throttle.Throttled as error:
        context["code_error"] = str(error)
        return render(request, "accounts/sign_up.html", context, status=429)
    try:
        klass, _ = services.learner_class_join(
            learner=request.user,  # type: ignore[arg-type]
            code=str(request.POST.get("code", "")),
        )
    except services.JoinRefused as error:
        throttle.failed(throttle.JOIN_CODE_PER_USER, who)
        context["code_error"] = str(error)
        return render(request, "accounts/sign_up.html", context, status=400)
    return redirect(_class_landing(klass.pk))


@login_required
@require_GET
def join_welcome(request: HttpRequest) -> HttpResponse:
    """Once, after a sign-up that made a user name or a password: show them, then on to the course."""
    welcome = request.session.pop(JOIN_WELCOME_SESSION_KEY, None)
    if not isinstance(welcome, dict) or request.user.get_username() != welcome.get("username"):
        return redirect("home")
    return render(
        request,
        "accounts/join_welcome.html",
        {**welcome, "landing": _class_landing(int(welcome["class_id"]))},
    )


@login_required
@require_POST
def joining_code_change(request: HttpRequest, class_id: int) -> HttpResponse:
    """A teacher of the class makes a new join code (the old one stops working) or turns joining off or on."""
    klass = access.access_class_taught(request.user, class_id)
    action = request.POST.get("action")
    actor = request.user
    if action == "new":
        code = services.class_joining_code_new(klass=klass, actor=actor)  # type: ignore[arg-type]
        messages.success(
            request,
            gettext("New class code %(code)s; the old one no longer works.")
            % {"code": join_code_display(code)},
        )
    elif action in ("open", "close"):
        services.class_joining_set_open(klass=klass, is_open=action == "open", actor=actor)  # type: ignore[arg-type]
        messages.success(
            request,
            gettext("Joining with the class code is on.") if action == "open" else gettext("Joining is off."),
        )
    return redirect("coaching:class", class_id=klass.pk)


# -- API tokens for other systems (accounts.api_tokens, docs/decisions/0084-api-tokens.md) ---------------


def _tokens_page(
    request: HttpRequest, *, new: Any = None, error: str = "", chosen: Any = None
) -> HttpResponse:
    from learnpath.web.accounts import api_tokens

    now = timezone.now()
    context = {
        "tokens": [
            {
                "token": token,
                "state": "revoked"
                if token.revoked_at is not None
                else "expired"
                if token.expires_at <= now
                else "working",
                "scopes": ", ".join(token.scopes),
            }
            for token in api_tokens.tokens_of(user=request.user)
        ],
        "scopes": list(api_tokens.SCOPES.items()),
        "lifetimes": api_tokens.LIFETIMES_DAYS,
        "new": new,
        "error": error,
        "chosen": chosen or {"name": "", "scopes": [], "days": api_tokens.DEFAULT_LIFETIME_DAYS},
    }
    response = render(request, "accounts/api_tokens.html", context, status=400 if error else 200)
    if new is not None:
        response["Cache-Control"] = "no-store"  # the page holds a working secret: never keep a copy
    return response


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens_page(request: HttpRequest) -> HttpResponse:
    """A teacher's or administrator's API tokens: make one (shown once), see when each was last used,
    revoke one."""
    from learnpath.web.accounts import api_tokens

    if not api_tokens.may_have_tokens(request.user):
        raise Http404("Only teachers and administrators make API tokens.")
    if request.method == "POST":
        days_text = request.POST.get("days", "")
        chosen = {
            "name": request.POST.get("name", ""),
            "scopes": request.POST.getlist("scopes"),
            "days": int(days_text) if days_text.isdigit() else 0,
        }
        try:
            new = api_tokens.token_create(
                user=request.user,
                name=chosen["name"],
                scopes=chosen["scopes"],
                days=chosen["days"],
                now=timezone.now(),
            )
        except api_tokens.TokenProblem as problem:
            return _tokens_page(request, error=str(problem), chosen=chosen)
        return _tokens_page(request, new=new)
    return _tokens_page(request)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    from learnpath.web.accounts import api_tokens

    if not api_tokens.may_have_tokens(request.user):
        raise Http404("Only teachers and administrators have API tokens.")
    if api_tokens.token_revoke(user=request.user, token_id=token_id, now=timezone.now()):
        messages.success(request, gettext("Token revoked: it no longer works."))
    else:
        messages.error(request, gettext("There is no working token of yours with that number."))
    return redirect("accounts:api-tokens")
