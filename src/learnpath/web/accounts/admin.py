"""Admin for people, organisations, classes, guardian links and the (read-only) audit log."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from learnpath.web.accounts.models import AuditEntry, Class, ClassMembership, GuardianLink, Organisation, User

# Second-factor devices hold secrets (the TOTP key, the recovery codes) and are removed only through the
# audited page, accounts/second-factor/staff/ (docs/decisions/0080-second-factor.md), not edited here.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "organisation", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "organisation", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    list_select_related = ["organisation"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("learnpath", {"fields": ["role", "organisation", "display_name"]}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("learnpath", {"fields": ["role", "organisation", "display_name"]}),
    )


class ClassMembershipInline(admin.TabularInline):
    model = ClassMembership
    extra = 0
    autocomplete_fields = ["learner"]


@admin.register(Class)
class ClassAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["name", "slug"]
    list_select_related = ["organisation"]
    filter_horizontal = ["teachers"]
    inlines = [ClassMembershipInline]


@admin.register(GuardianLink)
class GuardianLinkAdmin(admin.ModelAdmin):
    list_display = ["guardian", "learner", "relationship", "consent_given_at", "consent_withdrawn_at"]
    list_filter = ["relationship"]
    search_fields = ["guardian__username", "learner__username"]
    list_select_related = ["guardian", "learner"]
    autocomplete_fields = ["guardian", "learner"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is append-only: it can be read and searched here, never edited."""

    list_display = ["created_at", "action", "actor", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "target_id", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
