"""The `learnpath` command at the level a user meets it: arguments, output, exit codes, the database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from learnpath.cli import runtime
from learnpath.cli.main import main
from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import dump_pack, load_pack

COMMANDS = (
    "demo",
    "serve",
    "check",
    "backup",
    "restore",
    "import",
    "export",
    "eval",
    "simulate",
    "rebuild-state",
    "fit",
    "worker",
    "lti",
    "identity-provider",
    "xapi",
)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


@pytest.fixture
def django_already_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-django has configured Django and the test database; the commands must not redo it."""
    monkeypatch.setattr(runtime, "start_django", lambda args, **options: None)
    for module in ("importing", "export", "demo", "serve"):
        monkeypatch.setattr(f"learnpath.cli.{module}.start_django", lambda args, **options: None)


def _broken_pack(tmp_path: Path) -> Path:
    pack_dir = tmp_path / "broken"
    dump_pack(load_pack(DEMO_PACK_PATH), pack_dir)
    skills = (pack_dir / "skills.yaml").read_text()
    # Point one prerequisite at a skill that does not exist.
    first_prerequisite = load_pack(DEMO_PACK_PATH).skills[1].prerequisites[0]
    (pack_dir / "skills.yaml").write_text(skills.replace(f"- {first_prerequisite}\n", "- no-such-skill\n", 1))
    return pack_dir


@pytest.mark.django_db
@pytest.mark.usefixtures("django_already_started")
def test_import_of_an_invalid_pack_lists_problems_and_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from learnpath.web.curriculum.api import CourseNotFound, course_pack

    assert main(["import", str(_broken_pack(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert "no-such-skill" in err
    with pytest.raises(CourseNotFound):
        course_pack(course_id=load_pack(DEMO_PACK_PATH).meta.id)


@pytest.mark.django_db
@pytest.mark.usefixtures("django_already_started")
def test_import_then_export_round_trips_the_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = load_pack(DEMO_PACK_PATH)
    canonical = tmp_path / "canonical"
    dump_pack(original, canonical)

    assert main(["import", str(canonical)]) == 0
    assert "imported version" in capsys.readouterr().out
    assert main(["import", str(canonical)]) == 0
    assert "nothing changed" in capsys.readouterr().out

    exported = tmp_path / "exported"
    assert main(["export", original.meta.id, str(exported)]) == 0
    assert load_pack(exported).checksum() == original.checksum()
    files = sorted(p.relative_to(canonical) for p in canonical.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(exported) for p in exported.rglob("*") if p.is_file())
    for name in files:
        assert (exported / name).read_bytes() == (canonical / name).read_bytes(), name


@pytest.mark.django_db
@pytest.mark.usefixtures("django_already_started")
def test_export_refuses_a_non_empty_folder_and_an_unknown_course(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["export", "whatever", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert main(["export", "no-such-course", str(tmp_path / "new")]) == 1
    assert "no course 'no-such-course'" in capsys.readouterr().err


def test_import_of_a_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_dry_run_validates_without_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(DEMO_PACK_PATH), "--dry-run"]) == 0
    assert "valid" in capsys.readouterr().out


def test_demo_sets_up_once_and_prints_the_accounts(tmp_path: Path) -> None:
    """README command (a) without serving: a fresh SQLite data folder, run twice."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    command = [sys.executable, "-m", "learnpath.cli.main", "demo", "--no-serve", "--data-dir", str(tmp_path)]
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert first.returncode == 0, first.stderr
    for role in ("learner", "teacher", "guardian", "admin"):
        assert f"  {role}" in first.stdout
    assert ": imported" in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert second.returncode == 0, second.stderr
    assert "already up to date" in second.stdout
    assert list(tmp_path.glob("*.sqlite3"))


def test_serve_refuses_a_demo_folder_outside_demo_mode(tmp_path: Path) -> None:
    """`learnpath serve` on a folder `learnpath demo` made, with no SECRET_KEY: one plain line, exit 2, no
    server (it would sign sessions with the demo's key, issue 12); with a SECRET_KEY it goes on."""
    from learnpath.cli.serve import demo_key_problem

    (tmp_path / "secret_key").write_text("made-by-the-demo", encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "LEARNPATH_DEMO"}
    }
    command = [sys.executable, "-m", "learnpath.cli.main", "serve", "--data-dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "was made by `learnpath demo`" in result.stderr
    assert "set SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert demo_key_problem(tmp_path, {"SECRET_KEY": "x" * 50}) is None
    assert demo_key_problem(tmp_path, {"LEARNPATH_DEMO": "1"}) is None
    assert demo_key_problem(tmp_path / "elsewhere", {}) is None


OATUTOR_MINI = Path(__file__).resolve().parents[1] / "content" / "fixtures" / "oatutor_mini"


def test_import_oatutor_dry_run_prints_counts_and_writes_the_skip_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skip_list = tmp_path / "skipped.csv"
    assert main(["import", "oatutor", str(OATUTOR_MINI), "--dry-run", "--skip-list", str(skip_list)]) == 0
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    imported, skipped = (
        int(n) for n in re.fullmatch(r"(\d+) problems imported, (\d+) skipped", last_line).groups()
    )
    assert imported > 0
    rows = skip_list.read_text().splitlines()
    assert rows[0] == "problem_id,reason"
    assert len(rows) - 1 == skipped


@pytest.mark.django_db
@pytest.mark.usefixtures("django_already_started")
def test_import_oatutor_into_the_database_then_again_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["import", "oatutor", str(OATUTOR_MINI), "--skip-list", str(tmp_path / "s.csv")]
    assert main(args) == 0
    assert ": imported version" in capsys.readouterr().out
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "imported version" not in out
    assert "nothing changed" in out


def test_import_oatutor_of_something_else_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not a content pool")
    assert (
        main(["import", "oatutor", str(tmp_path), "--dry-run", "--skip-list", str(tmp_path / "s.csv")]) == 1
    )
    assert capsys.readouterr().err.startswith("error: ")
