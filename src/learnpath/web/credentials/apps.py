from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    """Open Badges 3.0 credentials for mastered skills and courses, signed and verifiable."""

    name = "learnpath.web.credentials"
    label = "credentials"
    verbose_name = "Credentials"
    default_auto_field = "django.db.models.BigAutoField"
