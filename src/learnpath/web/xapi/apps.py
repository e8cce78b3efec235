from django.apps import AppConfig


class XapiConfig(AppConfig):
    """xAPI: learning events as statements, delivered to the school's LRS by the worker."""

    name = "learnpath.web.xapi"
    label = "xapi"
    verbose_name = "xAPI"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A recorded event queues a delivery (the schedule would find it within a minute anyway).
        from learnpath.web.learning import api as learning_api
        from learnpath.web.xapi.tasks import delivery_queue

        learning_api.event_recorded.connect(delivery_queue, dispatch_uid="xapi-delivery-queue")
