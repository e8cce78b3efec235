"""No hyperparameter of the learner models is chosen on a file that holds a test fold's answers (issue 10).

``TUNING_FILES`` (``learnpath.cli.eval_command``) lists every file any default was chosen on. In the AKT
ASSISTments 2009 release, valid{k} holds the same lines as test{k+1} (in other gzip bytes), which is how
the old blend weights came to be chosen on fold 2's test answers: contents are compared, not file bytes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from learnpath.cli.eval_command import TUNING_FILES, content_sha256, tuning_files_that_are_test_files

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "kt" / "assist2009_akt_folds"


def _write(path: Path, text: str, *, compress: bool = False, mtime: int = 0) -> None:
    if compress:
        with gzip.GzipFile(path, "wb", mtime=mtime) as stream:
            stream.write(text.encode())
    else:
        path.write_text(text, encoding="utf-8")


def test_the_check_finds_a_tuning_file_that_is_a_test_file_in_other_bytes(tmp_path: Path) -> None:
    lines = "1,501\n10,11\n3,4\n1,0\n"
    _write(tmp_path / "d_train1.csv.gz", "2,502\n12\n5\n1\n", compress=True)
    _write(tmp_path / "d_valid1.csv.gz", lines, compress=True, mtime=1)
    _write(tmp_path / "d_test1.csv.gz", "3,503\n13\n6\n0\n", compress=True)
    _write(tmp_path / "d_train2.csv.gz", "2,502\n12\n5\n1\n", compress=True)
    _write(tmp_path / "d_test2.csv.gz", lines, compress=True, mtime=2)
    valid1, test2 = tmp_path / "d_valid1.csv.gz", tmp_path / "d_test2.csv.gz"
    assert valid1.read_bytes() != test2.read_bytes()  # other gzip bytes, the same content
    assert content_sha256(valid1) == content_sha256(test2)
    assert tuning_files_that_are_test_files(tmp_path, ["d_valid1.csv.gz"]) == [
        ("d_valid1.csv.gz", "d_test2.csv.gz")
    ]
    assert tuning_files_that_are_test_files(tmp_path, ["d_train1.csv.gz"]) == []
    # a test file named as a tuning file is caught as well, uncompressed files too
    assert tuning_files_that_are_test_files(tmp_path, ["d_test1.csv.gz"]) == [
        ("d_test1.csv.gz", "d_test1.csv.gz")
    ]
    _write(tmp_path / "plain_train1.csv", lines)
    _write(tmp_path / "plain_test1.csv", lines)
    assert ("plain_train1.csv", "plain_test1.csv") in tuning_files_that_are_test_files(
        tmp_path, ["plain_train1.csv"]
    )
    with pytest.raises(FileNotFoundError, match=r"d_valid9\.csv\.gz"):
        tuning_files_that_are_test_files(tmp_path, ["d_valid9.csv.gz"])


def test_no_tuning_file_holds_a_test_folds_answers() -> None:
    if not DATA.exists():
        pytest.skip(f"{DATA} is absent: this check needs ../shared/data (see its PROVENANCE.md)")
    assert TUNING_FILES, "the tuning files must be listed"
    assert tuning_files_that_are_test_files(DATA) == []


def test_the_old_tuning_file_would_have_been_caught() -> None:
    """valid_1, on which the blend weights, the BKT bound and LogisticKT's iterations were chosen before
    issue 10, is fold 2's test file."""
    if not DATA.exists():
        pytest.skip(f"{DATA} is absent: this check needs ../shared/data (see its PROVENANCE.md)")
    assert tuning_files_that_are_test_files(DATA, ["assist2009_pid_valid1.csv.gz"]) == [
        ("assist2009_pid_valid1.csv.gz", "assist2009_pid_test2.csv.gz")
    ]
