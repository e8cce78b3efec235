from django.urls import path

from learnpath.web.placement import views

app_name = "placement"

urlpatterns = [
    path("placement/<str:course_id>/", views.placement_page, name="page"),
    path("placement/<str:course_id>/start", views.start, name="start"),
    path("placement/<str:course_id>/answer", views.answer, name="answer"),
    path("placement/<str:course_id>/skip", views.skip, name="skip"),
    path("classes/<int:class_id>/placement/", views.class_cap, name="class-cap"),
]
