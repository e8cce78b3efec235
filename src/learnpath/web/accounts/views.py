"""Sign-in and sign-out pages: Django's auth views with learnpath's templates."""

from __future__ import annotations

from django.contrib.auth import views as auth_views


class SignInView(auth_views.LoginView):
    """Sign in. A failed attempt gets one generic message, whether or not the account exists."""

    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only, with the CSRF token), then back to the home page."""
