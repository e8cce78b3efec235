"""The time the practice rules use: the server's UTC clock, movable only in the demo and under tests.

A demo or a browser test has to show what happens days later (a review falling due). Moving the clock is
allowed only when ``settings.DEMO``, ``settings.DEBUG`` or ``settings.TESTING`` is on; in production this
module is exactly ``timezone.now()``. Two ways, both outside HTTP (no endpoint can move the clock):

- the setting ``LEARNPATH_CLOCK_OFFSET_DAYS`` (a number of days, read from the environment at start), and
- a file ``clock-offset-days`` in the data folder holding a number of days, read on every call, so a test
  can move a running demo server's clock forward (tests/browser/test_learner_journey.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

OFFSET_FILE_NAME = "clock-offset-days"


def clock_movable() -> bool:
    """True where moving the clock is allowed: the demo, DEBUG, and the test run."""
    return bool(getattr(settings, "DEMO", False) or settings.DEBUG or getattr(settings, "TESTING", False))


def _file_offset_days() -> float:
    path = Path(settings.DATA_DIR) / OFFSET_FILE_NAME
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return 0.0
    try:
        return float(text)
    except ValueError:
        return 0.0


def offset() -> timedelta:
    """How far the clock is moved (zero in production)."""
    if not clock_movable():
        return timedelta(0)
    days = float(getattr(settings, "LEARNPATH_CLOCK_OFFSET_DAYS", 0) or 0) + _file_offset_days()
    return timedelta(days=days)


def now() -> datetime:
    """The current time in UTC, moved by ``offset()`` where that is allowed."""
    return timezone.now() + offset()
