"""``learnpath eval --data DIR [--json FILE]``: evaluate the learner models on AKT-format folds.

Fold k trains on ``*train{k}`` + ``*valid{k}`` and tests on ``*test{k}`` (files ``.csv`` or ``.csv.gz``).
For every model and protocol it prints AUC, accuracy, RMSE, log loss (mean ± sd over folds), calibration
error, fit seconds, online updates per second and peak memory, writes a calibration plot (PNG) and,
with ``--json``, the runs as JSON. This module does the I/O and the timing; the engine does the rest.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from learnpath.engine.answers import AnswerLog
from learnpath.engine.datasets import DataFormatError, read_akt
from learnpath.engine.evaluation import (
    PROTOCOL_TEXT,
    PROTOCOLS,
    ModelSpec,
    Protocol,
    apply_protocol,
    score,
    standard_models,
    summarise,
)
from learnpath.engine.metrics import calibration

FOLD_FILE = re.compile(r"^(?P<dataset>.*?)_?(?P<part>train|valid|test)(?P<fold>\d+)\.csv(?:\.gz)?$")
UPDATE_SAMPLE = 50_000  # online updates timed per model and fold
UPDATE_PASSES = 3  # passes over them; the fastest counts


def open_text(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


@dataclass
class FoldFiles:
    dataset: str
    fold: int
    train: list[Path] = field(default_factory=list)
    test: list[Path] = field(default_factory=list)


def find_folds(directory: Path) -> list[FoldFiles]:
    """The folds in ``directory``: each needs a test file and at least one train or valid file."""
    folds: dict[int, FoldFiles] = {}
    for path in sorted(directory.iterdir()):
        match = FOLD_FILE.match(path.name)
        if not match:
            continue
        k = int(match["fold"])
        fold = folds.setdefault(k, FoldFiles(match["dataset"], k))
        (fold.test if match["part"] == "test" else fold.train).append(path)
    complete = [folds[k] for k in sorted(folds) if folds[k].test and folds[k].train]
    if not complete:
        raise FileNotFoundError(
            f"no AKT-format folds in {directory}: "
            "expected files like NAME_train1.csv[.gz], NAME_valid1, NAME_test1"
        )
    return complete


def has_problem_line(path: Path) -> bool:
    """True for the four-line format (with problem ids), False for three lines per learner."""
    with open_text(path) as stream:
        lines = [line.strip() for _, line in zip(range(12), stream, strict=False) if line.strip()]
    if lines and len(lines[0].split(",")) == 2:  # "learner_index,user_id" heads the four-line format
        return True
    if len(lines) >= 4 and len(lines[1].split(",")) == len(lines[2].split(",")) == len(lines[3].split(",")):
        return set(lines[3].split(",")) <= {"0", "1"} and not set(lines[2].split(",")) <= {"0", "1"}
    return False


def read_fold_files(paths: Sequence[Path], with_problems: bool) -> AnswerLog:
    streams = [open_text(path) for path in paths]
    try:
        return read_akt(
            [(path.name, stream) for path, stream in zip(paths, streams, strict=True)],
            with_problems=with_problems,
        )
    finally:
        for stream in streams:
            stream.close()


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def time_updates(
    model: Any, log: AnswerLog, limit: int = UPDATE_SAMPLE, passes: int = UPDATE_PASSES
) -> tuple[float, float]:
    """Online updates per second, by the wall clock and per CPU second of this process: ``model.update``
    over the first ``limit`` answers of ``log``, each learner's state kept in a dict, from fresh states
    on each of ``passes`` passes; the fastest pass counts (the convention of Python's timeit: other
    processes only ever add time, so the fastest pass is the best measure of the code)."""
    answers = [log.answer(k) for k in range(min(limit, len(log)))]
    learners = [answer.learner for answer in answers]
    initial = model.initial_state()
    best: tuple[float, float] | None = None
    for _ in range(max(1, passes)):
        states: dict[str, Any] = {}
        started = time.perf_counter()
        cpu_started = time.process_time()
        for learner, answer in zip(learners, answers, strict=True):
            states[learner] = model.update(states.get(learner, initial), answer)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        if best is None or elapsed < best[0]:
            best = (elapsed, cpu)
    assert best is not None
    elapsed, cpu = best
    return (
        len(answers) / elapsed if elapsed > 0 else float("inf"),
        len(answers) / cpu if cpu > 0 else float("inf"),
    )


@dataclass
class Run:
    dataset: str
    protocol: Protocol
    model: str
    default: bool
    folds: list[dict[str, float]] = field(default_factory=list)
    fold_numbers: list[int] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    predictions: list[np.ndarray] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        summary = summarise(self.folds)
        y = np.concatenate(self.labels)
        p = np.concatenate(self.predictions)
        return {
            "dataset": self.dataset,
            "protocol": self.protocol,
            "model": self.model,
            "default": self.default,
            "auc_mean": summary["auc_mean"],
            "auc_sd": summary["auc_sd"],
            "acc_mean": summary["acc_mean"],
            "acc_sd": summary["acc_sd"],
            "rmse_mean": summary["rmse_mean"],
            "rmse_sd": summary["rmse_sd"],
            "logloss_mean": summary["logloss_mean"],
            "logloss_sd": summary["logloss_sd"],
            "ece": calibration(y, p).ece,
            "ece_fold_mean": summary["ece_mean"],
            "fit_seconds": summary["fit_seconds_mean"],
            "fit_seconds_max": float(max(fold["fit_seconds"] for fold in self.folds)),
            "fit_cpu_seconds": summary["fit_cpu_seconds_mean"],
            "fit_cpu_seconds_max": float(max(fold["fit_cpu_seconds"] for fold in self.folds)),
            "predict_seconds": summary["predict_seconds_mean"],
            "updates_per_second": summary["updates_per_second_mean"],
            "updates_per_cpu_second": summary["updates_per_cpu_second_mean"],
            "peak_memory_mb": float(max(fold["peak_memory_mb"] for fold in self.folds)),
            "n_folds": len(self.folds),
            "n_test_answers": len(y),
            "folds": list(self.fold_numbers),
            "auc_per_fold": [fold["auc"] for fold in self.folds],
            "fit_seconds_per_fold": [fold["fit_seconds"] for fold in self.folds],
            "fit_cpu_seconds_per_fold": [fold["fit_cpu_seconds"] for fold in self.folds],
        }


def evaluate(
    directory: Path,
    *,
    models: Sequence[ModelSpec] | None = None,
    protocols: Sequence[Protocol] = PROTOCOLS,
    folds: Sequence[int] | None = None,
    log: Callable[[str], None] = print,
) -> list[Run]:
    """Run every model on every fold and protocol; return the runs with their per-fold scores."""
    specs = list(models) if models is not None else standard_models()
    fold_files = [f for f in find_folds(directory) if folds is None or f.fold in folds]
    with_problems = has_problem_line(fold_files[0].test[0])
    runs: dict[tuple[str, str], Run] = {}
    for fold in fold_files:
        raw_train = read_fold_files(fold.train, with_problems)
        raw_test = read_fold_files(fold.test, with_problems)
        for protocol in protocols:
            train = apply_protocol(raw_train, protocol)
            test = apply_protocol(raw_test, protocol)
            y = test.correct.astype(np.float64)
            for spec in specs:
                run = runs.setdefault(
                    (protocol, spec.name), Run(fold.dataset, protocol, spec.name, spec.default)
                )
                model = spec.make()
                started = time.perf_counter()
                cpu_started = time.process_time()
                model.fit(train)
                fit_seconds = time.perf_counter() - started
                fit_cpu_seconds = time.process_time() - cpu_started
                started = time.perf_counter()
                p = model.predict_sequential(test)
                predict_seconds = time.perf_counter() - started
                scores = score(y, p)
                updates, updates_cpu = time_updates(model, test)
                scores.update(
                    fit_seconds=fit_seconds,
                    fit_cpu_seconds=fit_cpu_seconds,
                    predict_seconds=predict_seconds,
                    updates_per_second=updates,
                    updates_per_cpu_second=updates_cpu,
                    peak_memory_mb=peak_memory_mb(),
                )
                run.folds.append(scores)
                run.fold_numbers.append(fold.fold)
                run.labels.append(y)
                run.predictions.append(p)
                log(
                    f"fold {fold.fold} {protocol:<11} {spec.name:<15} AUC {scores['auc']:.4f}  "
                    f"fit {fit_seconds:6.1f}s (CPU {fit_cpu_seconds:6.1f}s)  "
                    f"{updates:>9,.0f} updates/s ({updates_cpu:,.0f} per CPU s)"
                )
    return list(runs.values())


def json_safe(value: Any) -> Any:
    """The value with NaN and infinities as null (JSON has neither)."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def plus_minus(mean: float, sd: float | None) -> str:
    """``mean ± sd``; ``mean ± n/a`` where the spread is undefined (one fold)."""
    spread = f"{sd:.4f}" if sd is not None and np.isfinite(sd) else "n/a"
    return f"{mean:.4f} ± {spread}"


