"""``learnpath roster``: import a school's roster from its information system (OneRoster 1.1 or 1.2 CSV)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from learnpath.cli.runtime import OperatorProblem, add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "roster",
        help="import a school's classes, learners and teachers from a OneRoster CSV roster",
        description="Read a OneRoster 1.1 or 1.2 roster (a folder or a .zip of CSV files with manifest.csv, "
        "or a folder of the REST API's JSON collections: users.json, classes.json…) and say "
        "what importing it into the organisation would change, and every problem, row by row. Nothing "
        "changes without --apply, and --apply changes nothing while a row has an error. Importing the same "
        "roster again changes nothing; people and classes the roster no longer lists are kept.",
    )
    parser.add_argument(
        "source",
        type=Path,
        help="the roster: a folder of CSV files, a .zip of them, or a folder of REST JSON files",
    )
    parser.add_argument(
        "--organisation", required=True, help="the learnpath organisation's slug (its school)"
    )
    parser.add_argument("--school", default="", help="the school's sourcedId, when the roster has several")
    parser.add_argument(
        "--match-usernames",
        action="store_true",
        help="link a person to an account of the organisation with the same username and role, instead of "
        "refusing the username as taken",
    )
    parser.add_argument("--apply", action="store_true", help="make the changes (default: only say them)")
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start_django(args)
    from django.utils import timezone

    from learnpath.web.accounts import api as accounts_api
    from learnpath.web.accounts.models import Organisation
    from learnpath.web.accounts.oneroster_csv import RosterUnreadable
    from learnpath.web.accounts.rostering import RosterRefused

    try:
        plan = accounts_api.roster_import(
            source=args.source,
            organisation_slug=args.organisation,
            school=args.school,
            match_usernames=args.match_usernames,
            apply=False,
            now=timezone.now(),
        )
    except RosterUnreadable as error:
        raise OperatorProblem(f"{error}.") from error
    except Organisation.DoesNotExist as error:
        known = ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
        raise OperatorProblem(
            f"there is no organisation {args.organisation!r} (there are: {known}); an administrator makes "
            "organisations in the admin site"
        ) from error
    for line in plan.lines():
        print(line)
    errors = len(plan.errors)
    print(
        f"{plan.changes} change(s) into {plan.organisation}"
        + (f" (school {plan.school})" if plan.school else "")
        + f"; {errors} row(s) with an error."
    )
    if errors:
        print("Nothing was changed: fix the rows above and run this again.", file=sys.stderr)
        return 1
    if not args.apply:
        print("Nothing was changed: run again with --apply to make these changes.")
        return 0
    try:
        applied = accounts_api.roster_import(
            source=args.source,
            organisation_slug=args.organisation,
            school=args.school,
            match_usernames=args.match_usernames,
            apply=True,
            now=timezone.now(),
        )
    except RosterRefused as error:
        print(f"{error}.", file=sys.stderr)
        return 1
    print(f"Done: {applied.changes} change(s) made.")
    return 0
