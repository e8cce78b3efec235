"""``learnpath backup`` and ``learnpath restore``: a whole, checked copy of the database, and back again.

The event log is the source of truth (every derived table is rebuilt from it), so a backup is worth what it
holds of the log. Copying ``learnpath.sqlite3`` is not a backup while learnpath runs: the embedded database
is in WAL mode, so the latest acknowledged answers sit in ``learnpath.sqlite3-wal`` until a checkpoint folds
them into the file, and a file copied mid-write can be torn. SQLite's online backup API copies one
consistent snapshot, what is in the WAL included, while the server keeps writing. On PostgreSQL
``pg_dump`` does the same from one snapshot; its custom format is what ``pg_restore`` reads.

Every copy is checked before it counts: SQLite's ``integrity_check`` on the new file, or the event log read
back out of the ``pg_dump`` archive, and the line printed says how many events it holds. The operator's
ordinary mistakes (a missing folder, a file already there, a file that is not a backup, no PostgreSQL
client tools) are ``OperatorProblem``: one plain line, exit status 2, found before anything is written.
See docs/operations.md, "Backups".
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from learnpath.cli.runtime import OperatorProblem, add_data_dir_option, start_django

SQLITE = "django.db.backends.sqlite3"
POSTGRESQL = "django.db.backends.postgresql"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
BUSY_SECONDS = 20  # as the server's own connections wait for a lock (settings: "timeout")
# libpq reads these from the environment; Django keeps them in the database's OPTIONS.
PG_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def register(subparsers: Any) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="write a checked copy of the database to a file",
        description="Copy the database to DEST while learnpath keeps running: SQLite's online backup (what "
        "is still in the write-ahead log included) or, with DATABASE_URL, pg_dump's custom format. The copy "
        "is checked before it replaces anything, and one line says where it is, its size and how many "
        "events it holds.",
    )
    backup.add_argument("destination", type=Path, metavar="DEST", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace DEST if it exists")
    add_data_dir_option(backup)
    backup.set_defaults(func=run_backup)

    restore = subparsers.add_parser(
        "restore",
        help="put a backup made by `learnpath backup` back in place",
        description="Replace the configured database (SQLite in the data folder, or DATABASE_URL) with the "
        "backup in SOURCE, then apply migrations, so a backup from an older learnpath is brought up to "
        "date. Stop learnpath (serve and worker) first.",
    )
    restore.add_argument("source", type=Path, metavar="SOURCE", help="a file written by `learnpath backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace the database that is there (it is lost)"
    )
    add_data_dir_option(restore)
    restore.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    destination = Path(args.destination)
    if not destination.parent.is_dir():
        raise OperatorProblem(
            f"the folder {destination.parent} does not exist; create it first. Nothing was written."
        )
    if destination.is_dir():
        raise OperatorProblem(f"{destination} is a folder; give the backup a file name.")
    if destination.exists() and not args.force:
        raise OperatorProblem(
            f"{destination} already exists; choose another name, or add --force to replace it."
        )
    data_dir = Path(args.data_dir or os.environ.get("LEARNPATH_DATA_DIR") or "data")
    if not os.environ.get("DATABASE_URL") and not data_dir.is_dir():
        raise OperatorProblem(
            f"there is no data folder at {data_dir}, so no database to back up; give --data-dir."
        )
    database = configured_database(args)
    if database["ENGINE"] == SQLITE:
        return sqlite_backup(Path(database["NAME"]), destination)
    if database["ENGINE"] == POSTGRESQL:
        return postgres_backup(args, database, destination)
    raise OperatorProblem(unsupported(database))


def run_restore(args: argparse.Namespace) -> int:
    source = Path(args.source)
    if not source.is_file():
        raise OperatorProblem(f"there is no file {source}; nothing was changed.")
    kind = backup_kind(source)
    if kind is None:
        raise OperatorProblem(
            f"{source} is not a learnpath backup (neither a SQLite database nor a pg_dump archive); "
            "nothing was changed."
        )
    database = configured_database(args)
    if database["ENGINE"] == SQLITE:
        if kind != "sqlite":
            raise OperatorProblem(
                f"{source} is a pg_dump archive (PostgreSQL), but learnpath is set to SQLite here; set "
                "DATABASE_URL to restore it into PostgreSQL. Nothing was changed."
            )
        return sqlite_restore(args, source, Path(database["NAME"]))
    if database["ENGINE"] == POSTGRESQL:
        if kind != "pg_dump":
            raise OperatorProblem(
                f"{source} is a SQLite backup, but DATABASE_URL points at PostgreSQL; unset DATABASE_URL "
                "to restore it into the data folder. Nothing was changed."
            )
        return postgres_restore(args, database, source)
    raise OperatorProblem(unsupported(database))


def configured_database(args: argparse.Namespace) -> dict[str, Any]:
    """The configured database's settings, with Django set up but the database not opened: opening an
    SQLite file that is not there creates an empty one, which a backup must not leave behind and a restore
    would then mistake for a database already in place."""
    start_django(args, migrate=False, connect=False)
    from django.conf import settings

    return dict(settings.DATABASES["default"])


def unsupported(database: dict[str, Any]) -> str:
    return f"backups of {database['ENGINE']} databases are not supported; use that database's own tools."


def backup_kind(path: Path) -> str | None:
    """``"sqlite"`` or ``"pg_dump"`` (custom format) by the file's first bytes, else None."""
    with path.open("rb") as handle:
        start = handle.read(len(SQLITE_MAGIC))
    if start == SQLITE_MAGIC:
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "pg_dump"
    return None


