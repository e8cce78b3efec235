from django.apps import AppConfig


class XapiConfig(AppConfig):
    """xAPI: learning events as statements, delivered to the school's LRS by the worker."""

    name = "learnpath.web.xapi"
    label = "xapi"
    verbose_name = "xAPI"
    default_auto_field = "django.db.models.BigAutoField"
