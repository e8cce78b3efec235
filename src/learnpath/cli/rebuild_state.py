"""``learnpath rebuild-state``: recompute every derived learning table from the event log."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from learnpath.cli.runtime import add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rebuild-state",
        help="recompute skill states and review schedules from the event log",
        description="Replace every table derived from the learners' event log (skill states, review "
        "schedules, resource use) by replaying the log, in one transaction. The result equals what the "
        "live updates wrote.",
    )
    parser.add_argument("--course", default=None, help="only this course (default: every course)")
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.curriculum.api import course_info
    from learnpath.web.learning.api import state_rebuild

    if args.course is not None and course_info(course_id=args.course) is None:
        print(f"error: there is no course '{args.course}'", file=sys.stderr)
        return 1
    started = time.perf_counter()
    report = state_rebuild(course_id=args.course)
    seconds = time.perf_counter() - started
    print(
        f"Rebuilt the derived tables from {report.events} events of {report.learners} learners "
        f"in {seconds:.1f} s."
    )
    if report.skipped_events:
        print(f"Skipped {report.skipped_events} events of courses that no longer exist.")
    return 0
