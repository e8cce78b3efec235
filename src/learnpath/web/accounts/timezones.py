"""Times shown in the person's own time zone, or else their school's (issue 11).

Everything is stored in UTC; Django shows an aware time in the *current* time zone, which this middleware
activates for each request of a signed-in person: their own choice (``User.time_zone``, set on their
settings page), else their organisation's (``Organisation.time_zone``), else ``settings.TIME_ZONE``. The
name is kept in the session when the person signs in or changes it, so a page costs no extra query; a
change to the organisation's zone reaches a person at their next sign-in (sessions end after half an hour
idle).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SESSION_ZONE_KEY = "learnpath:time-zone"


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name this machine knows, sorted (the choices of the settings page)."""
    return tuple(sorted(zoneinfo.available_timezones() - {"localtime", "Factory"}))


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if is_time_zone(name) else None
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def time_zone_of(user: Any) -> str:
    """The zone ``user``'s times are shown in: their own, else their organisation's, else the server's."""
    own = getattr(user, "time_zone", "")
    if own and is_time_zone(own):
        return str(own)
    organisation = getattr(user, "organisation", None)
    if organisation is not None and is_time_zone(organisation.time_zone):
        return str(organisation.time_zone)
    return str(settings.TIME_ZONE)


def time_zone_remember(request: HttpRequest, user: Any) -> None:
    """Keep ``user``'s zone in this session (at sign-in, and when they change it)."""
    request.session[SESSION_ZONE_KEY] = time_zone_of(user)


def time_zone_on_sign_in(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    """``user_logged_in`` receiver: the sign-in saves the session anyway."""
    if getattr(request, "session", None) is not None:
        time_zone_remember(request, user)


class ActivateTimeZone:
    """Middleware, after authentication: the signed-in person's zone is the current one for the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated:
            name = request.session.get(SESSION_ZONE_KEY)
            if not isinstance(name, str):  # a session from before zones were kept: once, then remembered
                time_zone_remember(request, user)
                name = request.session[SESSION_ZONE_KEY]
            zone = _zone(name)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
