from django.urls import path

from learnpath.web.curriculum import views

app_name = "curriculum"

# Course and skill ids are pack slugs, which may contain dots: the `str` converter, not `slug`.
urlpatterns = [
    path("<str:course_id>/", views.course_detail, name="course"),
    path("<str:course_id>/skills/<str:skill_id>/", views.skill_detail, name="skill"),
    path("<str:course_id>/media/<path:path>", views.media_file, name="media"),
]
