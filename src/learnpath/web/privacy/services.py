"""Writes for privacy: consent, export, deletion and retention. Each writes its audit row in the same
transaction as what it records (accounts' ``audit_record``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from learnpath.web.accounts import api as accounts_api
from learnpath.web.agency import api as agency_api
from learnpath.web.learning import api as learning_api
from learnpath.web.privacy import registry, selectors
from learnpath.web.privacy.models import ConsentRecord, DeletionRequest, OrganisationPolicy, Purpose

logger = logging.getLogger("learnpath.privacy")

CONSENT_TEXT_VERSION = "2026-12"
EXPORT_FORMAT = "learnpath-personal-data"
EXPORT_VERSION = 1


class DeletionIncomplete(RuntimeError):
    """A deletion stopped part-way; the apps done are recorded and running it again continues."""


@transaction.atomic
def consent_set(*, learner_id: int, purpose: str, granted: bool, actor: Any, now: datetime) -> None:
    """Record a consent choice (the history is kept). Turning guardian sharing off withdraws every
    guardian's link at once, in the same transaction (audited)."""
    purpose = Purpose(purpose).value
    ConsentRecord.objects.create(
        learner_id=learner_id,
        purpose=purpose,
        granted=granted,
        recorded_by=actor,
        recorded_at=now,
        text_version=CONSENT_TEXT_VERSION,
    )
    withdrawn = 0
    if purpose == Purpose.GUARDIAN_SHARING and not granted:
        learner = get_user_model().objects.get(pk=learner_id)
        for guardian in accounts_api.guardians_of_learner(learner_id=learner_id):
            withdrawn += accounts_api.guardian_link_withdraw(
                guardian_id=guardian.id, learner=learner, actor=actor
            )
    accounts_api.audit_record(
        actor=actor,
        action="privacy.consent",
        target_type="user",
        target_id=learner_id,
        details={"purpose": purpose, "granted": granted, "guardian_links_withdrawn": withdrawn},
    )


def export_collect(*, learner_id: int, now: datetime) -> dict[str, Any]:
    """Everything every app holds about the person, as plain data (no audit row: see ``export_record``)."""
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "person_id": learner_id,
        "exported_at": now.isoformat(),
        "apps": {label: module.export(user_id=learner_id) for label, module in registry.EXPORT_ORDER},
    }


@transaction.atomic
def export_record(*, learner_id: int, actor: Any, now: datetime, shown_as: str) -> dict[str, Any]:
    """Collect the export and write its audit row in the same transaction: no export leaves unrecorded.
    ``shown_as`` is ``"json"`` (the download) or ``"page"`` (the readable page)."""
    data = export_collect(learner_id=learner_id, now=now)
    accounts_api.audit_record(
        actor=actor,
        action="privacy.export",
        target_type="user",
        target_id=learner_id,
        details={"as": shown_as},
    )
    return data


def deletion_request(*, learner_id: int, actor: Any, now: datetime) -> DeletionRequest:
    """Open the deletion of a person's data (or return the one already open), audited.

    Anonymised research data is kept only where the person's organisation keeps it and they consented.
    """
    with transaction.atomic():
        existing = (
            DeletionRequest.objects.select_for_update()
            .filter(learner_id=learner_id, finished_at__isnull=True)
            .first()
        )
        if existing is not None:
            return existing
        person = accounts_api.person(user_id=learner_id)
        policy = selectors.policy_of(organisation_id=person.organisation_id if person else None)
        keep = policy.keep_research_data and selectors.consent_granted(
            learner_id=learner_id, purpose=Purpose.RESEARCH
        )
        request = DeletionRequest.objects.create(
            learner_id=learner_id, requested_by=actor, requested_at=now, keep_research=keep
        )
        accounts_api.privacy_provider.sign_in_stop(user_id=learner_id)
        accounts_api.audit_record(
            actor=actor,
            action="privacy.delete_request",
            target_type="user",
            target_id=learner_id,
            details={"request": request.pk, "keep_research": keep},
        )
    return request


