"""Readable generated passwords: one generator (accounts.passwords) for enrolment, resets and the demo."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.test import Client

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts import passwords
from learnpath.web.accounts.models import Organisation, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.coaching.roster_csv import roster_parse

pytestmark = pytest.mark.django_db

# Characters people confuse when they read a password off paper or a screen and type it: none of these...
NEVER = "0Oo1lIij5Ss2Zz"
# ...and at most one of each of these groups.
CONFUSABLE_GROUPS = ("8B", "6bG", "9gqQ", "uvV", "rn", "7T", "4A")
SHAPE = re.compile(r"^[a-z0-9]{4}(-[a-z0-9]{4}){2,}$")


def test_the_alphabet_has_no_look_alike_characters_and_no_capitals() -> None:
    alphabet = passwords.READABLE_ALPHABET
    assert set(alphabet).isdisjoint(NEVER)
    for group in CONFUSABLE_GROUPS:
        assert len(set(group) & set(alphabet)) <= 1, group
    assert alphabet == alphabet.lower()
    assert len(set(alphabet)) == len(alphabet), "no repeated symbol: each one carries full entropy"
    # none of the multi-letter look-alikes can be formed: rn/m, vv/w, cl/d
    assert not {"r", "v", "l"} & set(alphabet)


def test_the_documented_entropy_is_at_least_fifty_bits() -> None:
    symbols = passwords.GROUPS * passwords.GROUP_LENGTH
    bits = symbols * math.log2(len(passwords.READABLE_ALPHABET))
    assert pytest.approx(bits) == passwords.ENTROPY_BITS
    assert bits >= 50


def test_generated_passwords_use_only_the_alphabet_in_dash_separated_groups() -> None:
    for _ in range(200):
        password = passwords.password_generate()
        assert SHAPE.match(password), password
        assert set(password.replace("-", "")) <= set(passwords.READABLE_ALPHABET)
        assert len(password) == passwords.GROUPS * (passwords.GROUP_LENGTH + 1) - 1


def test_generated_passwords_differ_and_use_the_whole_alphabet() -> None:
    seen = [passwords.password_generate() for _ in range(500)]
    assert len(set(seen)) == len(seen)
    assert set("".join(seen).replace("-", "")) == set(passwords.READABLE_ALPHABET)


def test_generated_passwords_come_from_the_secrets_module(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def choice(alphabet: str) -> str:
        calls.append(alphabet)
        return alphabet[0]

    monkeypatch.setattr(passwords.secrets, "choice", choice)
    password = passwords.password_generate()
    assert len(calls) == passwords.GROUPS * passwords.GROUP_LENGTH
    assert password == "-".join([passwords.READABLE_ALPHABET[0] * passwords.GROUP_LENGTH] * passwords.GROUPS)


def test_generated_passwords_pass_the_installed_password_validators(learner: User) -> None:
    for _ in range(20):
        validate_password(passwords.password_generate(), user=learner)


def test_the_api_offers_the_same_generator() -> None:
    assert SHAPE.match(accounts_api.password_generate())


def test_enrolment_gives_new_learners_readable_first_passwords(
    teacher: User, organisation: Organisation, client: Client
) -> None:
    klass = coaching_services.class_create(teacher=teacher, name="7B maths")
    roster = roster_parse(b"username,display_name\namira.k,Amira K.\nben.o,Ben O.\n")
    result = coaching_services.class_roster_enrol(
        class_id=klass.id, organisation_id=organisation.pk, rows=roster.rows, actor=teacher
    )
    assert len(result.created) == 2
    for username, password in result.created:
        assert SHAPE.match(password), password
        assert (
            client.post("/accounts/sign-in/", {"username": username, "password": password}).status_code == 302
        )
        client.post("/accounts/sign-out/")


def test_the_generated_demo_password_is_readable(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    (account, *_) = accounts_api.demo_accounts_ensure()
    assert SHAPE.match(account.password), account.password
    assert (tmp_path / "demo_password").read_text() == account.password


def test_the_demo_class_learners_sign_in_with_the_demo_password(
    settings: Any, tmp_path: Path, client: Client
) -> None:
    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.demo import demo_ensure

    settings.DATA_DIR = tmp_path
    curriculum_api.course_import(pack=load_pack(DEMO_PACK_PATH))
    password = demo_ensure()[0].password
    class_learners = accounts_api.demo_class_learner_usernames()
    assert len(class_learners) == 14
    assert class_learners[0] == "demo-class-01"
    for username in (class_learners[0], class_learners[-1]):
        response = client.post("/accounts/sign-in/", {"username": username, "password": password})
        assert response.status_code == 302, username
        client.post("/accounts/sign-out/")
    # a second run (the next `learnpath demo`) changes nothing and signs nobody out
    before = User.objects.get(username="demo-class-01").password
    demo_ensure()
    assert User.objects.get(username="demo-class-01").password == before


def test_learnpath_demo_prints_how_the_demo_class_learners_sign_in(
    settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from learnpath.cli import demo

    settings.DATA_DIR = tmp_path
    # Django is already set up (pytest-django): only the set-up and the printing run here, no server.
    monkeypatch.setattr(demo, "start_django", lambda args, demo: None)
    demo.run(argparse.Namespace(no_serve=True))
    output = capsys.readouterr().out
    password = (tmp_path / "demo_password").read_text()
    assert re.search(r"^\s+learner\s+demo-learner\s+" + re.escape(password) + r"\s*$", output, re.M)
    line = next(line for line in output.splitlines() if "demo-class-01" in line)
    assert "demo-class-14" in line
    # the browser tests read the four demo accounts with this pattern: the new line must not match it
    assert not re.match(r"^\s+(learner|teacher|guardian|admin)\s+(\S+)\s+(\S+)\s*$", line)


def test_serving_outside_demo_mode_turns_the_demo_accounts_off(
    db: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`learnpath serve` outside demo mode: the demo accounts, whose shared password `learnpath demo`
    printed, cannot sign in; said in one line; `learnpath demo` turns them on again (issue 12)."""
    import argparse

    from django.contrib.auth import authenticate

    from learnpath.cli import serve

    accounts = accounts_api.demo_accounts_ensure(password="demo-pass-1234")
    assert authenticate(username="demo-admin", password="demo-pass-1234") is not None
    monkeypatch.setattr(serve, "start_django", lambda args, migrate: None)
    monkeypatch.setattr(serve, "_metrics_dir", lambda: None)
    monkeypatch.setattr(serve, "static_collect", lambda: None)
    monkeypatch.setattr(serve, "models_warm", lambda: None)
    monkeypatch.setattr(serve, "_serve_gunicorn", lambda **kwargs: None)
    monkeypatch.setattr(serve, "serve_wsgi", lambda **kwargs: None)
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    args = argparse.Namespace(data_dir=None, no_migrate=True, host="127.0.0.1", port=0, threads=1, workers=1)
    assert serve.run(args) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "turned off 4 demo accounts" in out
    for account in accounts:
        assert authenticate(username=account.username, password="demo-pass-1234") is None
    assert serve.run(args) == 0
    assert capsys.readouterr().out == ""  # nothing left to turn off
    accounts_api.demo_accounts_ensure(password="demo-pass-1234")
    assert authenticate(username="demo-admin", password="demo-pass-1234") is not None
