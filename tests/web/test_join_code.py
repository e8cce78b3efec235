"""Joining a class with its code (issue 11): the code generator, a new learner's sign-up without e-mail,
a signed-in learner's join, the teacher's controls (show, new code, turn joining off) and every refusal:
a wrong, closed or replaced code, a taken username, a weak password, the rate limit, and other roles."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts import join_codes
from learnpath.web.accounts.models import AuditEntry, Class, ClassMembership, Organisation, Role, User
from learnpath.web.accounts.passwords import READABLE_ALPHABET
from learnpath.web.coaching import services as coaching_services

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "maple-otter-lantern"
NEVER = "0Oo1lIij5Ss2Zz"


def code_of(class_id: int) -> str:
    info = accounts_api.class_joining_code(class_id=class_id)
    assert info is not None
    assert info.code
    return info.code


def snapshot() -> tuple[int, int, int]:
    return User.objects.count(), ClassMembership.objects.count(), AuditEntry.objects.count()


def sign_up(client: Client, code: str, **fields: str) -> Any:
    data = {
        "code": code,
        "display_name": "Amira K.",
        "username": "amira",
        "password_choice": "own",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        **fields,
    }
    return client.post("/accounts/join/", data)


def error_lines(response: Any) -> list[str]:
    html = response.content.decode()
    box = re.search(r'data-testid="join-error">(.*?)</div>', html, re.S)
    assert box is not None, "no error box"
    return re.findall(r"<p>(.*?)</p>", box.group(1), re.S)


def without_token(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# -- the code generator ---------------------------------------------------------------------------------


def test_codes_use_the_readable_alphabet_and_have_eight_symbols() -> None:
    assert join_codes.JOIN_CODE_ALPHABET == READABLE_ALPHABET
    assert set(READABLE_ALPHABET).isdisjoint(NEVER)
    codes = [join_codes.join_code_generate() for _ in range(2000)]
    for code in codes:
        assert len(code) == join_codes.JOIN_CODE_LENGTH == 8
        assert set(code) <= set(READABLE_ALPHABET)
    assert len(set(codes)) == len(codes)
    # every symbol is used, none dominates (uniform choice: about 800 each of 16,000)
    counts = Counter("".join(codes))
    assert set(counts) == set(READABLE_ALPHABET)
    assert max(counts.values()) < 2 * min(counts.values())


def test_the_documented_entropy_and_the_shown_shape() -> None:
    assert pytest.approx(8 * math.log2(20)) == join_codes.JOIN_CODE_ENTROPY_BITS
    assert join_codes.JOIN_CODE_ENTROPY_BITS > 34.5
    assert "34.6 bits" in (join_codes.__doc__ or "")
    assert join_codes.join_code_display("k7dmf3wa") == "k7dm-f3wa"
    assert join_codes.join_code_normalise("  K7DM-f3wa ") == "k7dmf3wa"
    assert join_codes.SIGN_UP_PER_ADDRESS.attempts == 30


def test_every_new_class_gets_a_unique_code(teacher: User) -> None:
    first = coaching_services.class_create(teacher=teacher, name="7B maths")
    second = coaching_services.class_create(teacher=teacher, name="7C maths")
    assert re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}", code_of(first.id))
    assert code_of(first.id) != code_of(second.id)


# -- a new learner signs up -----------------------------------------------------------------------------


def test_the_sign_in_page_links_to_joining() -> None:
    page = Client().get("/accounts/sign-in/").content.decode()
    assert "Have a class code?" in page
    assert 'href="/accounts/join/"' in page
    join_page = Client().get("/accounts/join/").content.decode()
    assert "e-mail" in join_page.lower()
    assert 'type="email"' not in join_page


def test_a_new_learner_signs_up_with_the_code_and_lands_in_the_course(klass: Any, course: str) -> None:
    client = Client()
    typed = f"  {code_of(klass.id).upper()} "
    response = sign_up(client, typed)
    assert response.status_code == 302
    assert response["Location"] == f"/learn/{course}/"
    user = User.objects.get(username="amira")
    assert (user.role, user.organisation_id, user.display_name, user.email) == (
        Role.LEARNER,
        klass.organisation_id,
        "Amira K.",
        "",
    )
    assert not user.is_staff
    assert not user.is_superuser
    assert ClassMembership.objects.filter(klass_id=klass.id, learner=user).exists()
    assert client.session["_auth_user_id"] == str(user.pk)  # signed in at once
    assert authenticate(username="amira", password=GOOD_PASSWORD) == user
    audit = {entry.action: entry for entry in AuditEntry.objects.filter(target_id__in=[user.pk, klass.id])}
    assert {"user.create", "user.sign_up", "class.learner_add"} <= set(audit)
    assert audit["user.sign_up"].actor == user
    assert audit["user.sign_up"].details == {"class": klass.id}
    assert AuditEntry.objects.get(action="class.learner_add", details__learner=user.pk).actor == user


def test_a_made_password_and_username_are_shown_once(klass: Any, course: str) -> None:
    client = Client()
    response = sign_up(client, code_of(klass.id), username="", password_choice="made", password1="")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/join/welcome/"
    page = client.get("/accounts/join/welcome/").content.decode()
    username = re.search(r'data-testid="new-username">([^<]+)<', page)
    password = re.search(r'data-testid="new-password">([^<]+)<', page)
    assert username is not None
    assert password is not None
    assert username.group(1) == "amira-k"  # suggested from the name
    assert re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", password.group(1))
    assert f'href="/learn/{course}/"' in page
    assert authenticate(username="amira-k", password=password.group(1)) is not None
    # shown once: a reload shows nothing of it
    again = client.get("/accounts/join/welcome/")
    assert again.status_code == 302
    assert password.group(1) not in client.get(again["Location"]).content.decode()


def test_the_code_makes_learners_only(klass: Any) -> None:
    sign_up(Client(), code_of(klass.id), role="teacher", is_staff="on", organisation="99")
    user = User.objects.get(username="amira")
    assert user.role == Role.LEARNER
    assert not user.is_staff
    assert user.organisation_id == klass.organisation_id


@pytest.mark.parametrize("code", ["", "k7dm-f3wa", "not a code", "x" * 40])
def test_a_wrong_code_gets_one_plain_line_and_changes_nothing(klass: Any, code: str) -> None:
    before = snapshot()
    response = sign_up(Client(), code)
    assert response.status_code == 400
    assert error_lines(response) == [
        "No class takes that code. Check it with your teacher: it has 8 letters and digits, like k7dm-f3wa."
    ]
    assert snapshot() == before
    assert "_auth_user_id" not in response.client.session


def test_a_closed_code_is_refused_until_joining_is_on_again(
    klass: Any, teacher: User, client_of: Callable[[User], Client]
) -> None:
    code = code_of(klass.id)
    teaching = client_of(teacher)
    assert teaching.post(f"/accounts/classes/{klass.id}/joining/", {"action": "close"}).status_code == 302
    page = teaching.get(f"/classes/{klass.id}/").content.decode()
    assert 'data-testid="joining-closed"' in page
    assert 'data-testid="join-code"' not in page
    before = snapshot()
    response = sign_up(Client(), code)
    assert response.status_code == 400
    assert len(error_lines(response)) == 1
    assert snapshot() == before
    teaching.post(f"/accounts/classes/{klass.id}/joining/", {"action": "open"})
    assert code_of(klass.id) == code
    assert sign_up(Client(), code).status_code == 302
    actions = set(AuditEntry.objects.filter(target_id=klass.id).values_list("action", flat=True))
    assert {"class.joining_close", "class.joining_open"} <= actions


def test_a_new_code_makes_the_old_one_stop_working(
    klass: Any, teacher: User, client_of: Callable[[User], Client]
) -> None:
    old = code_of(klass.id)
    teaching = client_of(teacher)
    response = teaching.post(f"/accounts/classes/{klass.id}/joining/", {"action": "new"}, follow=True)
    new = code_of(klass.id)
    assert new != old
    assert f"New class code {new}" in response.content.decode()
    assert new in teaching.get(f"/classes/{klass.id}/").content.decode()
    before = snapshot()
    assert sign_up(Client(), old).status_code == 400
    assert snapshot() == before
    assert sign_up(Client(), new).status_code == 302
    assert AuditEntry.objects.filter(action="class.joining_code_new", actor=teacher).exists()


def test_a_taken_username_is_refused_with_a_suggestion(klass: Any, learner: User) -> None:
    before = snapshot()
    response = sign_up(Client(), code_of(klass.id), username="LENA", display_name="Lena")
    assert response.status_code == 400
    html = response.content.decode()
    assert "That username is taken. How about lena2?" in html
    assert 'value="lena2"' in html  # filled in, so sending the form again takes it
    assert snapshot() == before


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("12345678", "12345678", "This password is entirely numeric."),
        ("password", "password", "This password is too common."),
        ("k7d", "k7d", "This password is too short."),
        ("amira-k-amira", "amira-k-amira", "too similar"),
        (GOOD_PASSWORD, GOOD_PASSWORD + "x", "The two passwords are not the same."),
        ("", "", "Choose a password and type it twice"),
    ],
)
def test_a_weak_or_mistyped_password_is_refused(klass: Any, first: str, second: str, message: str) -> None:
    before = snapshot()
    response = sign_up(Client(), code_of(klass.id), username="amira-k", password1=first, password2=second)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_wrong_codes_are_limited_per_address(klass: Any) -> None:
    here = Client(REMOTE_ADDR="10.0.0.7")
    for k in range(join_codes.SIGN_UP_PER_ADDRESS.attempts):
        assert sign_up(here, f"wrong{k:03d}").status_code == 400
    before = snapshot()
    response = sign_up(here, code_of(klass.id))
    assert response.status_code == 429
    assert "Too many wrong class codes from this network" in response.content.decode()
    assert snapshot() == before
    # another address is not held up
    assert sign_up(Client(REMOTE_ADDR="10.0.0.8"), code_of(klass.id)).status_code == 302


def test_form_mistakes_with_the_right_code_do_not_count_as_guesses(klass: Any) -> None:
    here = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(join_codes.SIGN_UP_PER_ADDRESS.attempts + 2):
        assert sign_up(here, code_of(klass.id), password1="1", password2="2").status_code == 400
    assert sign_up(here, code_of(klass.id)).status_code == 302


# -- a signed-in learner joins another class ----------------------------------------------------------


def test_a_signed_in_learner_joins_another_class_with_its_code(
    klass: Any, learner: User, teacher: User, course: str, client_of: Callable[[User], Client]
) -> None:
    other = coaching_services.class_create(teacher=teacher, name="Chess club")
    coaching_services.class_course_attach(class_id=other.id, course_id=course, actor=teacher)
    client = client_of(learner)
    page = client.get("/accounts/join/").content.decode()
    assert "Join a class" in page
    assert "password1" not in page
    before = User.objects.count()
    response = client.post("/accounts/join/", {"code": code_of(other.id).replace("-", " ")})
    assert response.status_code == 302
    assert response["Location"] == f"/learn/{course}/"
    assert ClassMembership.objects.filter(klass_id=other.id, learner=learner).exists()
    assert User.objects.count() == before
    assert AuditEntry.objects.filter(action="class.learner_add", actor=learner, target_id=other.id).exists()


def test_my_classes_joins_with_the_code_the_class_page_shows(
    klass: Any, learner: User, teacher: User, course: str, client_of: Callable[[User], Client]
) -> None:
    """The learner's "Join a class" form on My classes takes the code teachers see on the class page."""
    other = coaching_services.class_create(teacher=teacher, name="Chess club")
    client = client_of(learner)
    page = client.get("/classes/").content.decode()
    assert 'action="/accounts/join/"' in page
    shown = client_of(teacher).get(f"/classes/{other.id}/").content.decode()
    assert code_of(other.id) in shown
    response = client.post("/accounts/join/", {"code": code_of(other.id)})
    assert response.status_code == 302
    assert ClassMembership.objects.filter(klass_id=other.id, learner=learner).exists()


