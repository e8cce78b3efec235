"""Sign-in and sign-out pages: Django's auth views with learnpath's templates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from learnpath.web import throttle


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
