"""A second factor for teachers and admins (issue 12, "Staff accounts"; decision 0080).

TOTP (RFC 6238) with django-otp and one-time recovery codes. With enforcement on (the default outside the
demo), a teacher or admin who signed in with a password is sent to set up a second factor before any other
page, /admin/ included, and one who has one must give a code before the session counts as verified. Wrong
codes count against the sign-in back-off. Learners and guardians are never asked. Enrolment, verification,
recovery-code use and resets are audited.

Codes are computed here from the secret the page shows, as an authenticator app does (HOTP of the 30-second
step, RFC 6238 section 4), at a fixed time: the clock is moved, never waited for.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from learnpath.web.accounts.models import AuditEntry, Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
START = 1_796_000_000.0  # a fixed moment (in December 2026); every test moves the clock from here
ENROL = "/accounts/second-factor/enrol/"
VERIFY = "/accounts/second-factor/verify/"
RECOVERY = "/accounts/second-factor/recovery/"
HOME = "/accounts/second-factor/"


class Clock:
    """time.time, fixed at ``START`` and moved only by ``advance`` (TOTP and the back-off both read it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr(time, "time", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def enforced(settings: Any) -> None:
    """Enforcement as outside the demo (the test run keeps it off unless a test turns it on)."""
    settings.SECOND_FACTOR_REQUIRED = True


def code_at(secret: bytes, when: float) -> str:
    """The 6-digit code an authenticator app shows at ``when`` (RFC 6238: HOTP of floor(t / 30))."""
    return f"{hotp(secret, int(when // 30)):06d}"


def sign_in(client: Client, username: str, next_url: str = "") -> str:
    """Sign in with the password through the sign-in page; return where it sends the browser."""
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post("/accounts/sign-in/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return str(response["Location"])


def secret_on(page: str) -> bytes:
    """The secret the enrolment page shows for typing into an app by hand (base32, in groups of four)."""
    match = re.search(r'data-testid="second-factor-secret">([A-Z2-7 ]+)<', page)
    assert match, "no secret on the page"
    return base64.b32decode(match.group(1).replace(" ", ""))


def recovery_codes_on(page: str) -> list[str]:
    return re.findall(r'data-testid="recovery-code">([a-z2-7]{4}-[a-z2-7]{4})<', page)


def enrol(client: Client, clock: Clock) -> tuple[bytes, list[str]]:
    """Set up the app for the signed-in person; return the secret and the recovery codes shown."""
    page = client.get(ENROL).content.decode()
    secret = secret_on(page)
    response = client.post(ENROL, {"code": code_at(secret, clock.now)})
    assert response.status_code == 302, response.content.decode()[:800]
    codes_page = client.get(response["Location"])
    assert codes_page.status_code == 200
    codes = recovery_codes_on(codes_page.content.decode())
    assert len(codes) == 10
    return secret, codes


def enrolled(user: User, clock: Clock) -> tuple[bytes, list[str]]:
    """``user`` with a second factor set up (in a session of its own, signed out since)."""
    client = Client()
    sign_in(client, user.username)
    found = enrol(client, clock)
    client.post("/accounts/sign-out/")
    clock.advance(30)  # the next code an app shows; a code is never taken twice
    return found


def audit_actions(user: User) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="user", target_id=str(user.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def refusal(page: str) -> str:
    match = re.search(r'data-testid="second-factor-throttled">\s*<p>([^<]*)</p>', page)
    assert match, "no refusal on the page"
    return match.group(1)


# -- who is asked --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("enforced")
@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_staff_without_a_device_are_sent_to_enrol_before_any_other_page(
    members: dict[str, User], course: str, role: str
) -> None:
    client = Client()
    landing = sign_in(client, members[role].username, next_url="/classes/")
    assert landing == "/classes/"
    for url in ["/", "/classes/", f"/courses/{course}/", "/accounts/settings/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{ENROL}?next={url}", url
    # The admin's own sign-in address leads to the same place, never to the admin.
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response["Location"].startswith(ENROL)
    # The REST API answers with a plain refusal instead of a page.
    api = client.get("/api/courses")
    assert api.status_code == 403
    assert "second factor" in api.json()["detail"]
    assert client.get(ENROL).status_code == 200
    assert client.post("/accounts/sign-out/").status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("enforced")
def test_a_session_from_before_the_upgrade_is_sent_too(
    teacher: User, client_of: Callable[[User], Client]
) -> None:
    response = client_of(teacher).get("/classes/")
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=/classes/"


@pytest.mark.usefixtures("enforced")
@pytest.mark.parametrize("role", ["learner", "guardian"])
def test_learners_and_guardians_never_see_it(members: dict[str, User], role: str) -> None:
    client = Client()
    assert sign_in(client, members[role].username) == "/"
    assert client.get("/").status_code == 200
    assert client.get("/accounts/settings/").status_code == 200
    assert "second-factor" not in client.get("/accounts/settings/").content.decode()
    for url in [HOME, ENROL, VERIFY, RECOVERY, "/accounts/second-factor/recovery-codes/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(ENROL, {"code": "123456"}).status_code == 404
    assert not TOTPDevice.objects.exists()


def test_enforcement_is_off_in_the_test_run_unless_a_test_turns_it_on(
    teacher: User, admin_user: User, course: str
) -> None:
    from django.conf import settings

    assert settings.SECOND_FACTOR_REQUIRED is False
    for user, url in [(teacher, "/classes/"), (admin_user, "/admin/")]:
        client = Client()
        sign_in(client, user.username)
        assert client.get(url).status_code == 200


def _required_in(env: dict[str, str], tmp_path: Path) -> str:
    code = (
        "import sys; sys.modules.pop('pytest', None); "
        "from django.conf import settings as s; print(s.SECOND_FACTOR_REQUIRED)"
    )
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "learnpath.web.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "LEARNPATH_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_enforcement_is_on_by_default_and_off_in_the_demo(tmp_path: Path) -> None:
    production = {"SECRET_KEY": "x" * 50}
    assert _required_in(production, tmp_path) == "True"
    assert _required_in({**production, "LEARNPATH_REQUIRE_SECOND_FACTOR": "0"}, tmp_path) == "False"
    assert _required_in({"LEARNPATH_DEMO": "1"}, tmp_path) == "False"
    assert _required_in({"LEARNPATH_DEMO": "1", "LEARNPATH_REQUIRE_SECOND_FACTOR": "1"}, tmp_path) == "True"


def test_with_enforcement_off_staff_are_not_sent_but_a_factor_once_set_up_is_asked_for(
    teacher: User, clock: Clock
) -> None:
    client = Client()
    sign_in(client, teacher.username)
    assert client.get("/classes/").status_code == 200  # not sent to enrol
    assert client.get(HOME).status_code == 200
    secret, _ = enrolled(teacher, clock)
    client = Client()
    sign_in(client, teacher.username, next_url="/classes/")
    response = client.get("/classes/")
    assert response["Location"] == f"{VERIFY}?next=/classes/"
    response = client.post(f"{VERIFY}?next=/classes/", {"code": code_at(secret, clock.now)})
    assert response["Location"] == "/classes/"
    assert client.get("/classes/").status_code == 200


# -- enrolling and signing in with a code --------------------------------------------------------------------


@pytest.mark.usefixtures("enforced")
def test_enrol_with_a_code_from_the_app_then_every_page_opens(admin_user: User, clock: Clock) -> None:
    client = Client()
    sign_in(client, admin_user.username)
    response = client.get(f"{ENROL}?next=/admin/")
    page = response.content.decode()
    assert response.status_code == 200
    secret = secret_on(page)
    assert len(secret) == 20  # 160 bits, RFC 4226's recommended length
    # The QR code is drawn on the server, an SVG in the page; no script or style in the page itself.
    assert re.search(r'<svg[^>]*class="qr-code"[^>]*role="img"', page)
    assert "<script" not in page
    assert " style=" not in page
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    assert '<label for="second-factor-code"' in page
    # Nothing is stored until the code is right.
    assert not TOTPDevice.objects.exists()

    response = client.post(f"{ENROL}?next=/admin/", {"code": code_at(secret, clock.now), "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/recovery-codes/?next=/admin/"
    codes_page = client.get(response["Location"]).content.decode()
    codes = recovery_codes_on(codes_page)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert 'href="/admin/"' in codes_page
    # Shown once.
    again = client.get("/accounts/second-factor/recovery-codes/")
    assert recovery_codes_on(again.content.decode()) == []

    assert client.get("/admin/").status_code == 200
    assert client.get("/").status_code == 200
    device = TOTPDevice.objects.get(user=admin_user)
    assert device.confirmed
    assert base64.b32encode(device.bin_key) == base64.b32encode(secret)
    assert StaticToken.objects.filter(device__user=admin_user).count() == 10
    assert audit_actions(admin_user)[-1] == "user.second_factor_enrol"
    entry = AuditEntry.objects.get(action="user.second_factor_enrol")
    assert entry.actor == admin_user
    assert entry.details == {"recovery_codes": 10}


@pytest.mark.usefixtures("enforced")
def test_a_wrong_code_at_enrolment_stores_nothing(teacher: User, clock: Clock) -> None:
    client = Client()
    sign_in(client, teacher.username)
    secret = secret_on(client.get(ENROL).content.decode())
    wrong = f"{(int(code_at(secret, clock.now)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 400
    page = response.content.decode()
    assert "That code is not right" in page
    assert secret_on(page) == secret  # the same secret: the app already has it
    assert not TOTPDevice.objects.exists()
    assert client.get("/classes/").status_code == 302
    response = client.post(ENROL, {"code": code_at(secret, clock.now)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=teacher, confirmed=True).count() == 1


@pytest.mark.usefixtures("enforced")
@pytest.mark.parametrize("role", ["teacher", "admin"])
def test_staff_with_a_device_give_a_code_before_the_session_counts(
    members: dict[str, User], clock: Clock, role: str
) -> None:
    user = members[role]
    secret, _ = enrolled(user, clock)
    client = Client()
    sign_in(client, user.username, next_url="/admin/")
    for url in ["/", "/classes/", "/admin/", "/admin/accounts/auditentry/"]:
        response = client.get(url)
        assert response["Location"] == f"{VERIFY}?next={url}", url
    assert client.get(ENROL)["Location"].startswith(VERIFY)  # no second app without the first
    page = client.get(f"{VERIFY}?next=/admin/").content.decode()
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    response = client.post(f"{VERIFY}?next=/admin/", {"code": code_at(secret, clock.now), "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/classes/").status_code == 200
    expected_admin = 200 if role == "admin" else 302
    assert client.get("/admin/").status_code == expected_admin
    entry = AuditEntry.objects.filter(action="user.second_factor_verify").get()
    assert entry.actor == user
    assert entry.target_id == str(user.pk)
    assert entry.details == {"method": "app"}


@pytest.mark.usefixtures("enforced")
def test_a_code_is_taken_once(teacher: User, clock: Clock) -> None:
    secret, _ = enrolled(teacher, clock)
    code = code_at(secret, clock.now)
    first, second = Client(), Client()
    for client in (first, second):
        sign_in(client, teacher.username)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    assert second.post(VERIFY, {"code": code}).status_code == 400
    clock.advance(30)
    assert second.post(VERIFY, {"code": code_at(secret, clock.now)}).status_code == 302


@pytest.mark.usefixtures("enforced")
def test_the_next_address_stays_on_this_site(teacher: User, clock: Clock) -> None:
    secret, _ = enrolled(teacher, clock)
    client = Client()
    sign_in(client, teacher.username)
    response = client.post(VERIFY, {"code": code_at(secret, clock.now), "next": "https://evil.example/"})
    assert response["Location"] == "/"


# -- wrong codes are slowed like wrong passwords -------------------------------------------------------------


@pytest.mark.usefixtures("enforced")
def test_wrong_codes_are_refused_counted_and_slowed_like_wrong_passwords(teacher: User, clock: Clock) -> None:
    secret, _ = enrolled(teacher, clock)
    client = Client()
    sign_in(client, teacher.username)  # from a device the account knows now (its cookie)
    right = code_at(secret, clock.now)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for _ in range(5):
        response = client.post(VERIFY, {"code": wrong})
        assert response.status_code == 400
        assert "That code is not right" in response.content.decode()
    # Five free; then each wrong code makes the next try wait, doubling. The right code is not even checked.
    response = client.post(VERIFY, {"code": right})
    assert response.status_code == 429
    assert refusal(response.content.decode()) == (
        "Too many wrong codes for this account in a short time. Please wait 30 seconds and try again."
    )
    assert client.get("/classes/").status_code == 302
    clock.advance(31)
    assert client.post(VERIFY, {"code": wrong}).status_code == 400
    response = client.post(VERIFY, {"code": code_at(secret, clock.now)})
    assert response.status_code == 429
    assert "wait 1 minute" in refusal(response.content.decode())
    # Four more wrong codes (after each wait): ten wrong secrets from this device, the sign-in's own
    # allowance, so a password from this device now waits as well.
    waits = [61, 121, 241, 481]
    for wait in waits:
        clock.advance(wait)
        assert client.post(VERIFY, {"code": wrong}).status_code == 400
    client.post("/accounts/sign-out/")
    response = client.post("/accounts/sign-in/", {"username": teacher.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many wrong passwords on this device" in response.content.decode()
    # After the wait the right code gets in, and clears the count.
    clock.advance(15 * 60 + 1)
    sign_in(client, teacher.username)
    response = client.post(VERIFY, {"code": code_at(secret, clock.now)})
    assert response.status_code == 302
    assert client.get("/classes/").status_code == 200
    assert not AuditEntry.objects.filter(action__contains="fail").exists()


@pytest.mark.usefixtures("enforced")
def test_a_new_device_cookie_does_not_reset_the_count_of_wrong_codes(teacher: User, clock: Clock) -> None:
    """Someone who knows the password cannot sign in afresh (a new device cookie) for more free guesses."""
    secret, _ = enrolled(teacher, clock)
    right = code_at(secret, clock.now)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for _ in range(5):
        client = Client(REMOTE_ADDR="10.6.6.6")
        sign_in(client, teacher.username)
        assert client.post(VERIFY, {"code": wrong}).status_code == 400
    client = Client(REMOTE_ADDR="10.6.6.7")
    sign_in(client, teacher.username)
    assert client.post(VERIFY, {"code": right}).status_code == 429


# -- recovery codes ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("enforced")
def test_a_recovery_code_works_once(teacher: User, clock: Clock) -> None:
    _, codes = enrolled(teacher, clock)
    client = Client()
    sign_in(client, teacher.username, next_url="/classes/")
    page = client.get(f"{RECOVERY}?next=/classes/").content.decode()
    assert '<label for="second-factor-recovery-code"' in page
    response = client.post(f"{RECOVERY}?next=/classes/", {"code": codes[3].upper(), "next": "/classes/"})
    assert response.status_code == 302
    assert response["Location"] == "/classes/"
    assert client.get("/classes/").status_code == 200
    entry = AuditEntry.objects.filter(action="user.second_factor_verify").get()
    assert entry.details == {"method": "recovery_code", "recovery_codes_left": 9}
    assert "9 recovery codes left" in client.get(HOME).content.decode()

    again = Client()
    sign_in(again, teacher.username)
    response = again.post(RECOVERY, {"code": codes[3]})
    assert response.status_code == 400
    assert "That recovery code is not right" in response.content.decode()
    assert again.get("/classes/").status_code == 302
    assert again.post(RECOVERY, {"code": codes[4].replace("-", "")}).status_code == 302


@pytest.mark.usefixtures("enforced")
def test_new_recovery_codes_replace_the_old_ones(teacher: User, clock: Clock) -> None:
    secret, old = enrolled(teacher, clock)
    client = Client()
    sign_in(client, teacher.username)
    client.post(VERIFY, {"code": code_at(secret, clock.now)})
    response = client.post("/accounts/second-factor/recovery-codes/new/")
    assert response["Location"] == "/accounts/second-factor/recovery-codes/"
    new = recovery_codes_on(client.get(response["Location"]).content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert audit_actions(teacher)[-1] == "user.second_factor_recovery_codes_new"
    other = Client()
    sign_in(other, teacher.username)
    assert other.post(RECOVERY, {"code": old[0]}).status_code == 400
    assert other.post(RECOVERY, {"code": new[0]}).status_code == 302


# -- resetting: oneself, or an admin for another member of staff ---------------------------------------------


@pytest.mark.usefixtures("enforced")
def test_a_teacher_resets_their_own_factor_and_sets_it_up_again(teacher: User, clock: Clock) -> None:
    secret, _ = enrolled(teacher, clock)
    client = Client()
    sign_in(client, teacher.username)
    # Not without a code first.
    response = client.post("/accounts/second-factor/reset/")
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=teacher).exists()
    client.post(VERIFY, {"code": code_at(secret, clock.now)})
    response = client.post("/accounts/second-factor/reset/")
    assert response["Location"] == ENROL
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert not StaticDevice.objects.filter(user=teacher).exists()
    assert client.get("/classes/")["Location"] == f"{ENROL}?next=/classes/"
    entry = AuditEntry.objects.filter(action="user.second_factor_reset").get()
    assert entry.actor == teacher
    assert entry.target_id == str(teacher.pk)
    clock.advance(30)
    enrol(client, clock)
    assert client.get("/classes/").status_code == 200


@pytest.mark.usefixtures("enforced")
def test_an_admin_removes_a_teachers_factor(
    teacher: User, admin_user: User, make_user: Callable[..., User], clock: Clock
) -> None:
    teacher_secret, _ = enrolled(teacher, clock)
    admin_secret, _ = enrolled(admin_user, clock)
    other_teacher = make_user("tina", Role.TEACHER)
    _, _ = enrolled(other_teacher, clock)

    # A teacher can neither list staff nor remove a colleague's factor.
    colleague = Client()
    sign_in(colleague, other_teacher.username)
    colleague.post(RECOVERY, {"code": StaticToken.objects.filter(device__user=other_teacher).first().token})  # type: ignore[union-attr]
    assert colleague.get("/accounts/second-factor/staff/").status_code == 404
    assert colleague.post(f"/accounts/second-factor/staff/{teacher.pk}/reset/").status_code == 404
    assert TOTPDevice.objects.filter(user=teacher).exists()

    admin = Client()
    sign_in(admin, admin_user.username)
    admin.post(VERIFY, {"code": code_at(admin_secret, clock.now)})
    page = admin.get("/accounts/second-factor/staff/").content.decode()
    assert teacher.username in page
    assert other_teacher.username in page
    response = admin.post(f"/accounts/second-factor/staff/{teacher.pk}/reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    entry = AuditEntry.objects.filter(action="user.second_factor_reset").get()
    assert entry.actor == admin_user
    assert entry.target_id == str(teacher.pk)
    # A learner is no staff member: nothing to remove.
    learner = make_user("lena2", Role.LEARNER)
    assert admin.post(f"/accounts/second-factor/staff/{learner.pk}/reset/").status_code == 404

    # The teacher's next sign-in sets up a new one.
    client = Client()
    sign_in(client, teacher.username)
    assert client.get("/classes/")["Location"] == f"{ENROL}?next=/classes/"
    assert teacher_secret


# -- the Django admin ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("enforced")
def test_the_admin_needs_a_verified_session_and_hides_the_devices(admin_user: User, clock: Clock) -> None:
    secret, _ = enrolled(admin_user, clock)
    client = Client()
    sign_in(client, admin_user.username, next_url="/admin/")
    assert client.get("/admin/")["Location"] == f"{VERIFY}?next=/admin/"
    assert client.get("/admin/accounts/user/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_at(secret, clock.now)})
    page = client.get("/admin/").content.decode()
    # Devices hold secrets and are removed only through the audited page, never the admin.
    assert "otp_totp" not in page
    assert "otp_static" not in page
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
