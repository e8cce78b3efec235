"""Benchmark: items to reach a standard error of 0.3 on a 1-D 2PL bank, learnpath's 1-D mode vs catsim.

    .venv/bin/python benchmarks/catsim_peer.py [--examinees 300] [--items 500] [--seed 2026]

Protocol (printed with the numbers):

- Bank: ``--items`` 2PL items, a ~ LogNormal(0, 0.3), b ~ N(0, 1); examinees' theta ~ N(0, 1); both drawn
  once from ``--seed`` and given to both programs.
- catsim 0.21.0 (Meneghetti & Aquino Junior, "Application and simulation of computerized adaptive tests
  through the package catsim", 2017), in its own virtual environment benchmarks/.venv-catsim (created by
  this script; a separate environment keeps learnpath's own dependencies untouched), run in a subprocess:
  FixedPointInitializer(0), MaxInfoSelector, NumericalSearchEstimator, MinErrorStopper(0.3, max_items=50);
  its standard error is 1 / sqrt(test information at the estimate).
- learnpath (``engine.irt.AbilityPlacement``): start at the prior N(0, 1), EAP on a 121-point grid,
  maximum-information item, stop at SE <= 0.3 or 50 items; run twice: with the posterior sd as the
  standard error (its default) and with 1 / sqrt(test information), the same rule as catsim's.
- Each program draws its own simulated answers (same abilities, same bank). Measures: mean items, share
  stopped by the SE rule before 50 items, RMSE and bias of the final estimate, seconds per examinee.

Writes benchmarks/results/catsim_peer.json, docs/img/catsim_peer.png and the "catsim peer" section of
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from learnpath.engine.irt import AbilityPlacement, Item2PL, p_correct, run_ability_test
from reporting import IMAGES, RESULTS, ROOT, machine, write_section

TITLE = "catsim peer"
COMMAND = ".venv/bin/python benchmarks/catsim_peer.py"
VENV = ROOT / "benchmarks" / ".venv-catsim"
CATSIM = "catsim==0.21.0"
TARGET_SE = 0.3
MAX_ITEMS = 50

CATSIM_SCRIPT = """
import json, sys, time
import numpy as np
from catsim.simulation import Simulator
from catsim.initialization import FixedPointInitializer
from catsim.selection import MaxInfoSelector
from catsim.estimation import NumericalSearchEstimator
from catsim.stopping import MinErrorStopper
data = json.load(sys.stdin)
a, b, theta = np.array(data["a"]), np.array(data["b"]), np.array(data["theta"])
items = np.column_stack([a, b, np.zeros_like(a), np.ones_like(a)])
simulator = Simulator(items, theta, seed=data["seed"])
started = time.perf_counter()
simulator.simulate(
    FixedPointInitializer(0.0), MaxInfoSelector(), NumericalSearchEstimator(),
    MinErrorStopper(data["se"], max_items=data["max_items"]), verbose=False,
)
seconds = time.perf_counter() - started
import catsim
print(json.dumps({
    "version": getattr(catsim, "__version__", "0.21.0"),
    "items": [len(x) for x in simulator.administered_items],
    "estimates": [float(x) for x in simulator.latest_estimations],
    "seconds": seconds,
}))
"""


def ensure_catsim() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"  creating {VENV} with {CATSIM}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", CATSIM], check=True)
    return python


def run_catsim(python: Path, a: np.ndarray, b: np.ndarray, theta: np.ndarray, seed: int) -> dict[str, Any]:
    payload = {
        "a": a.tolist(),
        "b": b.tolist(),
        "theta": theta.tolist(),
        "seed": seed,
        "se": TARGET_SE,
        "max_items": MAX_ITEMS,
    }
    done = subprocess.run(
        [str(python), "-c", CATSIM_SCRIPT],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_learnpath(
    a: np.ndarray, b: np.ndarray, theta: np.ndarray, seed: int, se_method: str
) -> dict[str, Any]:
    bank = tuple(Item2PL(f"i{k}", float(a[k]), float(b[k])) for k in range(len(a)))
    test = AbilityPlacement(bank, target_se=TARGET_SE, max_items=MAX_ITEMS, se_method=se_method)
    rng = np.random.default_rng(seed)
    items, estimates = [], []
    started = time.perf_counter()
    for true_theta in theta:

        def answer(item_id: str, t: float = float(true_theta)) -> bool:
            k = int(item_id[1:])
            return bool(rng.random() < float(p_correct(t, a[k], b[k])))

        state = run_ability_test(test, answer)
        items.append(len(state.answers))
        estimates.append(test.estimate(state)[0])
    return {"items": items, "estimates": estimates, "seconds": time.perf_counter() - started}


def summarise(run: dict[str, Any], theta: np.ndarray) -> dict[str, float]:
    items = np.array(run["items"], dtype=float)
    error = np.array(run["estimates"]) - theta
    return {
        "items_mean": float(items.mean()),
        "items_median": float(np.median(items)),
        "reached_se_share": float(np.mean(items < MAX_ITEMS)),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "bias": float(np.mean(error)),
        "ms_per_examinee": 1000.0 * float(run["seconds"]) / len(theta),
    }


def plot(runs: dict[str, dict[str, Any]], theta: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    bins = np.arange(0, MAX_ITEMS + 2, 2)
    for name, run in runs.items():
        left.hist(run["items"], bins=bins, histtype="step", label=name)
        right.scatter(theta, run["items"], s=6, label=name)
    left.set_xlabel(f"items to SE <= {TARGET_SE} (cap {MAX_ITEMS})")
    left.set_ylabel("examinees")
    left.legend(fontsize=8)
    right.set_xlabel("true ability")
    right.set_ylabel("items")
    right.legend(fontsize=8)
    figure.tight_layout()
    IMAGES.mkdir(parents=True, exist_ok=True)
    figure.savefig(IMAGES / "catsim_peer.png", dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examinees", type=int, default=300)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    info = machine()
    print("catsim peer benchmark")
    print(__doc__.split("Protocol (printed with the numbers):")[1].split("Writes")[0].rstrip())
    rng = np.random.default_rng(args.seed)
    a = rng.lognormal(0.0, 0.3, args.items)
    b = rng.normal(0.0, 1.0, args.items)
    theta = rng.normal(0.0, 1.0, args.examinees)
    try:
        python = ensure_catsim()
        catsim_run: dict[str, Any] | None = run_catsim(python, a, b, theta, args.seed)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"  catsim could not run: {error}")
        catsim_run = None
    runs: dict[str, dict[str, Any]] = {}
    if catsim_run is not None:
        runs[f"catsim {catsim_run['version']} (MLE, information SE)"] = catsim_run
    runs["learnpath (EAP, posterior SE)"] = run_learnpath(a, b, theta, args.seed + 1, "posterior")
    runs["learnpath (EAP, information SE)"] = run_learnpath(a, b, theta, args.seed + 2, "information")
    summaries = {name: summarise(run, theta) for name, run in runs.items()}
    document = {
        "protocol": {**info, "seed": args.seed, "items": args.items, "examinees": args.examinees},
        "summaries": summaries,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "catsim_peer.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    plot(runs, theta)
    rows = "\n".join(
        f"| {name} | {s['items_mean']:.1f} | {s['items_median']:.0f} | {s['reached_se_share']:.0%} | "
        f"{s['rmse']:.3f} | {s['bias']:+.3f} | {s['ms_per_examinee']:.1f} |"
        for name, s in summaries.items()
    )
    peer = next((s for n, s in summaries.items() if n.startswith("catsim")), None)
    ours = summaries["learnpath (EAP, information SE)"]
    if peer is not None:
        ratio = (
            f"Same stopping rule (1 / sqrt(information) <= {TARGET_SE}): learnpath uses "
            f"{ours['items_mean'] / peer['items_mean']:.2f}x catsim's items, RMSE "
            f"{ours['rmse']:.3f} vs {peer['rmse']:.3f}; time per examinee "
            f"{ours['ms_per_examinee'] / peer['ms_per_examinee']:.2f}x catsim's."
        )
    else:
        ratio = "catsim could not be installed or run here; only learnpath's rows are measured."
    text = f"""`{COMMAND}` ({info["date"]}; {info["machine"]}; Python {info["python"]})

A {args.items}-item 2PL bank (a ~ LogNormal(0, 0.3), b ~ N(0, 1)) and {args.examinees} examinees with
theta ~ N(0, 1), the same for both programs; each test stops at a standard error of {TARGET_SE} or
{MAX_ITEMS} items. catsim runs in its own environment (benchmarks/.venv-catsim) in a subprocess.
learnpath's posterior-SE row counts the N(0, 1) prior as information, so it stops sooner by design.

| program | mean items | median | reached SE | RMSE | bias | ms / examinee |
|---|---|---|---|---|---|---|
{rows}

{ratio}

Plot: `docs/img/catsim_peer.png`; results: `benchmarks/results/catsim_peer.json`.
"""
    write_section(TITLE, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
