"""Template context every page gets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from learnpath import __version__


def site(request: HttpRequest) -> dict[str, Any]:
    """The demo flag (for the banner) and the version (for the footer)."""
    return {"demo_mode": settings.DEMO, "learnpath_version": __version__}
