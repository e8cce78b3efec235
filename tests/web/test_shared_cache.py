"""Failed-attempt counts are shared by every app process (issue 13): outside the tests they live in the
database cache, so a guesser spreading tries over several workers or machines meets one limit.

The test settings use one process's memory; here the production cache (a table in the database) is
switched on, and each request is served with a fresh cache handler, as if by another process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from learnpath.web.accounts.models import User

PASSWORD = "correct-horse-battery"
DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "learnpath_cache"},
    "worker_status": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "worker"},
}


@pytest.fixture
def database_cache(db: None) -> Iterator[None]:
    with override_settings(CACHES=DATABASE_CACHE):
        call_command("createcachetable", verbosity=0)
        yield


def _another_process() -> None:
    """Forget every cache connection this process holds: the next request builds new ones."""
    caches.close_all()
    for alias in list(settings.CACHES):
        with contextlib.suppress(AttributeError, KeyError):
            del caches[alias]


def test_guesses_spread_over_processes_meet_one_limit(
    database_cache: None, make_user: Callable[..., User]
) -> None:
    make_user("real")
    statuses = []
    for k in range(60):
        _another_process()
        response = Client(REMOTE_ADDR="10.6.6.6").post(
            "/accounts/sign-in/", {"username": f"guess-{k}", "password": "wrong"}
        )
        statuses.append(response.status_code)
    assert 429 in statuses, "no process refused: the counts were not shared"
    _another_process()
    response = Client(REMOTE_ADDR="10.6.6.6").post(
        "/accounts/sign-in/", {"username": "real", "password": PASSWORD}
    )
    assert response.status_code == 429
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM learnpath_cache")
        assert cursor.fetchone()[0] > 0
