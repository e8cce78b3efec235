from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    """Courses imported from content packs: skills, prerequisites, items, resources, projects, media."""

    name = "learnpath.web.curriculum"
    label = "curriculum"
    verbose_name = "Curriculum"
    default_auto_field = "django.db.models.BigAutoField"
