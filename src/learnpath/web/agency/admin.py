"""Admin for learner agency: learners' work is theirs, so the admin reads it and never edits it."""

from django.contrib import admin

from learnpath.web.agency.models import Feedback, Goal, ProjectBoard, Reflection, Submission


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ["title", "learner", "target_date", "achieved_at"]
    list_select_related = ["learner"]
    search_fields = ["title", "learner__username"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["title", "learner", "kind", "file_name", "file_size", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["learner"]
    search_fields = ["title", "learner__username"]
    exclude = ["file_data"]


@admin.register(Reflection)
class ReflectionAdmin(ReadOnlyAdmin):
    list_display = ["learner", "course_id", "created_at"]
    list_select_related = ["learner"]
    search_fields = ["learner__username"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["learner", "author", "target_type", "target_id", "created_at"]
    list_filter = ["target_type"]
    list_select_related = ["learner", "author"]
    search_fields = ["learner__username", "body"]


@admin.register(ProjectBoard)
class ProjectBoardAdmin(admin.ModelAdmin):
    list_display = ["klass", "course_id", "project_id"]
    list_select_related = ["klass"]
    search_fields = ["project_id", "klass__name"]
