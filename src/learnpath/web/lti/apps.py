from django.apps import AppConfig


class LtiConfig(AppConfig):
    """LTI 1.3 / Advantage tool: OIDC login and launch, deep linking, grade passback, roster sync."""

    name = "learnpath.web.lti"
    label = "lti"
    verbose_name = "LTI"
    default_auto_field = "django.db.models.BigAutoField"
