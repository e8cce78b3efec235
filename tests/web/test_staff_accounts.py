"""Staff accounts (issues 11 and 12): passwords hashed with Argon2, older PBKDF2 hashes upgraded at sign-in,
and sessions that end after a while without use and when the browser closes (shared school computers).

Tests keep their fast MD5 hasher (settings, TESTING); the production hashers are read in a fresh
interpreter without pytest, and the upgrade at sign-in runs with them switched on for that one test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learnpath.web.accounts.models import Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"

PRODUCTION_HASHERS = [
    "learnpath.web.accounts.hashing.Argon2idPasswordHasher",
    # Every learnpath database made before argon2 holds Django's default PBKDF2 hashes.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

PRINT = (
    "import sys; sys.modules.pop('pytest', None); "
    "from django.conf import settings as s; "
    "print(s.PASSWORD_HASHERS); print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, "
    "'learnpath.web.accounts.sessions.IdleSessionRenewal' in s.MIDDLEWARE)"
)


def production_settings(env: dict[str, str], cwd: Path) -> list[str]:
    """The lines ``PRINT`` writes, read by a fresh interpreter without pytest, as an operator's server."""
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "learnpath.web.settings",
        "SECRET_KEY": "k" * 50,
        "LEARNPATH_DATA_DIR": str(cwd / "data"),
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        env=clean,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


# -- passwords -------------------------------------------------------------------------------------------


def test_production_hashes_new_passwords_with_argon2_and_still_reads_pbkdf2(tmp_path: Path) -> None:
    hashers, _ = production_settings({}, tmp_path)
    assert hashers == repr(PRODUCTION_HASHERS)


def test_the_test_run_keeps_its_fast_hasher() -> None:
    from django.conf import settings

    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
@pytest.mark.parametrize("role", [Role.TEACHER, Role.ADMIN])
def test_a_pbkdf2_hash_still_signs_in_and_is_upgraded_to_argon2(role: str) -> None:
    user = User.objects.create(username="staff", role=role, is_staff=role == Role.ADMIN)
    # As an account made before argon2 was the first hasher: Django's PBKDF2 hash.
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    client = Client()
    response = client.post("/accounts/sign-in/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)
    # The upgraded session is still valid on the next page (its hash matches the new one).
    assert client.get("/accounts/password/").status_code == 200


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_a_wrong_password_leaves_the_old_hash_alone() -> None:
    user = User.objects.create(username="staff", role=Role.TEACHER)
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.password = old
    user.save(update_fields=["password"])
    response = Client().post("/accounts/sign-in/", {"username": "staff", "password": "not-it-at-all"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password == old


# -- sessions that end ------------------------------------------------------------------------------------


def test_production_sessions_end_after_30_idle_minutes_and_at_browser_close(tmp_path: Path) -> None:
    _, sessions = production_settings({}, tmp_path)
    assert sessions == "1800 True True"


def test_the_idle_timeout_comes_from_the_environment(tmp_path: Path) -> None:
    _, sessions = production_settings({"LEARNPATH_SESSION_IDLE_MINUTES": "10"}, tmp_path)
    assert sessions == "600 True True"


@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_a_nonsense_idle_timeout_is_refused_at_start(tmp_path: Path, value: str) -> None:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "learnpath.web.settings",
        "SECRET_KEY": "k" * 50,
        "LEARNPATH_DATA_DIR": str(tmp_path / "data"),
        "LEARNPATH_SESSION_IDLE_MINUTES": value,
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "LEARNPATH_SESSION_IDLE_MINUTES" in result.stderr


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """``clock(minutes)`` moves Django's clock (timezone.now, which sessions read) forward, cumulatively."""
    real_now = timezone.now
    offset = [timedelta(0)]

    def now() -> datetime:
        return real_now() + offset[0]

    monkeypatch.setattr(timezone, "now", now)

    def forward(minutes: float) -> None:
        offset[0] += timedelta(minutes=minutes)

    return forward


def is_signed_in(client: Client) -> bool:
    response = client.get("/accounts/password/")
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/sign-in/")
        return False
    assert response.status_code == 200
    return True


@pytest.mark.parametrize("role", [Role.TEACHER, Role.GUARDIAN, Role.ADMIN, Role.LEARNER])
def test_a_session_ends_after_the_idle_timeout_and_each_request_renews_it(
    make_user: Callable[..., User], clock: Callable[[float], None], role: str
) -> None:
    from django.conf import settings

    idle_minutes = settings.SESSION_COOKIE_AGE / 60
    assert idle_minutes == 30  # the default the tests run with
    make_user("someone", role)
    client = Client()
    response = client.post("/accounts/sign-in/", {"username": "someone", "password": PASSWORD})
    assert response.status_code == 302

    # Used every 25 minutes, the session lasts well past 30 minutes from sign-in.
    for _ in range(3):
        clock(25)
        assert is_signed_in(client)
    # Left alone for longer than the timeout, it has ended: the next page asks to sign in.
    clock(idle_minutes + 1)
    assert not is_signed_in(client)


def test_requests_within_a_minute_do_not_write_the_session(
    make_user: Callable[..., User], clock: Callable[[float], None]
) -> None:
    """Renewal writes the session row at most once a minute, not on every page (one SQLite write lock)."""
    make_user("someone", Role.TEACHER)
    client = Client()
    client.post("/accounts/sign-in/", {"username": "someone", "password": PASSWORD})

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert is_signed_in(client)
        return sum(
            1
            for query in queries.captured_queries
            if "django_session" in query["sql"] and not query["sql"].lstrip().upper().startswith("SELECT")
        )

    clock(0.5)
    assert session_writes() == 0
    clock(0.6)  # more than a minute since the sign-in
    assert session_writes() == 1
    assert session_writes() == 0


def test_the_session_cookie_ends_with_the_browser(make_user: Callable[..., User]) -> None:
    make_user("someone", Role.TEACHER)
    client = Client()
    response = client.post("/accounts/sign-in/", {"username": "someone", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie.value
    assert not cookie["max-age"]
    assert not cookie["expires"]