def event_table() -> str:
    """The event log's table. Looked up through the app registry rather than written out, so a renamed
    table fails loudly here instead of counting the wrong thing; the count runs on the copy, not through
    the ORM's connection to the live database."""
    from django.apps import apps

    table: str = apps.get_model("learning", "Event")._meta.db_table
    return table


# --- SQLite -----------------------------------------------------------------------------------------


def sqlite_backup(database: Path, destination: Path) -> int:
    """Copy ``database`` to ``destination`` with SQLite's online backup API, check the copy, then move it
    into place in one rename (a reader never meets half a backup)."""
    if not database.is_file():
        raise OperatorProblem(
            f"there is no database at {database}; nothing to back up. Give the right --data-dir."
        )
    table = event_table()
    # Beside DEST, so the final rename stays on one file system; mkstemp makes it readable by the owner
    # only: a backup holds learners' data.
    handle, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        with closing(sqlite_read_only(database)) as live, closing(sqlite3.connect(partial)) as copy:
            # One step (pages=-1): the whole copy comes from one read snapshot, so it is consistent even
            # while the server writes; a stepwise copy restarts whenever another connection writes.
            live.backup(copy)
            # The copy inherits WAL mode; as a backup it is one self-contained file with no -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            problem = integrity_problem(copy)
            events = None if problem else event_count(copy, table)
        if problem is not None:
            print(
                f"learnpath backup: the copy of {database} failed SQLite's integrity check ({problem}); "
                "nothing was written. The database itself may be damaged.",
                file=sys.stderr,
            )
            return 1
        durable_replace(partial, destination)
    finally:
        for leftover in (partial, *sqlite_side_files(partial)):
            leftover.unlink(missing_ok=True)
    size = destination.stat().st_size
    print(
        f"Backed up {database} to {destination}: {human_size(size)} ({size} bytes), {events} events; "
        "integrity check ok."
    )
    return 0


def sqlite_restore(args: argparse.Namespace, source: Path, target: Path) -> int:
    """Check the backup, copy it over ``target`` with the backup API (SQLite writes the pages under its own
    locks, so the -wal and -shm files beside ``target`` stay consistent, which a file copy over them would
    not), then migrate."""
    table = event_table()
    if sqlite_holds_tables(target) and not args.force:
        raise OperatorProblem(
            f"{target} already holds a database; stop learnpath and add --force to replace it "
            f"with {source}, or restore into another --data-dir. Nothing was changed."
        )
    try:
        with closing(sqlite_read_only(source)) as backup:
            problem = integrity_problem(backup)
            if problem is not None:
                raise OperatorProblem(
                    f"{source} failed SQLite's integrity check ({problem}); nothing was changed."
                )
            if not sqlite_has_table(backup, table):
                raise OperatorProblem(
                    f"{source} is a SQLite database but not a learnpath one (it has no event log); "
                    "nothing was changed."
                )
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with closing(sqlite3.connect(target, timeout=BUSY_SECONDS)) as live:
                backup.backup(live)
                live.execute("PRAGMA journal_mode=WAL")  # the server's mode (settings); the backup had DELETE
    except sqlite3.DatabaseError as error:
        raise OperatorProblem(f"cannot restore {source} into {target}: {error}.") from None
    for path in (target, *sqlite_side_files(target)):
        if path.exists():
            path.chmod(0o600)  # learners' data: the owner's only, as the data folder's other files
    start_django(args)  # applies the migrations a backup from an older learnpath lacks
    with closing(sqlite_read_only(target)) as restored:
        events = event_count(restored, table)
    print(f"Restored {source} into {target}: {events} events; the schema is up to date.")
    return 0


