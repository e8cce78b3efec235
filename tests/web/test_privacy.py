"""Data rights (decision 0076): export and deletion of everything held about a learner, who may do them,
consent per purpose, and deletion that resumes after a crash part-way."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, GuardianLink, Organisation, Role, User
from learnpath.web.agency import api as agency_api
from learnpath.web.agency import services as agency_services
from learnpath.web.agency.uploads import CheckedFile
from learnpath.web.coaching.models import Intervention as CoachingIntervention
from learnpath.web.coaching.models import InterventionLearner, LearnerGroup, PacingTarget
from learnpath.web.guardians import services as guardian_services
from learnpath.web.learning import services as learning_services
from learnpath.web.learning.models import Event, SkillState
from learnpath.web.personal_data import export_json_chunks
from learnpath.web.privacy import registry, services
from learnpath.web.privacy.labels import FIELD_NAMES
from learnpath.web.privacy.models import ConsentRecord, DeletionRequest, OrganisationPolicy, Purpose

PASSWORD = "correct-horse-battery"  # tests/web/conftest.py's, for every fixture account
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECRET_WORDS = "Lena's private reflection about her cat Mittens"


def needles(user: User) -> list[str]:
    return [user.username, user.display_name, user.email]


@pytest.fixture
def rich_learner(learner: User, teacher: User, guardian: User, klass: Any, course: str) -> User:
    """``learner`` with data in every app: a class, answers, a goal, projects (text and file), a reflection,
    teacher's feedback, a group, own target, an intervention, a guardian link by code, a consent choice."""
    learner.display_name, learner.email = "Lena Lovelace", "lena@example.org"
    learner.save()
    activity = learning_services.activity_start(
        learner=learner, course_id=course, idempotency_key="s1", now=T0
    )
    learning_services.attempt_record(
        learner=learner,
        course_id=course,
        item_id=activity["item_id"],
        seed=activity["seed"],
        step_id="",
        response="a",
        idempotency_key="a1",
        now=T0,
    )
    agency_services.goal_create(
        learner_id=learner.pk, title="Fractions by June", actor=learner, why="Lena wants it"
    )
    agency_services.submission_create(learner_id=learner.pk, title="My poster", kind="text", text="by Lena")
    agency_services.submission_create(
        learner_id=learner.pk,
        title="Poster scan",
        kind="file",
        file=CheckedFile(name="lena-poster.txt", content_type="text/plain; charset=utf-8", data=b"Lena"),
    )
    reflection = agency_services.reflection_create(
        learner_id=learner.pk, went_well=SECRET_WORDS, try_next="more"
    )
    agency_api.feedback_add(
        learner_id=learner.pk,
        author=teacher,
        target_type="reflection",
        target_id=str(reflection.pk),
        body="Nice",
    )
    group = LearnerGroup.objects.create(klass_id=klass.id, name="Stuck on halves")
    group.learners.add(learner)
    PacingTarget.objects.create(
        klass_id=klass.id,
        course_id=course,
        skill_id="fractions-meaning",
        due=T0,
        learner=learner,
        created_by=teacher,
    )
    intervention = CoachingIntervention.objects.create(
        klass_id=klass.id, kind="note", course_id=course, created_by=teacher, created_at=T0
    )
    InterventionLearner.objects.create(intervention=intervention, learner=learner, p_before=0.2)
    code = guardian_services.link_code_create(learner_id=learner.pk, actor=learner, now=timezone.now())
    guardian_services.link_code_redeem(
        guardian=guardian, code=code, now=timezone.now(), relationship="mother"
    )
    services.consent_set(learner_id=learner.pk, purpose="email", granted=True, actor=learner, now=T0)
    return learner


