"""Sessions that end after a while without use, for shared school computers (decision 0074).

A session lives ``SESSION_COOKIE_AGE`` seconds (``LEARNPATH_SESSION_IDLE_MINUTES``) from its last save, and
its cookie ends with the browser (``SESSION_EXPIRE_AT_BROWSER_CLOSE``). Each request of a signed-in person
renews it, but at most once every ``RENEW_EVERY`` seconds: Django's ``SESSION_SAVE_EVERY_REQUEST`` would
write the session row on every page and API call, and on SQLite every write takes the one write lock that
answers being recorded also need. A session therefore ends between ``RENEW_EVERY`` seconds before and the
moment the idle timeout has passed since the last request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

RENEWED_KEY = "learnpath:session-renewed"
RENEW_EVERY = 60  # seconds


def session_renewed_mark(session: Any) -> None:
    """Note in ``session`` that it is being saved now, which (re)starts its idle timeout."""
    session[RENEWED_KEY] = int(timezone.now().timestamp())


def session_renewed_on_sign_in(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """``user_logged_in`` receiver: the sign-in saves the session anyway, so mark it renewed."""
    session = getattr(request, "session", None)
    if session is not None:
        session_renewed_mark(session)


class IdleSessionRenewal:
    """Middleware, after the session and authentication middleware: a signed-in person's request renews
    their session when the last renewal is ``RENEW_EVERY`` seconds old or more."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            renewed = session.get(RENEWED_KEY)
            now = int(timezone.now().timestamp())
            if not isinstance(renewed, int) or now - renewed >= RENEW_EVERY:
                session_renewed_mark(session)  # modified: the session middleware saves it
        return self.get_response(request)
