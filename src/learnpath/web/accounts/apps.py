from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People, organisations, classes, guardian links and the audit log."""

    name = "learnpath.web.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from learnpath.web.accounts.sessions import session_renewed_on_sign_in
        from learnpath.web.accounts.timezones import time_zone_on_sign_in

        user_logged_in.connect(session_renewed_on_sign_in, dispatch_uid="learnpath-session-renewed")
        user_logged_in.connect(time_zone_on_sign_in, dispatch_uid="learnpath-time-zone")
