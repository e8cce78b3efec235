"""Pages in the person's own language (issue 11): English and Spanish.

Django's ``LocaleMiddleware`` picks the language of a request from the language switch's cookie, else the
browser's ``Accept-Language``, else ``LANGUAGE_CODE``. For a signed-in person who chose one on the switch
(``User.language``) this middleware, after authentication, makes that the language of every page, on every
device they sign in on. The user row is loaded by authentication anyway, so this costs no query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


def is_language(code: str) -> bool:
    return code in {language for language, _ in settings.LANGUAGES}


class ActivateLanguage:
    """Middleware, after authentication: a signed-in person's saved language is the request's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if chosen and is_language(chosen):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen  # type: ignore[attr-defined]
        return self.get_response(request)
