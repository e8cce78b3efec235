"""``learnpath eval --data DIR [--json FILE]``: evaluate the learner models on AKT-format folds.

Fold k trains on ``*train{k}`` + ``*valid{k}`` and tests on ``*test{k}`` (files ``.csv`` or ``.csv.gz``).
For every model and protocol it prints AUC, accuracy, RMSE, log loss (mean ± sd over folds), calibration
error, fit seconds, online updates per second and peak memory, writes a calibration plot (PNG) and,
with ``--json``, the runs as JSON. This module does the I/O and the timing; the engine does the rest.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
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
    undefined_auc_reason,
)
from learnpath.engine.metrics import calibration

FOLD_FILE = re.compile(r"^(?P<dataset>.*?)_?(?P<part>train|valid|test)(?P<fold>\d+)\.csv(?:\.gz)?$")
UPDATE_SAMPLE = 50_000  # online updates timed per model and fold
UPDATE_PASSES = 3  # passes over them; the fastest counts


def open_text(path: Path) -> TextIO:
    # utf-8-sig: a byte-order mark at the start, as some editors write, is not part of the first line
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open("r", encoding="utf-8-sig", newline="")


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


# The only files any hyperparameter or default of learnpath's learner models was chosen on, in the AKT
# ASSISTments 2009 folds (benchmarks/kt_assist2009.py --tune; docs/decisions/0022-honest-tuning.md). A
# fold's valid file is no tuning file: in this release valid{k} holds the same lines as test{k+1}.
TUNING_FILES = ("assist2009_pid_train1.csv.gz",)


def content_sha256(path: Path) -> str:
    """sha256 of a file's content, decompressed where it is gzipped: two gzip files of the same lines can
    differ in their compressed bytes (valid1 and test2 of the AKT release do), so compare contents."""
    digest = hashlib.sha256()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tuning_files_that_are_test_files(
    directory: Path, tuning_files: Sequence[str] = TUNING_FILES
) -> list[tuple[str, str]]:
    """(tuning file, test file) pairs of the same content among ``directory``'s folds; a tuning file that
    is itself a test file counts too. Empty when tuning never saw a test answer's file."""
    tests = sorted(path for fold in find_folds(directory) for path in fold.test)
    test_hashes = {path.name: content_sha256(path) for path in tests}
    clashes: list[tuple[str, str]] = []
    for name in tuning_files:
        path = directory / name
        if not path.exists():
            raise FileNotFoundError(f"tuning file {name} is not in {directory}")
        digest = content_sha256(path)
        clashes += [(name, test) for test, test_digest in test_hashes.items() if test_digest == digest]
    return clashes


def _fields(line: str) -> list[str]:
    return [field.strip() for field in line.strip().lstrip("\ufeff").rstrip(",").split(",")]


def _blocks_fit(lines: list[str], size: int) -> bool:
    """Whether the lines read as whole blocks of ``size`` lines: a header of at most two fields, then
    lines of one length, the last of them 0s and 1s."""
    blocks = [lines[k : k + size] for k in range(0, len(lines) - size + 1, size)]
    for block in blocks:
        values = [_fields(line) for line in block[1:]]
        if (
            len(_fields(block[0])) > 2
            or len({len(v) for v in values}) != 1
            or not set(values[-1]) <= {"0", "1"}
        ):
            return False
    return bool(blocks)


def has_problem_line(path: Path) -> bool:
    """True for the four-line format (with problem ids), False for three lines per learner; judged on the
    first twelve lines (three blocks of four, four of three). An empty file: True."""
    with open_text(path) as stream:
        lines = [line.strip() for _, line in zip(range(12), stream, strict=False) if line.strip()]
    four, three = _blocks_fit(lines, 4), _blocks_fit(lines, 3)
    if four != three:
        return four
    # both or neither: "learner_index,user_id" heads the four-line format
    return not lines or len(_fields(lines[0])) == 2


def fold_format(paths: Sequence[Path]) -> bool:
    """``has_problem_line`` of the first of ``paths`` that has any content (a fold's test file may be
    empty); True where all are empty."""
    for path in paths:
        with open_text(path) as stream:
            if any(line.strip() for line in stream):
                return has_problem_line(path)
    return True


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
    # fold number -> why its AUC is undefined (no test answers, or all of one class)
    undefined: dict[int, str] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        summary = summarise(self.folds)
        y = np.concatenate(self.labels) if self.labels else np.zeros(0)
        p = np.concatenate(self.predictions) if self.predictions else np.zeros(0)
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
            "ece": calibration(y, p).ece if len(y) else float("nan"),
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
            "auc_folds": int(sum(np.isfinite(fold["auc"]) for fold in self.folds)),
            "auc_undefined": {str(fold): reason for fold, reason in self.undefined.items()},
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
    if not fold_files:
        raise FileNotFoundError(f"none of the folds {', '.join(map(str, folds or []))} is in {directory}")
    with_problems = fold_format([path for fold in fold_files for path in (*fold.test, *fold.train)])
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
                p = model.predict_sequential(test) if len(test) else np.zeros(0)
                predict_seconds = time.perf_counter() - started
                scores = score(y, p)
                reason = undefined_auc_reason(y)
                if reason is not None:
                    run.undefined[fold.fold] = reason
                updates, updates_cpu = time_updates(model, test) if len(test) else (float("nan"),) * 2
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
                auc_text = f"{scores['auc']:.4f}" if reason is None else f"n/a ({reason})"
                log(
                    f"fold {fold.fold} {protocol:<11} {spec.name:<15} AUC {auc_text}  "
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


def plus_minus(mean: float | None, sd: float | None) -> str:
    """``mean ± sd``; ``mean ± n/a`` where the spread is undefined (one fold); ``n/a`` where the mean is."""
    if mean is None or not np.isfinite(mean):
        return "n/a"
    spread = f"{sd:.4f}" if sd is not None and np.isfinite(sd) else "n/a"
    return f"{mean:.4f} ± {spread}"


def undefined_notes(records: Sequence[dict[str, Any]]) -> Iterator[str]:
    """One line per fold whose AUC is undefined, with the reason (once per protocol and fold)."""
    seen: set[tuple[str, str]] = set()
    for r in records:
        for fold, reason in r.get("auc_undefined", {}).items():
            if (r["protocol"], fold) not in seen:
                seen.add((r["protocol"], fold))
                yield (
                    f"fold {fold} ({r['protocol']}): AUC n/a, {reason}; "
                    f"the means are over the {r['auc_folds']} fold(s) where it is defined"
                )


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
            + (f"{r['ece']:>8.4f}" if np.isfinite(r["ece"]) else f"{'n/a':>8}")
            + f"{r['fit_seconds']:>8.1f}"
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
            if run.protocol != protocol or not sum(len(y) for y in run.labels):
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
        "--plot", type=Path, help="calibration plot (PNG); default: calibration.png beside --json, or none"
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
    for line in undefined_notes(records):
        print(line)
    plot = args.plot or (args.json.parent / "calibration.png" if args.json else None)
    if plot is not None:
        write_calibration_plot(runs, plot)
        print(f"calibration plot: {plot}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"runs": json_safe(records)}, indent=2) + "\n", encoding="utf-8")
        print(f"results: {args.json}")
    return 0
