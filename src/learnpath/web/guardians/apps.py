from django.apps import AppConfig


class GuardiansConfig(AppConfig):
    """Guardians: linking with a one-time consent code, and the read-only view of a linked learner."""

    name = "learnpath.web.guardians"
    label = "guardians"
    verbose_name = "Guardians"
    default_auto_field = "django.db.models.BigAutoField"
