"""The privacy app is the top layer: no app calls it. The CLI uses its worker job (``tasks``)."""

from __future__ import annotations

from learnpath.web.privacy import privacy as privacy_provider

__all__ = ["privacy_provider"]
