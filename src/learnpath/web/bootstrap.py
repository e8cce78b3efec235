"""Start Django from plain Python (the ``learnpath`` command) without ``manage.py``."""

from __future__ import annotations

import os

SETTINGS_MODULE = "learnpath.web.settings"


def setup_django() -> None:
    """Point Django at learnpath's settings (unless already set) and initialise it. Safe to call twice."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def migrate(*, verbosity: int = 0) -> None:
    """Bring the database schema up to date (creating the SQLite file on first use), and make the table of
    the shared cache (settings.CACHES) if it is not there yet."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
    call_command("createcachetable", verbosity=verbosity)
