"""One log line per request, and a request id on every log line written while it is served.

Each request gets an id: the ``X-Request-ID`` its proxy sent (when it looks like one: 8 to 64 letters,
digits, ``-`` or ``_``), else a new one. The response carries it back in ``X-Request-ID``, so a person who
reports a problem can quote it and an operator can find every line about that request, in whichever app
process served it.

With ``LEARNPATH_LOG_FORMAT=json`` (the production default, see settings) each line is one JSON object, for
log collectors; the plain format stays for a person at a terminal. The line names the view's route
(``/learn/<course_id>/``), never the filled-in path, so no join code, token or name reaches the log.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("learnpath.request")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("learnpath_request_id", default="")
_GIVEN_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "(no route)"
    return "/" + str(match.route).lstrip("^").rstrip("$")


class RequestLogMiddleware:
    """Give the request its id, time it, log it in one line (status, duration, route, method)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            milliseconds = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s %s %.1f ms",
                request.method,
                _route(request),
                response.status_code,
                milliseconds,
                extra={
                    "method": request.method,
                    "route": _route(request),
                    "status": response.status_code,
                    "duration_ms": round(milliseconds, 1),
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in person's id, or None; also None when reading the session fails (the database is
    down: the line and the request id must still be written)."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:
        return None


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request id, the record's
    extra fields, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                document[key] = value
        if record.exc_info:
            document["traceback"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=False)
