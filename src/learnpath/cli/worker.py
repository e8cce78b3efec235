"""``learnpath worker``: the background worker (django-q2 on the project's own database)."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

from learnpath.cli.runtime import add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run background jobs: refit every course's learner model, apply retention windows",
        description="Run the background worker until stopped (Ctrl+C or SIGTERM). Its queue and schedule "
        "are tables in learnpath's own database (the embedded SQLite or DATABASE_URL), so nothing else "
        "needs to run. It refits every course's learner model (`learnpath fit --all`) every "
        "--refit-every minutes, starting now, and once a day applies each organisation's retention windows "
        "and finishes any deletion a crash stopped (docs/privacy.md). Run one worker per installation.",
    )
    parser.add_argument(
        "--refit-every",
        type=int,
        default=60,
        metavar="MINUTES",
        help="minutes between refits of every course's learner model (default 60)",
    )
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.refit_every < 1:
        print("learnpath worker: --refit-every must be at least 1 minute", file=sys.stderr)
        return 2
    start_django(args)
    from django_q.cluster import Cluster

    from learnpath.web.coaching.tasks import inbox_digest_schedule_ensure
    from learnpath.web.learning.tasks import refit_schedule_ensure
    from learnpath.web.lti.tasks import grades_schedule_ensure
    from learnpath.web.privacy.tasks import retention_schedule_ensure
    from learnpath.web.xapi.api import schedule_ensure as xapi_schedule_ensure

    refit_schedule_ensure(every_minutes=args.refit_every)
    retention_schedule_ensure(every_hours=24)
    inbox_digest_schedule_ensure(every_hours=24)
    grades_schedule_ensure(every_minutes=5)  # LMS grades owed and not yet accepted (docs/integrations.md)
    xapi_schedule_ensure()  # every minute while LEARNPATH_XAPI_ENDPOINT is set (docs/integrations.md)
    print(
        f"learnpath worker: refitting every course's learner model every {args.refit_every} minutes, "
        "applying retention windows and sending teachers' inbox e-mail daily (Ctrl+C stops it)",
        flush=True,
    )
    cluster = Cluster()
    cluster.start()
    stopping: list[int] = []

    def request_stop(signum: int, frame: Any) -> None:
        stopping.append(signum)

    # The cluster's own handler stops it from inside the signal handler, which hangs when the signal also
    # reached its sentinel process (Ctrl+C, or SIGTERM to the process group): stop here instead.
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    while cluster.sentinel is not None and cluster.sentinel.is_alive() and not stopping:
        time.sleep(0.5)
    if stopping:
        time.sleep(0.5)  # a sentinel that got the signal too is gone by now
        if cluster.sentinel is not None and cluster.sentinel.is_alive():
            cluster.stop()
    print("learnpath worker: stopped", flush=True)
    return 0