def test_the_export_holds_every_apps_data_and_is_audited(rich_learner: User, guardian: User) -> None:
    data = services.export_record(learner_id=rich_learner.pk, actor=guardian, now=T0, shown_as="json")
    apps = data["apps"]
    assert list(apps) == list(registry.APP_LABELS)
    assert apps["accounts"]["person"]["display_name"] == "Lena Lovelace"
    assert apps["accounts"]["guardian_links"][0]["relationship"] == "mother"
    assert {e["kind"] for e in apps["learning"]["events"]} == {"start", "answer"}
    assert apps["agency"]["reflections"][0]["went_well"] == SECRET_WORDS
    file_row = next(s for s in apps["agency"]["submissions"] if s["kind"] == "file")
    assert file_row["file_data"].load() == b"Lena"  # the file itself, read only when written out
    assert apps["coaching"]["groups"] == [{"group": "Stuck on halves", "class": "7B maths"}]
    assert apps["guardians"]["link_codes"][0]["for_you"] is True
    assert apps["privacy"]["consent"][0]["purpose"] == "email"
    entry = AuditEntry.objects.get(action="privacy.export")
    assert (entry.actor, entry.target_id, entry.details) == (guardian, str(rich_learner.pk), {"as": "json"})
    written = json.loads("".join(export_json_chunks(data)))  # plain data; the file in base64
    assert next(s for s in written["apps"]["agency"]["submissions"] if s["kind"] == "file")["file_data"] == (
        "TGVuYQ=="
    )


def test_deletion_leaves_nothing_that_names_the_learner(rich_learner: User, guardian: User) -> None:
    before = needles(rich_learner)
    LogEntry.objects.create(  # an administrator changed the account in the admin site
        user=guardian,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(rich_learner.pk),
        object_repr=str(rich_learner),
        action_flag=CHANGE,
        change_message="Changed display name.",
    )
    assert {left.model for left in registry.personal_data_left(user_id=rich_learner.pk, needles=before)} >= {
        "learning.Event",
        "agency.Reflection",
        "accounts.GuardianLink",
        "coaching.LearnerGroup",
    }
    request = services.deletion_request(learner_id=rich_learner.pk, actor=guardian, now=T0)
    done = services.deletion_run(request_id=request.pk, now=T0)
    assert done.finished_at == T0
    # The admin site's history of the account keeps that it changed, not the name.
    (history,) = LogEntry.objects.filter(object_id=str(rich_learner.pk))
    assert (history.object_repr, history.change_message) == ("(a deleted account)", "")
    # (a JSON object: PostgreSQL's jsonb keeps no key order, so the apps are compared as a set)
    assert set(done.progress) == {label for label, _ in registry.ERASE_ORDER}
    assert registry.personal_data_left(user_id=rich_learner.pk, needles=before) == []
    tombstone = User.objects.get(pk=rich_learner.pk)
    assert tombstone.username.startswith("erased-")
    assert not tombstone.is_active
    assert not tombstone.has_usable_password()
    assert (tombstone.display_name, tombstone.email) == ("", "")
    # The school stays, so the rows the person wrote expire with the school's audit window
    # (accounts.privacy.audit_expire matches rows by their actor's school; test_privacy_retention.py).
    assert tombstone.organisation_id == rich_learner.organisation_id
    actions = list(AuditEntry.objects.filter(target_id=str(rich_learner.pk)).values_list("action", flat=True))
    assert "privacy.delete_request" in actions
    assert "privacy.delete" in actions
    # Running it again changes nothing and writes no second audit row.
    services.deletion_run(request_id=request.pk, now=T0)
    assert AuditEntry.objects.filter(action="privacy.delete").count() == 1


