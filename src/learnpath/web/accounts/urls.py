from django.urls import path

from learnpath.web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password-change-done"),
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