def format_table(records: Sequence[dict[str, Any]]) -> Iterator[str]:
    yield (
        f"{'protocol':<12}{'model':<16}{'AUC':>17}{'accuracy':>17}{'RMSE':>17}{'log loss':>17}"
        f"{'ECE':>8}{'fit s':>8}{'updates/s':>12}{'peak MB':>9}"
    )
    for r in records:
        name = r["model"] + (" *" if r["default"] else "")
        yield (
            f"{r['protocol']:<12}{name:<16}"
            + "".join(
                f"{plus_minus(r[f'{metric}_mean'], r[f'{metric}_sd']):>17}"
                for metric in ("auc", "acc", "rmse", "logloss")
            )
            + f"{r['ece']:>8.4f}{r['fit_seconds']:>8.1f}"
            + f"{r['updates_per_second']:>12,.0f}{r['peak_memory_mb']:>9.0f}"
        )


def write_calibration_plot(runs: Sequence[Run], path: Path) -> None:
    """Reliability diagrams (pooled over folds), one panel per protocol."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    protocols = [p for p in PROTOCOLS if any(run.protocol == p for run in runs)]
    figure, axes = plt.subplots(1, len(protocols), figsize=(5.5 * len(protocols), 5.0), squeeze=False)
    for axis, protocol in zip(axes[0], protocols, strict=True):
        axis.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, label="perfect calibration")
        for run in runs:
            if run.protocol != protocol:
                continue
            cal = calibration(np.concatenate(run.labels), np.concatenate(run.predictions), bins=10)
            used = cal.count > 0
            label = f"{run.model}{' (default)' if run.default else ''}, ECE {cal.ece:.3f}"
            axis.plot(cal.mean_predicted[used], cal.observed[used], marker="o", linewidth=1.5, label=label)
        axis.set_title(f"{runs[0].dataset}, {protocol}")
        axis.set_xlabel("predicted P(correct)")
        axis.set_ylabel("observed share correct")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
        axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="evaluate the learner models on AKT-format folds",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--data", required=True, type=Path, help="folder of AKT-format fold files")
    parser.add_argument("--json", type=Path, help="write the runs to this JSON file")
    parser.add_argument(
        "--plot", type=Path, help="calibration plot (PNG); default: calibration.png beside --json, or here"
    )
    parser.add_argument("--folds", type=int, nargs="+", help="only these fold numbers (default: all)")
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    parser.add_argument("--models", nargs="+", help="only these models (default: all)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    directory: Path = args.data
    if not directory.is_dir():
        print(f"learnpath eval: {directory} is not a folder", file=sys.stderr)
        return 2
    specs = standard_models()
    if args.models:
        unknown = sorted(set(args.models) - {spec.name for spec in specs})
        if unknown:
            print(
                f"learnpath eval: unknown model(s) {', '.join(unknown)}; "
                f"choose from {', '.join(s.name for s in specs)}",
                file=sys.stderr,
            )
            return 2
        specs = [spec for spec in specs if spec.name in args.models]
    print(
        f"Protocol: folds from {directory}; "
        "fold k trains on train_k + valid_k, tests on test_k (split by learner)"
    )
    for protocol in args.protocols:
        print(f"  {PROTOCOL_TEXT[protocol]}")
    try:
        runs = evaluate(directory, models=specs, protocols=args.protocols, folds=args.folds)
    except (DataFormatError, FileNotFoundError) as error:
        print(f"learnpath eval: {error}", file=sys.stderr)
        return 1
    records = [run.record() for run in runs]
    print()
    for line in format_table(records):
        print(line)
    print("* the model learnpath uses by default; ECE pooled over folds, 10 equal-width bins")
    plot = args.plot or ((args.json.parent if args.json else Path.cwd()) / "calibration.png")
    write_calibration_plot(runs, plot)
    print(f"calibration plot: {plot}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"runs": json_safe(records)}, indent=2) + "\n", encoding="utf-8")
        print(f"results: {args.json}")
    return 0
