from django.urls import path

from learnpath.web.agency import views

app_name = "agency"

urlpatterns = [
    path("me/welcome/", views.welcome, name="welcome"),
    path("me/goals/", views.goals, name="goals"),
    path("me/goals/<int:goal_id>/achieved/", views.goal_achieved, name="goal-achieved"),
    path("me/milestones/<int:milestone_id>/", views.milestone_toggle, name="milestone-toggle"),
    path("me/portfolio/", views.portfolio, name="portfolio"),
    path("me/reflections/", views.reflections, name="reflections"),
    path("me/projects/", views.projects, name="projects"),
    path("me/feedback/", views.feedback, name="feedback"),
    path("work/<int:submission_id>/file/", views.submission_file, name="submission-file"),
    path("learners/<int:learner_id>/goals/", views.goal_for_learner, name="goal-for-learner"),
]
