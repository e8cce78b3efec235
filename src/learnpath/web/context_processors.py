"""Template context every page gets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from learnpath import __version__
from learnpath.web.accounts import api as accounts_api
from learnpath.web.coaching import api as coaching_api


def site(request: HttpRequest) -> dict[str, Any]:
    """The demo flag (for the banner), the version (for the footer) and, for a teacher, how many items are
    new in their inbox (the menu's in-app notice; counted only when a page shows the menu)."""
    context: dict[str, Any] = {"demo_mode": settings.DEMO, "learnpath_version": __version__}
    user = getattr(request, "user", None)
    if user is not None and accounts_api.user_is_teacher(user):
        context["inbox_new"] = SimpleLazyObject(
            lambda: coaching_api.inbox_new_count(teacher=user, now=timezone.now())
        )
    return context