def test_a_deletion_that_crashes_part_way_continues_where_it_stopped(
    rich_learner: User, guardian: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    learning = registry.provider("learning")

    def crash(*, user_id: int, keep_research: bool) -> dict[str, int]:
        SkillState.objects.filter(learner_id=user_id).delete()  # part of the app's work, rolled back below
        raise OSError("disk full")

    monkeypatch.setattr(learning, "erase", crash)
    request = services.deletion_request(learner_id=rich_learner.pk, actor=guardian, now=T0)
    with pytest.raises(services.DeletionIncomplete, match="learning"):
        services.deletion_run(request_id=request.pk, now=T0)
    stopped = DeletionRequest.objects.get(pk=request.pk)
    assert set(stopped.progress) == {
        "privacy",
        "lti",
        "xapi",
        "credentials",
        "guardians",
        "placement",
        "coaching",
        "agency",
    }
    assert (stopped.finished_at, stopped.attempts, stopped.last_error) == (None, 1, "learning: OSError")
    assert SkillState.objects.filter(learner=rich_learner).exists()  # the failing app rolled back alone
    assert Event.objects.filter(learner=rich_learner).exists()
    # Accounts (last) is not reached, but the person was stopped from signing in when it was asked for:
    # nothing new can be written between the two runs.
    still = User.objects.get(pk=rich_learner.pk)
    assert still.username == rich_learner.username
    assert not still.is_active
    assert not Client().login(username=rich_learner.username, password=PASSWORD)  # the fixtures' password
    assert GuardianLink.objects.filter(learner=rich_learner).exists()  # accounts' rows wait their turn
    assert not AuditEntry.objects.filter(action="privacy.delete").exists()

    monkeypatch.undo()
    assert services.deletions_resume(now=T0) == [request.pk]  # the worker's job continues it
    finished = DeletionRequest.objects.get(pk=request.pk)
    assert finished.finished_at is not None
    assert finished.attempts == 2
    assert finished.progress["agency"] == stopped.progress["agency"]  # not run twice
    assert registry.personal_data_left(user_id=rich_learner.pk, needles=needles(rich_learner)) == []
    assert AuditEntry.objects.get(action="privacy.delete").details["attempts"] == 2


def test_research_data_is_kept_anonymised_only_where_allowed_and_consented(
    rich_learner: User, guardian: User, organisation: Organisation
) -> None:
    OrganisationPolicy.objects.create(organisation=organisation, keep_research_data=True)
    services.consent_set(learner_id=rich_learner.pk, purpose="research", granted=True, actor=guardian, now=T0)
    events = Event.objects.filter(learner=rich_learner).count()
    request = services.deletion_request(learner_id=rich_learner.pk, actor=guardian, now=T0)
    assert request.keep_research
    services.deletion_run(request_id=request.pk, now=T0)
    kept = Event.objects.filter(learner_id=rich_learner.pk)
    assert kept.count() == events
    assert not kept.filter(response__isnull=False).exists()
    assert all("response_text" not in e.result for e in kept)
    left = registry.personal_data_left(user_id=rich_learner.pk, needles=needles(rich_learner))
    assert [(x.model, x.reason) for x in left] == [("learning.Event", "points at the person")]


def test_without_the_organisations_permission_consent_alone_keeps_nothing(
    rich_learner: User, guardian: User
) -> None:
    services.consent_set(learner_id=rich_learner.pk, purpose="research", granted=True, actor=guardian, now=T0)
    request = services.deletion_request(learner_id=rich_learner.pk, actor=guardian, now=T0)
    assert not request.keep_research
    services.deletion_run(request_id=request.pk, now=T0)
    assert not Event.objects.filter(learner_id=rich_learner.pk).exists()


def test_the_readable_page_never_reads_a_stored_file(
    rich_learner: User, guardian: User, client_of: Callable[[User], Client]
) -> None:
    # A learner may keep up to LEARNPATH_UPLOAD_QUOTA_BYTES of files: the page shows that each file is in
    # the download and reads none of them; the download reads them one at a time as it is written.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(guardian)
    with CaptureQueriesContext(connection) as page_queries:
        page = client.get(f"/privacy/people/{rich_learner.pk}/")
    assert page.status_code == 200
    assert "(file: in the JSON download)" in page.content.decode()
    assert not [q for q in page_queries if "file_data" in q["sql"]]
    with CaptureQueriesContext(connection) as download_queries:
        download = client.get(f"/privacy/people/{rich_learner.pk}/data.json")
        body = json.loads(b"".join(download.streaming_content))
    assert len([q for q in download_queries if "file_data" in q["sql"]]) == 1  # the one file
    files = [s for s in body["apps"]["agency"]["submissions"] if s["kind"] == "file"]
    assert [f["file_data"] for f in files] == ["TGVuYQ=="]


# -- who may do it, over HTTP ------------------------------------------------------------------------------


def test_a_linked_guardian_downloads_reads_and_deletes_their_childs_data(
    rich_learner: User, guardian: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(guardian)
    assert f"/privacy/people/{rich_learner.pk}/" in client.get("/me/privacy/").content.decode()
    download = client.get(f"/privacy/people/{rich_learner.pk}/data.json")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="learnpath-data-')
    assert (
        json.loads(b"".join(download.streaming_content))["apps"]["accounts"]["person"]["username"] == "lena"
    )
    page = client.get(f"/privacy/people/{rich_learner.pk}/").content.decode()
    assert SECRET_WORDS in page.replace("&#x27;", "'")
    assert AuditEntry.objects.filter(action="privacy.export").count() == 2

    refused = client.post(f"/privacy/people/{rich_learner.pk}/delete/", {"confirm": "yes"})
    assert refused.status_code == 400
    assert Event.objects.filter(learner=rich_learner).exists()
    response = client.post(f"/privacy/people/{rich_learner.pk}/delete/", {"confirm": "Delete"})
    request = DeletionRequest.objects.get(learner_id=rich_learner.pk)
    assert response["Location"] == f"/privacy/deletions/{request.pk}/"
    assert "The data is deleted" in client.get(response["Location"]).content.decode()
    assert registry.personal_data_left(user_id=rich_learner.pk, needles=needles(rich_learner)) == []
    # The learner is gone for the guardian, like any learner they are not linked to.
    assert client.get(f"/privacy/people/{rich_learner.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["teacher", "outsider", "other_guardian", "minor_self"])
def test_others_and_minors_cannot_export_or_delete(
    who: str,
    rich_learner: User,
    teacher: User,
    outsider: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    user = {
        "teacher": teacher,
        "outsider": outsider,
        "other_guardian": make_user("gus", Role.GUARDIAN, organisation),
        "minor_self": rich_learner,
    }[who]
    client = client_of(user)
    for url in ("/", "/data.json", "/delete/"):
        assert client.get(f"/privacy/people/{rich_learner.pk}{url}").status_code == 404
    assert client.post(f"/privacy/people/{rich_learner.pk}/delete/", {"confirm": "delete"}).status_code == 404
    assert not DeletionRequest.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="privacy.export").exists()


def test_an_adult_learner_and_an_administrator_may_act(
    rich_learner: User, admin_user: User, organisation: Organisation, client_of: Callable[[User], Client]
) -> None:
    assert client_of(admin_user).get(f"/privacy/people/{rich_learner.pk}/data.json").status_code == 200
    OrganisationPolicy.objects.create(organisation=organisation, learners_are_adults=True)
    client = client_of(rich_learner)
    assert client.get(f"/privacy/people/{rich_learner.pk}/").status_code == 200
    response = client.post(f"/privacy/people/{rich_learner.pk}/delete/", {"confirm": "delete"})
    assert "Your account and data are deleted" in response.content.decode()
    assert not User.objects.get(pk=rich_learner.pk).is_active
    assert client.get("/me/privacy/").status_code == 302  # signed out


def test_consent_is_shown_to_the_learner_who_may_withdraw_but_not_give_it(
    rich_learner: User, guardian: User, client_of: Callable[[User], Client]
) -> None:
    url = f"/privacy/people/{rich_learner.pk}/consent/"
    learner_client = client_of(rich_learner)
    page = learner_client.get(url).content.decode()
    assert "Research use of anonymised logs: no" in page
    assert "E-mail from learnpath: yes" in page
    assert "Sharing progress with guardians: yes" in page
    learner_client.post(url, {"purpose": "research", "granted": "yes"})
    assert not ConsentRecord.objects.filter(purpose="research").exists()
    client_of(guardian).post(url, {"purpose": "research", "granted": "yes"})
    record = ConsentRecord.objects.get(purpose="research")
    assert (record.granted, record.recorded_by) == (True, guardian)
    # The learner turns guardian sharing off: every guardian's link is withdrawn at once, audited.
    learner_client.post(url, {"purpose": Purpose.GUARDIAN_SHARING, "granted": "no"})
    assert accounts_api.guardians_of_learner(learner_id=rich_learner.pk) == []
    assert client_of(guardian).get(f"/guardian/learners/{rich_learner.pk}/").status_code == 404
    assert client_of(guardian).get(url).status_code == 404
    assert AuditEntry.objects.filter(action="guardian_link.withdraw").count() == 1
    consent_rows = AuditEntry.objects.filter(action="privacy.consent").order_by("id")
    assert [e.details["purpose"] for e in consent_rows] == ["email", "research", "guardian_sharing"]


def test_every_key_of_an_export_has_a_name_people_read(rich_learner: User) -> None:
    # The readable page names each app, table and field; a new field without a name fails here.
    data = services.export_collect(learner_id=rich_learner.pk, now=T0)
    keys: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            keys.update(value)
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data["apps"])
    assert sorted(keys - set(FIELD_NAMES)) == []


def test_the_data_page_reads_in_the_readers_language(
    rich_learner: User, guardian: User, client_of: Callable[[User], Client]
) -> None:
    guardian.language = "es"
    guardian.save()
    page = client_of(guardian).get(f"/privacy/people/{rich_learner.pk}/").content.decode()
    assert '<th scope="col">Salió bien</th>' in page, page[:200]
    assert "Went well" not in page
