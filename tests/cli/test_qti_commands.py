"""``learnpath import qti`` and ``learnpath export qti`` as an operator meets them: output, skip list, exit
codes, the database; mistakes are one plain line."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from learnpath.cli import runtime
from learnpath.cli.main import main

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "interop" / "qti"


def sample(relative: str) -> Path:
    path = SAMPLES / relative
    if not path.exists():
        pytest.skip(f"the QTI samples are not at {path} (../shared/data/interop/qti, see PROVENANCE.md)")
    return path


@pytest.fixture
def django_already_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest-django has configured Django and the test database; the commands must not redo it."""
    monkeypatch.setattr(runtime, "start_django", lambda args, **options: None)
    for module in ("importing", "export"):
        monkeypatch.setattr(f"learnpath.cli.{module}.start_django", lambda args, **options: None)


@pytest.mark.shared_data
def test_import_qti_dry_run_prints_counts_and_writes_the_skip_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skip_list = tmp_path / "skipped.csv"
    source = sample("v3p0/citolab_kennisnet-2")
    assert main(["import", "qti", str(source), "--dry-run", "--skip-list", str(skip_list)]) == 0
    out = capsys.readouterr().out
    assert "extended-text 6" in out
    assert out.strip().splitlines()[-1] == "3 items imported, 11 skipped"
    rows = skip_list.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "file,identifier,reason"
    assert len(rows) == 1 + 11


@pytest.mark.shared_data
@pytest.mark.django_db
@pytest.mark.usefixtures("django_already_started")
def test_import_qti_then_export_it_as_qti(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["import", "qti", str(sample("v3p0/citolab_kennisnet-2")), "--skip-list", str(tmp_path / "s.csv")]
    assert main(args) == 0
    assert "qti-de-titel-van-mijn-toets: imported version qti-" in capsys.readouterr().out
    assert main(args) == 0
    assert "nothing changed" in capsys.readouterr().out

    target = tmp_path / "out.zip"
    assert main(["export", "qti", "--course", "qti-de-titel-van-mijn-toets", str(target)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(
        r"qti-de-titel-van-mijn-toets qti-\w+: 3 items written to .*out\.zip as QTI 3\.0, 0 left out", last
    )
    assert sorted(zipfile.ZipFile(target).namelist()) == [
        "imsmanifest.xml",
        "item011.xml",
        "item012.xml",
        "item013.xml",
    ]
    assert main(["export", "qti", "--course", "qti-de-titel-van-mijn-toets", str(target)]) == 2
    assert "exists; nothing was written" in capsys.readouterr().err


@pytest.mark.django_db
@pytest.mark.usefixtures("django_already_started")
def test_export_qti_mistakes_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "qti", "--course", "no-such-course", str(tmp_path / "x.zip")]) == 1
    assert capsys.readouterr().err == "error: there is no course 'no-such-course'\n"
    assert main(["export", "qti", "--course", "c", str(tmp_path / "folder")]) == 2
    assert "should be a .zip" in capsys.readouterr().err
    assert main(["export", "something", "--course", "c", str(tmp_path / "x.zip")]) == 2
    assert capsys.readouterr().err.startswith("usage: learnpath export qti --course")
    assert main(["export", "qti", "--course", "c", str(tmp_path / "missing" / "x.zip")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.shared_data
def test_import_qti_of_older_qti_or_nothing_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skip = ["--dry-run", "--skip-list", str(tmp_path / "s.csv")]
    assert main(["import", "qti", str(sample("v2p2/onyx_interactionmix_saxony")), *skip]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: onyx_interactionmix_saxony is a QTI 2.2 package, not QTI 3.0")
    assert len(err.strip().splitlines()) == 1
    assert main(["import", "qti", str(sample("v1p2/canvas_quiz_export")), *skip]) == 1
    assert "is a QTI 1.2 package, not QTI 3.0" in capsys.readouterr().err
    assert main(["import", "qti", str(tmp_path / "nope.zip"), *skip]) == 2
    assert "does not exist" in capsys.readouterr().err
