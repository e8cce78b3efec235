"""Reads for privacy: organisation settings, consent in force, deletion requests, the readable export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from learnpath.web.accounts import api as accounts_api
from learnpath.web.privacy.labels import field_name
from learnpath.web.privacy.models import ConsentRecord, DeletionRequest, OrganisationPolicy, Purpose

ROWS_SHOWN = 200
ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)")


def policy_of(*, organisation_id: int | None) -> OrganisationPolicy:
    """The organisation's privacy settings (an unsaved row with the defaults when it has none)."""
    if organisation_id is None:
        return OrganisationPolicy(learners_are_adults=True)
    found = OrganisationPolicy.objects.filter(organisation_id=organisation_id).first()
    return found or OrganisationPolicy(organisation_id=organisation_id)


@dataclass(frozen=True)
class ConsentState:
    """One purpose as the consent page shows it."""

    purpose: str
    label: str
    granted: bool
    recorded_at: Any  # datetime, or None when never chosen
    explanation: str


EXPLANATIONS = {
    Purpose.RESEARCH: "Your answers may be kept without your name, after your account is deleted, to make "
    "learnpath's learner models better. Only if your school allows it too.",
    Purpose.GUARDIAN_SHARING: "Parents or carers you gave a code to see your progress, goals and recent "
    "work. Turning this off stops every guardian's access at once.",
    Purpose.EMAIL: "learnpath may e-mail you about your learning (reminders, summaries). Messages you ask "
    "for, such as a password reset link, are sent whatever you choose. No such e-mail is sent yet; your "
    "choice is kept for when it is.",
}


def consent_states(*, learner_id: int) -> list[ConsentState]:
    """Each purpose with the choice in force. Research and e-mail are off until chosen; guardian sharing is
    on exactly while a guardian's link is active (every link is itself a consent, given with a code)."""
    latest: dict[str, ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(learner_id=learner_id).order_by("recorded_at", "id"):
        latest[record.purpose] = record
    sharing = bool(accounts_api.guardians_of_learner(learner_id=learner_id))
    states = []
    for purpose in Purpose:
        record = latest.get(purpose.value)
        granted = sharing if purpose is Purpose.GUARDIAN_SHARING else bool(record and record.granted)
        states.append(
            ConsentState(
                purpose=purpose.value,
                label=gettext(str(purpose.label)),  # in the reader's language (models.Purpose marks them)
                granted=granted,
                recorded_at=record.recorded_at if record else None,
                explanation=EXPLANATIONS[purpose],
            )
        )
    return states


def consent_granted(*, learner_id: int, purpose: str) -> bool:
    """Whether the learner's choice in force for ``purpose`` is yes."""
    return any(s.granted for s in consent_states(learner_id=learner_id) if s.purpose == purpose)


def open_deletion(*, learner_id: int) -> DeletionRequest | None:
    """The learner's unfinished deletion request, if any."""
    return DeletionRequest.objects.filter(learner_id=learner_id, finished_at__isnull=True).first()


def unfinished_deletions() -> list[DeletionRequest]:
    """Every deletion request not finished (a crash or an error stopped it), oldest first."""
    return list(DeletionRequest.objects.filter(finished_at__isnull=True).order_by("requested_at", "id"))


# -- the readable export ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """Rows of one kind as a table: ``columns`` and ``rows`` of strings, ``total`` before the cut."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    total: int


@dataclass(frozen=True)
class Section:
    """One app's part of the export: single facts and tables."""

    title: str
    facts: list[tuple[str, str]]
    tables: list[Table]


APP_TITLES = {
    "accounts": gettext_lazy("Account, classes and guardians"),
    "curriculum": gettext_lazy("Courses"),
    "learning": gettext_lazy("Practice and progress"),
    "agency": gettext_lazy("Goals, projects and reflections"),
    "coaching": gettext_lazy("Classes' plans and groups"),
    "placement": gettext_lazy("Placement"),
    "guardians": gettext_lazy("Guardian codes"),
    "privacy": gettext_lazy("Consent"),
}


def _text(value: Any, key: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and ISO_MOMENT.fullmatch(value):
        # In the reader's time zone (accounts.timezones).
        return timezone.localtime(datetime.fromisoformat(value)).strftime("%d %b %Y, %H:%M %Z")
    if key == "file_data":
        return gettext("(file: in the JSON download)")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)}: {_text(v, k)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) if value else "—"
    return str(value)


def readable(data: dict[str, Any]) -> list[Section]:
    """The export (``services.export_collect``) as sections of facts and tables for people to read."""
    sections = []
    for label, part in data["apps"].items():
        facts: list[tuple[str, str]] = []
        tables: list[Table] = []
        for key, value in part.items():
            if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
                columns = [c for c in value[0] if c != "id"]
                tables.append(
                    Table(
                        title=field_name(key),
                        columns=[field_name(c) for c in columns],
                        rows=[[_text(row.get(c), c) for c in columns] for row in value[:ROWS_SHOWN]],
                        total=len(value),
                    )
                )
            elif isinstance(value, dict):
                facts.extend((field_name(k), _text(v, k)) for k, v in value.items())
            else:
                facts.append((field_name(key), _text(value)))
        sections.append(Section(title=APP_TITLES.get(label, label), facts=facts, tables=tables))
    return sections


def research_consented(*, learner_ids: list[int]) -> set[int]:
    """Which of these learners' choice in force for research use is yes (the newest record per learner, as
    ``consent_states``). One query; registered as xAPI's consent source (``apps.py``, decision 0090)."""
    latest: dict[int, bool] = {}
    records = ConsentRecord.objects.filter(learner_id__in=learner_ids, purpose=Purpose.RESEARCH).order_by(
        "recorded_at", "id"
    )
    for learner_id, granted in records.values_list("learner_id", "granted"):
        latest[learner_id] = granted
    return {learner_id for learner_id, granted in latest.items() if granted}
