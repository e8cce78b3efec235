"""Passwords are stored with Argon2id at OWASP's parameters; a hash made with Django's own (heavier)
parameters, as stored before, still signs the person in and is rewritten with the new parameters."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password
from django.test import Client, override_settings

from learnpath.web.accounts.hashing import Argon2idPasswordHasher
from learnpath.web.accounts.models import Organisation, Role, User

pytestmark = pytest.mark.django_db

DEPLOYED = [
    "learnpath.web.accounts.hashing.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_the_settings_store_passwords_with_argon2id_at_owasp_parameters(tmp_path: Path) -> None:
    # the test run itself hashes with MD5 for speed: ask a process outside pytest what a deployment uses
    script = (
        "import django; django.setup(); from django.conf import settings; print(settings.PASSWORD_HASHERS)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "learnpath.web.settings", "LEARNPATH_DEMO": "1"}
    env["LEARNPATH_DATA_DIR"] = str(tmp_path)
    env.pop("DATABASE_URL", None)
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert shown.stdout.strip() == repr(DEPLOYED)
    with override_settings(PASSWORD_HASHERS=DEPLOYED):
        encoded = make_password("correct horse battery")
        params = Argon2idPasswordHasher().decode(encoded)["params"]
        assert encoded.startswith("argon2$argon2id$")
        assert (params.time_cost, params.memory_cost, params.parallelism) == (2, 19456, 1)


@override_settings(PASSWORD_HASHERS=DEPLOYED)
def test_a_hash_with_djangos_parameters_signs_in_and_is_rewritten(
    organisation: Organisation, make_user: Callable[..., User]
) -> None:
    person = make_user("olga", Role.TEACHER, organisation)
    old = Argon2PasswordHasher().encode("an older password", Argon2PasswordHasher().salt())
    User.objects.filter(pk=person.pk).update(password=old)
    assert Argon2PasswordHasher().decode(old)["params"].memory_cost == 102400
    client = Client()
    response = client.post("/accounts/sign-in/", {"username": "olga", "password": "an older password"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.password != old
    assert identify_hasher(person.password).algorithm == "argon2"
    assert Argon2idPasswordHasher().decode(person.password)["params"].memory_cost == 19456
    assert check_password("an older password", person.password)
