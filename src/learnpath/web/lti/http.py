"""The HTTP session learnpath uses to call an LMS: every call has a timeout, so a platform that does not
answer makes a worker job fail (and retry later) instead of hanging it."""

from __future__ import annotations

from typing import Any

import requests

from learnpath import __version__

TIMEOUT_SECONDS = 15


class _TimedSession(requests.Session):
    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(method, url, *args, **kwargs)


def lms_session() -> requests.Session:
    """A requests session with a timeout on every call and learnpath's User-Agent."""
    session = _TimedSession()
    session.headers["User-Agent"] = f"learnpath/{__version__} (LTI tool)"
    return session
