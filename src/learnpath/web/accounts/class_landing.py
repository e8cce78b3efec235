"""Where a learner lands after joining a class with its code: the class's first course, when one says so.

The class's courses are curriculum's and the practice page is learning's, both above accounts. So
accounts does not ask them: learning registers the answer here when the app starts
(``learning.apps.LearningConfig.ready``, decision 0079). Without one, or for a class with no course yet,
the learner lands on the home page, which lists the courses they can see.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

ClassLandingSource = Callable[[int], str | None]
"""The landing page of a class by its id (a URL path), or None for "no course yet"."""

_source: ClassLandingSource | None = None


def class_landing_set(source: ClassLandingSource | None) -> None:
    """Register the one source of class landing pages (None: none). Called once, when the app starts."""
    global _source  # the one registration point, set at app start
    _source = source


def class_landing(class_id: int) -> str:
    """Where a learner who just joined the class goes: the registered source's answer, else home."""
    landing = _source(class_id) if _source is not None else None
    return landing or reverse("home")
