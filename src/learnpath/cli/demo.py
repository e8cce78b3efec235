"""``learnpath demo``: set up the demo course and accounts on the embedded database, then serve."""

from __future__ import annotations

import argparse
from typing import Any

from learnpath.cli.runtime import (
    OperatorProblem,
    add_data_dir_option,
    add_serve_options,
    models_warm,
    port_problem,
    serve_wsgi,
    start_django,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="set up demo data and serve",
        description="Create the database (SQLite in the data folder unless DATABASE_URL is set), import "
        "the demo course, create the demo accounts, print them, and serve learnpath.",
    )
    add_data_dir_option(parser)
    add_serve_options(parser)
    parser.add_argument(
        "--no-serve", action="store_true", help="set up the demo data and print the accounts, then exit"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    problem = None if args.no_serve else port_problem(args.host, args.port)
    if problem is not None:
        raise OperatorProblem(problem)
    start_django(args, demo=True)
    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack
    from learnpath.web.accounts.api import demo_class_learner_usernames
    from learnpath.web.curriculum.api import course_import
    from learnpath.web.demo import demo_ensure

    result = course_import(pack=load_pack(DEMO_PACK_PATH))
    state = "imported" if result.changed else "already up to date"
    print(f"Demo course '{result.course_id}' version {result.version}: {state}.")
    accounts = demo_ensure()
    print("Demo accounts (role, username, password):")
    for account in accounts:
        print(f"  {account.role:<9} {account.username:<16} {account.password}")
    class_learners = demo_class_learner_usernames()
    if class_learners:
        # One line, not one per learner: the four accounts above stay the ones to try first.
        print(
            f"Demo class learners {class_learners[0]} to {class_learners[-1]} "
            "sign in with the same password as the demo accounts."
        )
    if args.no_serve:
        return 0
    models_warm()  # as `learnpath serve` does: ready means the first page is not the one that builds it
    serve_wsgi(host=args.host, port=args.port, threads=args.threads)
    return 0