def sqlite_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change ``path`` (and cannot create it when it is missing)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_SECONDS)


def sqlite_side_files(path: Path) -> tuple[Path, ...]:
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))


def integrity_problem(connection: sqlite3.Connection) -> str | None:
    """SQLite's own check of every page and index (``PRAGMA integrity_check``): None when it says ok, else
    its first finding."""
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    if rows == [("ok",)]:
        return None
    return str(rows[0][0]) if rows else "no answer"


def sqlite_has_table(connection: sqlite3.Connection, table: str) -> bool:
    found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    return found.fetchone() is not None


def sqlite_holds_tables(path: Path) -> bool:
    """Whether ``path`` holds something a restore would lose: a database with tables, or a file that is
    not a database at all. A missing or empty file, or a database without tables (what opening a missing
    file leaves behind), holds nothing."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        with closing(sqlite_read_only(path)) as connection:
            tables: int = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
    except sqlite3.DatabaseError:
        return True
    return tables > 0


def event_count(connection: sqlite3.Connection, table: str) -> int:
    count: int = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - a model's table
    return count


# --- PostgreSQL -------------------------------------------------------------------------------------


def postgres_backup(args: argparse.Namespace, database: dict[str, Any], destination: Path) -> int:
    """``pg_dump --format=custom`` into a file beside DEST, read the event log back out of it, then rename."""
    pg_dump = postgres_tool("pg_dump")
    pg_restore = postgres_tool("pg_restore")
    start_django(args, migrate=False)  # one plain line when the server does not answer
    table = event_table()
    handle, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        dumped = subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
            [pg_dump, "--format=custom", f"--file={partial}", *postgres_arguments(database)],
            env=postgres_environment(database),
            capture_output=True,
            text=True,
            check=False,
        )
        if dumped.returncode != 0:
            print(
                f"learnpath backup: pg_dump failed: {last_line(dumped.stderr)}. Nothing was written.",
                file=sys.stderr,
            )
            return 1
        events = archived_events(pg_restore, partial, table)
        if events is None:
            print(
                f"learnpath backup: the archive pg_dump wrote holds no event log ({table}); nothing was "
                "written. Is DATABASE_URL the learnpath database?",
                file=sys.stderr,
            )
            return 1
        durable_replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    size = destination.stat().st_size
    print(
        f"Backed up {postgres_name(database)} to {destination}: {human_size(size)} ({size} bytes), "
        f"{events} events (read back from the archive)."
    )
    return 0


def postgres_restore(args: argparse.Namespace, database: dict[str, Any], source: Path) -> int:
    """``pg_restore`` the archive into the configured database in one transaction (all or nothing), then
    migrate."""
    pg_restore = postgres_tool("pg_restore")
    listed = subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
        [pg_restore, "--list", str(source)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        raise OperatorProblem(
            f"pg_restore cannot read {source} ({last_line(listed.stderr)}); nothing was changed."
        )
    start_django(args, migrate=False)  # one plain line when the server does not answer
    from django.db import connection, connections

    if connection.introspection.table_names() and not args.force:
        raise OperatorProblem(
            f"{postgres_name(database)} already holds tables; stop learnpath and add --force to replace "
            f"them with {source}, or restore into a new empty database. Nothing was changed."
        )
    connections.close_all()  # --clean drops tables; an open connection of ours must not hold them
    restored = subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
        [
            pg_restore,
            "--clean",  # drop what the archive brings back first, so a restore over a database replaces it
            "--if-exists",  # ... without errors for what is not there yet
            "--no-owner",  # the tables belong to the user in DATABASE_URL, whoever owned them before
            "--single-transaction",  # all or nothing: a failed restore leaves the database as it was
            *postgres_arguments(database),
            str(source),
        ],
        env=postgres_environment(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if restored.returncode != 0:
        print(
            f"learnpath restore: pg_restore failed: {last_line(restored.stderr)}. Nothing was changed.",
            file=sys.stderr,
        )
        return 1
    start_django(args)  # applies the migrations a backup from an older learnpath lacks
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{event_table()}"')  # noqa: S608 - a model's table
        events = cursor.fetchone()[0]
    print(f"Restored {source} into {postgres_name(database)}: {events} events; the schema is up to date.")
    return 0


def postgres_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise OperatorProblem(
            f"{name} was not found; install the PostgreSQL client tools (Debian and Ubuntu: apt-get "
            "install postgresql-client), of the server's major version or newer."
        )
    return path


def postgres_arguments(database: dict[str, Any]) -> list[str]:
    """Where to connect, as the tools' options. Never the password: the command line of a running process
    is visible to every user of the machine; it goes in the environment (``postgres_environment``)."""
    arguments = ["--no-password", f"--dbname={database['NAME']}"]
    if database.get("HOST"):
        arguments.append(f"--host={database['HOST']}")
    if database.get("PORT"):
        arguments.append(f"--port={database['PORT']}")
    if database.get("USER"):
        arguments.append(f"--username={database['USER']}")
    return arguments


def postgres_environment(database: dict[str, Any]) -> dict[str, str]:
    environment = dict(os.environ)
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = str(database["PASSWORD"])
    for option, variable in PG_OPTION_VARIABLES.items():
        value = (database.get("OPTIONS") or {}).get(option)
        if value is not None:
            environment[variable] = str(value)
    return environment


def postgres_name(database: dict[str, Any]) -> str:
    where = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
    return f"the database {database['NAME']} on {where}"


def archived_events(pg_restore: str, archive: Path, table: str) -> int | None:
    """How many rows of ``table`` the archive holds, counted from the COPY block ``pg_restore`` writes
    for it (one line per row: COPY's text format escapes newlines inside values). None when the archive
    has no such table. Reading the rows back is the check that the archive is whole."""
    extract = subprocess.Popen(  # noqa: S603 - a fixed program and arguments, no shell
        [pg_restore, "--data-only", f"--table={table}", "--file=-", str(archive)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert extract.stdout is not None
    rows: int | None = None
    inside = False
    for line in extract.stdout:
        if inside:
            if line.rstrip("\n") == "\\.":
                inside = False
            else:
                rows = (rows or 0) + 1
        elif line.startswith("COPY ") and line.split()[1].split(".")[-1].strip('"') == table:
            inside, rows = True, rows or 0
    if extract.wait() != 0:
        return None
    return rows


# --- Shared -----------------------------------------------------------------------------------------


def durable_replace(partial: Path, destination: Path) -> None:
    """Rename ``partial`` to ``destination`` after its bytes are on disk, and make the rename itself
    durable, so a power cut leaves either the old file or the whole new one."""
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, destination)
    with open_folder(destination.parent) as folder:
        os.fsync(folder)


@contextmanager
def open_folder(path: Path) -> Iterator[int]:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        yield descriptor
    finally:
        os.close(descriptor)


def human_size(size: int) -> str:
    """``size`` bytes for a person: 812 bytes, 3.4 kB, 1.8 MB, 2.1 GB (powers of 1000, as ``ls --si``)."""
    if size < 1000:
        return f"{size} bytes"
    for unit, scale in (("kB", 1e3), ("MB", 1e6)):
        if size < scale * 1000:
            return f"{size / scale:.1f} {unit}"
    return f"{size / 1e9:.1f} GB"


def last_line(text: str) -> str:
    """The last thing a PostgreSQL tool said (its error), without the ``pg_dump: error:`` prefix."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "no message"
    return re.sub(r"^(pg_dump|pg_restore): (error: )?", "", lines[-1]).rstrip(".")
