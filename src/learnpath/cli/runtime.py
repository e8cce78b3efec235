"""What every database-backed command shares: where the data lives and how Django starts."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


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


def start_django(args: argparse.Namespace, *, demo: bool = False, migrate: bool = True) -> None:
    """Configure settings from the environment and the command line, start Django, apply migrations."""
    if getattr(args, "data_dir", None) is not None:
        os.environ["LEARNPATH_DATA_DIR"] = str(Path(args.data_dir).resolve())
    if demo:
        os.environ["LEARNPATH_DEMO"] = "1"
    from learnpath.web import bootstrap

    single_threaded_blas()
    bootstrap.setup_django()
    if migrate:
        bootstrap.migrate()


def serve_wsgi(*, host: str, port: int, threads: int) -> None:
    """Serve the Django application with waitress until interrupted."""
    import waitress

    from learnpath.web.request_limits import max_request_bytes
    from learnpath.web.wsgi import application

    print(f"learnpath is serving at http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    waitress.serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="learnpath",
        max_request_body_size=max_request_bytes(),
    )


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
