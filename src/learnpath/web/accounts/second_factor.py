"""A second factor for teachers and admins: an authenticator app (TOTP, RFC 6238, with django-otp) and ten
one-time recovery codes (django-otp's static device). See docs/decisions/0080-second-factor.md.

- **Who.** Teachers, admins and anyone with admin-site rights (``second_factor_applies``); learners and
  guardians never see these pages (404).
- **When.** With ``SECOND_FACTOR_REQUIRED`` (on outside the demo) the middleware ``SecondFactorRequired``
  sends a signed-in member of staff whose session is not verified to set up the app, or to give a code if
  they have one, before any other page, the Django admin included; the REST API answers 403. With it off,
  only a person who has set up an app is asked, after signing in with a password (``second_factor_signed_in``
  marks the session). A session is verified by django-otp's ``OTPMiddleware`` (``user.is_verified()``).
- **Guessing.** A wrong code counts against the sign-in back-off as a wrong password does (per network
  address, per account or known device, decision 0073), and against a per-account back-off of its own that
  neither a known-device cookie nor a new password sign-in clears: knowing the password gives no more
  guesses. A refusal is one line with the wait (429); the code is not checked and nothing is counted.
- **Audit.** Enrolment, each verification, new recovery codes and every reset write their audit row in the
  service's transaction (accounts.services ``second_factor_*``).
"""

from __future__ import annotations

import base64
import logging
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, path, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from learnpath.web import throttle
from learnpath.web.accounts import access, services
from learnpath.web.accounts.known_devices import known_device_id
from learnpath.web.accounts.models import Role, User

logger = logging.getLogger(__name__)

PENDING_SESSION_KEY = "learnpath:second-factor-pending"  # signed in with a password; a code is owed
# The secret being set up, until its first code (the name of a session key, not a secret).
SECRET_SESSION_KEY = "learnpath:second-factor-secret"  # noqa: S105
CODES_SESSION_KEY = "learnpath:second-factor-codes"  # new recovery codes, shown once

# Wrong codes per account, whatever the device: a known-device cookie and a fresh password sign-in both
# come with the password, so neither may buy more guesses. About 100 a day at most once past the free five;
# with three codes valid at a time out of a million, a guesser's chance is about 1 in 3,000 a day.
SECOND_FACTOR_PER_ACCOUNT = throttle.Backoff(
    "second-factor-account", free=5, first_wait=30, longest_wait=15 * 60, memory=3600
)
WRONG_CODE = "That code is not right. Type the 6 digits your authenticator app shows now."
WRONG_RECOVERY_CODE = "That recovery code is not right, or it has been used. Each recovery code works once."
NOT_VERIFIED_API = (
    "Give your second factor first: open the site in a browser, sign in, and type the code from your "
    "authenticator app."
)


def second_factor_applies(user: Any) -> bool:
    """Whether ``user`` signs in with a second factor: decided in ``access.access_needs_second_factor``."""
    return access.access_needs_second_factor(user)


def _has_app(user: Any) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def second_factor_signed_in(request: HttpRequest) -> None:
    """Called by the sign-in page after a correct password: a member of staff who has set up an app owes a
    code before this session counts, even where enforcement is off (the middleware reads the mark)."""
    if second_factor_applies(request.user) and _has_app(request.user):
        request.session[PENDING_SESSION_KEY] = True


# -- enforcement ---------------------------------------------------------------------------------------------

# What an unverified member of staff may still open: these pages and signing out.
OPEN_BEFORE_VERIFIED = frozenset(
    {
        "accounts:sign-out",
        "accounts:second-factor-enrol",
        "accounts:second-factor-verify",
        "accounts:second-factor-recovery",
        "health",
    }
)


def _with_next(name: str, next_url: str = "") -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url}, safe='/')}" if next_url else url


