"""New passwords waiting to be shown once on a class sheet, kept only in the teacher's session.

Right after an enrolment or a reset the teacher's next view of the class sheet shows the new passwords,
and that view removes them. Nothing else keeps them in clear text: the database stores only hashes and
the audit log never names a password. An entry not shown within ``MAX_AGE`` is dropped unseen (signing
out drops it too, with the session).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

SESSION_KEY = "accounts.first_passwords"
MAX_AGE = timedelta(minutes=30)


def _fresh(waiting: dict[str, Any], now: datetime) -> dict[str, Any]:
    oldest = (now - MAX_AGE).timestamp()
    return {class_id: entry for class_id, entry in waiting.items() if entry.get("at", 0) >= oldest}


def first_passwords_keep(
    session: MutableMapping[str, Any], *, class_id: int, passwords: Iterable[tuple[str, str]], now: datetime
) -> None:
    """Hold ``(username, password)`` pairs for the next view of the class's sheet."""
    pairs = dict(passwords)
    if not pairs:
        return
    waiting = _fresh(dict(session.get(SESSION_KEY, {})), now)
    entry = waiting.get(str(class_id), {"passwords": {}})
    waiting[str(class_id)] = {"at": now.timestamp(), "passwords": {**entry["passwords"], **pairs}}
    session[SESSION_KEY] = waiting


def first_passwords_take(
    session: MutableMapping[str, Any], *, class_id: int, now: datetime
) -> dict[str, str]:
    """The passwords waiting for the class's sheet, by user name, removed from the session as they go."""
    waiting = _fresh(dict(session.get(SESSION_KEY, {})), now)
    entry = waiting.pop(str(class_id), None)
    if waiting:
        session[SESSION_KEY] = waiting
    else:
        session.pop(SESSION_KEY, None)
    return dict(entry["passwords"]) if entry else {}
