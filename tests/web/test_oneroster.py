"""Importing a school's roster (OneRoster 1.1 and 1.2 CSV): the published sample rosters in
../shared/data/interop/oneroster/ each import or are refused with a reason; a preview changes nothing; the
same roster again changes nothing; every broken row is named by file and line and stops the import before
anything changes; learners who leave the roster are kept; usernames are never matched by guess."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from learnpath.web.accounts.models import (
    AuditEntry,
    Class,
    ClassMembership,
    Organisation,
    Role,
    RosterLink,
    User,
)
from learnpath.web.accounts.oneroster_csv import RosterUnreadable, roster_read
from learnpath.web.accounts.rostering import RosterRefused, roster_apply, roster_plan

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "interop" / "oneroster"
FULL_1P2 = SAMPLES / "v1p2" / "moodle_enrol_oneroster_full"


def sample(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"the OneRoster samples are not at {path} (../shared/data/interop/oneroster, see PROVENANCE.md)"
        )
    return path


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Class.objects.count(),
        ClassMembership.objects.count(),
        Class.teachers.through.objects.count(),
        RosterLink.objects.count(),
    )


def copy_of(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(sample(source), target)
    return target


def edit(path: Path, name: str, change: Callable[[list[str]], list[str]]) -> None:
    file = path / f"{name}.csv"
    lines = file.read_text(encoding="utf-8").splitlines()
    file.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("folder", "school", "outcome"),
    [
        ("v1p2/moodle_enrol_oneroster_full", "", "imports"),
        ("v1p2/moodle_enrol_oneroster_test_data", "", "imports"),
        ("v1p1/moodle_enrol_oneroster_full", "", "imports"),
        ("v1p1/moodle_enrol_oneroster_minimal", "", "imports"),
        ("v1p1/oat_base_csv", "", "several schools"),
        ("v1p1/oat_base_csv", "12345", "imports"),
    ],
)
def test_every_published_sample_imports_or_is_refused_with_a_reason(
    organisation: Organisation, folder: str, school: str, outcome: str
) -> None:
    roster = roster_read(sample(SAMPLES / folder))
    before = counts()
    plan = roster_plan(roster, organisation=organisation, school=school)
    assert counts() == before, "a preview changed something"
    if outcome == "several schools":
        assert [str(p) for p in plan.errors] == [
            "classes.csv: the roster has 2 schools (12345, 54321): import one at a time into its own "
            "learnpath "
            "organisation, choosing it with --school"
        ]
        with pytest.raises(RosterRefused):
            roster_apply(roster, organisation=organisation, now=timezone.now())
        assert counts() == before
        return
    assert not plan.errors, plan.lines()
    assert plan.classes_new
    assert plan.people_new
    roster_apply(roster, organisation=organisation, school=school, now=timezone.now())
    again = roster_plan(roster, organisation=organisation, school=school)
    assert again.changes == 0, again.lines()


def test_the_moodle_full_roster_makes_the_classes_people_and_enrolments_it_says(
    organisation: Organisation,
) -> None:
    roster = roster_read(sample(FULL_1P2))
    plan = roster_apply(roster, organisation=organisation, now=timezone.now())
    physics = Class.objects.get(organisation=organisation, name="Introduction to Physics (Phys 100 - 1)")
    assert [u.username for u in physics.teachers.all()] == ["john.doe"]
    assert [m.learner.username for m in physics.memberships.all()] == ["mmichel.jones"]
    # History - 2 is tobedeleted in the roster: not made.
    assert not Class.objects.filter(name__startswith="History").exists()
    john = User.objects.get(username="john.doe")
    mmichel = User.objects.get(username="mmichel.jones")
    assert (john.role, john.display_name, john.email) == (Role.TEACHER, "John Doe", "john.doe@myschool.com")
    # a learner gets no e-mail address, nobody a password from the roster
    assert (mmichel.role, mmichel.email) == (Role.LEARNER, "")
    assert not john.has_usable_password()
    assert not mmichel.has_usable_password()
    # the site administrator (no primary role) is not imported; jim.smith's enrolment as a student is not used
    assert not User.objects.filter(username="thomas.joness").exists()
    warnings = [str(p) for p in plan.problems if p.severity == "warning"]
    assert (
        "enrollments.csv, line 6: jim.smith is a teacher in the roster but enrolled as student; this "
        "enrolment is not used"
    ) in warnings
    assert any("prefferedGivenName" in w for w in warnings)
    assert any("'1/05/2023' is not an ISO 8601 date" in w for w in warnings)
    audit = AuditEntry.objects.get(action="roster.import")
    assert audit.details["people_new"] == 5
    assert audit.details["classes_new"] == 1


def test_a_zip_reads_as_the_folder_does(tmp_path: Path, organisation: Organisation) -> None:
    folder = sample(FULL_1P2)
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for file in folder.glob("*.csv"):
            bundle.write(file, f"export/{file.name}")
    assert (
        roster_plan(roster_read(archive), organisation=organisation).lines()
        == roster_plan(roster_read(folder), organisation=organisation).lines()
    )


@pytest.mark.parametrize(
    ("file", "change", "says"),
    [
        ("users", lambda ls: [*ls, "usr-x,active,2023-05-01,TRUE,bad name,,A,B,,,,,,,,,,,,,org-sch-222-456,"],
         "users.csv, line 8: username 'bad name' has characters"),
        ("users", lambda ls: [*ls, ls[2]], "users.csv, line 8: sourcedId 'usr-222-66778899' appears twice"),
        ("users", lambda ls: [*ls, "usr-y,active,2023-05-01,maybe,y,,A,B,,,,,,,,,,,,,org-sch-222-456,"],
         "users.csv, line 8: enabledUser 'maybe' is not TRUE or FALSE"),
        ("classes", lambda ls: [*ls, "cls-9,retired,,Art,,,,,,org-sch-222-456,,,,"],
         "classes.csv, line 4: status 'retired' is not active or tobedeleted"),
        ("classes", lambda ls: [*ls, "cls-9,active,,Art,,,,,,org-nowhere,,,,"],
         "classes.csv, line 4: schoolSourcedId 'org-nowhere' is not in orgs.csv"),
        ("enrollments", lambda ls: [*ls, "enr-9,active,,cls-222-123456,org-sch-222-456,usr-ghost,student,,,"],
         "enrollments.csv, line 8: userSourcedId 'usr-ghost' is not among the usable rows of users.csv"),
        ("enrollments", lambda ls: [*ls, ",active,,cls-222-123456,org-sch-222-456,usr-222-567891,student,,,"],
         "enrollments.csv, line 8: the row has no sourcedId"),
        ("orgs", lambda ls: [*ls, "org-2,active,,Second,school,x,,extra,values"],
         "orgs.csv, line 3: more values than the header has columns"),
        ("enrollments", lambda ls: [ls[0].replace("userSourcedId", "personId"), *ls[1:]],
         "enrollments.csv, line 1: the header lacks the column(s) userSourcedId"),
        ("manifest", lambda ls: [ln.replace("oneroster.version,1.2", "oneroster.version,1.0") for ln in ls],
         "manifest.csv: oneroster.version is 1.0; learnpath reads OneRoster 1.1 and 1.2"),
        ("classes", lambda ls: ls[:1], "manifest lists it as bulk"),
    ],
)  # fmt: skip
def test_each_broken_row_is_named_and_stops_the_import_before_anything_changes(
    tmp_path: Path, organisation: Organisation, file: str, change: Callable[[list[str]], list[str]], says: str
) -> None:
    roster_dir = copy_of(FULL_1P2, tmp_path)
    if says == "manifest lists it as bulk":
        (roster_dir / "classes.csv").unlink()
        says = "classes.csv: the manifest lists it as bulk, but the file is missing"
    else:
        edit(roster_dir, file, change)
    roster = roster_read(roster_dir)
    plan = roster_plan(roster, organisation=organisation)
    assert any(str(p).startswith(says) for p in plan.errors), plan.lines()
    before = counts()
    with pytest.raises(RosterRefused, match="nothing was changed"):
        roster_apply(roster, organisation=organisation, now=timezone.now())
    assert counts() == before


def test_what_is_not_a_roster_is_one_plain_refusal(tmp_path: Path) -> None:
    with pytest.raises(RosterUnreadable, match="does not exist"):
        roster_read(tmp_path / "nothing-here")
    (tmp_path / "users.csv").write_text("sourcedId\n1\n")
    with pytest.raises(RosterUnreadable, match=r"has no manifest\.csv"):
        roster_read(tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(RosterUnreadable, match=r"neither a folder nor a \.zip"):
        roster_read(tmp_path / "notes.txt")


def test_learners_who_leave_the_roster_are_kept_and_only_leave_their_class(
    tmp_path: Path, organisation: Organisation, course: str
) -> None:
    from learnpath.web.learning import services as learning_services
    from learnpath.web.learning.models import Event
    from learnpath.web.learning.synthetic import history_generate

    roster_dir = copy_of(FULL_1P2, tmp_path)
    roster_apply(roster_read(roster_dir), organisation=organisation, now=timezone.now())
    mmichel = User.objects.get(username="mmichel.jones")
    model = learning_services.practice_course(mmichel, course)
    history_generate(
        learners=[mmichel],
        model=model,
        seed=1,
        start=timezone.now() - timezone.timedelta(days=2),
        actions=4,
        days=1,
    )
    events = Event.objects.filter(learner=mmichel).count()
    assert events

    # Next term's roster: mmichel left the school (gone from users, roles and enrollments).
    for name in ("users", "roles", "enrollments"):
        edit(roster_dir, name, lambda ls: [line for line in ls if "usr-222-1234561232" not in line])
    plan = roster_plan(roster_read(roster_dir), organisation=organisation)
    assert "no longer in the roster, kept: mmichel Jones" in plan.lines()
    assert "leaves Introduction to Physics (Phys 100 - 1) (learner): mmichel Jones" in plan.lines()
    roster_apply(roster_read(roster_dir), organisation=organisation, now=timezone.now())
    mmichel.refresh_from_db()
    assert mmichel.is_active
    assert not ClassMembership.objects.filter(learner=mmichel).exists()
    assert Event.objects.filter(learner=mmichel).count() == events
    link = RosterLink.objects.get(kind="user", target_id=mmichel.pk)
    assert link.missing_since is not None
    # Back on the roster: linked again, not a new account.
    shutil.rmtree(roster_dir)
    roster_dir = copy_of(FULL_1P2, tmp_path)
    roster_apply(roster_read(roster_dir), organisation=organisation, now=timezone.now())
    assert User.objects.filter(username="mmichel.jones").count() == 1
    link.refresh_from_db()
    assert link.missing_since is None
    assert ClassMembership.objects.filter(learner=mmichel).exists()


def test_a_taken_username_is_refused_unless_the_operator_asks_to_match_usernames(
    organisation: Organisation, other_organisation: Organisation, make_user: Callable[..., User]
) -> None:
    roster = roster_read(sample(FULL_1P2))
    mine = make_user("mary.jones", Role.LEARNER, organisation)
    theirs = make_user("anna.brown", Role.LEARNER, other_organisation)
    plan = roster_plan(roster, organisation=organisation)
    taken = [str(p) for p in plan.errors]
    assert any("username 'mary.jones' is taken" in p and "--match-usernames" in p for p in taken)
    matched = roster_plan(roster, organisation=organisation, match_usernames=True)
    # mary.jones of this school is linked; anna.brown's account is another school's: still refused
    assert [p.username for p, _ in matched.people_linked] == ["mary.jones"]
    assert [str(p) for p in matched.errors] == [
        "users.csv, line 7: username 'anna.brown' is taken by a learnpath account not from this roster "
        "(it belongs to another organisation or role)"
    ]
    theirs.delete()
    roster_apply(roster, organisation=organisation, match_usernames=True, now=timezone.now())
    assert RosterLink.objects.get(kind="user", sourced_id="usr-222-66778899").target_id == mine.pk


def test_a_disabled_user_cannot_sign_in_and_one_school_per_organisation(
    tmp_path: Path, organisation: Organisation
) -> None:
    roster_dir = copy_of(FULL_1P2, tmp_path)
    edit(
        roster_dir,
        "users",
        lambda ls: [
            ls[0],
            *(line.replace(",TRUE,", ",FALSE,") if "anna.brown" in line else line for line in ls[1:]),
        ],
    )
    roster_apply(roster_read(roster_dir), organisation=organisation, now=timezone.now())
    assert not User.objects.get(username="anna.brown").is_active
    other = roster_plan(
        roster_read(sample(SAMPLES / "v1p2" / "moodle_enrol_oneroster_test_data")), organisation=organisation
    )
    assert [str(p) for p in other.errors] == [
        f"classes.csv: {organisation.name} holds the roster of school 'org-sch-222-456', and this roster is "
        "of school 'ORG_1': import it into that school's own organisation"
    ]


def test_a_rostered_persons_ids_are_in_their_export_and_go_with_their_account(
    organisation: Organisation,
) -> None:
    from learnpath.web.accounts import privacy

    roster_apply(roster_read(sample(FULL_1P2)), organisation=organisation, now=timezone.now())
    anna = User.objects.get(username="anna.brown")
    assert privacy.export(user_id=anna.pk)["roster_ids"] == [
        {"organisation": organisation.name, "sourced_id": "usr-222-567891"}
    ]
    privacy.erase(user_id=anna.pk, keep_research=False)
    assert not RosterLink.objects.filter(kind="user", target_id=anna.pk).exists()


def test_the_command_previews_applies_and_says_an_unknown_organisation_in_one_line(
    organisation: Organisation, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from learnpath.cli import roster as roster_command
    from learnpath.cli.main import main

    monkeypatch.setattr(roster_command, "start_django", lambda args: None)  # the test database is set up

    source = str(sample(FULL_1P2))
    before = counts()
    assert main(["roster", source, "--organisation", organisation.slug]) == 0
    out = capsys.readouterr().out
    assert "new class: Introduction to Physics (Phys 100 - 1)" in out
    assert "Nothing was changed: run again with --apply" in out
    assert counts() == before
    assert main(["roster", source, "--organisation", organisation.slug, "--apply"]) == 0
    assert "Done: 8 change(s) made." in capsys.readouterr().out
    assert main(["roster", source, "--organisation", "no-such-school"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "there is no organisation 'no-such-school'" in err[0]


# -- OneRoster REST JSON (the collections a SIS's API answers, saved to a folder) ------------------------

VALIDATOR_1P1 = SAMPLES / "v1p1_rest_json" / "1edtech_validator_1574845678"
JAPAN_1P2 = SAMPLES / "v1p2_rest_json" / "da2022_japan"


def test_the_1edtech_rest_sample_imports_its_school_without_parents_or_demographics(
    organisation: Organisation,
) -> None:
    roster = roster_read(sample(VALIDATOR_1P1))
    assert roster.suffix == "json"
    assert (len(roster.orgs), len(roster.classes), len(roster.users), len(roster.enrollments)) == (
        1,
        320,
        1599,
        0,
    )
    assert [str(p) for p in roster.problems] == [
        "academicSessions-invalid.json: not a OneRoster collection; not read",
        "demographics.json: not read: learnpath keeps no demographic data",
    ]
    plan = roster_plan(roster, organisation=organisation)
    assert not plan.errors, plan.lines()
    assert len(plan.classes_new) == 320
    assert len(plan.people_new) == 601 + 34  # students and teachers; the 964 parents are not imported
    assert "not imported: 964 people (guardian" in "\n".join(plan.lines())
    roster_apply(roster, organisation=organisation, now=timezone.now())
    harriet = User.objects.get(username="hallen80250119")
    assert (harriet.role, harriet.display_name, harriet.email) == (
        Role.TEACHER,
        "Harriet Allen",
        "harriet.allen@test.com",
    )
    assert roster_plan(roster_read(VALIDATOR_1P1), organisation=organisation).changes == 0


def test_the_japanese_1p2_sample_imports_with_its_enrolment(organisation: Organisation) -> None:
    roster = roster_read(sample(JAPAN_1P2))
    assert roster.version == "1.2"
    plan = roster_apply(roster, organisation=organisation, now=timezone.now())
    assert not plan.errors
    klass = Class.objects.get(organisation=organisation, name="1年1組 (0101)")
    # No role on the user (1.2 roles: []); the enrolment says student, so a learner.
    assert [m.learner.username for m in klass.memberships.all()] == ["てすとたろう"]
    assert User.objects.get(username="てすとたろう").role == Role.LEARNER


def test_the_deliberately_invalid_rest_file_is_refused_record_by_record(tmp_path: Path) -> None:
    folder = tmp_path / "roster"
    folder.mkdir()
    shutil.copy(sample(VALIDATOR_1P1) / "orgs.json", folder / "orgs.json")
    shutil.copy(VALIDATOR_1P1 / "academicSessions-invalid.json", folder / "academicSessions.json")
    roster = roster_read(folder)
    said = [str(p) for p in roster.problems]
    # Its first record has a number for a status, true for a date and no sourcedId; the other 25 are fine.
    assert said == ["academicSessions.json, record 1: status is 234, not text; the record is not used"]
    assert len(roster.sessions) == 25
    (folder / "users.json").write_text(
        '{"users": [{"sourcedId": "u1", "enabledUser": "yes"', encoding="utf-8"
    )
    assert any(str(p).startswith("users.json: not readable JSON") for p in roster_read(folder).problems)
