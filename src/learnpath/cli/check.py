"""``learnpath check``: report configuration problems before starting, changing nothing.

An operator runs it after changing the environment or upgrading, before ``learnpath serve``. It reads the
settings as ``serve`` would, opens the database, and lists, one line each:

- ``problem``: what would stop learnpath or break it for people (settings that cannot be read, a database
  that cannot be opened, migrations not applied, no shared cache table, a Django system check error);
- ``warning``: what works but is not ready for real learners (Django's deployment checks: HTTPS, HSTS,
  cookies; static files not collected);
- ``ok``: what was checked and found right.

Exit status: 0 with no problem (warnings allowed), 1 with at least one problem, 2 when the settings or the
database cannot be read at all (one line, as every command says it).
"""

from __future__ import annotations

import argparse
from typing import Any

from learnpath.cli.runtime import add_data_dir_option, port_problem, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="report configuration problems before starting (changes nothing)",
        description="Read the settings from the environment as `learnpath serve` would, open the database, "
        "and report pending migrations, a missing cache table, Django's deployment checks and, with "
        "--port, whether the port is free. Changes nothing.",
    )
    add_data_dir_option(parser)
    parser.add_argument("--host", default="127.0.0.1", help="with --port: the address serve would use")
    parser.add_argument("--port", type=int, default=None, help="also check that this port is free")
    parser.set_defaults(func=run)


def findings(*, host: str, port: int | None) -> list[tuple[str, str]]:
    """(level, line) for everything checked; Django must be set up and the database reachable."""
    from django.conf import settings
    from django.core import checks
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    found: list[tuple[str, str]] = []
    where = "SQLite " + str(settings.SQLITE_PATH) if not settings.DATABASE_URL else "PostgreSQL"
    found.append(("ok", f"database: {where} opens"))

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in pending[:3])
        more = f" and {len(pending) - 3} more" if len(pending) > 3 else ""
        found.append(
            (
                "problem",
                f"{len(pending)} migrations not applied ({names}{more}); `learnpath serve` applies them, "
                "or run it with --no-migrate only after applying them",
            )
        )
    else:
        found.append(("ok", "migrations: all applied"))

    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("DatabaseCache"):
        if cache["LOCATION"] in connection.introspection.table_names():
            found.append(("ok", f"shared cache: table {cache['LOCATION']} exists"))
        else:
            found.append(
                ("problem", f"shared cache: table {cache['LOCATION']} is missing; `learnpath serve` makes it")
            )

    deploy = not settings.DEMO
    for message in checks.run_checks(include_deployment_checks=deploy):
        if message.is_silenced():
            continue
        level = "problem" if message.level >= checks.ERROR else "warning"
        if message.level < checks.WARNING:
            continue
        text = str(message.msg).replace("\n", " ")
        found.append((level, f"{message.id}: {text}"))

    if settings.STATIC_ROOT is None:
        found.append(
            (
                "warning",
                "static files are served from the apps' folders (slower); run "
                "`python -m django collectstatic` with LEARNPATH_STATIC_ROOT set",
            )
        )
    if port is not None:
        problem = port_problem(host, port)
        found.append(("problem", problem) if problem else ("ok", f"port {port} on {host} is free"))
    return found


def run(args: argparse.Namespace) -> int:
    start_django(args, migrate=False, connect=False)
    from django.conf import settings

    from learnpath.cli.runtime import OperatorProblem, database_problem

    if not settings.DATABASE_URL and not settings.SQLITE_PATH.is_file():
        print(f"problem  database: there is none yet at {settings.SQLITE_PATH}; `learnpath serve` makes it")
        print("learnpath check: 1 problems, 0 warnings")
        return 1
    problem = database_problem()
    if problem is not None:
        raise OperatorProblem(problem)
    results = findings(host=args.host, port=args.port)
    for level, line in results:
        print(f"{level:<8} {line}")
    problems = sum(1 for level, _ in results if level == "problem")
    warnings = sum(1 for level, _ in results if level == "warning")
    print(f"learnpath check: {problems} problems, {warnings} warnings")
    return 1 if problems else 0
