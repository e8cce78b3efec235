"""What every database-backed command shares: where the data lives and how Django starts."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import sqlite3
import time
from pathlib import Path
from types import FrameType


class OperatorProblem(Exception):
    """An ordinary set-up mistake (settings, database, port): ``learnpath`` prints its message as one line,
    without a traceback, and exits with status 2. The message says what to do."""


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder for the embedded SQLite database and generated secrets "
        "(default: $LEARNPATH_DATA_DIR or ./data); ignored when DATABASE_URL is set",
    )


def single_threaded_blas() -> None:
    """Limit NumPy's BLAS to one thread for the rest of the process.

    Placement and the learner model multiply many small matrices per request; on a small machine BLAS
    threads only contend for them (placement measured about 8x slower on 2 cores with the default).
    ``OPENBLAS_NUM_THREADS`` would do the same but must be set before NumPy loads, which the command has
    already done by the time a sub-command runs; threadpoolctl changes the limit of the loaded library.
    """
    import numpy  # noqa: F401 - the limit applies to BLAS libraries already loaded
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def start_django(
    args: argparse.Namespace, *, demo: bool = False, migrate: bool = True, connect: bool = True
) -> None:
    """Configure settings from the environment and the command line, start Django, check that the database
    can be opened, apply migrations.

    A missing ``SECRET_KEY`` or an unreachable database is an ``OperatorProblem`` (one plain line), raised
    before any slow work starts."""
    if getattr(args, "data_dir", None) is not None:
        os.environ["LEARNPATH_DATA_DIR"] = str(Path(args.data_dir).resolve())
    if demo:
        os.environ["LEARNPATH_DEMO"] = "1"
    from django.core.exceptions import ImproperlyConfigured

    from learnpath.web import bootstrap

    single_threaded_blas()
    try:
        bootstrap.setup_django()
    except ImproperlyConfigured as error:
        raise OperatorProblem(str(error)) from None
    problem = database_problem() if connect or migrate else None
    if problem is not None:
        raise OperatorProblem(problem)
    if migrate:
        bootstrap.migrate()


def database_problem() -> str | None:
    """Why the configured database cannot be opened (one line that says what to do), or None."""
    from django.conf import settings
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0].strip() if str(error).strip() else type(error).__name__
        if settings.DATABASE_URL:
            where = settings.DATABASES["default"]
            target = f"{where.get('NAME')} on {where.get('HOST') or 'localhost'}:{where.get('PORT') or 5432}"
            return (
                f"cannot open the database {target} ({reason}). Check DATABASE_URL, that the server is "
                "running and that the database exists (createdb)."
            )
        return f"cannot open the SQLite database {settings.SQLITE_PATH} ({reason}). Check the data folder."
    return None


def port_problem(host: str, port: int) -> str | None:
    """Why learnpath cannot listen on ``host:port`` (one line), or None. Checked before any slow work, with
    the options the servers use (SO_REUSEADDR), so a port in TIME_WAIT is not reported as busy."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        return f"cannot listen on {host}: {error.strerror}. Give --host an address of this machine."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use (another learnpath, or another server). "
                    "Stop it, or choose another port with --port."
                )
            if error.errno == errno.EACCES:
                return f"not allowed to listen on port {port}; ports below 1024 need privileges. Use --port."
            return f"cannot listen on {host}:{port}: {error.strerror}."
    return None


def sqlite_checkpoint() -> None:
    """Fold SQLite's write-ahead log into the database file and empty it, so the ``.sqlite3`` file alone
    holds everything (a copy of it is then a whole copy). Nothing to do on PostgreSQL."""
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    path = Path(settings.DATABASES["default"]["NAME"])
    if not path.is_file():
        return
    database = sqlite3.connect(path, timeout=20)
    try:
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        database.close()


def stop_on_sigterm() -> None:
    """Make SIGTERM (what service managers and ``docker stop`` send) end the process the way Ctrl+C does, so
    ``finally`` blocks run: the server stops and the database is checkpointed."""

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)


def models_warm() -> None:
    """Build every course's model before the server takes traffic, and say how long it took."""
    from learnpath.web.learning.api import course_models_warm

    started = time.perf_counter()
    built = course_models_warm()
    if built:
        print(
            f"learnpath: course models ready ({len(built)} course{'' if len(built) == 1 else 's'}, "
            f"{time.perf_counter() - started:.1f} s)",
            flush=True,
        )


def serve_wsgi(*, host: str, port: int, threads: int) -> None:
    """Serve the Django application with waitress (one process) until interrupted or sent SIGTERM; the
    SQLite database is checkpointed on the way out."""
    import waitress

    from learnpath.web.health import ready_mark
    from learnpath.web.request_limits import max_request_bytes
    from learnpath.web.wsgi import application

    stop_on_sigterm()
    ready_mark()
    print(f"learnpath is serving at http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    try:
        waitress.serve(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="learnpath",
            max_request_body_size=max_request_bytes(),
        )
    except KeyboardInterrupt:
        print("learnpath: stopping", flush=True)
    finally:
        sqlite_checkpoint()


def add_serve_options(parser: argparse.ArgumentParser, *, threads: int = 8) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--threads", type=int, default=threads, help=f"threads per process (default {threads})"
    )


def static_collect() -> str | None:
    """Collect the static files into ``STATIC_ROOT`` (hashed names, compressed copies) when they changed
    since the last collection; a line saying so, or None when nothing was configured or changed.

    Collecting takes a minute on a small machine, so it runs only when the list of files, their sizes or
    times differ from what the stamp beside the collected files records, i.e. after an upgrade.
    """
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    if settings.STATIC_ROOT is None:
        return None
    root = Path(settings.STATIC_ROOT)
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{int(stat.st_mtime)}\n".encode())
    stamp = root / ".learnpath-collected"
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest.hexdigest():
        return None
    started = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(digest.hexdigest() + "\n", encoding="utf-8")
    return f"learnpath: static files collected into {root} ({time.perf_counter() - started:.0f} s)"
