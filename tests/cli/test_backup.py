"""`learnpath backup` and `learnpath restore` as an operator runs them: a backup taken while learnpath writes
holds every event, a restore brings every one back, and every ordinary mistake is one plain line.

The round trips run the real command in subprocesses on a database of their own (a data folder, or
temporary PostgreSQL databases), never the test run's database. Each runs in the test run of its own kind
of database (scripts/test.sh runs tests/cli on SQLite and again on PostgreSQL): the SQLite round trip in
the SQLite run, the PostgreSQL one in the PostgreSQL run.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from learnpath.cli import backup
from learnpath.cli.main import main
from learnpath.web.learning.models import Event

EVENTS = Event._meta.db_table
# Queries on the event log's table (a model's table name, not input): every row with its payload, the
# number of rows, and each event's key.
EVENT_ROWS = f"SELECT * FROM {EVENTS} ORDER BY id"  # noqa: S608
EVENT_COUNT = f"SELECT count(*) FROM {EVENTS}"  # noqa: S608
EVENT_KEYS = f"SELECT learner_id, idempotency_key FROM {EVENTS}"  # noqa: S608
SECRET_KEY = "learnpath-backup-tests-only-" + "x" * 30
RUN_DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRESQL = RUN_DATABASE_URL.startswith(("postgres://", "postgresql://"))

# Run in the data folder by a separate process while the backup is taken: more practice for learners
# with none yet, through the real services (learning.api.demo_history_generate), with automatic
# checkpoints off and the connection held open, so every one of these events is only in the -wal file.
WRITER = """
import json, sys
from datetime import UTC, datetime

from learnpath.web import bootstrap

bootstrap.setup_django()
from django.contrib.auth import get_user_model
from django.db import connection

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack
from learnpath.web.learning.api import demo_history_generate, derived_snapshot

with connection.cursor() as cursor:
    cursor.execute("PRAGMA wal_autocheckpoint=0")
learners = get_user_model().objects.filter(username__in=["demo-learner", "demo-class-13", "demo-class-14"])
demo_history_generate(
    learner_ids=[person.pk for person in learners],
    course_id=load_pack(DEMO_PACK_PATH).meta.id,
    seed=11,
    start=datetime.now(UTC),
)
print(json.dumps(derived_snapshot(), default=str), flush=True)
sys.stdin.read()
"""

# Run on the restored data folder: the derived tables as restored, then as replayed from the restored
# event log by the rebuild (what `learnpath rebuild-state` runs).
REBUILT = """
import json

from learnpath.web import bootstrap

bootstrap.setup_django()
from learnpath.web.learning.api import derived_snapshot, state_rebuild