class SecondFactorRequired:
    """Sends a member of staff whose session is not verified to the second-factor pages.

    Asked: with ``SECOND_FACTOR_REQUIRED``, every signed-in member of staff; without it, those whose sign-in
    marked the session (they have an app). A page request is redirected (GET and HEAD keep their address
    as ``next``), an API request gets 403 with a line saying what to do. Learners and guardians, and every
    request when nothing is owed, pass without a query."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not second_factor_applies(user):
            return self.get_response(request)
        required = settings.SECOND_FACTOR_REQUIRED
        if not (required or request.session.get(PENDING_SESSION_KEY)) or user.is_verified():  # type: ignore[union-attr]
            return self.get_response(request)
        try:
            if resolve(request.path_info).view_name in OPEN_BEFORE_VERIFIED:
                return self.get_response(request)
        except Resolver404:
            pass
        has_app = _has_app(user)
        if not required and not has_app:  # marked, but the app was removed since: nothing is owed
            request.session.pop(PENDING_SESSION_KEY, None)
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": NOT_VERIFIED_API}, status=403)
        target = "accounts:second-factor-verify" if has_app else "accounts:second-factor-enrol"
        next_url = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        return redirect(_with_next(target, next_url))


# -- the back-off, shared with the sign-in page --------------------------------------------------------------


def _account(user: Any) -> str:
    return str(user.get_username()).strip().casefold()[:300]  # as the sign-in page keys it


def _wait(request: HttpRequest, user: Any) -> str:
    """The refusal line if this try must wait, else "". Reads only."""
    account = _account(user)
    device_id = known_device_id(request, account=account)
    try:
        throttle.backoff_check(SECOND_FACTOR_PER_ACCOUNT, account, "codes for this account")
        if device_id is None:
            address = throttle.client_address(request)
            throttle.backoff_check(
                throttle.SIGN_IN_PER_ADDRESS, address, "sign-in attempts from this network"
            )
            throttle.backoff_check(
                throttle.SIGN_IN_PER_ACCOUNT, account, "codes and passwords for this account"
            )
        else:
            throttle.backoff_check(
                throttle.SIGN_IN_PER_DEVICE, f"{account}\0{device_id}", "codes and passwords on this device"
            )
    except throttle.Throttled as error:
        logger.warning(
            "second factor refused for %r from %s: %s", account[:150], request.META.get("REMOTE_ADDR"), error
        )
        return str(error)
    return ""


def _failed(request: HttpRequest, user: Any) -> None:
    account = _account(user)
    address = throttle.client_address(request)
    device_id = known_device_id(request, account=account)
    logger.info(
        "second factor failed for %r from %s (%s device)",
        account[:150],
        address,
        "unknown" if device_id is None else "known",
    )
    throttle.backoff_failed(SECOND_FACTOR_PER_ACCOUNT, account)
    throttle.backoff_failed(throttle.SIGN_IN_PER_ADDRESS, address)
    if device_id is None:
        throttle.backoff_failed(throttle.SIGN_IN_PER_ACCOUNT, account)
    else:
        throttle.backoff_failed(throttle.SIGN_IN_PER_DEVICE, f"{account}\0{device_id}")


def _succeeded(request: HttpRequest, user: Any, device: Any) -> None:
    """Clear the counts a correct code earns back, and verify this session with ``device``."""
    account = _account(user)
    throttle.backoff_cleared(SECOND_FACTOR_PER_ACCOUNT, account)
    device_id = known_device_id(request, account=account)
    if device_id is not None:
        throttle.backoff_cleared(throttle.SIGN_IN_PER_DEVICE, f"{account}\0{device_id}")
    request.session.cycle_key()  # more rights from here on: a new session key, as at sign-in
    django_otp.login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)


# -- pages ---------------------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Any:
    if not second_factor_applies(request.user):
        raise Http404("A second factor is for teachers and administrators.")
    return request.user


def _next_url(request: HttpRequest) -> str:
    """Where to go afterwards: ``next`` if it is an address on this site, else the home page."""
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _qr_svg(text: str) -> str:
    """``text`` as a QR code: an SVG drawn here (qrcode), one path, no script and no style attribute, so it
    sits in the page under the Content-Security-Policy and needs no other request."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    svg = image.get_image()
    for size in ("width", "height"):
        svg.attrib.pop(size, None)  # sized by accounts/second_factor.css
    svg.set("class", "qr-code")
    svg.set("role", "img")
    svg.set("aria-label", "QR code of your secret, for an authenticator app to scan")
    return ET.tostring(svg, encoding="unicode")


def _grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def _digits(value: str) -> str:
    return "".join(value.split()).replace("-", "")[:12]


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), then type the code it shows.
    Nothing is stored until that code is right; then ten recovery codes are shown once."""
    user = _staff(request)
    next_url = _next_url(request)
    if _has_app(user):
        if user.is_verified():
            return redirect("accounts:second-factor")
        return redirect(_with_next("accounts:second-factor-verify", next_url))
    key = request.session.get(SECRET_SESSION_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = services.second_factor_secret_new()
        request.session[SECRET_SESSION_KEY] = key
    context: dict[str, Any] = {"next": next_url, "error": "", "throttled": ""}
    status = 200
    if request.method == "POST":
        context["throttled"] = _wait(request, user)
        if context["throttled"]:
            status = 429
        else:
            result = services.second_factor_enrol(
                user=user, key=key, code=_digits(str(request.POST.get("code", "")))
            )
            if result is None:
                _failed(request, user)
                context["error"], status = WRONG_CODE, 400
            else:
                device, codes = result
                del request.session[SECRET_SESSION_KEY]
                _succeeded(request, user, device)
                request.session[CODES_SESSION_KEY] = codes
                return redirect(_with_next("accounts:second-factor-codes", next_url))
    secret = base64.b32encode(bytes.fromhex(key)).decode()
    context["secret"] = _grouped(secret)
    context["qr_svg"] = _qr_svg(TOTPDevice(user=user, key=key).config_url)
    return render(request, "accounts/second_factor_enrol.html", context, status=status)


def _code_page(request: HttpRequest, *, recovery: bool) -> HttpResponse:
    user = _staff(request)
    next_url = _next_url(request)
    if not _has_app(user):
        return redirect(_with_next("accounts:second-factor-enrol", next_url))
    if user.is_verified():
        return redirect(next_url)
    context: dict[str, Any] = {"next": next_url, "error": "", "throttled": "", "recovery": recovery}
    status = 200
    if request.method == "POST":
        context["throttled"] = _wait(request, user)
        if context["throttled"]:
            status = 429
        else:
            code = _digits(str(request.POST.get("code", "")))
            device = services.second_factor_verify(
                user=user, code=code.lower() if recovery else code, recovery=recovery
            )
            if device is None:
                _failed(request, user)
                context["error"], status = (WRONG_RECOVERY_CODE if recovery else WRONG_CODE), 400
            else:
                _succeeded(request, user, device)
                return redirect(next_url)
    return render(request, "accounts/second_factor_verify.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app."""
    return _code_page(request, recovery=False)


