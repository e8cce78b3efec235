"""Every app's personal-data provider, in the order deletion runs, and the scan that checks a deletion.

Deletion runs from the top layer down (privacy, lti, xapi, credentials, guardians, placement, coaching,
agency, learning, curriculum, accounts): a higher app's rows may point at a lower app's, never the reverse,
and accounts goes last because it turns the person into a tombstone (decision 0076).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

from learnpath.web.accounts import api as accounts_api
from learnpath.web.agency import api as agency_api
from learnpath.web.coaching import api as coaching_api
from learnpath.web.credentials import api as credentials_api
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.guardians import api as guardians_api
from learnpath.web.learning import api as learning_api
from learnpath.web.lti import api as lti_api
from learnpath.web.personal_data import PersonalData
from learnpath.web.placement import api as placement_api
from learnpath.web.privacy import privacy as privacy_own
from learnpath.web.xapi import api as xapi_api

ERASE_ORDER: tuple[tuple[str, ModuleType], ...] = (
    ("privacy", privacy_own),
    ("lti", lti_api.privacy_provider),
    ("xapi", xapi_api.privacy_provider),
    ("credentials", credentials_api.privacy_provider),
    ("guardians", guardians_api.privacy_provider),
    ("placement", placement_api.privacy_provider),
    ("coaching", coaching_api.privacy_provider),
    ("agency", agency_api.privacy_provider),
    ("learning", learning_api.privacy_provider),
    ("curriculum", curriculum_api.privacy_provider),
    ("accounts", accounts_api.privacy_provider),
)
EXPORT_ORDER = tuple(reversed(ERASE_ORDER))
APP_LABELS = tuple(label for label, _ in EXPORT_ORDER)

# Rows that stay after a deletion by design, pointing at the tombstone: the append-only audit log and the
# record of the deletion itself. Neither names the person.
RECORDS_KEPT = frozenset({"accounts.AuditEntry", "privacy.DeletionRequest"})


def provider(label: str) -> ModuleType:
    """The provider of one app."""
    return dict(ERASE_ORDER)[label]


def declarations() -> list[PersonalData]:
    """What every app declares it holds, lowest app first."""
    return [entry for _, module in EXPORT_ORDER for entry in module.PERSONAL_DATA]


def learnpath_models() -> list[type[models.Model]]:
    """Every concrete model of learnpath's apps."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("learnpath.")
        for model in config.get_models()
    ]


def _user_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The foreign keys and many-to-many fields of ``model`` that point at the user model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return [
        field
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey | models.ManyToManyField)
        and field.related_model is user_model
        and not field.auto_created
    ]


@dataclass(frozen=True)
class Leftover:
    """Rows of one model that still hold a deleted person's data."""

    model: str
    reason: str
    rows: int


def personal_data_left(*, user_id: int, needles: list[str]) -> list[Leftover]:
    """What every learnpath model still holds about person ``user_id``: rows pointing at them (except the
    kept records and their own tombstone row) and rows whose text contains any of ``needles`` (their user
    name, names, e-mail as they were). Reads every table: for tests and for checking a deletion by hand."""
    needles = [n for n in needles if n]
    user_label = settings.AUTH_USER_MODEL
    found = []
    for model in learnpath_models():
        label = model._meta.label
        if label not in RECORDS_KEPT:
            pointing = Q()
            for field in _user_fields(model):
                pointing |= Q(**{f"{field.name}": user_id})
            if label == user_label:
                pointing |= Q(pk=user_id, is_active=True)
            if pointing:
                count = model._default_manager.filter(pointing).count()
                if count:
                    found.append(Leftover(label, "points at the person", count))
        text = Q()
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField | models.EmailField):
                for needle in needles:
                    text |= Q(**{f"{field.name}__icontains": needle})
        if text:
            count = model._default_manager.filter(text).count()
            if count:
                found.append(Leftover(label, "contains their name", count))
    return found
