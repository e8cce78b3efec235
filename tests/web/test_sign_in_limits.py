"""Sign-in limits that slow the guesser, not the owner (issue 12, items 2 and 3).

Every way of signing in, the admin's included, goes through the one sign-in page and its limits. Failures
from one network address back it off across usernames; failures on one account back off the devices that
account does not know, while a correct password from a known device (a signed cookie set after a
successful sign-in) always gets in. A refusal is one plain line saying when to try again, and changes
nothing.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from learnpath.web.accounts.models import AuditEntry, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
DEVICE_COOKIE = "learnpath_device"
OWNER = "10.1.1.1"
ATTACKER = "10.6.6.6"


def sign_in(client: Client, username: str, password: str, next_url: str = "") -> tuple[int, str]:
    url = "/accounts/sign-in/" + (f"?next={next_url}" if next_url else "")
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    response = client.post(url, data)
    return response.status_code, response.content.decode()


def refusal(page: str) -> str:
    match = re.search(r'data-testid="sign-in-throttled">\s*<p>([^<]*)</p>\s*</div>', page)
    assert match, "no refusal on the page"
    return match.group(1)


def wait_seconds(line: str) -> int:
    match = re.search(r"wait (\d+) (second|minute)s?\b", line)
    assert match, line
    return int(match.group(1)) * (60 if match.group(2) == "minute" else 1)


def later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the clock the limits and the cache read (time.time) forward by ``seconds`` (cumulatively)."""
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + seconds)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def known_device(username: str, address: str = OWNER) -> Client:
    """A client that signed in as ``username`` once, then signed out: it keeps only the device cookie."""
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/sign-in/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    client.post("/accounts/sign-out/")
    assert not signed_in(client)
    assert DEVICE_COOKIE in client.cookies
    return client


# -- item 2: the admin site signs in through the same page and the same limits --------------------------


def test_the_admin_login_sends_to_the_throttled_sign_in_page(admin_user: User) -> None:
    response = Client().get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/admin/accounts/user/"
    # an outside address as ``next`` is dropped for the admin's own index
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/sign-in/?next=/admin/"


