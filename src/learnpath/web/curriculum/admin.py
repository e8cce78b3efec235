"""Admin for imported content.

Content comes from packs: to change it, edit the pack and import a new version (decision 0011). Here
staff browse and search it and give courses to organisations. Nothing can be added or deleted here:
deleting would cut learner history loose, and adding would bypass the pack's validation.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from learnpath.web.curriculum import services
from learnpath.web.curriculum.models import ClassCourse, Course, Item, MediaFile, Project, Resource, Skill


class ImportedOnlyAdmin(admin.ModelAdmin):
    """Imported rows: no adding, no deleting."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(ImportedOnlyAdmin):
    """Only the organisation can be changed: empty makes the course global."""

    list_display = ["title", "slug", "version", "organisation", "language", "updated_at"]
    list_filter = ["organisation", "language"]
    search_fields = ["title", "slug", "description"]
    list_select_related = ["organisation"]
    fields = ["slug", "title", "organisation", "version", "checksum", "imported_versions", "description"]
    readonly_fields = ["slug", "title", "version", "checksum", "imported_versions", "description"]

    def save_model(self, request: HttpRequest, obj: Course, form: Any, change: bool) -> None:
        """Go through the service, so the change is audited like any other."""
        if "organisation" in form.changed_data:
            services.course_organisation_set(
                course_id=obj.slug, organisation_id=obj.organisation_id, actor=request.user
            )

    @admin.display(description="imported versions")
    def imported_versions(self, obj: Course) -> SafeString:
        rows = obj.versions.select_related("imported_by").order_by("-imported_at")
        return format_html_join(
            "",
            "<p>{} · imported {} by {} · checksum {}…</p>",
            ((v.version, v.imported_at, v.imported_by or "the command line", v.checksum[:12]) for v in rows),
        )


class CourseContentAdmin(ImportedOnlyAdmin):
    """Shared shape of the skill, item, resource and project admins: read-only, with the document."""

    list_filter = ["course", "retired"]
    list_select_related = ["course"]
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        names = [field.name for field in self.model._meta.fields if field.name != "document"]
        return [*names, "document_json"]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["document"]

    @admin.display(description="document (as imported)")
    def document_json(self, obj: Any) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(obj.document, indent=2, ensure_ascii=False))


@admin.register(Skill)
class SkillAdmin(CourseContentAdmin):
    list_display = ["name", "slug", "course", "retired", "position"]
    search_fields = ["name", "slug", "description"]


@admin.register(Item)
class ItemAdmin(CourseContentAdmin):
    list_display = ["slug", "type", "course", "difficulty", "is_template", "retired"]
    list_filter = ["course", "type", "is_template", "retired"]
    search_fields = ["slug", "prompt"]


@admin.register(Resource)
class ResourceAdmin(CourseContentAdmin):
    list_display = ["title", "slug", "modality", "course", "retired"]
    list_filter = ["course", "modality", "retired"]
    search_fields = ["title", "slug"]


@admin.register(Project)
class ProjectAdmin(CourseContentAdmin):
    list_display = ["title", "slug", "course", "retired"]
    search_fields = ["title", "slug"]


@admin.register(MediaFile)
class MediaFileAdmin(ImportedOnlyAdmin):
    list_display = ["path", "course", "content_type", "size", "updated_at"]
    list_filter = ["course", "content_type"]
    search_fields = ["path"]
    list_select_related = ["course"]
    exclude = ["data"]
    readonly_fields = ["course", "path", "content_type", "size", "sha256", "updated_at"]


@admin.register(ClassCourse)
class ClassCourseAdmin(admin.ModelAdmin):
    """Which courses each class uses (teachers attach them on the class page)."""

    list_display = ["klass", "course_id", "attached_at"]
    list_select_related = ["klass"]
    search_fields = ["course_id", "klass__name"]
