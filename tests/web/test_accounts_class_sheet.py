"""The printable class sheet and a teacher's password reset for a learner of one of their classes.

Everyone but the class's teachers (and a platform admin) gets the same 404 as for a class that does not
exist, as on every class page (coaching/access.py). First passwords are shown once, on the next sheet,
and are kept in clear text nowhere but the teacher's session until then.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, Organisation, Role, User
from learnpath.web.coaching import services as coaching_services

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
READABLE = re.compile(r"\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b")


def sheet_url(class_id: int) -> str:
    return f"/accounts/classes/{class_id}/sheet/"


def reset_url(class_id: int, learner_id: int) -> str:
    return f"/accounts/classes/{class_id}/learners/{learner_id}/password-reset/"


def _page(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.fixture
def people(
    make_user: Callable[..., User], organisation: Organisation, other_organisation: Organisation
) -> dict[str, User]:
    """Besides the conftest's class (theo teaches lena): another class of the same school (tina teaches
    lars), a teacher of another school, a guardian, an admin."""
    return {
        "other_teacher": make_user("tina", Role.TEACHER, organisation),
        "other_learner": make_user("lars", Role.LEARNER, organisation),
        "far_teacher": make_user("fred", Role.TEACHER, other_organisation),
        "guardian": make_user("gwen", Role.GUARDIAN, organisation),
        "admin": make_user("ada", Role.ADMIN, organisation),
    }


@pytest.fixture
def other_class(people: dict[str, User]) -> Any:
    info = coaching_services.class_create(teacher=people["other_teacher"], name="8C maths")
    accounts_api.class_learner_add(
        class_id=info.id, learner_id=people["other_learner"].pk, actor=people["other_teacher"]
    )
    return info


def test_the_teacher_sees_a_printable_sheet_of_names_usernames_and_the_sign_in_address(
    klass: Any, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    learner.display_name = "Lena Lind"
    learner.save()
    response = client_of(teacher).get(sheet_url(klass.id))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lena Lind" in page
    assert "<code>lena</code>" in page
    assert "http://testserver/accounts/sign-in/" in page
    assert "accounts/print.css" in page
    assert "<style" not in page  # no inline styles: a CSP can forbid them
    assert not READABLE.search(page), "no password is shown without an enrolment or a reset"


def test_the_class_page_links_to_the_sheet(
    klass: Any, teacher: User, client_of: Callable[[User], Client]
) -> None:
    page = client_of(teacher).get(f"/classes/{klass.id}/").content.decode()
    assert f'href="{sheet_url(klass.id)}"' in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("learner", 404),
        ("other_learner", 404),
        ("other_teacher", 404),
        ("far_teacher", 404),
        ("guardian", 404),
        ("teacher", 200),
        ("admin", 200),
    ],
)
def test_only_the_class_teachers_see_the_sheet(
    klass: Any, teacher: User, learner: User, people: dict[str, User], role: str, status: int
) -> None:
    everyone = {**people, "teacher": teacher, "learner": learner}
    client = Client()
    if role != "anonymous":
        client.force_login(everyone[role])
    response = client.get(sheet_url(klass.id))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/sign-in/")


def test_another_class_sheet_looks_exactly_like_a_missing_one(
    klass: Any, other_class: Any, teacher: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(teacher)
    other, missing = client.get(sheet_url(other_class.id)), client.get(sheet_url(987654))
    assert other.status_code == missing.status_code == 404
    assert _page(other).replace(str(other_class.id), "N") == _page(missing).replace("987654", "N")


def test_the_teacher_resets_a_learners_password_shown_once_and_audited(
    klass: Any, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    learner_session = Client()
    assert (
        learner_session.post("/accounts/sign-in/", {"username": "lena", "password": PASSWORD}).status_code
        == 302
    )
    client = client_of(teacher)

    response = client.post(reset_url(klass.id, learner.pk))
    assert response.status_code == 302
    assert response["Location"] == sheet_url(klass.id)

    learner.refresh_from_db()
    assert not learner.check_password(PASSWORD)
    # nothing in the database holds the new password in clear text: not the audit row, not a session
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert (entry.actor, entry.target_type, entry.target_id) == (teacher, "user", str(learner.pk))
    assert entry.details == {"class": klass.id}

    first = client.get(sheet_url(klass.id))
    page = first.content.decode()
    (password,) = READABLE.findall(page)
    assert learner.check_password(password)
    assert 'data-testid="new-passwords"' in page
    # shown once: the next view of the sheet has no password, and no session keeps it
    assert not READABLE.search(client.get(sheet_url(klass.id)).content.decode())
    assert all(password not in str(s.get_decoded()) for s in Session.objects.all())

    # the learner's other sessions are signed out; the teacher stays signed in; the new password works
    assert learner_session.get("/accounts/password/")["Location"].startswith("/accounts/sign-in/")
    assert client.get(sheet_url(klass.id)).status_code == 200
    assert Client().post("/accounts/sign-in/", {"username": "lena", "password": password}).status_code == 302


def test_a_reset_is_post_only(
    klass: Any, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    assert client_of(teacher).get(reset_url(klass.id, learner.pk)).status_code == 405
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


@pytest.mark.parametrize(
    "role", ["anonymous", "learner", "other_learner", "other_teacher", "far_teacher", "guardian"]
)
def test_nobody_else_resets_a_learners_password(
    klass: Any, teacher: User, learner: User, people: dict[str, User], role: str
) -> None:
    everyone = {**people, "learner": learner}
    client = Client()
    if role != "anonymous":
        client.force_login(everyone[role])
    response = client.post(reset_url(klass.id, learner.pk))
    assert response.status_code == (302 if role == "anonymous" else 404)
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()


def test_a_teacher_resets_only_learners_of_that_class(
    klass: Any,
    other_class: Any,
    teacher: User,
    people: dict[str, User],
    outsider: User,
    client_of: Callable[[User], Client],
) -> None:
    client = client_of(teacher)
    targets = [
        (klass.id, people["other_learner"]),  # a learner of another class, through this class
        (other_class.id, people["other_learner"]),  # another teacher's class
        (klass.id, outsider),  # another school
        (klass.id, people["other_teacher"]),  # not a learner
        (klass.id, teacher),  # themselves
    ]
    for class_id, target in targets:
        assert client.post(reset_url(class_id, target.pk)).status_code == 404, target.username
        target.refresh_from_db()
        assert target.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()


def test_a_platform_admin_may_reset_like_a_teacher_of_the_class(
    klass: Any, learner: User, people: dict[str, User], client_of: Callable[[User], Client]
) -> None:
    assert client_of(people["admin"]).post(reset_url(klass.id, learner.pk)).status_code == 302
    learner.refresh_from_db()
    assert not learner.check_password(PASSWORD)


def test_first_passwords_of_an_enrolment_appear_once_on_the_sheet(
    klass: Any, teacher: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(teacher)
    csv_text = "username,display_name\namira.k,Amira K.\nben.o,Ben O.\n"
    done = client.post(f"/classes/{klass.id}/enrol/", {"confirm": "yes", "csv_text": csv_text})
    assert done.status_code == 200
    sheet = client.get(sheet_url(klass.id)).content.decode()
    found = READABLE.findall(sheet)
    assert len(found) == 2
    for username, password in zip(("amira.k", "ben.o"), found, strict=True):
        assert User.objects.get(username=username).check_password(password)
    assert not READABLE.search(client.get(sheet_url(klass.id)).content.decode())
    assert all(p not in str(s.get_decoded()) for s in Session.objects.all() for p in found)
    assert all(p not in str(e.details) for e in AuditEntry.objects.all() for p in found)


def test_first_passwords_of_one_class_do_not_show_on_another(
    klass: Any, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    second = coaching_services.class_create(teacher=teacher, name="7C maths")
    client = client_of(teacher)
    client.post(reset_url(klass.id, learner.pk))
    assert not READABLE.search(client.get(sheet_url(second.id)).content.decode())
    assert len(READABLE.findall(client.get(sheet_url(klass.id)).content.decode())) == 1


def test_a_learner_in_another_teachers_class_gets_a_new_password_only_from_a_teacher_of_every_class(
    klass: Any,
    other_class: Any,
    teacher: User,
    learner: User,
    people: dict[str, User],
    client_of: Callable[[User], Client],
) -> None:
    # A new password lets whoever holds it sign in as the learner and read all they did, in every class:
    # so a teacher of only one of the learner's classes may not give one (decision 0075).
    accounts_api.class_learner_add(
        class_id=other_class.id, learner_id=learner.pk, actor=people["other_teacher"]
    )
    for actor, class_id in ((teacher, klass.id), (people["other_teacher"], other_class.id)):
        client = client_of(actor)
        refused = client.post(reset_url(class_id, learner.pk), follow=True)
        assert refused.status_code == 200
        page = _page(refused)
        assert "which you do not teach" in page
        assert f'aria-label="New password for {learner}"' not in page
        assert "Also in another teacher’s class" in page
        learner.refresh_from_db()
        assert learner.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()
    # Learners only in this teacher's classes keep their button.
    assert f'aria-label="New password for {people["other_learner"]}"' in _page(
        client_of(people["other_teacher"]).get(sheet_url(other_class.id))
    )
    # An administrator may; and once the other class is archived, the class's own teacher may too.
    assert client_of(people["admin"]).post(reset_url(klass.id, learner.pk)).status_code == 302
    coaching_services.class_archive(class_id=other_class.id, actor=people["other_teacher"])
    assert client_of(teacher).post(reset_url(klass.id, learner.pk)).status_code == 302
    assert AuditEntry.objects.filter(action="user.password_reset").count() == 2
