"""``learnpath serve``: serve learnpath with the configured database."""

from __future__ import annotations

import argparse
from typing import Any

from learnpath.cli.runtime import add_data_dir_option, add_serve_options, serve_wsgi, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve learnpath",
        description="Apply pending migrations and serve learnpath with waitress. Settings come from the "
        "environment: DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS (see the README's Configuration).",
    )
    add_data_dir_option(parser)
    add_serve_options(parser)
    parser.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations first")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    start_django(args, migrate=not args.no_migrate)
    serve_wsgi(host=args.host, port=args.port, threads=args.threads)
    return 0
