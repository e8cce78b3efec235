"""Classes: creating one, enrolling from CSV (preview, per-row errors, confirm), join codes, courses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, ClassMembership, Organisation, Role, User
from learnpath.web.coaching import services
from learnpath.web.coaching.roster_csv import MAX_BYTES, MAX_ROWS, roster_parse


@pytest.fixture
def klass(teacher: User) -> accounts_api.ClassInfo:
    return services.class_create(teacher=teacher, name="7B maths")


def upload(client: Client, class_id: int, data: bytes, name: str = "list.csv") -> str:
    response = client.post(
        f"/classes/{class_id}/enrol/", {"file": SimpleUploadedFile(name, data, "text/csv")}
    )
    return response.content.decode()


def snapshot() -> tuple[int, int, int]:
    return User.objects.count(), ClassMembership.objects.count(), AuditEntry.objects.count()


def test_a_teacher_creates_a_class_with_a_join_code(
    teacher: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(teacher)
    response = client.post("/classes/", {"name": "  8A   science "})
    assert response.status_code == 302
    (klass,) = accounts_api.classes_taught(user=teacher)
    assert klass.name == "8A science"
    page = client.get(f"/classes/{klass.id}/").content.decode()
    assert 'data-testid="join-code"' in page
    assert AuditEntry.objects.filter(action="class.create").exists()


def test_preview_changes_nothing_and_confirm_enrols(
    klass: accounts_api.ClassInfo, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(teacher)
    data = b"\xef\xbb\xbfUsername,Display Name\r\namira.k,Amira K.\r\nlena,Lena\r\n\r\n"
    before = snapshot()
    html = upload(client, klass.id, data)
    assert snapshot() == before
    assert "New account" in html
    assert "Existing learner joins the class" in html
    assert "Enrol 2 learners" in html
    done = client.post(
        f"/classes/{klass.id}/enrol/", {"confirm": "yes", "csv_text": data.decode("utf-8-sig")}
    )
    assert done.status_code == 200
    assert 'data-testid="passwords"' in done.content.decode()
    usernames = {p.username for p in accounts_api.class_learners(class_id=klass.id)}
    assert usernames == {"amira.k", "lena"}
    amira = User.objects.get(username="amira.k")
    assert amira.role == Role.LEARNER
    assert amira.organisation_id == klass.organisation_id
    assert AuditEntry.objects.filter(action="class.roster_upload").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b'username,display_name\n"amira,Amira\n', "not valid CSV"),
        ("username,display_name\nzoë,Zoë\n".encode("latin-1"), "not UTF-8"),
        (b"username,age\namira,12\n", "Unknown column: &#x27;age&#x27;"),
        (b"display_name\nAmira\n", "needs a &#x27;username&#x27; column"),
        (b"username,display_name\n" + b"a" * (MAX_BYTES), "the limit is 256 KB"),
        (b"username\n" + b"".join(b"user%d\n" % n for n in range(MAX_ROWS + 1)), "the limit is 1000"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
    ],
)
def test_bad_files_get_a_clear_error_and_change_nothing(
    klass: accounts_api.ClassInfo,
    teacher: User,
    client_of: Callable[[User], Client],
    data: bytes,
    message: str,
) -> None:
    before = snapshot()
    html = upload(client_of(teacher), klass.id, data)
    assert message in html
    assert "Nothing was changed" in html
    assert snapshot() == before


def test_rows_with_errors_are_listed_and_skipped(
    klass: accounts_api.ClassInfo,
    teacher: User,
    outsider: User,
    guardian: User,
    client_of: Callable[[User], Client],
) -> None:
    data = (
        "username,display_name\n"
        "amira,Amira\n"
        "AMIRA,Amira again\n"
        "bad name,Spaces\n"
        ",No username\n"
        'ben,=HYPERLINK("http://evil")\n'
        "cleo,<script>alert(1)</script>\n"
        "dan,Dan\u202eevil\n"
        f"{outsider.username},Otto\n"
        f"{guardian.username},Gwen\n"
        "eve,Eve,extra\n"
    ).encode()
    roster = roster_parse(data)
    assert [row.ok for row in roster.rows] == [True] + [False] * 6 + [True, True, False]
    client = client_of(teacher)
    html = upload(client, klass.id, data)
    assert "the same username as line 2" in html
    assert "no spaces" in html
    assert "username is empty" in html
    assert "formula" in html
    assert "holds &lt; or &gt;" in html
    assert "<script>alert(1)" not in html
    assert "invisible control characters" in html
    # Another school's username and a guardian's read like free ones: the preview tells nothing about
    # who holds a username (decision 0075); confirming makes nothing for them and says the name is taken.
    assert "cannot join" not in html
    assert html.count("New account") == 3
    assert "Enrol 3 learners" in html
    done = client.post(f"/classes/{klass.id}/enrol/", {"confirm": "yes", "csv_text": data.decode()})
    taken = done.content.decode().split('data-testid="taken"', 1)[1].split("</ul>", 1)[0]
    assert outsider.username in taken
    assert guardian.username in taken
    assert [p.username for p in accounts_api.class_learners(class_id=klass.id)] == ["amira"]
    outsider.refresh_from_db()
    assert outsider.organisation_id != klass.organisation_id


def test_a_learner_joins_with_the_code_and_an_old_code_stops_working(
    klass: accounts_api.ClassInfo,
    teacher: User,
    learner: User,
    outsider: User,
    client_of: Callable[[User], Client],
) -> None:
    from learnpath.web.coaching.selectors import join_code

    code = join_code(class_id=klass.id)
    assert code is not None
    client_of(outsider).post("/classes/join/", {"code": code.code})
    assert accounts_api.class_learners(class_id=klass.id) == []
    old = code.code
    client_of(teacher).post(f"/classes/{klass.id}/join-code/", {"action": "reset"})
    page = client_of(learner).post("/classes/join/", {"code": old.lower()}, follow=True).content.decode()
    assert "No class has that code" in page
    new = join_code(class_id=klass.id)
    assert new is not None
    page = client_of(learner).post(
        "/classes/join/", {"code": f" {new.code[:4]}-{new.code[4:]} "}, follow=True
    )
    assert "You joined 7B maths" in page.content.decode()
    assert [p.username for p in accounts_api.class_learners(class_id=klass.id)] == ["lena"]


def test_join_code_switched_off_refuses(
    klass: accounts_api.ClassInfo, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    from learnpath.web.coaching.selectors import join_code

    client_of(teacher).post(f"/classes/{klass.id}/join-code/", {"action": "off"})
    code = join_code(class_id=klass.id)
    assert code is not None
    client_of(learner).post("/classes/join/", {"code": code.code})
    assert accounts_api.class_learners(class_id=klass.id) == []


def test_only_visible_courses_can_be_attached(
    klass: accounts_api.ClassInfo,
    teacher: User,
    course: str,
    other_organisation: Organisation,
    client_of: Callable[[User], Client],
    documents: Any,
    build_pack: Any,
) -> None:
    from learnpath.web.curriculum import api as curriculum_api

    hidden = curriculum_api.course_import(
        pack=build_pack(documents(course_id="south-only")), organisation_id=other_organisation.pk
    ).course_id
    client = client_of(teacher)
    client.post(f"/classes/{klass.id}/courses/", {"course": hidden})
    client.post(f"/classes/{klass.id}/courses/", {"course": course})
    assert curriculum_api.class_course_ids(class_id=klass.id) == [course]