restored = derived_snapshot()
report = state_rebuild()
print(json.dumps({"restored": restored, "events": report.events, "rebuilt": derived_snapshot()}, default=str))
"""


def operator_environment(**extra: str) -> dict[str, str]:
    """The environment an operator's shell would give the command: none of the test run's settings."""
    dropped = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LEARNPATH_DATA_DIR", "LEARNPATH_DEMO", "SECRET_KEY"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**environment, "SECRET_KEY": SECRET_KEY, **extra}


def learnpath(*arguments: str | Path, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "learnpath.cli.main", *map(str, arguments)],
        capture_output=True,
        text=True,
        env=operator_environment(**environment),
        timeout=300,
        check=False,
    )


def python(script: str, **environment: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=operator_environment(**environment),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def sqlite_rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    """Rows read without changing anything (a read-only connection sees what is still in the WAL)."""
    with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as connection:
        return connection.execute(query).fetchall()


def folder_contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_plain_line(result: subprocess.CompletedProcess[str], command: str, *phrases: str) -> None:
    assert result.returncode == 2, result
    assert result.stderr.startswith(f"learnpath {command}: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for phrase in phrases:
        assert phrase in result.stderr


# --- SQLite -----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(ON_POSTGRESQL, reason="the SQLite round trip runs in the SQLite test run")
def test_a_sqlite_backup_taken_while_learnpath_writes_restores_every_event(tmp_path: Path) -> None:
    live = tmp_path / "live"
    # The demo: course, accounts, and a class with ten days of practice made through the real services.
    made = learnpath("demo", "--no-serve", "--data-dir", live)
    assert made.returncode == 0, made.stderr
    database = live / "learnpath.sqlite3"
    demo_events = sqlite_rows(database, EVENT_COUNT)[0][0]
    assert demo_events > 0

    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=operator_environment(LEARNPATH_DATA_DIR=str(live)),
    )
    assert writer.stdin is not None
    assert writer.stdout is not None
    try:
        live_derived = json.loads(writer.stdout.readline() or "null")
        assert live_derived is not None, "the writer stopped before writing its events"
        events = sqlite_rows(database, EVENT_ROWS)
        assert len(events) > demo_events
        assert (live / "learnpath.sqlite3-wal").stat().st_size > 0
        # Why copying the file is not a backup: the events still in the WAL are not in it.
        shutil.copyfile(database, tmp_path / "copied.sqlite3")
        assert sqlite_rows(tmp_path / "copied.sqlite3", EVENT_COUNT)[0][0] == demo_events

        backups = tmp_path / "backups"
        backups.mkdir()
        taken = learnpath("backup", backups / "learnpath.sqlite3", "--data-dir", live)
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
        writer.stdout.close()
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.count("\n") == 1
    assert f"{backups / 'learnpath.sqlite3'}:" in taken.stdout
    assert f"{len(events)} events" in taken.stdout
    assert os.listdir(backups) == ["learnpath.sqlite3"], "the partial file was renamed into place"
    assert sqlite_rows(backups / "learnpath.sqlite3", "PRAGMA journal_mode") == [("delete",)]

    restored = tmp_path / "restored"
    put_back = learnpath("restore", backups / "learnpath.sqlite3", "--data-dir", restored)
    assert put_back.returncode == 0, put_back.stderr
    assert f"{len(events)} events" in put_back.stdout
    restored_events = sqlite_rows(restored / "learnpath.sqlite3", EVENT_ROWS)
    assert [row[0] for row in restored_events] == [row[0] for row in events]
    assert set(sqlite_rows(restored / "learnpath.sqlite3", EVENT_KEYS)) == set(
        sqlite_rows(database, EVENT_KEYS)
    )
    assert restored_events == events, "every event comes back with its payload"

    derived = json.loads(python(REBUILT, LEARNPATH_DATA_DIR=str(restored)))
    assert derived["events"] == len(events)
    assert derived["restored"] == live_derived
    assert derived["rebuilt"] == live_derived, "the restored log rebuilds the state the live path wrote"

    # Restoring over a database that is there needs --force, and without it changes nothing.
    before = database.read_bytes()
    refused = learnpath("restore", backups / "learnpath.sqlite3", "--data-dir", live)
    assert_one_plain_line(refused, "restore", "--force")
    assert database.read_bytes() == before


def test_a_pg_dump_archive_is_not_restored_into_sqlite(tmp_path: Path) -> None:
    archive = tmp_path / "learnpath.dump"
    archive.write_bytes(b"PGDMP\x01\x0e\x00")
    data = tmp_path / "data"
    data.mkdir()
    result = learnpath("restore", archive, "--data-dir", data)
    assert_one_plain_line(result, "restore", "pg_dump archive", "DATABASE_URL")
    assert list(data.iterdir()) == []


# --- Mistakes found before anything starts ---------------------------------------------------------


@pytest.fixture
def nothing_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """These mistakes are found from the arguments alone: Django's settings are never read (in this
    process they are the test run's)."""

    def refuse(args: Any) -> dict[str, Any]:
        raise AssertionError("the command went past its checks")

    monkeypatch.setattr(backup, "configured_database", refuse)
    monkeypatch.delenv("DATABASE_URL", raising=False)


def _backup_into_a_missing_folder(tmp: Path) -> list[str]:
    return ["backup", str(tmp / "no-such-folder" / "learnpath.sqlite3"), "--data-dir", str(tmp)]


def _backup_over_a_file(tmp: Path) -> list[str]:
    (tmp / "learnpath-monday.sqlite3").write_bytes(b"last week's backup")
    return ["backup", str(tmp / "learnpath-monday.sqlite3"), "--data-dir", str(tmp)]


def _backup_of_a_missing_data_folder(tmp: Path) -> list[str]:
    return ["backup", str(tmp / "learnpath.sqlite3"), "--data-dir", str(tmp / "no-data")]


def _restore_of_a_missing_file(tmp: Path) -> list[str]:
    return ["restore", str(tmp / "learnpath-monday.sqlite3"), "--data-dir", str(tmp)]


def _restore_of_something_else(tmp: Path) -> list[str]:
    (tmp / "notes.txt").write_text("not a backup")
    return ["restore", str(tmp / "notes.txt"), "--data-dir", str(tmp)]


