from django.apps import AppConfig


class CoachingConfig(AppConfig):
    """Teachers' side: classes and enrolment, join codes, pacing, the cockpit, interventions."""

    name = "learnpath.web.coaching"
    label = "coaching"
    verbose_name = "Coaching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The policy's pacing targets are coaching's, but learning sits below coaching: coaching hands
        # learning its reader instead of learning importing coaching (decision 0079).
        from learnpath.web.coaching import api as coaching_api
        from learnpath.web.learning import api as learning_api

        learning_api.assignments_source_set(coaching_api.assignments_for)
