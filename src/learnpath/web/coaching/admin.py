"""Admin for coaching: read and correct class set-up; interventions are read-only (they are a record)."""

from django.contrib import admin

from learnpath.web.coaching.models import Intervention, JoinCode, LearnerGroup, PacingTarget


@admin.register(JoinCode)
class JoinCodeAdmin(admin.ModelAdmin):
    list_display = ["klass", "code", "active", "created_at"]
    list_select_related = ["klass"]
    search_fields = ["code", "klass__name"]


@admin.register(LearnerGroup)
class LearnerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "klass", "created_at"]
    list_select_related = ["klass"]
    search_fields = ["name", "klass__name"]


@admin.register(PacingTarget)
class PacingTargetAdmin(admin.ModelAdmin):
    list_display = ["klass", "course_id", "skill_id", "due", "group", "learner"]
    list_select_related = ["klass", "group", "learner"]
    search_fields = ["skill_id", "course_id", "klass__name"]
    raw_id_fields = ["learner", "created_by"]


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "klass", "kind", "skill_id", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["klass", "created_by"]
    search_fields = ["skill_id", "note", "klass__name"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
