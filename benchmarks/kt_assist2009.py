"""Benchmark: learnpath's learner models on the AKT ASSISTments 2009 folds, with pyBKT as the peer.

    .venv/bin/python benchmarks/kt_assist2009.py            # everything (about 25 minutes on 2 cores)
    .venv/bin/python benchmarks/kt_assist2009.py --folds 1  # a quick look
    .venv/bin/python benchmarks/kt_assist2009.py --tune item-rates logistic confirm bkt blend
    .venv/bin/python benchmarks/kt_assist2009.py --tune blend-weights   # StackedKT.DEFAULT_WEIGHTS
    .venv/bin/python benchmarks/kt_assist2009.py --fit-scaling 100000 300000 600000 900000

``--tune`` scores candidate hyperparameters on an inner split by learner of fold 1's train file only
(``TUNING_FILES`` in learnpath.cli.eval_command; it refuses to run if one has a test file's content) and
writes benchmarks/results/kt_assist2009_tuning.json; docs/decisions/0022-honest-tuning.md has the
outcome. ``--fit-scaling`` times the default model's fit at several log sizes (whole learners resampled).

Prints the protocol and, per model and protocol, AUC, accuracy, RMSE, log loss (mean ± sd over the 5
folds), calibration error, fit seconds, online updates per second; runs pyBKT 1.4.3 (in its own virtual
environment, benchmarks/.venv-pybkt, made by benchmarks/peers/setup_pybkt.sh) on the same folds and
protocols; checks the targets of issue 3; writes benchmarks/results/kt_assist2009.json,
docs/img/calibration.png and the "Learner model" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from learnpath.cli.eval_command import (
    TUNING_FILES,
    Run,
    evaluate,
    find_folds,
    format_table,
    has_problem_line,
    json_safe,
    peak_memory_mb,
    plus_minus,
    read_fold_files,
    tuning_files_that_are_test_files,
    write_calibration_plot,
)
from learnpath.engine.answers import AnswerLog
from learnpath.engine.bkt import BKT
from learnpath.engine.datasets import expand_multi_skill_answers
from learnpath.engine.elo import EloModel
from learnpath.engine.evaluation import (
    PROTOCOL_TEXT,
    PROTOCOLS,
    ModelSpec,
    apply_protocol,
    score,
    standard_models,
)
from learnpath.engine.logistic_kt import LogisticKT, learner_draws
from learnpath.engine.stacked_kt import StackedKT
from reporting import commit

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "kt" / "assist2009_akt_folds"
RESULTS = ROOT / "benchmarks" / "results" / "kt_assist2009.json"
PLOT = ROOT / "docs" / "img" / "calibration.png"
PEER_PYTHON = ROOT / "benchmarks" / ".venv-pybkt" / "bin" / "python"
PEER_SETUP = ROOT / "benchmarks" / "peers" / "setup_pybkt.sh"
PEER_RUNNER = ROOT / "benchmarks" / "peers" / "pybkt_runner.py"
SECTION_START = "<!-- learner-model:start -->"
SECTION_END = "<!-- learner-model:end -->"

TARGETS = {
    "auc": 0.790,
    "fit_seconds": 60.0,
    "updates_per_second": 100_000.0,
    "ece": 0.02,
    "bkt_speedup": 10.0,
}


def write_peer_csv(log: Any, path: Path, order_offset: int = 0) -> np.ndarray:
    """One row per (answer, skill) for pyBKT; returns, per row, the index of its answer."""
    rows, answer_of_row = expand_multi_skill_answers(log)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["order_id", "user_id", "skill_name", "correct"])
        for k in range(len(rows)):
            writer.writerow(
                [
                    order_offset + k,
                    rows.learner_ids[rows.learner[k]],
                    rows.skill_ids[rows.skill[rows.skill_start[k]]],
                    int(rows.correct[k]),
                ]
            )
    return answer_of_row


class PeerRun:
    """pyBKT in its own process, started before learnpath's models run and collected after.

    It runs alongside the learnpath evaluation to save wall time on a busy machine; its fit time is
    therefore reported in CPU seconds of its process as well as wall seconds.
    """

    def __init__(
        self,
        folds: list[int],
        protocols: list[str],
        num_fits: int,
        log: Any = print,
        attach: Path | None = None,
    ) -> None:
        if (
            attach is not None
        ):  # a pyBKT run started by an earlier, interrupted benchmark: wait for its report
            self.log = log
            self.workdir = attach
            self.job = json.loads((attach / "job.json").read_text(encoding="utf-8"))
            self.process = None
            self.tests = {}
            by_fold = {f.fold: f for f in find_folds(DATA)}
            for entry in self.job["folds"]:
                fold = by_fold[entry["fold"]]
                with_problems = has_problem_line(fold.test[0])
                test = apply_protocol(read_fold_files(fold.test, with_problems), entry["protocol"])
                _, answer_of_row = expand_multi_skill_answers(test)
                self.tests[(entry["protocol"], entry["fold"])] = (test, answer_of_row)
                self.dataset = fold.dataset
            return
        if not PEER_PYTHON.exists():
            log(f"pyBKT's environment is missing: creating it with {PEER_SETUP.relative_to(ROOT)}")
            subprocess.run(["bash", str(PEER_SETUP)], check=True)
        self.log = log
        self.workdir = Path(tempfile.mkdtemp(prefix="kt-peer-"))
        fold_files = [f for f in find_folds(DATA) if f.fold in folds]
        self.dataset = fold_files[0].dataset
        with_problems = has_problem_line(fold_files[0].test[0])
        self.tests: dict[tuple[str, int], tuple[Any, np.ndarray]] = {}
        self.job: dict[str, Any] = {
            "folds": [],
            "report": str(self.workdir / "report.json"),
            "num_fits": num_fits,
        }
        for protocol in protocols:
            for fold in fold_files:
                train = apply_protocol(read_fold_files(fold.train, with_problems), protocol)  # type: ignore[arg-type]
                test = apply_protocol(read_fold_files(fold.test, with_problems), protocol)  # type: ignore[arg-type]
                name = f"{fold.fold}-{protocol}"
                write_peer_csv(train, self.workdir / f"train{name}.csv")
                answer_of_row = write_peer_csv(test, self.workdir / f"test{name}.csv", order_offset=10**9)
                self.tests[(protocol, fold.fold)] = (test, answer_of_row)
                self.job["folds"].append(
                    {
                        "fold": fold.fold,
                        "protocol": protocol,
                        "train": str(self.workdir / f"train{name}.csv"),
                        "test": str(self.workdir / f"test{name}.csv"),
                        "output": str(self.workdir / f"pred{name}.csv"),
                    }
                )
        job_path = self.workdir / "job.json"
        job_path.write_text(json.dumps(self.job), encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [str(PEER_PYTHON), str(PEER_RUNNER), str(job_path)]
        )

    def collect(self) -> list[Run]:
        if self.process is None:
            while not Path(self.job["report"]).exists():
                time.sleep(10)
            time.sleep(2)
        elif self.process.wait() != 0:
            raise RuntimeError(f"pyBKT failed (exit status {self.process.returncode})")
        report = json.loads(Path(self.job["report"]).read_text(encoding="utf-8"))
        runs: dict[str, Run] = {}
        for fold_report in report["folds"]:
            protocol = fold_report["protocol"]
            run = runs.setdefault(protocol, Run(self.dataset, protocol, "pybkt (peer)", False))
            test, answer_of_row = self.tests[(protocol, fold_report["fold"])]
            name = f"{fold_report['fold']}-{protocol}"
            with open(self.workdir / f"pred{name}.csv", encoding="utf-8") as stream:
                rows = list(csv.DictReader(stream))
            row_p = np.array([float(r["correct_predictions"]) for r in rows])
            order = np.array([int(r["order_id"]) - 10**9 for r in rows])
            per_row = np.empty(len(answer_of_row))
            per_row[order] = row_p
            # the same rule as learnpath's BKT for an answer with several skills: the mean
            p = np.clip(np.bincount(answer_of_row, weights=per_row) / np.bincount(answer_of_row), 0.0, 1.0)
            y = test.correct.astype(np.float64)
            scores = score(y, p)
            scores.update(
                fit_seconds=fold_report["fit_seconds"],
                fit_cpu_seconds=fold_report["fit_cpu_seconds"],
                predict_seconds=fold_report["predict_seconds"],
                updates_per_second=float("nan"),
                updates_per_cpu_second=float("nan"),
                peak_memory_mb=float("nan"),
            )
            run.folds.append(scores)
            run.fold_numbers.append(fold_report["fold"])
            run.labels.append(y)
            run.predictions.append(p)
            self.log(
                f"fold {fold_report['fold']} {protocol:<11} pybkt (peer)    AUC {scores['auc']:.4f}  "
                f"fit {fold_report['fit_seconds']:6.1f}s (CPU {fold_report['fit_cpu_seconds']:.1f}s)"
            )
        if report.get("pybkt_version"):
            self.log(f"pyBKT version {report['pybkt_version']}")
        return list(runs.values())


def check_targets(records: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    checks: list[tuple[str, str, bool]] = []
    by = {(r["protocol"], r["model"]): r for r in records}
    default = next((r for r in records if r["default"] and r["protocol"] == "collapsed"), None)
    if default:
        checks.append(
            (
                f"default model ({default['model']}), collapsed, mean AUC >= {TARGETS['auc']}",
                f"{default['auc_mean']:.4f}",
                default["auc_mean"] >= TARGETS["auc"],
            )
        )
        checks.append(
            (
                f"fit on a fold's training data <= {TARGETS['fit_seconds']:.0f} s (slowest fold, wall clock)",
                f"{default['fit_seconds_max']:.1f} s (CPU {default['fit_cpu_seconds_max']:.1f} s)",
                default["fit_seconds_max"] <= TARGETS["fit_seconds"],
            )
        )
        checks.append(
            (
                f"online updates >= {TARGETS['updates_per_second']:,.0f} per second (wall clock)",
                f"{default['updates_per_second']:,.0f}/s "
                f"(per CPU second {default['updates_per_cpu_second']:,.0f})",
                default["updates_per_second"] >= TARGETS["updates_per_second"],
            )
        )
        checks.append(
            (
                f"calibration: ECE <= {TARGETS['ece']}",
                f"{default['ece']:.4f}",
                default["ece"] <= TARGETS["ece"],
            )
        )
    for protocol in PROTOCOLS:
        ours, peer = by.get((protocol, "bkt")), by.get((protocol, "pybkt (peer)"))
        if not (ours and peer):
            continue
        # compare on the folds pyBKT ran
        same = [ours["folds"].index(fold) for fold in peer["folds"] if fold in ours["folds"]]
        if len(same) != len(peer["folds"]):
            continue
        our_auc = float(np.mean([ours["auc_per_fold"][k] for k in same]))
        our_cpu = float(np.mean([ours["fit_cpu_seconds_per_fold"][k] for k in same]))
        our_wall = float(np.mean([ours["fit_seconds_per_fold"][k] for k in same]))
        folds = ", ".join(str(f) for f in peer["folds"])
        checks.append(
            (
                f"BKT AUC >= pyBKT's ({protocol}, fold {folds})",
                f"{our_auc:.4f} vs {peer['auc_mean']:.4f}",
                our_auc >= peer["auc_mean"],
            )
        )
        speedup = peer["fit_cpu_seconds"] / our_cpu
        checks.append(
            (
                f"BKT fit >= {TARGETS['bkt_speedup']:.0f}x faster than pyBKT "
                f"({protocol}, fold {folds}, CPU seconds)",
                f"{our_cpu:.1f} s vs {peer['fit_cpu_seconds']:.1f} s: {speedup:.1f}x "
                f"(wall {our_wall:.1f} s vs {peer['fit_seconds']:.1f} s: "
                f"{peer['fit_seconds'] / our_wall:.1f}x)",
                speedup >= TARGETS["bkt_speedup"],
            )
        )
        forgetting = by.get((protocol, "bkt-forgetting"))
        if forgetting and all(fold in forgetting["folds"] for fold in peer["folds"]):
            auc_f = float(
                np.mean([forgetting["auc_per_fold"][forgetting["folds"].index(f)] for f in peer["folds"]])
            )
            checks.append(
                (
                    f"(beside the target) BKT with forgetting vs pyBKT ({protocol}, fold {folds})",
                    f"{auc_f:.4f} vs {peer['auc_mean']:.4f}",
                    auc_f >= peer["auc_mean"],
                )
            )
    return checks


def markdown_section(
    records: list[dict[str, Any]], checks: list[tuple[str, str, bool]], command: str, meta: dict[str, Any]
) -> str:
    lines = [
        SECTION_START,
        "## Learner model (knowledge tracing, ASSISTments 2009)",
        "",
        f"Commit: `{commit()}`.",
        "",
        f"Command: `{command}` — run {meta['date']} on {meta['machine']}.",
        "",
        "Data: ../shared/data/kt/assist2009_akt_folds, the five AKT folds (fold k trains on "
        "train_k + valid_k, tests on test_k; split by learner). Every test answer is predicted only "
        "from the same learner's earlier "
        "answers. Protocols:",
        "",
        *(f"- {PROTOCOL_TEXT[p]}" for p in PROTOCOLS),
        "",
        "| protocol | model | AUC (mean ± sd) | accuracy | RMSE | log loss | ECE "
        "| fit s (wall mean / max; CPU mean) | updates/s (wall / per CPU s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        name = r["model"] + (" (default)" if r["default"] else "")
        ups = (
            "—"
            if not np.isfinite(r["updates_per_second"])
            else f"{r['updates_per_second']:,.0f} / {r['updates_per_cpu_second']:,.0f}"
        )
        lines.append(
            f"| {r['protocol']} | {name} | {plus_minus(r['auc_mean'], r['auc_sd'])} | {r['acc_mean']:.4f} | "
            f"{r['rmse_mean']:.4f} | {r['logloss_mean']:.4f} | {r['ece']:.4f} | {r['fit_seconds']:.1f} / "
            f"{r['fit_seconds_max']:.1f}; {r['fit_cpu_seconds']:.1f} | {ups} |"
        )
    if meta.get("peer_pending"):
        lines += ["", "pyBKT was still running when this was written; its row follows when it ends."]
    lines += ["", "Targets (issue 3):", ""]
    lines += [f"- {'met' if ok else '**not met**'}: {what} — {value}" for what, value, ok in checks]
    lines += [
        "",
        "Timings: the machine has 2 cores; pyBKT runs in a second process beside learnpath's models "
        "(one core each); the machine is shared with other work, which this script cannot see beyond the "
        f"load average (when written: {meta['load']}), so compare CPU seconds and ratios. Wall-clock "
        "seconds are the targets' measure; CPU seconds of the evaluating process are given beside them. "
        "Updates per second: the fastest of three passes of `update` over a fold's first 50,000 test "
        "answers (timeit's convention); fit seconds: one fit per fold. "
        "LogisticKT's fit runs BLAS on one thread (docs/learner-model.md). pyBKT 1.4.3 runs in its own "
        "process as pip installs it here (its pure-Python E-step, parallel=False), with one fit per "
        "skill (num_fits=1; its default is 5, learnpath's BKT uses 4 restarts), on the folds and "
        "protocols named in the targets. Peak MB is the peak resident memory "
        "of the evaluating process. ECE is pooled "
        "over folds, 10 equal-width bins. Reference points (AUC, ASSISTments 2009 with one row per answer): "
        "AKT-R 0.7866 (AKT paper), IEKT 0.7861 and AKT 0.7853 (pyKT benchmark).",
        "",
        "![Calibration of the learner models](docs/img/calibration.png)",
        "",
        "Results: `benchmarks/results/kt_assist2009.json`. Model details: docs/learner-model.md.",
        SECTION_END,
    ]
    return "\n".join(lines)


def update_benchmarks_md(section: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = (
        path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    )  # re-read just before writing
    if SECTION_START in text and SECTION_END in text:
        before, rest = text.split(SECTION_START, 1)
        _, after = rest.split(SECTION_END, 1)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- tuning on training data only (--tune)

TUNE_SEED = 2009  # the inner split's seed (learnpath.engine.logistic_kt.learner_draws)
TUNE_HELD_SHARE = 0.2  # the share of fold 1's training learners held out
TUNE_RESULTS = ROOT / "benchmarks" / "results" / "kt_assist2009_tuning.json"
OLD_BLEND_WEIGHTS = (0.745, 0.219, 0.028)  # the constants chosen on valid_1 (= test_2) before issue 10


class LeaveOneOutLogisticKT(LogisticKT):
    """LogisticKT as it was before issue 10, for comparison only: each training answer's item rate left
    its own label out, which tells the fit the label (docs/decisions/0022-honest-tuning.md)."""

    def _training_item_rates(self, log: AnswerLog) -> tuple[np.ndarray, np.ndarray]:
        assert self.item_successes_ is not None
        assert self.item_attempts_ is not None
        assert self.skill_rate_ is not None
        y = log.correct.astype(np.float64)
        counts = log.n_skills_per_answer
        answer_of_entry = np.repeat(np.arange(len(log)), counts)
        prior = np.bincount(answer_of_entry, weights=self.skill_rate_[log.skill], minlength=len(log)) / counts
        successes = self.item_successes_[log.item] - y
        attempts = self.item_attempts_[log.item] - 1.0
        a = self.prior_strength
        rate = (successes + a * prior) / (attempts + a)
        return np.log(rate / (1.0 - rate)), np.log1p(attempts)


class UnscaledOutOfFoldLogisticKT(LogisticKT):
    """Out-of-fold item rates without scaling the other folds' counts to the whole log's size."""

    _scale_out_of_fold = False


def tuning_split() -> tuple[AnswerLog, AnswerLog]:
    """Fold 1's train file only (``TUNING_FILES``), collapsed, split by learner: about 80 % of its learners
    to fit on, 20 % held out and predicted sequentially. No valid or test file is read."""
    clashes = tuning_files_that_are_test_files(DATA)
    if clashes:
        raise SystemExit(f"refusing to tune: tuning files with a test file's content: {clashes}")
    paths = [DATA / name for name in TUNING_FILES]
    log = apply_protocol(read_fold_files(paths, has_problem_line(paths[0])), "collapsed")
    held = (learner_draws(log, TUNE_SEED) < TUNE_HELD_SHARE)[log.learner]
    return log.select(~held), log.select(held)


def tuning_candidates(groups: list[str]) -> list[tuple[str, str, Any]]:
    """(group, label, make) for each candidate setting; the first of each group is today's default."""
    out: list[tuple[str, str, Any]] = []
    if "item-rates" in groups:
        out += [
            ("item-rates", "out of fold by learner, K=10, counts scaled (default)", LogisticKT),
            (
                "item-rates",
                "out of fold by learner, K=5, counts scaled",
                lambda: LogisticKT(item_rate_folds=5),
            ),
            (
                "item-rates",
                "out of fold by learner, K=5, unscaled",
                lambda: UnscaledOutOfFoldLogisticKT(item_rate_folds=5),
            ),
            ("item-rates", "in-sample, one rate per item (K=1)", lambda: LogisticKT(item_rate_folds=1)),
            ("item-rates", "leave-one-out (before issue 10; leaks)", LeaveOneOutLogisticKT),
        ]
    if "logistic" in groups:
        defaults = LogisticKT().get_params()
        out.append(("logistic", "defaults", LogisticKT))
        for name, values in (
            ("max_iter", (300, 800)),
            ("item_l2", (2.5, 10.0)),
            ("skill_l2", (1.0, 4.0)),
            ("dense_l2", (0.1, 0.4)),
            ("prior_strength", (5.0, 20.0)),
        ):
            for value in values:
                params = {**defaults, name: value}
                out.append(("logistic", f"{name}={value}", lambda params=params: LogisticKT(**params)))
    if "confirm" in groups:  # the winners of "logistic" together, against the defaults before them
        out += [
            ("confirm", "defaults (skill_l2=4.0, dense_l2=0.4)", LogisticKT),
            (
                "confirm",
                "skill_l2=2.0, dense_l2=0.2 (before)",
                lambda: LogisticKT(skill_l2=2.0, dense_l2=0.2),
            ),
        ]
    if "bkt" in groups:
        for forgetting in (False, True):
            group = "bkt-forgetting" if forgetting else "bkt"
            for bound in (0.5, 0.3, 0.4, 0.45):
                out.append(
                    (
                        group,
                        f"max_guess = max_slip = {bound}" + (" (default)" if bound == 0.5 else ""),
                        lambda bound=bound, forgetting=forgetting: BKT(
                            forgetting=forgetting, max_guess=bound, max_slip=bound, random_state=0
                        ),
                    )
                )
    if "blend" in groups:
        out += [
            (
                "blend",
                "weights chosen by fit on its own training learners (StackedKT(weights=None))",
                lambda: StackedKT(weights=None),
            ),
            ("blend", f"fixed default weights {StackedKT.DEFAULT_WEIGHTS}", StackedKT),
            (
                "blend",
                f"fixed weights {OLD_BLEND_WEIGHTS} (chosen on valid_1 = test_2)",
                lambda: StackedKT(weights=OLD_BLEND_WEIGHTS),
            ),
            ("blend", "elo alone", EloModel),
        ]
    return out


