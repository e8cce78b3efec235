"""Password reset by e-mail for adults (issues 11 and 12): teachers, guardians and administrators ask for a
link on the sign-in page, follow it from their mail and set a new password. The answer never says whether
an address belongs to an account; learners (who may be children and have no e-mail here) reset through
their teacher. Asking is limited per network address and per typed address.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client

from learnpath.web.accounts.models import AuditEntry, Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "plum-kettle-harbour-42"
REQUEST_URL = "/accounts/password/forgotten/"
SENT_URL = "/accounts/password/forgotten/sent/"


def adult(make_user: Callable[..., User], username: str, role: str, email: str) -> User:
    user = make_user(username, role)
    user.email = email
    user.save(update_fields=["email"])
    return user


def ask(client: Client, email: str) -> object:
    return client.post(REQUEST_URL, {"email": email})


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def without_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_the_sign_in_page_offers_the_reset(client: Client) -> None:
    page = client.get("/accounts/sign-in/").content.decode()
    assert f'href="{REQUEST_URL}"' in page
    assert "Forgot your password?" in page
    form = client.get(REQUEST_URL)
    assert form.status_code == 200
    html = form.content.decode()
    assert '<label for="id_email"' in html
    assert 'autocomplete="email"' in html
    assert "ask your teacher" in html  # learners are told their way


@pytest.mark.parametrize("role", [Role.TEACHER, Role.GUARDIAN, Role.ADMIN])
def test_the_full_flow_from_request_to_sign_in(make_user: Callable[..., User], role: str) -> None:
    user = adult(make_user, "grown-up", role, "Grown.Up@School.example")
    client = Client()

    response = ask(client, "grown.up@school.example")  # in any case
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == SENT_URL  # type: ignore[index]
    assert client.get(SENT_URL).status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Grown.Up@School.example"]
    assert "learnpath" in message.subject
    assert "grown-up" in message.body  # the user name, in case that was forgotten too
    assert PASSWORD not in message.body

    # The link from the mail: Django moves the token out of the address before the form is shown.
    link = link_in(message)
    response = client.get(link)
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert set_password_url.endswith("/set-password/")
    form = client.get(set_password_url)
    assert form.status_code == 200
    page = form.content.decode()
    assert '<label for="id_new_password1"' in page
    assert 'autocomplete="new-password"' in page

    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    done = client.get(response["Location"])
    assert "Your password is set" in done.content.decode()
    assert AuditEntry.objects.filter(
        action="user.password_reset_by_email", actor=user, target_id=str(user.pk)
    ).exists()

    # The old password no longer signs in; the new one does.
    fresh = Client()
    assert fresh.post("/accounts/sign-in/", {"username": "grown-up", "password": PASSWORD}).status_code == 200
    response = fresh.post("/accounts/sign-in/", {"username": "grown-up", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in fresh.session

    # The link works once.
    again = Client().get(link)
    assert again.status_code == 200
    assert "This link no longer works" in again.content.decode()


def test_a_weak_new_password_is_refused_with_the_reason(make_user: Callable[..., User]) -> None:
    adult(make_user, "theo", Role.TEACHER, "theo@school.example")
    client = Client()
    ask(client, "theo@school.example")
    set_password_url = client.get(link_in(mail.outbox[0]))["Location"]
    response = client.post(set_password_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "too common" in page


def test_an_unknown_address_gets_the_same_answer_and_no_mail(make_user: Callable[..., User]) -> None:
    adult(make_user, "theo", Role.TEACHER, "theo@school.example")
    known, unknown = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")

    known_response = ask(known, "theo@school.example")
    unknown_response = ask(unknown, "nobody@school.example")
    assert len(mail.outbox) == 1  # only the known address got one

    assert unknown_response.status_code == known_response.status_code == 302  # type: ignore[attr-defined]
    assert unknown_response["Location"] == known_response["Location"]  # type: ignore[index]
    known_page = known.get(SENT_URL).content.decode()
    unknown_page = unknown.get(SENT_URL).content.decode()
    assert without_tokens(unknown_page) == without_tokens(known_page)
    assert "If an account" in known_page


@pytest.mark.parametrize("kind", ["learner", "inactive", "no password"])
def test_no_mail_for_learners_inactive_or_password_less_accounts(
    make_user: Callable[..., User], kind: str
) -> None:
    user = adult(
        make_user, "someone", Role.LEARNER if kind == "learner" else Role.TEACHER, "a@school.example"
    )
    if kind == "inactive":
        user.is_active = False
    if kind == "no password":
        user.set_unusable_password()
    user.save()
    response = ask(Client(), "a@school.example")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == SENT_URL  # type: ignore[index]
    assert mail.outbox == []


def test_a_link_older_than_an_hour_no_longer_works(
    make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    adult(make_user, "theo", Role.TEACHER, "theo@school.example")
    client = Client()
    ask(client, "theo@school.example")
    link = link_in(mail.outbox[0])
    monkeypatch.setattr(default_token_generator, "_now", lambda: datetime.now() + timedelta(minutes=61))
    response = client.get(link)
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_a_made_up_link_does_not_work(make_user: Callable[..., User]) -> None:
    user = adult(make_user, "theo", Role.TEACHER, "theo@school.example")
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(str(user.pk).encode())
    response = Client().get(f"/accounts/password/reset/{uid}/abc-0123456789abcdef/")
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


# -- limits ---------------------------------------------------------------------------------------------


def refusal(response: object) -> str:
    page = response.content.decode()  # type: ignore[attr-defined]
    match = re.search(r'data-testid="reset-throttled">\s*<p>([^<]*)</p>', page)
    assert match, page
    return match.group(1)


def test_one_address_asking_for_many_is_slowed_down(make_user: Callable[..., User]) -> None:
    adult(make_user, "theo", Role.TEACHER, "theo@school.example")
    client = Client(REMOTE_ADDR="10.6.6.6")
    for n in range(10):
        assert ask(client, f"guess{n}@school.example").status_code == 302  # type: ignore[attr-defined]
    response = ask(client, "theo@school.example")
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert re.fullmatch(
        r"Too many password reset requests in a short time\. Please wait \d+ minutes? and try again\.",
        refusal(response),
    )
    assert mail.outbox == []
    # Another network address is not held up.
    assert ask(Client(REMOTE_ADDR="10.1.1.1"), "theo@school.example").status_code == 302  # type: ignore[attr-defined]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("email", ["theo@school.example", "nobody@school.example"])
def test_one_mailbox_gets_at_most_three_mails_an_hour_whoever_asks(
    make_user: Callable[..., User], email: str
) -> None:
    """Nobody can flood a teacher's mailbox; and the limit holds for unknown addresses too, so it tells
    nothing about which addresses have accounts."""
    adult(make_user, "theo", Role.TEACHER, "theo@school.example")
    for n in range(3):
        assert ask(Client(REMOTE_ADDR=f"10.0.0.{n}"), email).status_code == 302  # type: ignore[attr-defined]
    response = ask(Client(REMOTE_ADDR="10.0.0.99"), email.upper())
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert "Too many password reset requests" in refusal(response)
    assert len(mail.outbox) == (3 if email.startswith("theo") else 0)


# -- mail settings ----------------------------------------------------------------------------------------

PRINT_MAIL = (
    "import sys; sys.modules.pop('pytest', None); "
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
    "s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL, s.PASSWORD_RESET_TIMEOUT)"
)


def mail_settings(env: dict[str, str], cwd: Path) -> str:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "learnpath.web.settings",
        "LEARNPATH_DATA_DIR": str(cwd / "data"),
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT_MAIL],
        env=clean,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_demo_prints_mail_to_the_console(tmp_path: Path) -> None:
    printed = mail_settings({"LEARNPATH_DEMO": "1"}, tmp_path)
    assert printed.startswith("django.core.mail.backends.console.EmailBackend ")
    assert printed.endswith(" 3600")


def test_smtp_comes_from_the_environment(tmp_path: Path) -> None:
    env = {
        "SECRET_KEY": "k" * 50,
        "EMAIL_HOST": "smtp.school.example",
        "EMAIL_PORT": "587",
        "EMAIL_HOST_USER": "learnpath",
        "EMAIL_HOST_PASSWORD": "mail-secret",
        "EMAIL_USE_TLS": "1",
        "DEFAULT_FROM_EMAIL": "learnpath <learnpath@school.example>",
    }
    assert mail_settings(env, tmp_path) == (
        "django.core.mail.backends.smtp.EmailBackend smtp.school.example 587 learnpath mail-secret "
        "True False learnpath <learnpath@school.example> 3600"
    )
    # The demo with a mail server configured sends real mail too.
    assert mail_settings({**env, "LEARNPATH_DEMO": "1"}, tmp_path).startswith(
        "django.core.mail.backends.smtp.EmailBackend smtp.school.example 587 "
    )


def test_the_email_comes_in_the_language_its_reader_chose(make_user: Callable[..., User]) -> None:
    user = adult(make_user, "abuela", Role.GUARDIAN, "abuela@example.org")
    user.language = "es"
    user.save()
    ask(Client(), "abuela@example.org")  # asked from an English page
    (message,) = mail.outbox
    assert "contraseña" in message.subject
    assert "Tu nombre de usuario: abuela" in message.body
