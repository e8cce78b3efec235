from django.apps import AppConfig


class LearningConfig(AppConfig):
    """Practice: the event log, derived skill states and review schedules, the learner's pages and API."""

    name = "learnpath.web.learning"
    label = "learning"
    verbose_name = "Learning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A learner who joins a class by its code lands on the class's first course; accounts, below
        # learning and curriculum, is handed the answer instead of importing them (decision 0079).
        from learnpath.web.accounts import api as accounts_api
        from learnpath.web.learning.class_landing import class_first_course_home

        accounts_api.class_landing_set(class_first_course_home)

        # The engine's reasons and messages in the language of each request (engine/wording.py).
        from django.utils.translation import gettext, ngettext

        from learnpath.engine import wording

        wording.install(gettext, ngettext)
