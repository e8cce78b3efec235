from django.urls import include, path

from learnpath.web.accounts import oidc, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    # Sign-in with the school's identity provider (docs/decisions/0092-oidc-sign-in.md).
    path("oidc/<int:provider_id>/start/", oidc.oidc_start, name="oidc-start"),
    path("oidc/callback/", oidc.oidc_callback, name="oidc-callback"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("settings/", views.my_settings, name="settings"),
    path("language/", views.language_switch, name="language"),
    path("tokens/", views.api_tokens_page, name="api-tokens"),
    path("tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    # A second factor for staff (docs/decisions/0080-second-factor.md).
    path("second-factor/", include("learnpath.web.accounts.second_factor")),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path("password/forgotten/", views.PasswordResetRequestView.as_view(), name="password-forgotten"),
    path("password/forgotten/sent/", views.PasswordResetSentView.as_view(), name="password-forgotten-sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetSetView.as_view(),
        name="password-reset-confirm",
    ),
    path("password/reset/done/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("join/", views.join, name="join"),
    path("join/welcome/", views.join_welcome, name="join-welcome"),
    path("classes/<int:class_id>/joining/", views.joining_code_change, name="joining-code"),
    path("classes/<int:class_id>/sheet/", views.class_sheet, name="class-sheet"),
    path(
        "classes/<int:class_id>/learners/<int:learner_id>/password-reset/",
        views.learner_password_reset,
        name="password-reset",
    ),
]
