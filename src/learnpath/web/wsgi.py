"""WSGI entry point: ``learnpath.web.wsgi:application`` (waitress, gunicorn)."""

from __future__ import annotations

import os

# Placement (engine.placement) multiplies small matrices on every answer; OpenBLAS's threads only contend
# for them (about 8x slower on 2 cores, docs/decisions/0050), and a web server runs requests in parallel
# anyway. Must be set before numpy loads, so it comes before Django (and the engine) are imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnpath.web.settings")

application = get_wsgi_application()
