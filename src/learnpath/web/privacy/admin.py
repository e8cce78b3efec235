"""Admin for privacy: each organisation's settings (editable), consent and deletions (read-only records)."""

from django.contrib import admin

from learnpath.web.privacy.models import ConsentRecord, DeletionRequest, OrganisationPolicy


@admin.register(OrganisationPolicy)
class OrganisationPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "organisation", "learners_are_adults", "keep_research_data", "events_days", "uploads_days",
        "audit_days",
    ]  # fmt: skip
    list_select_related = ["organisation"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["learner", "purpose", "granted", "recorded_at", "recorded_by"]
    list_filter = ["purpose", "granted"]
    list_select_related = ["learner", "recorded_by"]


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    list_display = ["learner_id", "requested_at", "keep_research", "finished_at", "attempts", "last_error"]
