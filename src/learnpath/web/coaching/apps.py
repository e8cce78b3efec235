from django.apps import AppConfig


class CoachingConfig(AppConfig):
    """Teachers' side: classes and enrolment, join codes, pacing, the cockpit, interventions."""

    name = "learnpath.web.coaching"
    label = "coaching"
    verbose_name = "Coaching"
    default_auto_field = "django.db.models.BigAutoField"
