"""Sign-in, sign-out and password pages (Django's auth views with learnpath's templates), and a teacher's
printable class sheet with password resets for the class's learners."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from learnpath.web import throttle
from learnpath.web.accounts import access, selectors, services
from learnpath.web.accounts.first_passwords import first_passwords_keep, first_passwords_take


def _account_key(username: str) -> str:
    return username.strip().casefold()[:300]


class SignInView(auth_views.LoginView):
    """Sign in. A failed attempt gets one generic message, whether or not the account exists.

    Failures are limited per account and per address (learnpath.web.throttle): past the limit the page
    says how long to wait, with status 429, and the password is not even checked.
    """

    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = _account_key(str(request.POST.get("username", "")))
        address = throttle.client_address(request)
        try:
            throttle.check(throttle.SIGN_IN_PER_ADDRESS, address, "sign-in attempts from this network")
            throttle.check(throttle.SIGN_IN_PER_ACCOUNT, account, "passwords for this account")
        except throttle.Throttled as error:
            form = self.get_form_class()(request=request)
            form.fields["username"].initial = request.POST.get("username", "")[:150]
            context = self.get_context_data(form=form, throttled=str(error))
            return self.render_to_response(context, status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.cleared(throttle.SIGN_IN_PER_ACCOUNT, account)
        else:
            throttle.failed(throttle.SIGN_IN_PER_ACCOUNT, account)
            throttle.failed(throttle.SIGN_IN_PER_ADDRESS, address)
        return response


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


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
@require_GET
def class_sheet(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's printable sheet: each learner's name and user name, the sign-in address and, once,
    the passwords made by this teacher's latest enrolment or resets."""
    klass = access.access_class_taught(request.user, class_id)
    new_passwords = first_passwords_take(request.session, class_id=klass.pk, now=timezone.now())
    learners = selectors.class_learners(class_id=klass.pk)
    return render(
        request,
        "accounts/class_sheet.html",
        {
            "klass": klass,
            "rows": [(learner, new_passwords.get(learner.username, "")) for learner in learners],
            "new_passwords": bool(new_passwords),
            "sign_in_url": request.build_absolute_uri(reverse("accounts:sign-in")),
        },
    )


@login_required
@require_POST
def learner_password_reset(request: HttpRequest, class_id: int, learner_id: int) -> HttpResponse:
    """A teacher of the class gives one of its learners a new password, shown once on the class sheet."""
    klass, learner = access.access_class_learner_for_reset(request.user, class_id, learner_id)
    password = services.learner_password_reset(learner=learner, class_id=klass.pk, actor=request.user)  # type: ignore[arg-type]
    first_passwords_keep(
        request.session, class_id=klass.pk, passwords=[(learner.username, password)], now=timezone.now()
    )
    return redirect("accounts:class-sheet", class_id=klass.pk)