def test_a_post_to_the_admin_login_never_signs_in(admin_user: User) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(15):
        attacker.post("/admin/login/", {"username": "ada", "password": "wrong", "next": "/admin/"})
    response = attacker.post("/admin/login/", {"username": "ada", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
    assert not signed_in(attacker)
    assert attacker.get("/admin/").status_code == 302


def test_fifteen_wrong_admin_passwords_then_the_right_one_does_not_get_in_at_once(admin_user: User) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    # the way in that /admin/login/ offers, followed as a browser would
    target = attacker.get("/admin/login/?next=/admin/")["Location"]
    assert target.startswith("/accounts/sign-in/")
    for _ in range(15):
        attacker.post(target, {"username": "ada", "password": "wrong", "next": "/admin/"})
    response = attacker.post(target, {"username": "ada", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 429
    assert not signed_in(attacker)
    assert attacker.get("/admin/").status_code == 302


def test_the_admin_signs_in_on_the_sign_in_page_and_lands_in_the_admin(admin_user: User) -> None:
    client = Client()
    response = client.post(
        "/accounts/sign-in/?next=/admin/", {"username": "ada", "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # signed in as the admin, the admin's login page goes straight on
    assert client.get("/admin/login/?next=/admin/accounts/user/")["Location"] == "/admin/accounts/user/"


def test_someone_signed_in_without_admin_rights_is_told_so_without_a_redirect_loop(
    learner: User, client_of: Callable[[User], Client]
) -> None:
    response = client_of(learner).get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "not an administrator" in page
    assert 'action="/accounts/sign-out/"' in page


# -- item 3: slow the guesser, not the owner ----------------------------------------------------------


def test_the_owner_with_a_known_device_signs_in_after_an_attackers_many_failures(
    learner: User, make_user: Callable[..., User]
) -> None:
    owner = known_device("lena")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(40):
        sign_in(attacker, "lena", "wrong")
    # the attacker (or anyone on a device the account does not know) is held, even with the right password
    status, page = sign_in(attacker, "lena", PASSWORD)
    assert status == 429
    assert "passwords for this account" in refusal(page)
    assert sign_in(Client(REMOTE_ADDR="10.2.2.2"), "lena", PASSWORD)[0] == 429
    # the owner's device gets in at once
    assert sign_in(owner, "lena", PASSWORD)[0] == 302
    assert signed_in(owner)


def test_the_known_device_cookie_is_signed_long_lived_and_for_one_account(
    learner: User, make_user: Callable[..., User]
) -> None:
    client = Client(REMOTE_ADDR=OWNER)
    response = client.post("/accounts/sign-in/", {"username": "lena", "password": PASSWORD})
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 90 * 24 * 3600
    assert "lena" not in cookie.value  # it names the account by a digest, not by its username
    # lena's device is no key to mo's account
    make_user("mo")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(20):
        sign_in(attacker, "mo", "wrong")
    client.post("/accounts/sign-out/")
    assert sign_in(client, "mo", PASSWORD)[0] == 429
    # a forged or altered cookie is no key either
    forged = Client(REMOTE_ADDR=OWNER)
    forged.cookies[DEVICE_COOKIE] = cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB")
    assert sign_in(forged, "mo", PASSWORD)[0] == 429
    assert sign_in(forged, "lena", PASSWORD)[0] == 302  # lena was never attacked


def test_a_known_device_is_still_limited_for_its_own_wrong_passwords(learner: User) -> None:
    """On a shared classroom computer the cookie is no free pass for guessing: that device's own failures
    on the account back it off (and nobody else's do)."""
    shared = known_device("lena")
    for _ in range(10):
        assert sign_in(shared, "lena", "wrong")[0] == 200
    status, _page = sign_in(shared, "lena", PASSWORD)
    assert status == 429
    assert not signed_in(shared)
    # the owner's other known device is not held by the shared computer's failures
    assert sign_in(known_device("lena", "10.3.3.3"), "lena", PASSWORD)[0] == 302


def test_an_attackers_address_is_slowed_across_usernames_with_a_growing_delay(
    make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user("real")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for k in range(50):
        assert sign_in(attacker, f"guess-{k}", "wrong")[0] == 200
    status, page = sign_in(attacker, "real", PASSWORD)
    assert status == 429
    line = refusal(page)
    assert "sign-in attempts from this network" in line
    first_wait = wait_seconds(line)
    # another address is not slowed
    assert sign_in(Client(REMOTE_ADDR="10.0.0.9"), "real", PASSWORD)[0] == 302
    # after the wait one more try is let through; another failure makes the next wait longer
    later(monkeypatch, first_wait + 1)
    assert sign_in(attacker, "guess-x", "wrong")[0] == 200
    status, page = sign_in(attacker, "guess-y", "wrong")
    assert status == 429
    assert wait_seconds(refusal(page)) > first_wait


def test_a_known_device_behind_a_slowed_school_address_still_gets_in(
    learner: User, make_user: Callable[..., User]
) -> None:
    """One pupil guessing from the school's shared address must not keep the whole school out."""
    school = "10.8.8.8"
    lena_tablet = known_device("lena", school)
    make_user("mo")
    guesser = Client(REMOTE_ADDR=school)
    for k in range(50):
        sign_in(guesser, f"guess-{k}", "wrong")
    assert sign_in(Client(REMOTE_ADDR=school), "mo", PASSWORD)[0] == 429  # a device mo never used
    assert sign_in(lena_tablet, "lena", PASSWORD)[0] == 302


def test_the_account_back_off_grows_and_ends(learner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(10):
        sign_in(attacker, "lena", "wrong")
    first_wait = wait_seconds(refusal(sign_in(attacker, "lena", "wrong")[1]))
    later(monkeypatch, first_wait + 1)
    assert sign_in(attacker, "lena", "wrong")[0] == 200
    second_wait = wait_seconds(refusal(sign_in(attacker, "lena", PASSWORD)[1]))
    assert second_wait > first_wait
    # after the wait, someone on a new device with the right password gets in
    later(monkeypatch, first_wait + second_wait + 2)
    assert sign_in(Client(REMOTE_ADDR="10.4.4.4"), "lena", PASSWORD)[0] == 302


def test_refusals_are_one_plain_line_saying_when_to_try_again(
    learner: User, make_user: Callable[..., User]
) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(10):
        sign_in(attacker, "lena", "wrong")
    for k in range(50):
        sign_in(Client(REMOTE_ADDR="10.9.9.9"), f"guess-{k}", "wrong")
    pages = [sign_in(attacker, "lena", PASSWORD)[1], sign_in(Client(REMOTE_ADDR="10.9.9.9"), "lena", "x")[1]]
    for page in pages:
        line = refusal(page)
        assert "\n" not in line
        assert line.count(".") <= 2
        assert line.endswith(".")
        assert re.search(r"\bwait \d+ (seconds?|minutes?)\b", line)
        assert "<" not in line
        assert "Traceback" not in page


def test_nothing_is_written_on_a_refused_attempt(learner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(10):
        sign_in(attacker, "lena", "wrong")
    learner.refresh_from_db()
    last_login, audit_rows = learner.last_login, AuditEntry.objects.count()
    first_wait = wait_seconds(refusal(sign_in(attacker, "lena", "wrong")[1]))
    for password in (PASSWORD, "wrong", PASSWORD):
        with CaptureQueriesContext(connection) as queries:
            response = attacker.post("/accounts/sign-in/", {"username": "lena", "password": password})
        assert response.status_code == 429
        writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)]
        assert writes == []
        assert DEVICE_COOKIE not in response.cookies
        assert "sessionid" not in response.cookies
    learner.refresh_from_db()
    assert learner.last_login == last_login
    assert AuditEntry.objects.count() == audit_rows
    # the refused tries did not lengthen the wait
    later(monkeypatch, first_wait + 1)
    assert sign_in(Client(REMOTE_ADDR="10.5.5.5"), "lena", PASSWORD)[0] == 302


def test_failed_and_refused_sign_ins_are_logged(learner: User, caplog: pytest.LogCaptureFixture) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    project_logger = logging.getLogger("learnpath")  # it does not propagate to the root (settings.LOGGING)
    project_logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="learnpath"):
            for _ in range(10):
                sign_in(attacker, "lena\nforged line", "guess-hunter2")
            sign_in(attacker, "lena\nforged line", PASSWORD)
    finally:
        project_logger.removeHandler(caplog.handler)
    failed = [r for r in caplog.records if "sign-in failed" in r.getMessage()]
    refused = [r for r in caplog.records if "sign-in refused" in r.getMessage()]
    assert len(failed) == 10
    assert len(refused) == 1
    assert all(ATTACKER in r.getMessage() and "\n" not in r.getMessage() for r in failed + refused)
    assert PASSWORD not in caplog.text
    assert "hunter2" not in caplog.text
