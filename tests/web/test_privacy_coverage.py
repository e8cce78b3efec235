"""Every model of learnpath's apps that holds personal data is covered by its app's privacy provider, and
the audit log is append-only (decision 0076)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import models
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, AuditLogIsAppendOnly, User
from learnpath.web.privacy import registry

# Fields that hold personal data whatever model they are on; a model with one of them, or with a foreign
# key or many-to-many field to the user model, must be declared by its app's provider.
PERSONAL_FIELD_NAMES = frozenset(
    {"username", "email", "first_name", "last_name", "display_name", "password", "ip_address", "user_agent"}
)


def personal_fields(model: type[models.Model]) -> set[str]:
    from django.apps import apps
    from django.conf import settings

    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = set()
    for field in model._meta.get_fields():
        if field.auto_created:
            continue
        points_at_user = isinstance(field, models.ForeignKey | models.ManyToManyField)
        if (points_at_user and field.related_model is user_model) or field.name in PERSONAL_FIELD_NAMES:
            found.add(field.name)
    return found


def test_every_model_holding_personal_data_is_declared_with_those_fields() -> None:
    declared: dict[str, set[str]] = {}
    for entry in registry.declarations():
        declared.setdefault(entry.model, set()).update(entry.fields)
    missing = []
    for model in registry.learnpath_models():
        needed = personal_fields(model)
        if needed - declared.get(model._meta.label, set()):
            missing.append(f"{model._meta.label}: {sorted(needed - declared.get(model._meta.label, set()))}")
    assert not missing, "personal data no provider declares (add it to the app's privacy.py):\n" + "\n".join(
        missing
    )


def test_every_declaration_names_a_real_model_and_field_of_its_own_app() -> None:
    from django.apps import apps

    for label, module in registry.ERASE_ORDER:
        for entry in module.PERSONAL_DATA:
            app_label, _, name = entry.model.partition(".")
            assert app_label == label, f"{entry.model} is declared by {label}"
            model = apps.get_model(app_label, name)
            for field in entry.fields:
                model._meta.get_field(field)  # raises FieldDoesNotExist for a stale declaration
            assert entry.purpose
            assert entry.seen_by
            assert entry.kept


def test_every_learnpath_app_has_a_provider() -> None:
    from django.apps import apps

    app_labels = {c.label for c in apps.get_app_configs() if c.name.startswith("learnpath.")}
    assert app_labels == set(registry.APP_LABELS)


def test_the_meta_test_sees_an_undeclared_model() -> None:
    # The check above is only worth something if it flags a model it was not told about.
    assert personal_fields(User) >= {"username", "email", "display_name"}
    assert personal_fields(AuditEntry) == {"actor"}


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted() -> None:
    accounts_api.audit_record(actor=None, action="test.action", target_type="user", target_id=1)
    entry = AuditEntry.objects.get(action="test.action")
    entry.action = "something.else"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="something.else")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    # Nor by a new object that names the row's id (Django would UPDATE it): the database refuses the insert.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry(pk=entry.pk, action="forged", target_type="user", target_id="1").save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"
    # Only the retention window takes rows out, and only those older than it.
    assert AuditEntry.objects.all().expire(before=timezone.now() - timedelta(days=1)) == 0
    assert AuditEntry.objects.filter(pk=entry.pk).expire(before=timezone.now() + timedelta(seconds=1)) == 1


def test_the_schools_guide_lists_every_declared_model() -> None:
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    missing = [e.model for e in registry.declarations() if e.model.partition(".")[2] not in guide]
    assert not missing, f"docs/privacy.md does not say what these hold: {missing}"