def derive_blend_weights() -> int:
    """StackedKT's default weights: its own in-fit choice (``StackedKT._choose_weights``: fit both models on
    80 % of the learners, regress the other 20 %'s answers on their sequential predictions) run once on
    fold 1's train file only (``TUNING_FILES``, collapsed)."""
    clashes = tuning_files_that_are_test_files(DATA)
    if clashes:
        raise SystemExit(f"refusing to tune: tuning files with a test file's content: {clashes}")
    paths = [DATA / name for name in TUNING_FILES]
    log = apply_protocol(read_fold_files(paths, has_problem_line(paths[0])), "collapsed")
    weights = StackedKT(weights=None)._choose_weights(log)
    print(
        f"blend weights on {', '.join(TUNING_FILES)} ({len(log):,} answers): "
        f"{tuple(round(w, 3) for w in weights)} (unrounded {weights})"
    )
    return 0


def tune(groups: list[str]) -> int:
    """Score candidate hyperparameters on the inner split of fold 1's train file (``tuning_split``)."""
    if groups == ["blend-weights"]:
        return derive_blend_weights()
    train, held = tuning_split()
    y = held.correct.astype(np.float64)
    print(
        f"Tuning data: {', '.join(TUNING_FILES)} only (collapsed), split by learner "
        f"(seed {TUNE_SEED}): {len(train):,} answers of {len(np.unique(train.learner))} learners to fit on, "
        f"{len(held):,} answers of {len(np.unique(held.learner))} learners held out, each predicted from "
        "that learner's earlier answers only",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    for group, label, make in tuning_candidates(groups):
        model = make()
        started = time.perf_counter()
        model.fit(train)
        fit_seconds = time.perf_counter() - started
        p = model.predict_sequential(held)
        scores = score(y, p)
        row = {"group": group, "setting": label, "fit_seconds": fit_seconds, **scores}
        if isinstance(model, StackedKT):
            row["weights"] = list(model.weights_)
        if isinstance(model, LogisticKT):
            row["n_iter"] = model.n_iter_
        rows.append(row)
        print(
            f"{group:<15} {label:<62} AUC {scores['auc']:.5f}  log loss {scores['logloss']:.5f}  "
            f"ECE {scores['ece']:.4f}  fit {fit_seconds:6.1f} s"
            + (
                f"  weights {tuple(round(w, 3) for w in model.weights_)}"
                if isinstance(model, StackedKT)
                else ""
            ),
            flush=True,
        )
    previous = json.loads(TUNE_RESULTS.read_text(encoding="utf-8")) if TUNE_RESULTS.exists() else {}
    kept = [row for row in previous.get("rows", []) if row["group"] not in groups]
    document = {
        "data": list(TUNING_FILES),
        "split": {"seed": TUNE_SEED, "held_share": TUNE_HELD_SHARE, "protocol": "collapsed"},
        "train_answers": len(train),
        "held_answers": len(held),
        "rows": kept + rows,
    }
    TUNE_RESULTS.parent.mkdir(parents=True, exist_ok=True)
    TUNE_RESULTS.write_text(json.dumps(json_safe(document), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {TUNE_RESULTS}")
    return 0


# ---------------------------------------------------------------- fit time against log size (--fit-scaling)


def resampled_log(log: AnswerLog, answers: int, seed: int = 0) -> AnswerLog:
    """About ``answers`` answers: whole learners of ``log`` drawn with replacement, each draw a learner of
    its own (a new id), so the result is a log of that size with the original's statistics."""
    rng = np.random.default_rng(seed)
    rows_of = np.split(np.argsort(log.learner, kind="stable"), np.cumsum(np.bincount(log.learner))[:-1])
    rows_of = [rows for rows in rows_of if len(rows)]
    picked: list[np.ndarray] = []
    learner: list[np.ndarray] = []
    total = 0
    draw = 0
    while total < answers:
        rows = rows_of[int(rng.integers(len(rows_of)))]
        rows = rows[: answers - total]
        picked.append(rows)
        learner.append(np.full(len(rows), draw, dtype=np.int64))
        total += len(rows)
        draw += 1
    part = log.select(np.concatenate(picked))
    return AnswerLog(
        learner=np.concatenate(learner),
        item=part.item.copy(),
        skill_start=part.skill_start.copy(),
        skill=part.skill.copy(),
        correct=part.correct.copy(),
        time=part.time.copy(),
        learner_ids=tuple(f"r{k}" for k in range(draw)),
        item_ids=part.item_ids,
        skill_ids=part.skill_ids,
    )


def fit_scaling(sizes: list[int]) -> int:
    """Fit seconds of the default model by log size, with Elo's fit and LogisticKT's featuriser timed
    apart (the rest of the fit is LogisticKT's L-BFGS), and the fit with ``max_answers=300000``."""
    folds = find_folds(DATA)
    with_problems = has_problem_line(folds[0].test[0])
    source = apply_protocol(
        read_fold_files([path for fold in folds for path in fold.test], with_problems), "collapsed"
    )
    print(f"Source: the five test files, collapsed ({len(source):,} answers), learners resampled", flush=True)
    rows = []
    for size in sizes:
        log = resampled_log(source, size)
        started = time.perf_counter()
        cpu_started = time.process_time()
        stacked = StackedKT().fit(log)
        stacked_seconds = time.perf_counter() - started
        stacked_cpu = time.process_time() - cpu_started
        logistic = stacked.logistic_
        assert logistic is not None
        started = time.perf_counter()
        EloModel().fit(log)
        elo_seconds = time.perf_counter() - started
        started = time.perf_counter()
        logistic._design(log, item_rates=logistic._training_item_rates(log))
        design_seconds = time.perf_counter() - started
        capped_seconds = float("nan")
        if size > 300_000:
            started = time.perf_counter()
            StackedKT(max_answers=300_000).fit(log)
            capped_seconds = time.perf_counter() - started
        row = {
            "answers": len(log),
            "learners": len(log.learner_ids),
            "stacked_kt_fit_seconds": stacked_seconds,
            "stacked_kt_fit_cpu_seconds": stacked_cpu,
            "elo_fit_seconds": elo_seconds,
            "logistic_kt_design_seconds": design_seconds,
            "logistic_kt_iterations": logistic.n_iter_,
            "stacked_kt_max_answers_300000_fit_seconds": capped_seconds,
            "peak_memory_mb": peak_memory_mb(),
        }
        rows.append(row)
        print(
            f"{len(log):>9,} answers: StackedKT fit {stacked_seconds:6.1f} s (CPU {stacked_cpu:.1f} s; "
            f"Elo alone {elo_seconds:.1f} s, LogisticKT's featuriser alone {design_seconds:.1f} s, "
            f"{logistic.n_iter_} L-BFGS iterations)"
            + (f"; with max_answers=300000: {capped_seconds:.1f} s" if np.isfinite(capped_seconds) else "")
            + f"; peak {peak_memory_mb():,.0f} MB",
            flush=True,
        )
    path = ROOT / "benchmarks" / "results" / "kt_assist2009_fit_scaling.json"
    path.write_text(json.dumps(json_safe({"rows": rows}), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    parser.add_argument("--no-peer", action="store_true", help="skip pyBKT")
    parser.add_argument(
        "--peer-folds",
        type=int,
        nargs="+",
        default=[1, 2, 3, 4, 5],
        help="folds pyBKT runs on (default all five; about 5 minutes a fold, beside learnpath's models)",
    )
    parser.add_argument("--peer-protocols", nargs="+", choices=PROTOCOLS, default=["collapsed"])
    parser.add_argument("--peer-num-fits", type=int, default=1, help="pyBKT's restarts (its default is 5)")
    parser.add_argument("--peer-only", action="store_true", help="run only pyBKT")
    parser.add_argument("--peer-attach", type=Path, help="collect a pyBKT run already started in this folder")
    parser.add_argument(
        "--save-runs", type=Path, help="save the runs (.npz) for a later --merge; write nothing else"
    )
    parser.add_argument("--merge", type=Path, nargs="+", help="report the runs saved by several partial runs")
    parser.add_argument("--command-text", help="the command to show in BENCHMARKS.md (for a --merge)")
    parser.add_argument("--models", nargs="+", help="only these of learnpath's models (default: all)")
    parser.add_argument(
        "--no-write", action="store_true", help="print only; write no results, plot or BENCHMARKS.md"
    )
    parser.add_argument(
        "--tune",
        nargs="+",
        choices=["item-rates", "logistic", "confirm", "bkt", "blend", "blend-weights"],
        help="score candidate hyperparameters on an inner split of fold 1's train file only, then stop",
    )
    parser.add_argument(
        "--fit-scaling",
        type=int,
        nargs="+",
        help="time the default model's fit at these log sizes, then stop",
    )
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(
            f"{DATA} is absent: this benchmark needs ../shared/data (see its PROVENANCE.md)", file=sys.stderr
        )
        return 2
    if args.tune:
        return tune(args.tune)
    if args.fit_scaling:
        return fit_scaling(args.fit_scaling)
    command = "python benchmarks/kt_assist2009.py" + (
        "" if args.folds == [1, 2, 3, 4, 5] else " --folds " + " ".join(map(str, args.folds))
    )
    print(
        f"Protocol: {DATA}, folds {args.folds}: "
        "fold k trains on train_k + valid_k, tests on test_k (split by learner)"
    )
    for protocol in args.protocols:
        print(f"  {PROTOCOL_TEXT[protocol]}")
    started = time.perf_counter()
    if args.merge:
        report(
            load_runs(args.merge),
            args.command_text or command,
            started,
            write=not args.no_write,
            peer_pending=False,
        )
        return 0
    peer = None
    if args.peer_attach:
        peer = PeerRun(args.peer_folds, args.peer_protocols, args.peer_num_fits, attach=args.peer_attach)
    elif not args.no_peer:
        peer = PeerRun(args.peer_folds, args.peer_protocols, args.peer_num_fits)
    if args.save_runs:
        runs = (
            []
            if args.peer_only
            else evaluate(DATA, models=pick(args.models), protocols=args.protocols, folds=args.folds)
        )
        if peer is not None:
            runs += peer.collect()
        save_runs(runs, args.save_runs)
        report(runs, command, started, write=False, peer_pending=False)
        return 0
    runs = evaluate(DATA, models=pick(args.models), protocols=args.protocols, folds=args.folds)
    report(runs, command, started, write=not args.no_write, peer_pending=peer is not None)
    if peer is not None:
        print("waiting for pyBKT ...", flush=True)
        runs += peer.collect()
        report(runs, command, started, write=not args.no_write, peer_pending=False)
    return 0


def pick(names: list[str] | None) -> list[ModelSpec]:
    specs = standard_models()
    return specs if not names else [spec for spec in specs if spec.name in names]


def save_runs(runs: list[Run], path: Path) -> None:
    """Runs with their per-fold scores, labels and predictions, for ``--merge`` (no pickle)."""
    arrays: dict[str, np.ndarray] = {}
    meta = []
    for k, run in enumerate(runs):
        meta.append(
            {
                "dataset": run.dataset,
                "protocol": run.protocol,
                "model": run.model,
                "default": run.default,
                "folds": run.folds,
                "fold_numbers": run.fold_numbers,
            }
        )
        for j, (y, p) in enumerate(zip(run.labels, run.predictions, strict=True)):
            arrays[f"y_{k}_{j}"] = y
            arrays[f"p_{k}_{j}"] = p
    arrays["meta"] = np.array(json.dumps(json_safe(meta)))
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def load_runs(paths: list[Path]) -> list[Run]:
    merged: dict[tuple[str, str], Run] = {}
    for path in paths:
        with np.load(path) as data:
            for k, item in enumerate(json.loads(str(data["meta"]))):
                run = merged.setdefault(
                    (item["protocol"], item["model"]),
                    Run(item["dataset"], item["protocol"], item["model"], item["default"]),
                )
                for j, scores in enumerate(item["folds"]):
                    run.folds.append({key: float("nan") if v is None else v for key, v in scores.items()})
                    run.fold_numbers.append(item["fold_numbers"][j])
                    run.labels.append(data[f"y_{k}_{j}"])
                    run.predictions.append(data[f"p_{k}_{j}"])
    defaults = {spec.name for spec in standard_models() if spec.default}
    for run in merged.values():  # folds in order; the default is today's default
        run.default = run.model in defaults
        order = np.argsort(run.fold_numbers, kind="stable")
        run.folds = [run.folds[i] for i in order]
        run.fold_numbers = [run.fold_numbers[i] for i in order]
        run.labels = [run.labels[i] for i in order]
        run.predictions = [run.predictions[i] for i in order]
    return list(merged.values())


def report(runs: list[Run], command: str, started: float, *, write: bool, peer_pending: bool) -> None:
    """Print the table and the targets; write the JSON, the plot and the BENCHMARKS.md section."""
    order = {p: k for k, p in enumerate(PROTOCOLS)}
    runs = sorted(runs, key=lambda run: order[run.protocol])
    records = [run.record() for run in runs]
    print()
    for line in format_table(records):
        print(line)
    checks = check_targets(records)
    print("\nTargets:")
    for what, value, ok in checks:
        print(f"  {'MET    ' if ok else 'NOT MET'}  {what}: {value}")
    print(
        f"\nbenchmark so far: {time.perf_counter() - started:.0f} s"
        + (" (pyBKT still running)" if peer_pending else "")
    )
    if not write:
        return
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}",
        "command": command,
        "peer_pending": peer_pending,
        "seconds": time.perf_counter() - started,
        # other jobs on a shared machine inflate wall-clock times: say how busy it was
        "load": ", ".join(f"{value:.1f}" for value in os.getloadavg()) + " (1, 5, 15 min)",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "meta": meta,
        "targets": TARGETS,
        "checks": [{"target": w, "value": v, "met": ok} for w, v, ok in checks],
        "runs": records,
    }
    RESULTS.write_text(json.dumps(json_safe(document), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    write_calibration_plot(runs, PLOT)
    update_benchmarks_md(markdown_section(records, checks, command, meta))
    print(f"wrote {RESULTS}, {PLOT}, BENCHMARKS.md (section 'Learner model')", flush=True)


if __name__ == "__main__":
    sys.exit(main())
