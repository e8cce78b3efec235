"""``learnpath eval`` end to end on tiny synthetic AKT folds (the real benchmark is not part of CI)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from learnpath.cli.main import main

from .conftest import SMALL_PARAMS, simulate_bkt


def write_akt(path: Path, log: object, learners: list[int]) -> None:
    from learnpath.engine.answers import AnswerLog

    assert isinstance(log, AnswerLog)
    skill_code = {skill: k + 1 for k, skill in enumerate(log.skill_ids)}
    item_code = {item: k + 1 for k, item in enumerate(log.item_ids)}
    lines = []
    for learner in learners:
        rows = np.flatnonzero(log.learner == learner)
        problems, skills, labels = [], [], []
        for k in rows:
            for skill in log.skills_of(k):  # multi-skill answers as consecutive copies, as AKT writes them
                problems.append(str(item_code[log.item_ids[log.item[k]]]))
                skills.append(str(skill_code[skill]))
                labels.append("1" if log.correct[k] else "0")
        lines += [f"{learner},{9000 + learner}", ",".join(problems), ",".join(skills), ",".join(labels)]
    with gzip.open(path, "wt") as stream:
        stream.write("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def folds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("folds")
    log = simulate_bkt(SMALL_PARAMS, learners=30, answers_per_skill=8, seed=3, multi_skill_every=4)
    learners = list(range(30))
    for k in (1, 2):
        test = learners[(k - 1) * 15 : k * 15]
        train = [x for x in learners if x not in test]
        write_akt(folder / f"toy_train{k}.csv.gz", log, train[:-3])
        write_akt(folder / f"toy_valid{k}.csv.gz", log, train[-3:])
        write_akt(folder / f"toy_test{k}.csv.gz", log, test)
    return folder


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", "--help"])
    assert exit_info.value.code == 0
    assert "--data" in capsys.readouterr().out


def test_eval_prints_writes_json_and_a_plot(
    folds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    status = main(["eval", "--data", str(folds), "--json", str(out), "--models", "bkt", "elo", "stacked-kt"])
    assert status == 0
    printed = capsys.readouterr().out
    assert "collapsed:" in printed
    assert "as_released:" in printed
    runs = json.loads(out.read_text())["runs"]
    assert {(r["protocol"], r["model"]) for r in runs} == {
        (p, m) for p in ("collapsed", "as_released") for m in ("bkt", "elo", "stacked-kt")
    }
    keys = {"dataset", "protocol", "model", "default", "auc_mean", "auc_sd", "acc_mean", "rmse_mean"}
    keys |= {"logloss_mean", "ece", "fit_seconds", "updates_per_second"}
    for run in runs:
        assert keys <= set(run)
        assert 0.0 <= run["auc_mean"] <= 1.0
        assert run["n_folds"] == 2
    assert [r["model"] for r in runs if r["default"]] == ["stacked-kt", "stacked-kt"]
    assert (tmp_path / "calibration.png").read_bytes()[:4] == b"\x89PNG"


def test_eval_reports_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--data", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_eval_reports_a_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for part in ("train1", "test1"):
        with gzip.open(tmp_path / f"bad_{part}.csv.gz", "wt") as stream:
            stream.write("1,5\n3,4\n7,8\n1,x\n")
    assert main(["eval", "--data", str(tmp_path), "--models", "bkt"]) == 1
    assert "line 4: correctness" in capsys.readouterr().err


def test_one_fold_has_no_spread_and_says_so(
    folds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    assert main(["eval", "--data", str(folds), "--folds", "1", "--json", str(out), "--models", "elo"]) == 0
    assert "± n/a" in capsys.readouterr().out
    runs = json.loads(out.read_text())["runs"]
    assert all(run["n_folds"] == 1 and run["auc_sd"] is None for run in runs)


def _folds_with_a_broken_test_fold(folder: Path, broken: str) -> Path:
    """Two folds of the toy data; fold 2's test file is ``broken``: "empty", or "one-class" (all wrong)."""
    log = simulate_bkt(SMALL_PARAMS, learners=24, answers_per_skill=6, seed=5)
    learners = list(range(24))
    write_akt(folder / "toy_train1.csv.gz", log, learners[8:])
    write_akt(folder / "toy_test1.csv.gz", log, learners[:8])
    write_akt(folder / "toy_train2.csv.gz", log, learners[:8] + learners[16:])
    if broken == "empty":
        with gzip.open(folder / "toy_test2.csv.gz", "wt") as stream:
            stream.write("")
    else:
        lines = []
        for learner in learners[8:16]:
            n = int(np.sum(log.learner == learner))
            lines += [
                f"{learner},{9000 + learner}",
                ",".join(["1"] * n),
                ",".join(["2"] * n),
                ",".join(["0"] * n),
            ]
        with gzip.open(folder / "toy_test2.csv.gz", "wt") as stream:
            stream.write("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize(
    ("broken", "reason"), [("empty", "no answers"), ("one-class", "test answers are wrong")]
)
def test_a_test_fold_without_a_defined_auc_keeps_the_other_folds(
    broken: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "folds").mkdir()
    folder = _folds_with_a_broken_test_fold(tmp_path / "folds", broken)
    out = tmp_path / "results.json"
    status = main(
        ["eval", "--data", str(folder), "--json", str(out), "--models", "elo", "--protocols", "collapsed"]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "fold 2 (collapsed): AUC n/a, " in printed
    assert reason in printed
    (run,) = json.loads(out.read_text())["runs"]
    assert run["folds"] == [1, 2]
    assert run["auc_per_fold"][0] is not None
    assert 0.0 <= run["auc_per_fold"][0] <= 1.0
    assert run["auc_per_fold"][1] is None
    assert run["auc_mean"] == run["auc_per_fold"][0]
    assert run["auc_folds"] == 1
    assert reason in run["auc_undefined"]["2"]


def test_a_byte_order_mark_in_a_fold_file_is_accepted(
    folds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in folds.iterdir():
        if "1." in path.name:
            with gzip.open(path, "rt") as stream:
                text = stream.read()
            with gzip.open(tmp_path / path.name, "wt", encoding="utf-8") as stream:
                stream.write("\ufeff" + text.replace("\n", ",\n"))
    plot = tmp_path / "plot" / "calibration.png"
    status = main(
        ["eval", "--data", str(tmp_path), "--models", "elo", "--protocols", "collapsed", "--plot", str(plot)]
    )
    assert status == 0
    assert "fold 1 collapsed   elo" in capsys.readouterr().out


def test_a_three_line_fold_with_an_id_and_a_count_is_refused_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # per learner: "user id,count" / skill ids / correctness; two learners of equal length
    text = "82295,3\n7,7,8\n1,0,1\n82296,3\n7,8,8\n0,0,1\n"
    for part in ("train1", "test1"):
        with gzip.open(tmp_path / f"dkt_{part}.csv.gz", "wt") as stream:
            stream.write(text)
    assert main(["eval", "--data", str(tmp_path), "--models", "elo"]) == 1
    err = capsys.readouterr().err
    assert "dkt_test1.csv.gz, line 1: " in err or "dkt_train1.csv.gz, line 1: " in err
    assert "sequence length" in err
