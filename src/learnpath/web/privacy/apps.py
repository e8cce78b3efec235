from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data rights: export and deletion of a person's data, consent per purpose, retention windows."""

    name = "learnpath.web.privacy"
    label = "privacy"
    verbose_name = "Privacy"
    default_auto_field = "django.db.models.BigAutoField"
