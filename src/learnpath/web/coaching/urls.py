from django.urls import path

from learnpath.web.coaching import views

app_name = "coaching"

urlpatterns = [
    path("classes/", views.classes_home, name="classes"),
    path("classes/join/", views.class_join, name="join"),
    path("classes/inbox/", views.inbox, name="inbox"),
    path("classes/requests/", views.enrolment_requests, name="requests"),
    path("classes/requests/<int:request_id>/", views.enrolment_request_decide, name="request-decide"),
    path("classes/<int:class_id>/", views.class_detail, name="class"),
    path("classes/<int:class_id>/courses/", views.class_course_attach, name="course-attach"),
    path("classes/<int:class_id>/join-code/", views.join_code_change, name="join-code"),
    path("classes/<int:class_id>/enrol/", views.class_enrol, name="enrol"),
    path("classes/<int:class_id>/archive/", views.class_archive, name="archive"),
    path("classes/<int:class_id>/restore/", views.class_restore, name="restore"),
    path("classes/<int:class_id>/teachers/", views.teacher_add, name="teacher-add"),
    path("classes/<int:class_id>/groups/", views.group_create, name="group-create"),
    path("classes/<int:class_id>/cockpit/", views.cockpit, name="cockpit"),
    path("classes/<int:class_id>/standards/", views.class_standards, name="standards"),
    path("classes/<int:class_id>/learners/<int:learner_id>/", views.learner_detail, name="learner"),
    path(
        "classes/<int:class_id>/learners/<int:learner_id>/feedback/", views.learner_feedback, name="feedback"
    ),
    path(
        "classes/<int:class_id>/learners/<int:learner_id>/remove/",
        views.learner_remove,
        name="learner-remove",
    ),
    path(
        "classes/<int:class_id>/learners/<int:learner_id>/override/",
        views.learner_override,
        name="override",
    ),
    path("classes/<int:class_id>/pacing/", views.pacing, name="pacing"),
    path("classes/<int:class_id>/pacing/shift/", views.pacing_shift, name="pacing-shift"),
    path("classes/<int:class_id>/pacing/<int:target_id>/delete/", views.pacing_delete, name="pacing-delete"),
    path("classes/<int:class_id>/interventions/", views.interventions, name="interventions"),
    path("classes/<int:class_id>/projects/", views.class_projects, name="class-projects"),
    path("plan/", views.my_plan, name="plan"),
]