def deletion_run(*, request_id: int, now: datetime) -> DeletionRequest:
    """Erase the person app by app, each app in its own transaction that also records it as done.

    An app that fails rolls back alone and stops the run (``DeletionIncomplete``); the apps before it stay
    done. Running the request again continues with the apps not done. The last app (accounts, which turns
    the person into a tombstone) finishes the request and writes the ``privacy.delete`` audit row in its
    transaction.
    """
    last = registry.ERASE_ORDER[-1][0]
    for label, module in registry.ERASE_ORDER:
        try:
            with transaction.atomic():
                request = DeletionRequest.objects.select_for_update().get(pk=request_id)
                if request.finished_at is not None or label in request.progress:
                    continue
                rows = module.erase(user_id=request.learner_id, keep_research=request.keep_research)
                request.progress = {**request.progress, label: {"at": now.isoformat(), "rows": rows}}
                if label == last:
                    request.finished_at = now
                    accounts_api.audit_record(
                        actor=request.requested_by,
                        action="privacy.delete",
                        target_type="user",
                        target_id=request.learner_id,
                        details={
                            "request": request.pk,
                            "keep_research": request.keep_research,
                            # in erasing order: the stored object keeps none on PostgreSQL (jsonb)
                            "apps": [name for name, _ in registry.ERASE_ORDER if name in request.progress],
                            "attempts": request.attempts + 1,
                        },
                    )
                request.save(update_fields=["progress", "finished_at"])
        except Exception as error:
            logger.exception("deletion request %s stopped in %s", request_id, label)
            DeletionRequest.objects.filter(pk=request_id).update(
                attempts=F("attempts") + 1, last_error=f"{label}: {type(error).__name__}"[:200]
            )
            # English: for operators (the deletion task's log); the page says it in the reader's language
            raise DeletionIncomplete(
                f"Deletion stopped in {label}; the apps before it are done. Run it again to continue."
            ) from error
    DeletionRequest.objects.filter(pk=request_id, last_error__gt="").update(last_error="")
    DeletionRequest.objects.filter(pk=request_id).update(attempts=F("attempts") + 1)
    return DeletionRequest.objects.get(pk=request_id)


def deletions_resume(*, now: datetime) -> list[int]:
    """Run every unfinished deletion request again (the worker's job); the ids of those now finished."""
    finished = []
    for request in selectors.unfinished_deletions():
        try:
            deletion_run(request_id=request.pk, now=now)
        except DeletionIncomplete:
            continue
        finished.append(request.pk)
    return finished


@dataclass(frozen=True)
class RetentionReport:
    """What the retention job removed in one organisation."""

    organisation_id: int
    events: int
    uploads: int
    audit: int


def retention_apply(*, now: datetime) -> list[RetentionReport]:
    """Apply every organisation's retention windows at ``now``: delete learners' events, uploaded files and
    audit rows older than their window, one organisation per transaction with its audit row."""
    reports = []
    policies = OrganisationPolicy.objects.exclude(
        events_days__isnull=True, uploads_days__isnull=True, audit_days__isnull=True
    ).order_by("organisation_id")
    for policy in policies:
        organisation_id = policy.organisation_id
        with transaction.atomic():
            events = uploads = audit = 0
            if policy.events_days is not None:
                events = learning_api.privacy_provider.events_expire(
                    organisation_id=organisation_id, before=now - timedelta(days=policy.events_days)
                )
            if policy.uploads_days is not None:
                uploads = agency_api.privacy_provider.uploads_expire(
                    organisation_id=organisation_id, before=now - timedelta(days=policy.uploads_days)
                )
            if policy.audit_days is not None:
                audit = accounts_api.privacy_provider.audit_expire(
                    organisation_id=organisation_id, before=now - timedelta(days=policy.audit_days)
                )
            accounts_api.audit_record(
                actor=None,
                action="privacy.retention",
                target_type="organisation",
                target_id=organisation_id,
                details={
                    "events": events,
                    "uploads": uploads,
                    "audit": audit,
                    "windows_days": [policy.events_days, policy.uploads_days, policy.audit_days],
                },
            )
        reports.append(RetentionReport(organisation_id, events=events, uploads=uploads, audit=audit))
    return reports