def test_a_signed_in_learner_is_refused_a_wrong_or_foreign_code_and_limited(
    klass: Any, outsider: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(outsider)  # a learner of another organisation
    before = snapshot()
    response = client.post("/accounts/join/", {"code": code_of(klass.id)})
    assert response.status_code == 400
    assert len(error_lines(response)) == 1
    assert snapshot() == before
    for k in range(9):
        client.post("/accounts/join/", {"code": f"wrong{k}"})
    response = client.post("/accounts/join/", {"code": "wrong"})
    assert response.status_code == 429
    assert "Too many wrong class codes" in response.content.decode()


@pytest.mark.parametrize("role", ["teacher", "guardian", "admin"])
def test_teachers_guardians_and_admins_cannot_join_with_a_code(
    klass: Any, members: dict[str, User], role: str, client_of: Callable[[User], Client]
) -> None:
    client = client_of(members[role])
    assert client.get("/accounts/join/").status_code == 404
    before = snapshot()
    assert client.post("/accounts/join/", {"code": code_of(klass.id)}).status_code == 404
    assert sign_up(client, code_of(klass.id)).status_code == 404
    assert snapshot() == before


# -- who sees and changes the code ---------------------------------------------------------------------


def test_only_the_class_teacher_sees_and_changes_the_code(
    klass: Any,
    teacher: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    code = code_of(klass.id)
    page = client_of(teacher).get(f"/classes/{klass.id}/").content.decode()
    assert f'data-testid="join-code">{code}<' in page
    assert "http://testserver/accounts/join/" in page
    other_teacher = client_of(make_user("tina", Role.TEACHER, organisation))
    other_page = other_teacher.get(f"/classes/{klass.id}/")
    assert other_page.status_code == 404
    assert code not in other_page.content.decode()
    for action in ("new", "close", "open"):
        response = other_teacher.post(f"/accounts/classes/{klass.id}/joining/", {"action": action})
        assert response.status_code == 404
    missing = other_teacher.post("/accounts/classes/987654/joining/", {"action": "new"})
    assert re.sub(r"class \d+", "class N", without_token(missing)) == re.sub(
        r"class \d+", "class N", without_token(response)
    )
    klass_row = Class.objects.get(pk=klass.id)
    assert (klass_row.joining_code, klass_row.joining_open) == (code.replace("-", ""), True)


def test_a_class_without_a_code_gets_one(
    teacher: User, organisation: Organisation, client_of: Callable[[User], Client]
) -> None:
    klass = Class.objects.create(organisation=organisation, slug="old", name="Old class")
    klass.teachers.add(teacher)
    teaching = client_of(teacher)
    assert "no code yet" in teaching.get(f"/classes/{klass.pk}/").content.decode()
    teaching.post(f"/accounts/classes/{klass.pk}/joining/", {"action": "new"})
    assert 'data-testid="join-code"' in teaching.get(f"/classes/{klass.pk}/").content.decode()
