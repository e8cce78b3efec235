from django.urls import path

from learnpath.web.lti import views

app_name = "lti"

urlpatterns = [
    path("lti/jwks/", views.jwks, name="jwks"),
    path("lti/login/", views.login, name="login"),
    path("lti/launch/", views.launch_view, name="launch"),
    path("lti/deep-link/", views.deep_link, name="deep-link"),
    path("lti/register/", views.register, name="register"),
    path("lti/classes/<int:class_id>/", views.class_page, name="class"),
    path("lti/classes/<int:class_id>/roster/", views.class_roster_sync, name="roster-sync"),
]
