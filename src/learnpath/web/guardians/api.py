"""What other apps may use from guardians: plain functions returning plain data (OEP-49)."""

from __future__ import annotations

from learnpath.web.accounts.api import PersonInfo
from learnpath.web.guardians import privacy as privacy_provider
from learnpath.web.guardians import selectors

__all__ = ["linked_learners", "privacy_provider"]


def linked_learners(*, guardian_id: int) -> list[PersonInfo]:
    """The learners a guardian is actively linked to (consent given, not withdrawn)."""
    return selectors.linked_learners(guardian_id=guardian_id)
