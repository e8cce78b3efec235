"""Personal data in xapi."""

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
