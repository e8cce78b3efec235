"""Passwords are stored with Argon2id at OWASP's parameters; a hash made with Django's own (heavier)
parameters, as stored before, still signs the person in and is rewritten with the new parameters."""

from __future__ import annotations

from collections.abc import Callable

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


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters() -> None:
    # that a deployment lists this hasher first: test_staff_accounts.py (PRODUCTION_HASHERS)
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
