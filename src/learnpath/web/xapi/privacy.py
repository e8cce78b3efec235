"""Personal data in xapi: none held on purpose. Its one table (``LrsCursor``) holds an LRS address, event
ids, counts and the last error: an event id, a statement id, and the validator's rule (which never quotes
a value) or the LRS's reply cut to 300 characters (which an LRS may make quote a pseudonym, a user id or an
answer; cleared by the next success). Statements are built from learning's log when they are sent and are
not stored here (decision 0090). What is sent to the school's LRS is described in docs/integrations.md;
deleting a learner in learnpath does not reach into the LRS."""

from __future__ import annotations

from typing import Any

from learnpath.web.personal_data import PersonalData

PERSONAL_DATA: tuple[PersonalData, ...] = ()


def export(*, user_id: int) -> dict[str, Any]:
    """What xapi holds about the person."""
    return {}


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Delete what xapi holds about the person. Idempotent."""
    return {}
