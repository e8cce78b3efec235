"""``learnpath serve``: serve learnpath with the configured database.

Before any slow work it checks what an operator most often gets wrong (the port, the secret key, the
database) and says so in one line. Then it applies migrations, builds every course's model, and only then
listens. With gunicorn (Linux and macOS) it runs ``--workers`` processes forked from the one that built the
models, so each starts warm; gunicorn restarts a worker that dies. On Windows it runs waitress, one process.
docs/decisions/0083-serving-several-processes.md says why.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from learnpath.cli.runtime import (
    OperatorProblem,
    add_data_dir_option,
    add_serve_options,
    models_warm,
    port_problem,
    serve_wsgi,
    sqlite_checkpoint,
    start_django,
    static_collect,
)


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve learnpath",
        description="Apply pending migrations, build every course's model, and serve learnpath with "
        "--workers processes (gunicorn; waitress on Windows). Settings come from the environment: "
        "DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS (see the README's Configuration and docs/operations.md).",
    )
    add_data_dir_option(parser)
    add_serve_options(parser, threads=4)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"app processes (default: one per CPU core, here {cores()}); each runs --threads threads",
    )
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
    workers = args.workers if args.workers is not None else cores()
    if workers < 1 or args.threads < 1:
        raise OperatorProblem("--workers and --threads must be at least 1.")
    data_dir = Path(args.data_dir or os.environ.get("LEARNPATH_DATA_DIR") or "data").resolve()
    problem = demo_key_problem(data_dir) or port_problem(args.host, args.port)
    if problem is not None:
        raise OperatorProblem(problem)
    metrics_dir = _metrics_dir()
    try:
        start_django(args, migrate=not args.no_migrate)
        _demo_accounts_off()
        collected = static_collect()
        if collected:
            print(collected, flush=True)
        models_warm()
        if sys.platform == "win32":
            serve_wsgi(host=args.host, port=args.port, threads=args.threads * workers)
        else:
            _serve_gunicorn(host=args.host, port=args.port, workers=workers, threads=args.threads)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _metrics_dir() -> Path | None:
    """A fresh folder where the app processes keep their metrics (prometheus_client's multiprocess mode),
    unless the operator chose one. Set before Django (and prometheus_client) load."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    folder = Path(tempfile.mkdtemp(prefix="learnpath-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def _serve_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve with gunicorn: ``workers`` processes of ``threads`` threads, forked from this one (which has
    built the models), behind one listening socket. SIGTERM stops it gracefully (requests in flight
    finish); the SQLite database is then checkpointed."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication
    from prometheus_client import multiprocess

    from learnpath.web.health import ready_mark
    from learnpath.web.wsgi import application

    ready_mark()
    connections.close_all()  # a forked worker must not share this process's database connection

    def worker_exit(server: Any, worker: Any) -> None:
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]

    def when_ready(server: Any) -> None:
        print(
            f"learnpath is serving at http://{host}:{port}/ with {workers} processes of {threads} threads "
            "(Ctrl+C stops it)",
            flush=True,
        )

    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,
        "graceful_timeout": 20,
        "keepalive": 5,
        "proc_name": "learnpath",
        "worker_exit": worker_exit,
        "when_ready": when_ready,
        "limit_request_field_size": 8190,
        "errorlog": "-",
        "loglevel": "warning",
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    try:
        Server().run()
    finally:
        sqlite_checkpoint()
