"""Admin for placement: sessions are a learner's record (read-only); class caps can be corrected."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from learnpath.web.placement.models import ClassPlacementCap, PlacementSession


@admin.register(PlacementSession)
class PlacementSessionAdmin(admin.ModelAdmin):
    list_display = ["learner", "course_id", "status", "max_questions", "started_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["learner"]
    search_fields = ["course_id", "learner__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ClassPlacementCap)
class ClassPlacementCapAdmin(admin.ModelAdmin):
    list_display = ["klass", "max_questions", "updated_at"]
    list_select_related = ["klass"]
    search_fields = ["klass__name"]
