"""``learnpath serve``: serve learnpath with the configured database."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
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


def demo_key_problem(data_dir: Path, environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """Why ``learnpath serve`` must not serve ``data_dir`` as it is, or None.

    Outside demo mode with no SECRET_KEY set, the settings would read the key ``learnpath demo`` generated
    and kept in the folder: a key made for a demonstration, next to the demo accounts whose password was
    printed. Serving real learners with it is refused before any slow work starts.
    """
    if environ.get("LEARNPATH_DEMO", "") not in ("", "0") or environ.get("SECRET_KEY"):
        return None
    if not (data_dir / "secret_key").is_file():
        return None
    return (
        f"{data_dir} was made by `learnpath demo`: its secret key is the demo's. To serve it outside demo "
        "mode set SECRET_KEY to a new random key (the demo's sessions end); to keep the demo, run "
        "`learnpath demo`."
    )


def _demo_accounts_off() -> None:
    """Outside demo mode, the demo accounts (whose shared password ``learnpath demo`` printed) cannot sign
    in: turned off, and said so in one line."""
    from django.conf import settings

    from learnpath.web.accounts import api as accounts_api

    if settings.DEMO:
        return
    names = accounts_api.demo_accounts_disable()
    if names:
        print(
            f"learnpath serve: turned off {len(names)} demo accounts ({', '.join(names[:4])}"
            f"{', ...' if len(names) > 4 else ''}): their password was printed by `learnpath demo`, "
            "which turns them on again.",
            flush=True,
        )


def run(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir or os.environ.get("LEARNPATH_DATA_DIR") or "data").resolve()
    problem = demo_key_problem(data_dir)
    if problem is not None:
        print(f"learnpath serve: {problem}", file=sys.stderr)
        return 2
    start_django(args, migrate=not args.no_migrate)
    _demo_accounts_off()
    serve_wsgi(host=args.host, port=args.port, threads=args.threads)
    return 0
