"""Failed-attempt limits at the HTTP level: sign-in per account and per address, class join codes and
guardian codes. Past a limit even the right secret is refused (so guessing cannot go on), the page says
how long to wait, nothing changes, and the wait's end lets people in again. Sign-in's back-off and the
known-device cookie that passes it are tested in test_sign_in_limits.py."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.web import throttle
from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import GuardianLink, Organisation, Role, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.coaching.selectors import join_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LIMIT = throttle.SIGN_IN_PER_ACCOUNT.free


def sign_in(client: Client, username: str, password: str) -> tuple[int, str]:
    response = client.post("/accounts/sign-in/", {"username": username, "password": password})
    return response.status_code, response.content.decode()


def later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the clock the throttle and the cache read (time.time) forward by ``seconds``."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + seconds)


def test_an_unknown_device_is_held_after_ten_wrong_passwords_even_with_the_right_one(
    learner: User, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """For a device the account does not know: the account's failures make it wait (a growing back-off,
    no longer a 15-minute lockout; a known device's correct password passes, see test_sign_in_limits)."""
    for _ in range(LIMIT):
        assert sign_in(Client(), "lena", "wrong")[0] == 200
    status, page = sign_in(Client(), "lena", PASSWORD)
    assert status == 429
    assert "Too many wrong passwords for this account" in page
    wait = throttle.SIGN_IN_PER_ACCOUNT.first_wait
    assert f"wait {wait} seconds" in page
    assert 'data-testid="sign-in-throttled"' in page
    assert 'value="lena"' in page  # the username stays filled in
    # the same account in other letter case is the same account to the limit
    assert sign_in(Client(), " LENA ", PASSWORD)[0] == 429
    # another account is not affected
    make_user("mo")
    assert sign_in(Client(), "mo", PASSWORD)[0] == 302
    # when the wait has passed, the right password works again
    later(monkeypatch, wait + 1)
    assert sign_in(Client(), "lena", PASSWORD)[0] == 302


def test_a_successful_sign_in_clears_the_accounts_failures(learner: User) -> None:
    for _ in range(LIMIT - 1):
        sign_in(Client(), "lena", "wrong")
    assert sign_in(Client(), "lena", PASSWORD)[0] == 302
    for _ in range(LIMIT - 1):
        sign_in(Client(), "lena", "wrong")
    assert sign_in(Client(), "lena", PASSWORD)[0] == 302


def test_one_address_trying_many_accounts_is_held(make_user: Callable[..., User]) -> None:
    make_user("real")
    per_address = throttle.SIGN_IN_PER_ADDRESS.free
    for k in range(per_address):
        assert sign_in(Client(), f"guess-{k}", "wrong")[0] == 200
    status, page = sign_in(Client(), "real", PASSWORD)
    assert status == 429
    assert "Too many wrong sign-in attempts from this network" in page
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert sign_in(other_address, "real", PASSWORD)[0] == 302


@pytest.mark.parametrize(
    "username",
    ["x" * 100_000, "lena\x00", "<script>alert(1)</script>", "' OR 1=1 --", "ünïcødé 🦊", ""],
)
def test_hostile_usernames_are_counted_and_change_nothing(learner: User, username: str) -> None:
    for _ in range(LIMIT):
        status, page = sign_in(Client(), username, "wrong")
        assert status in (200, 429)
        assert "<script>alert(1)</script>" not in page
    assert sign_in(Client(), username, "wrong")[0] == 429
    assert sign_in(Client(), "lena", PASSWORD)[0] == 302  # the real account was never touched


def test_join_codes_are_held_after_ten_wrong_tries(
    teacher: User,
    learner: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    klass = coaching_services.class_create(teacher=teacher, name="7B maths")
    code = join_code(class_id=klass.id)
    assert code is not None
    client = client_of(learner)
    for k in range(throttle.JOIN_CODE_PER_USER.attempts):
        page = client.post("/classes/join/", {"code": f"WRONG{k:03d}"}, follow=True).content.decode()
        assert "No class has that code" in page
    page = client.post("/classes/join/", {"code": code.code}, follow=True).content.decode()
    assert "Too many wrong join codes in a short time" in page
    assert accounts_api.class_learners(class_id=klass.id) == []
    # another learner with the right code joins
    client_of(make_user("mia", Role.LEARNER, organisation)).post("/classes/join/", {"code": code.code})
    assert [p.username for p in accounts_api.class_learners(class_id=klass.id)] == ["mia"]


def test_guardian_codes_are_held_after_ten_wrong_tries(
    learner: User, guardian: User, client_of: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client_of(learner).post("/me/sharing/", {"action": "code"}).content.decode()
    match = re.search(r'data-testid="guardian-code">([A-Z0-9-]+)<', page)
    assert match
    client = client_of(guardian)
    for k in range(throttle.GUARDIAN_CODE_PER_USER.attempts):
        client.post("/guardian/", {"code": f"NOPE-{k:04d}"})
    page = client.post("/guardian/", {"code": match.group(1)}, follow=True).content.decode()
    assert "Too many wrong codes in a short time" in page
    assert not GuardianLink.objects.filter(guardian=guardian, learner=learner).exists()
    later(monkeypatch, throttle.GUARDIAN_CODE_PER_USER.window + 1)
    response = client.post("/guardian/", {"code": match.group(1)})
    assert response["Location"] == f"/guardian/learners/{learner.pk}/"
    assert GuardianLink.objects.filter(guardian=guardian, learner=learner).exists()


def test_parallel_failures_all_count() -> None:
    from concurrent.futures import ThreadPoolExecutor

    limit = throttle.Limit("test-parallel", attempts=200, window=60)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: throttle.failed(limit, "who"), range(200)))
    with pytest.raises(throttle.Throttled):
        throttle.check(limit, "who", "tries")
    throttle.cleared(limit, "who")
    throttle.check(limit, "who", "tries")


def test_behind_a_proxy_the_address_the_proxy_appended_counts(
    make_user: Callable[..., User], settings: Any
) -> None:
    make_user("real")
    settings.BEHIND_PROXY = True
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    for k in range(throttle.SIGN_IN_PER_ADDRESS.free):
        # a forged first address changes nothing: the proxy's own entry is last
        attacker.defaults["HTTP_X_FORWARDED_FOR"] = f"9.9.9.{k % 250}, 203.0.113.7"
        sign_in(attacker, f"guess-{k}", "wrong")
    assert sign_in(attacker, "real", PASSWORD)[0] == 429
    # another client behind the same proxy is not held
    neighbour = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert sign_in(neighbour, "real", PASSWORD)[0] == 302
