"""Retention windows per organisation, applied by the worker's scheduled job: a time-travel test."""

from __future__ import annotations

import pydoc
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, Organisation, User
from learnpath.web.agency import services as agency_services
from learnpath.web.agency.models import Submission
from learnpath.web.agency.uploads import CheckedFile
from learnpath.web.learning import services as learning_services
from learnpath.web.learning.models import Event
from learnpath.web.privacy import tasks
from learnpath.web.privacy.models import OrganisationPolicy


def practise(learner: User, course: str, key: str) -> None:
    learning_services.activity_start(
        learner=learner, course_id=course, idempotency_key=key, now=timezone.now()
    )


def upload(learner: User) -> None:
    agency_services.submission_create(
        learner_id=learner.pk,
        title="Scan",
        kind="file",
        file=CheckedFile(name="scan.txt", content_type="text/plain; charset=utf-8", data=b"x"),
    )
    agency_services.submission_create(learner_id=learner.pk, title="Essay", kind="text", text="words")


def run_at(moment: Any) -> str:
    """Run the worker's scheduled function as if the clock said ``moment``."""
    with mock.patch("learnpath.web.privacy.tasks.timezone.now", return_value=moment):
        return tasks.retention_run()


@pytest.mark.django_db
def test_the_scheduled_job_deletes_only_what_is_past_each_window(
    learner: User, outsider: User, organisation: Organisation, course: str, global_course: str
) -> None:
    OrganisationPolicy.objects.create(
        organisation=organisation, events_days=30, uploads_days=60, audit_days=365
    )
    for person in (learner, outsider):
        practise(person, global_course, f"k-{person.pk}")
        upload(person)
    accounts_api.audit_record(actor=learner, action="test.action", target_type="user", target_id=learner.pk)
    now = timezone.now()
    assert "no organisation" not in run_at(now + timedelta(days=29))
    assert Event.objects.filter(learner=learner).exists()

    run_at(now + timedelta(days=31))
    assert not Event.objects.filter(learner=learner).exists()
    assert Event.objects.filter(learner=outsider).exists()  # another organisation's learner: no window
    assert Submission.objects.filter(learner=learner).count() == 2

    run_at(now + timedelta(days=61))
    # The file goes; the portfolio piece (its title, its feedback) stays, saying the file was removed.
    scan = Submission.objects.get(learner=learner, kind="file")
    assert (scan.file_data, scan.file_size, scan.title) == (None, 0, "Scan")
    assert Submission.objects.filter(learner=learner).count() == 2
    assert Submission.objects.get(learner=outsider, kind="file").file_data is not None
    from django.test import Client

    client = Client()
    client.force_login(learner)
    assert client.get(f"/work/{scan.pk}/file/").status_code == 404
    assert (
        "scan.txt (removed after the school's retention period)"
        in client.get("/me/portfolio/").content.decode()
    )

    assert AuditEntry.objects.filter(action="test.action").exists()
    report = run_at(now + timedelta(days=366))
    assert "audit rows deleted" in report
    assert not AuditEntry.objects.filter(action="test.action").exists()
    retention_rows = AuditEntry.objects.filter(action="privacy.retention", target_id=str(organisation.pk))
    assert retention_rows.count() == 4  # one per run, in the run's own transaction
    assert retention_rows.first().details["events"] == 0  # the newest run found nothing more


@pytest.mark.django_db
def test_the_worker_schedules_the_job_daily() -> None:
    from django_q.models import Schedule

    tasks.retention_schedule_ensure(every_hours=24)
    tasks.retention_schedule_ensure(every_hours=24)  # idempotent
    schedule = Schedule.objects.get(name=tasks.RETENTION_SCHEDULE)
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1440, -1)
    assert pydoc.locate(schedule.func) is tasks.retention_run
    assert tasks.retention_run() == "no organisation has a retention window"


def test_a_window_of_zero_days_is_refused_it_would_delete_everything(organisation: Organisation) -> None:
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    policy = OrganisationPolicy(organisation=organisation, events_days=0)
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        policy.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()
    assert not OrganisationPolicy.objects.exists()
