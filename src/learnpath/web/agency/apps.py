from django.apps import AppConfig


class AgencyConfig(AppConfig):
    """Learners' own side: goals and milestones, portfolio, reflections, project choices, feedback."""

    name = "learnpath.web.agency"
    label = "agency"
    verbose_name = "Learner agency"
    default_auto_field = "django.db.models.BigAutoField"
