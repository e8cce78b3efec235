"""Settings read from the environment: secret key, database, demo mode, cookies; and the bootstrap."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PRINT_SETTINGS = (
    "import sys; sys.modules.pop('pytest', None); "
    "from django.conf import settings as s; "
    "db = s.DATABASES['default']; "
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, db['ENGINE'], db['NAME'], s.ALLOWED_HOSTS, len(s.SECRET_KEY))"
)


def run_python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with exactly ``env`` (plus PATH), as an operator would."""
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "learnpath.web.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_python(PRINT_SETTINGS, {"LEARNPATH_DATA_DIR": str(tmp_path)}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "LEARNPATH_DEMO=1" in result.stderr


def test_production_defaults_are_safe(tmp_path: Path) -> None:
    env = {"SECRET_KEY": "x" * 50, "LEARNPATH_DATA_DIR": str(tmp_path / "data")}
    result = run_python(PRINT_SETTINGS, env, tmp_path)
    assert result.returncode == 0, result.stderr
    debug, secure, engine, name, hosts, _ = result.stdout.split(" ", 5)
    assert (debug, secure) == ("False", "True")
    assert engine == "django.db.backends.sqlite3"
    assert name == str(tmp_path / "data" / "learnpath.sqlite3")
    assert "localhost" in hosts


def test_demo_generates_its_secret_key_once_and_keeps_it(tmp_path: Path) -> None:
    env = {"LEARNPATH_DEMO": "1", "LEARNPATH_DATA_DIR": str(tmp_path)}
    first = run_python(PRINT_SETTINGS, env, tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only
    second = run_python(PRINT_SETTINGS, env, tmp_path)
    assert second.returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
    debug, secure = first.stdout.split()[:2]
    assert (debug, secure) == ("False", "False")  # demo: no DEBUG pages, cookies over plain HTTP
    later = run_python(PRINT_SETTINGS, {"LEARNPATH_DATA_DIR": str(tmp_path)}, tmp_path)
    assert later.returncode == 0, later.stderr  # e.g. `learnpath export` on the demo's data directory


def test_database_url_and_allowed_hosts_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://someone@db.example:5432/learnpath",
        "ALLOWED_HOSTS": "learn.example.org, 10.0.0.5",
    }
    result = run_python(PRINT_SETTINGS, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql learnpath ['learn.example.org', '10.0.0.5']" in result.stdout


def test_bootstrap_migrates_a_fresh_sqlite_database_in_wal_mode(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules.pop('pytest', None); "
        "from learnpath.web import bootstrap; bootstrap.migrate(); bootstrap.setup_django(); "
        "from learnpath.web.accounts.api import demo_accounts_ensure; "
        "print(len(demo_accounts_ensure(password='pw-123456789')))"
    )
    result = run_python(code, {"LEARNPATH_DEMO": "1", "LEARNPATH_DATA_DIR": str(tmp_path)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "4"
    database = tmp_path / "learnpath.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT count(*) FROM accounts_user").fetchone() == (4,)


def test_the_data_folder_and_its_database_are_the_owners_only(tmp_path: Path) -> None:
    """The embedded database holds learners' data: its folder is 0700 and its files 0600, also for a
    folder an operator made with the usual 0755 and a database file SQLite created 0644 (issue 12)."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "learnpath.sqlite3").touch()
    (data / "learnpath.sqlite3").chmod(0o644)
    code = (
        "import sys; sys.modules.pop('pytest', None); "
        "from learnpath.web import bootstrap; bootstrap.migrate()"
    )
    result = run_python(code, {"LEARNPATH_DEMO": "1", "LEARNPATH_DATA_DIR": str(data)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert data.stat().st_mode & 0o777 == 0o700
    for path in data.glob("learnpath.sqlite3*"):
        assert path.stat().st_mode & 0o077 == 0, path
    fresh = tmp_path / "fresh"
    result = run_python(code, {"LEARNPATH_DEMO": "1", "LEARNPATH_DATA_DIR": str(fresh)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert fresh.stat().st_mode & 0o777 == 0o700


def test_sqlite_connections_get_a_busy_timeout_and_immediate_transactions() -> None:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite settings only")
    assert database["OPTIONS"]["timeout"] >= 5
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_security_headers_are_set(client: object, db: None) -> None:
    response = client.get("/accounts/sign-in/")  # type: ignore[attr-defined]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_page_has_a_content_security_policy_without_inline_script(client: object, db: None) -> None:
    """django-csp: only this origin's scripts and styles, no inline script or style, no framing (issue 12)."""
    for path in ("/", "/accounts/sign-in/", "/no-such-page/"):
        response = client.get(path)  # type: ignore[attr-defined]
        policy = dict(
            part.strip().split(" ", 1)
            for part in response["Content-Security-Policy"].split(";")
            if part.strip()
        )
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]
