"""Talking to the LRS: POST a batch of statements to its statements resource (xAPI 1.0.3, part three,
section 2.1), with HTTP basic authentication. Standard library only: one request per batch."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

XAPI_VERSION = "1.0.3"
MAX_REPLY = 300


@dataclass(frozen=True)
class LrsReply:
    """What the LRS said. ``accepted``: stored (200, or 204 when every statement was there already).
    ``transient``: try again later (no answer, 5xx, 408, 429). Otherwise it refused the batch (4xx);
    ``status`` and ``message`` say why (``conflict`` for 409: a different statement has one of the ids)."""

    accepted: bool
    transient: bool
    status: int
    message: str

    @property
    def conflict(self) -> bool:
        return self.status == 409


def _headers(username: str, password: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Experience-API-Version": XAPI_VERSION,
        "User-Agent": "learnpath-xapi",
    }
    if username or password:
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    return headers


def statements_post(
    url: str, statements: list[dict[str, Any]], *, username: str, password: str, timeout: float
) -> LrsReply:
    """POST ``statements`` to ``url`` (the LRS's ``…/statements``) and say how it went; never raises for
    what the network or the LRS does."""
    body = json.dumps(statements, separators=(",", ":")).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers=_headers(username, password))  # noqa: S310 - the operator's LRS address
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - as above
            response.read()
            return LrsReply(accepted=True, transient=False, status=response.status, message="")
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")[:MAX_REPLY].strip()
        transient = error.code >= 500 or error.code in (408, 429)
        return LrsReply(accepted=False, transient=transient, status=error.code, message=text or error.reason)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        return LrsReply(accepted=False, transient=True, status=0, message=str(reason)[:MAX_REPLY])
