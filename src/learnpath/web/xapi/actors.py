"""Who a statement says did it: the learner's account, a pseudonym, or nobody (decision 0090).

A learner who consented to research use is sent as ``{"account": {"homePage": <site>, "name": <user
id>}}``. One who did not is sent, as the school configures (``LEARNPATH_XAPI_WITHOUT_CONSENT``), with a
pseudonymous account (the HMAC-SHA256 of the user id with a key only learnpath holds: stable, so one
learner's statements stay together, but the LRS cannot tell who it is) or not at all. No statement ever
carries a name or an e-mail address.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

ANONYMOUS = "anonymous"
SKIP = "skip"
PSEUDONYM_PREFIX = "anon-"


def pseudonym(key: bytes, user_id: int) -> str:
    """The learner's stable pseudonym: ``anon-`` and 32 hex digits of HMAC-SHA256(key, user id)."""
    digest = hmac.new(key, f"learner:{user_id}".encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:32]


def learner_actor(
    *, user_id: int, consented: bool, without_consent: str, home_page: str, key: bytes
) -> dict[str, Any] | None:
    """The statement's actor for this learner, or None when their statements are not sent."""
    if consented:
        name = str(user_id)
    elif without_consent == ANONYMOUS:
        name = pseudonym(key, user_id)
    else:
        return None
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}
