"""``learnpath fit``: fit a course's learner model on its own log, and serve it if it is no worse."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from learnpath.cli.runtime import add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fit",
        help="fit a course's learner model on its own answers",
        description="Fit the default learner model (StackedKT: item difficulties, per-skill parameters and "
        "the blend) on the course's own event log, validate it on the most recent answers held out by "
        "time, store it as a new model version, and serve it if its held-out log loss is no worse than "
        "the model in use. A course with fewer answers than --min-answers keeps its model. The worker "
        "(`learnpath worker`) runs the same job on a schedule. See docs/learner-model.md.",
    )
    parser.add_argument("course", nargs="?", help="the course id (see `learnpath export --help`)")
    parser.add_argument("--all", action="store_true", help="fit every course, one after another")
    parser.add_argument(
        "--min-answers",
        type=int,
        default=None,
        help="answers a course needs before a fit (default $LEARNPATH_FIT_MIN_ANSWERS or 5000)",
    )
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if bool(args.course) == bool(args.all):
        print("learnpath fit: name one course, or give --all", file=sys.stderr)
        return 2
    if args.min_answers is not None and args.min_answers < 1:
        print("learnpath fit: --min-answers must be at least 1", file=sys.stderr)
        return 2
    start_django(args)
    from django.conf import settings

    from learnpath.web.learning.fitting import NoSuchCourse, model_fit, refit_all, report_line

    minimum = args.min_answers or settings.LEARNPATH_FIT_MIN_ANSWERS
    try:
        reports = (
            [model_fit(course_id=args.course, min_answers=minimum)]
            if args.course
            else refit_all(min_answers=minimum)
        )
    except NoSuchCourse as error:
        print(f"learnpath fit: {error}", file=sys.stderr)
        return 1
    for report in reports:
        print(report_line(report))
    return 0
