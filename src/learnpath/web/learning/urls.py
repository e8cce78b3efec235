from django.urls import path

from learnpath.web.learning import views

app_name = "learning"

urlpatterns = [
    path("<str:course_id>/", views.course_home, name="home"),
    path("<str:course_id>/model/", views.course_model_page, name="model"),
    path("<str:course_id>/practice/", views.practice, name="practice"),
    path("<str:course_id>/start", views.start, name="start"),
    path("<str:course_id>/choose", views.choose, name="choose"),
    path("<str:course_id>/answer", views.answer, name="answer"),
    path("<str:course_id>/hint", views.hint, name="hint"),
    path("<str:course_id>/solution", views.solution, name="solution"),
    path("<str:course_id>/skip", views.skip, name="skip"),
    path("<str:course_id>/resources/<str:resource_id>", views.resource, name="resource"),
]
