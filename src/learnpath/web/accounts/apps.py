from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People, organisations, classes, guardian links and the audit log."""

    name = "learnpath.web.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"