@login_required
@require_http_methods(["GET", "POST"])
def recovery(request: HttpRequest) -> HttpResponse:
    """After the password, without the phone: one of the recovery codes, which then stops working."""
    return _code_page(request, recovery=True)


@login_required
@require_GET
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, once: a reload shows them no more."""
    _staff(request)
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if not isinstance(codes, list) or not codes:
        return redirect("accounts:second-factor")
    shown = [f"{code[:4]}-{code[4:]}" for code in codes]
    return render(request, "accounts/second_factor_codes.html", {"codes": shown, "next": _next_url(request)})


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """One's own second factor: whether it is set up, recovery codes left, new codes, start again."""
    user = _staff(request)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    context = {
        "device": device,
        "codes_left": StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
        "required": settings.SECOND_FACTOR_REQUIRED,
        "is_admin": access.access_is_platform_admin(user),
    }
    return render(request, "accounts/second_factor_home.html", context)


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    """Ten new recovery codes (the old ones stop working); only in a session verified with a code."""
    user = _staff(request)
    if not _has_app(user):
        return redirect("accounts:second-factor-enrol")
    if not user.is_verified():
        return redirect(_with_next("accounts:second-factor-verify", reverse("accounts:second-factor")))
    request.session[CODES_SESSION_KEY] = services.second_factor_recovery_codes_new(user=user)
    return redirect("accounts:second-factor-codes")


@login_required
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    """Remove one's own app and recovery codes (a new phone), then set up again; only in a session verified
    with a code, so a password alone cannot take the factor off."""
    user = _staff(request)
    if _has_app(user) and not user.is_verified():
        return redirect(_with_next("accounts:second-factor-verify", reverse("accounts:second-factor")))
    services.second_factor_remove(user=user, actor=user)
    request.session.pop(SECRET_SESSION_KEY, None)
    return redirect("accounts:second-factor-enrol")


def _admin(request: HttpRequest) -> Any:
    if not access.access_is_platform_admin(request.user):
        raise Http404("Only administrators remove another person's second factor.")
    return request.user


def _staff_members() -> Any:
    return User.objects.filter(
        Q(role__in=[Role.TEACHER, Role.ADMIN]) | Q(is_staff=True) | Q(is_superuser=True), is_active=True
    )


STAFF_SHOWN = 100


@login_required
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    """For administrators: members of staff and whether each has a second factor, to remove one for a
    person who lost their phone and their recovery codes. One query, at most ``STAFF_SHOWN`` rows."""
    _admin(request)
    query = str(request.GET.get("q", "")).strip()[:150]
    people = _staff_members().annotate(
        has_app=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )
    if query:
        people = people.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    rows = list(people.order_by("username")[: STAFF_SHOWN + 1])
    context = {"rows": rows[:STAFF_SHOWN], "more": len(rows) > STAFF_SHOWN, "q": query}
    return render(request, "accounts/second_factor_staff.html", context)


@login_required
@require_POST
def staff_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator removes a member of staff's second factor (audited); they set up a new one at their
    next page. Anyone else, or a person who is not staff, gets 404."""
    admin = _admin(request)
    person = get_object_or_404(_staff_members(), pk=user_id)
    if services.second_factor_remove(user=person, actor=admin):
        messages.success(
            request,
            gettext("The second factor of %(name)s is removed. They set up a new one next.")
            % {"name": person.username},
        )
    else:
        messages.info(request, gettext("%(name)s had no second factor.") % {"name": person.username})
    return redirect("accounts:second-factor-staff")


# Included from accounts/urls.py under accounts/second-factor/, in the accounts namespace.
urlpatterns = [
    path("", home, name="second-factor"),
    path("enrol/", enrol, name="second-factor-enrol"),
    path("verify/", verify, name="second-factor-verify"),
    path("recovery/", recovery, name="second-factor-recovery"),
    path("recovery-codes/", recovery_codes, name="second-factor-codes"),
    path("recovery-codes/new/", recovery_codes_new, name="second-factor-codes-new"),
    path("reset/", reset, name="second-factor-reset"),
    path("staff/", staff, name="second-factor-staff"),
    path("staff/<int:user_id>/reset/", staff_reset, name="second-factor-staff-reset"),
]
