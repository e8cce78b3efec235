"""``learnpath xapi``: where delivery of xAPI statements to the school's LRS stands, and its controls."""

from __future__ import annotations

import argparse
from typing import Any

from learnpath.cli.runtime import add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "xapi",
        help="xAPI statements to the school's LRS: status, send now, resume after a stop",
        description="learnpath sends learners' answers, hints, mastery changes, reviews and placements to "
        "the LRS at $LEARNPATH_XAPI_ENDPOINT as xAPI statements; the worker does it every minute and soon "
        "after each event. `status` shows how far it got, the backlog and the last error; `send` sends "
        "now; `resume` restarts a delivery stopped by a refused or invalid statement (after fixing the "
        "cause); `skip` leaves the stopped event out and goes on. See docs/integrations.md.",
    )
    parser.add_argument("action", choices=("status", "send", "resume", "skip"), nargs="?", default="status")
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def _when(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "never"


def run(args: argparse.Namespace) -> int:
    start_django(args)
    from learnpath.web.xapi import api as xapi_api

    if args.action == "send":
        report = xapi_api.deliver()
        print(report.line())
        return 0 if report.outcome in ("sent", "up_to_date") else 1
    if args.action in ("resume", "skip"):
        print(xapi_api.resume(skip=args.action == "skip"))
        return 0
    status = xapi_api.delivery_status()
    if status.problem:
        print(f"xAPI delivery: on, but nothing can be sent: {status.problem}")
        return 1
    if not status.on:
        print("xAPI delivery: off. Set LEARNPATH_XAPI_ENDPOINT to turn it on (docs/integrations.md).")
        return 0
    state = (
        f"stopped at event {status.stopped_at_event_id}"
        if status.stopped_at_event_id is not None
        else f"backing off until {_when(status.next_attempt_at)}"
        if status.next_attempt_at is not None
        else "running"
    )
    print(f"xAPI delivery to {status.endpoint}: {state}")
    print(f"  delivered up to event {status.last_event_id} (newest event {status.newest_event_id})")
    print(f"  backlog: {status.backlog} events")
    print(f"  statements sent: {status.statements_sent}")
    print(f"  last success: {_when(status.last_success_at)}")
    if status.last_error:
        print(f"  failed attempts in a row: {status.attempts}")
        print(f"  last error ({_when(status.last_error_at)}): {status.last_error}")
    return 1 if status.stopped_at_event_id is not None else 0
