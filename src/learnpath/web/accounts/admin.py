"""Admin for people, organisations, classes, guardian links and the (read-only) audit log."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from learnpath.web.accounts import identity_providers, services
from learnpath.web.accounts.models import (
    AuditEntry,
    Class,
    ClassMembership,
    GuardianLink,
    IdentityLink,
    IdentityProvider,
    Organisation,
    User,
)

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


class IdentityProviderForm(forms.ModelForm):
    """The client secret is written, never shown: empty keeps the one saved. The discovery document is
    fetched from the issuer when the provider is saved."""

    client_secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Never shown again. Leave empty to keep the saved one.",
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "organisation",
            "name",
            "issuer",
            "client_id",
            "client_secret",
            "email_domains",
            "link_by_email",
            "make_learners",
            "enabled",
        ]

    def clean_client_secret(self) -> str:
        secret: str = self.cleaned_data.get("client_secret", "")
        if not secret and self.instance.pk:
            return self.instance.client_secret  # kept
        if not secret:
            raise forms.ValidationError("Give the client secret the provider made for learnpath.")
        return secret

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        issuer = (cleaned or {}).get("issuer")
        if issuer and (
            not self.instance.pk or issuer != self.instance.issuer or "issuer" in self.changed_data
        ):
            try:
                self.instance.discovery = identity_providers.discovery_fetch(issuer=issuer)
            except identity_providers.ProviderProblem as problem:
                raise forms.ValidationError(f"The issuer could not be used: {problem}.") from problem
            self.instance.discovered_at = timezone.now()
        return cleaned


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    """An organisation's OpenID Connect provider (docs/decisions/0092-oidc-sign-in.md); each save is audited,
    without the secret."""

    form = IdentityProviderForm
    list_display = [
        "name",
        "organisation",
        "issuer",
        "client_id",
        "enabled",
        "link_by_email",
        "make_learners",
    ]
    list_filter = ["enabled", "organisation"]
    list_select_related = ["organisation"]
    readonly_fields = ["discovered_at"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        services.audit_entry_record(
            actor=request.user,
            action="identity_provider.change" if change else "identity_provider.add",
            target_type="identity_provider",
            target_id=obj.pk,
            details={
                "changed": sorted(set(form.changed_data) - {"client_secret"})
                + (
                    ["client_secret"]
                    if "client_secret" in form.changed_data and form.data.get("client_secret")
                    else []
                )
            },
        )

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        services.audit_entry_record(
            actor=request.user,
            action="identity_provider.delete",
            target_type="identity_provider",
            target_id=obj.pk,
        )
        super().delete_model(request, obj)


class IdentityLinkForm(forms.ModelForm):
    """Refuses, as a form error, a link the service would refuse."""

    class Meta:
        model = IdentityLink
        fields = ["provider", "user", "subject"]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        provider, user, subject = cleaned.get("provider"), cleaned.get("user"), cleaned.get("subject", "")
        if provider is not None and user is not None and user.organisation_id != provider.organisation_id:
            raise ValidationError(f"{user.username} is not a member of {provider.organisation.slug}.")
        if (
            provider is not None
            and IdentityLink.objects.filter(
                provider=provider, issuer=provider.issuer, subject=subject
            ).exists()
        ):
            raise ValidationError("That subject is already linked to someone.")
        return cleaned


@admin.register(IdentityLink)
class IdentityLinkAdmin(admin.ModelAdmin):
    """Who signs in with which school account. An administrator links a person (audited); a link is never
    edited, only removed (audited)."""

    list_display = ["user", "provider", "made_by", "created_at", "last_used_at"]
    list_filter = ["provider", "made_by"]
    search_fields = ["user__username", "subject"]
    list_select_related = ["user", "provider"]
    autocomplete_fields = ["user"]
    form = IdentityLinkForm

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return obj is None

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        try:
            made = identity_providers.identity_link_create(
                provider=obj.provider, user=obj.user, subject=obj.subject, actor=request.user
            )
        except identity_providers.ProviderProblem as problem:
            raise ValidationError(str(problem)) from problem
        obj.pk = made.pk

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        services.audit_entry_record(
            actor=request.user,
            action="identity_link.delete",
            target_type="user",
            target_id=obj.user_id,
            details={"provider": obj.provider_id},
        )
        super().delete_model(request, obj)
