"""Changing one's own password: anyone signed in, Django's validators, a clear error, still signed in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from learnpath.web.accounts.models import AuditEntry, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "plum-kettle-harbour-42"
URL = "/accounts/password/"


def signed_in(user: User, password: str = PASSWORD) -> Client:
    """A client signed in through the sign-in page, as a person would."""
    client = Client()
    response = client.post("/accounts/sign-in/", {"username": user.username, "password": password})
    assert response.status_code == 302
    return client


def change(client: Client, old: str = PASSWORD, new1: str = NEW_PASSWORD, new2: str | None = None) -> object:
    return client.post(
        URL, {"old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2}
    )


def test_the_anonymous_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
    assert client.post(URL, {"old_password": "x"}).status_code == 302


@pytest.mark.parametrize("role", ["learner", "teacher", "guardian", "admin"])
def test_every_role_changes_their_password_and_stays_signed_in(members: dict[str, User], role: str) -> None:
    user = members[role]
    client = signed_in(user)
    form = client.get(URL)
    assert form.status_code == 200
    page = form.content.decode()
    for field in ("id_old_password", "id_new_password1", "id_new_password2"):
        assert f'<label for="{field}"' in page
    assert 'autocomplete="current-password"' in page
    assert 'autocomplete="new-password"' in page

    response = change(client)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == "/accounts/password/done/"  # type: ignore[index]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    done = client.get("/accounts/password/done/")
    assert done.status_code == 200
    assert "Your password is changed" in done.content.decode()
    assert done.wsgi_request.user == user  # still signed in
    assert client.get(URL).status_code == 200

    entry = AuditEntry.objects.get(action="user.password_change")
    assert (entry.actor, entry.target_type, entry.target_id) == (user, "user", str(user.pk))
    assert NEW_PASSWORD not in str(entry.details)
    assert PASSWORD not in str(entry.details)

    old = Client().post("/accounts/sign-in/", {"username": user.username, "password": PASSWORD})
    assert old.status_code == 200
    new = Client().post("/accounts/sign-in/", {"username": user.username, "password": NEW_PASSWORD})
    assert new.status_code == 302


def test_a_wrong_current_password_changes_nothing_and_says_so(learner: User) -> None:
    client = signed_in(learner)
    response = change(client, old="not-my-password")
    assert response.status_code == 200  # type: ignore[attr-defined]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert 'role="alert"' in page
    assert "Your current password is not right" in page
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_change").exists()


@pytest.mark.parametrize(
    ("new1", "new2", "message"),
    [
        (NEW_PASSWORD, "plum-kettle-harbour-43", "The two password fields didn"),
        ("kx7#q", None, "This password is too short"),
        ("password123", None, "This password is too common"),
        ("83749201847", None, "This password is entirely numeric"),
        ("lena", None, "too similar to the username"),
    ],
)
def test_the_new_password_must_pass_the_validators(
    learner: User, new1: str, new2: str | None, message: str
) -> None:
    client = signed_in(learner)
    response = change(client, new1=new1, new2=new2)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert message in response.content.decode()  # type: ignore[attr-defined]
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_other_sessions_of_the_person_are_signed_out(learner: User) -> None:
    here, elsewhere = signed_in(learner), signed_in(learner)
    assert elsewhere.get(URL).status_code == 200
    change(here)
    assert here.get(URL).status_code == 200
    response = elsewhere.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_the_account_menu_links_to_the_password_change(
    learner: User, teacher: User, client_of: Callable[[User], Client], client: Client
) -> None:
    for user in (learner, teacher):
        page = client_of(user).get("/").content.decode()
        assert f'href="{URL}"' in page
        assert "Change password" in page
    assert f'href="{URL}"' not in client.get("/").content.decode()
