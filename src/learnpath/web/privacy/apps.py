from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data rights: export and deletion of a person's data, consent per purpose, retention windows."""

    name = "learnpath.web.privacy"
    label = "privacy"
    verbose_name = "Privacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # xAPI, below privacy, sends a learner as themselves only with research consent; it is handed the
        # reader of that consent instead of importing privacy (decision 0079, 0090).
        from learnpath.web.privacy.selectors import research_consented
        from learnpath.web.xapi import api as xapi_api

        xapi_api.consent_source_set(research_consented)