@pytest.mark.usefixtures("nothing_started")
@pytest.mark.parametrize(
    ("mistake", "says"),
    [
        (_backup_into_a_missing_folder, "does not exist"),
        (_backup_over_a_file, "already exists"),
        (_backup_of_a_missing_data_folder, "no data folder"),
        (_restore_of_a_missing_file, "there is no file"),
        (_restore_of_something_else, "not a learnpath backup"),
    ],
)
def test_an_ordinary_mistake_is_one_line_and_changes_nothing(
    mistake: Callable[[Path], list[str]], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = mistake(tmp_path)
    before = folder_contents(tmp_path)
    assert main(arguments) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"learnpath {arguments[0]}: ")
    assert err.count("\n") == 1
    assert says in err
    assert folder_contents(tmp_path) == before


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_without_the_postgresql_client_tools_it_says_to_install_them(command: str, tmp_path: Path) -> None:
    archive = tmp_path / "learnpath.dump"
    archive.write_bytes(b"PGDMP\x01\x0e\x00")
    target = tmp_path / "new.dump" if command == "backup" else archive
    no_tools = tmp_path / "bin"
    no_tools.mkdir()
    before = folder_contents(tmp_path)
    # Port 9 (discard): the tools are looked for before any connection is tried.
    result = learnpath(
        command, target, DATABASE_URL="postgres://learnpath@127.0.0.1:9/learnpath", PATH=str(no_tools)
    )
    tool = "pg_dump" if command == "backup" else "pg_restore"
    assert_one_plain_line(result, command, f"{tool} was not found", "PostgreSQL client tools")
    assert folder_contents(tmp_path) == before


# --- PostgreSQL -------------------------------------------------------------------------------------


def test_the_postgresql_password_goes_in_the_environment_never_on_the_command_line() -> None:
    """Any user of the machine can read a running process's command line; its environment is its own."""
    database = {
        "NAME": "learnpath",
        "USER": "learnpath",
        "PASSWORD": "s3cret-Pa55",
        "HOST": "db.school.lan",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "verify-full"},
    }
    arguments = backup.postgres_arguments(database)
    assert not any("s3cret-Pa55" in argument for argument in arguments)
    assert {"--dbname=learnpath", "--host=db.school.lan", "--port=5433", "--username=learnpath"} <= set(
        arguments
    )
    assert "--no-password" in arguments  # never wait for a prompt nobody answers (cron)
    environment = backup.postgres_environment(database)
    assert environment["PGPASSWORD"] == "s3cret-Pa55"
    assert environment["PGSSLMODE"] == "verify-full"


@pytest.fixture
def postgres_database() -> Iterator[Callable[[str], str]]:
    """``make(role)``: a new empty database on the test run's PostgreSQL server, named uniquely for this
    test; returns its DATABASE_URL. Every one is dropped afterwards."""
    if not ON_POSTGRESQL:
        pytest.skip(
            "the PostgreSQL round trip runs in the PostgreSQL test run "
            "(DATABASE_URL=postgres://postgres@127.0.0.1:5432/test; scripts/test.sh does that)"
        )
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        message = (
            f"{' and '.join(missing)} not found: install the PostgreSQL client tools (postgresql-client)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    import psycopg
    from psycopg.conninfo import make_conninfo

    try:
        server = psycopg.connect(make_conninfo(RUN_DATABASE_URL, dbname="postgres"), autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"the PostgreSQL server of DATABASE_URL does not answer: {error}")
    run = uuid.uuid4().hex[:12]
    made: list[str] = []

    def make(role: str) -> str:
        name = f"learnpath_backup_{role}_{run}"
        server.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return urlsplit(RUN_DATABASE_URL)._replace(path=f"/{name}").geturl()

    try:
        yield make
    finally:
        for name in made:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def postgres_rows(url: str, query: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(query).fetchall()


@pytest.mark.slow
def test_a_postgresql_backup_restores_every_event_into_another_database(
    postgres_database: Callable[[str], str], tmp_path: Path
) -> None:
    source, target = postgres_database("source"), postgres_database("target")
    made = learnpath("demo", "--no-serve", DATABASE_URL=source)
    assert made.returncode == 0, made.stderr
    events = postgres_rows(source, EVENT_ROWS)
    assert events

    archive = tmp_path / "learnpath.dump"
    taken = learnpath("backup", archive, DATABASE_URL=source)
    assert taken.returncode == 0, taken.stderr
    assert f"{len(events)} events" in taken.stdout
    assert archive.read_bytes().startswith(b"PGDMP")

    put_back = learnpath("restore", archive, DATABASE_URL=target)
    assert put_back.returncode == 0, put_back.stderr
    assert f"{len(events)} events" in put_back.stdout
    assert postgres_rows(target, EVENT_ROWS) == events

    refused = learnpath("restore", archive, DATABASE_URL=target)
    assert_one_plain_line(refused, "restore", "already holds tables", "--force")
    assert postgres_rows(target, EVENT_COUNT) == [(len(events),)]
