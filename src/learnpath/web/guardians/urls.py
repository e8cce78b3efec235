from django.urls import path

from learnpath.web.guardians import views

app_name = "guardians"

urlpatterns = [
    path("me/sharing/", views.sharing, name="sharing"),
    path("learners/<int:learner_id>/guardian-code/", views.school_code, name="school-code"),
    path("guardian/", views.guardian_home, name="home"),
    path("guardian/learners/<int:learner_id>/", views.learner_view, name="learner"),
]
