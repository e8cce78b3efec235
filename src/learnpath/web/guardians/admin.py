"""Admin for guardian codes: read-only (only hashes are stored; codes are made on the learner's page)."""

from django.contrib import admin

from learnpath.web.guardians.models import LinkCode


@admin.register(LinkCode)
class LinkCodeAdmin(admin.ModelAdmin):
    list_display = ["learner", "created_by", "created_at", "expires_at", "used_at", "used_by"]
    list_select_related = ["learner", "created_by", "used_by"]
    search_fields = ["learner__username"]
    exclude = ["code_sha256"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
