"""`python -m django check --deploy` is clean with production settings (issue 12): HSTS, the HTTPS redirect
and Secure cookies come from the environment. Settings are read at import, so each check runs in a fresh
interpreter with exactly the operator's environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "learn.school.example",
    "CSRF_TRUSTED_ORIGINS": "https://learn.school.example",
    "LEARNPATH_BEHIND_PROXY": "1",
    "LEARNPATH_SSL_REDIRECT": "1",
    "LEARNPATH_HSTS_SECONDS": "31536000",
    "LEARNPATH_HSTS_INCLUDE_SUBDOMAINS": "1",
    "LEARNPATH_HSTS_PRELOAD": "1",
}

PRINT = (
    "import sys; sys.modules.pop('pytest', None); "
    "from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
    "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
)


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "learnpath.web.settings",
        "LEARNPATH_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = run(["-m", "django", "check", "--deploy", "--fail-level", "DEBUG"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_the_deploy_check_flags_what_is_left_off(tmp_path: Path) -> None:
    """The check is not clean by accident: without HSTS and the redirect it warns about both."""
    env = {key: value for key, value in PRODUCTION.items() if not key.startswith("LEARNPATH_")}
    result = run(["-m", "django", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no HTTPS redirect


def test_the_settings_come_from_the_environment(tmp_path: Path) -> None:
    result = run(["-c", PRINT], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True", "True"]


def test_hsts_and_the_redirect_are_off_unless_asked_for(tmp_path: Path) -> None:
    """HSTS cannot be taken back from browsers that saw it, and a redirect without TLS in front loops: both
    wait for the operator. Cookies are Secure by default outside the demo; LEARNPATH_HTTPS=0 (plain HTTP on
    a school LAN) turns them to plain cookies."""
    result = run(["-c", PRINT], {"SECRET_KEY": "k" * 50}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "False", "False", "False", "True", "True"]
    result = run(["-c", PRINT], {"SECRET_KEY": "k" * 50, "LEARNPATH_HTTPS": "0"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "False", "False", "False", "False", "False"]


def test_plain_http_with_hsts_or_the_redirect_is_refused_at_start(tmp_path: Path) -> None:
    for variable in ("LEARNPATH_SSL_REDIRECT", "LEARNPATH_HSTS_SECONDS"):
        env = {"SECRET_KEY": "k" * 50, "LEARNPATH_HTTPS": "0", variable: PRODUCTION[variable]}
        result = run(["-c", PRINT], env, tmp_path)
        assert result.returncode != 0
        assert f"{variable} needs HTTPS" in result.stderr


def test_the_redirect_leaves_the_health_probe_alone(db: None) -> None:
    from django.test import Client, override_settings

    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()
        response = client.get("/accounts/sign-in/")
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/accounts/sign-in/"
        assert client.get("/health").status_code == 200
