from django.apps import AppConfig


class LearningConfig(AppConfig):
    """Practice: the event log, derived skill states and review schedules, the learner's pages and API."""

    name = "learnpath.web.learning"
    label = "learning"
    verbose_name = "Learning"
    default_auto_field = "django.db.models.BigAutoField"
