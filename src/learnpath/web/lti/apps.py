from django.apps import AppConfig


class LtiConfig(AppConfig):
    """LTI 1.3 / Advantage tool: OIDC login and launch, deep linking, grade passback, roster sync."""

    name = "learnpath.web.lti"
    label = "lti"
    verbose_name = "LTI"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A change of mastery makes the learner's LMS grades owed (learning tells, after commit).
        from learnpath.web.learning import api as learning_api
        from learnpath.web.lti.receivers import mastery_changed

        learning_api.event_recorded.connect(mastery_changed, dispatch_uid="lti.mastery_changed")
