"""Rerun every section of BENCHMARKS.md on the current commit, one benchmark after another.

    .venv/bin/python benchmarks/run_all.py [--only NAME ...] [--skip NAME ...] [--allow-changes]

Each benchmark prints its protocol and rewrites only its own section of BENCHMARKS.md, stamped with the
commit it ran on (``reporting.commit``); nothing in BENCHMARKS.md is copied by hand. By default the work
tree must be clean (``src`` and ``benchmarks`` equal to the commit), so every number describes a commit;
``--allow-changes`` runs anyway and the stamps say ``+changes``.

The benchmarks share a 2-core machine with nothing else on purpose: they run one at a time. The whole run
takes about two hours on a quiet machine, most of it the learner-model benchmark's pyBKT peer, placement
and the practice simulation. ``--jobs 2`` runs the practice simulation (one process, no timing reported)
beside placement's workers (which report no timing either), about half an hour sooner; every section that
reports a time still runs alone.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from reporting import ROOT, commit

BENCHMARKS = (
    ("learner-model", "kt_assist2009.py"),
    ("served-model", "served_model.py"),
    ("placement", "placement_accuracy.py"),
    ("practice", "practice_efficiency.py"),
    ("placement-peer", "catsim_peer.py"),
    ("practice-latency", "practice_latency.py"),
    ("cockpit", "cockpit_latency.py"),
    ("oatutor-import", "oatutor_import.py"),
    ("district-pages", "district_pages.py"),
    ("load", "load/load_benchmark.py"),
)
BESIDE = {"practice": "placement"}
"""With ``--jobs 2``, a benchmark that starts together with another (neither reports a time)."""


def main(argv: list[str] | None = None) -> int:
    names = [name for name, _ in BENCHMARKS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=names, default=None, help="run only these")
    parser.add_argument("--skip", nargs="+", choices=names, default=[], help="leave these out")
    parser.add_argument(
        "--jobs", type=int, choices=(1, 2), default=1, help="2: run practice beside placement (see above)"
    )
    parser.add_argument(
        "--allow-changes", action="store_true", help="run on a work tree that differs from its commit"
    )
    args = parser.parse_args(argv)
    stamp = commit()
    if stamp.endswith("+changes") and not args.allow_changes:
        print(
            f"run_all: the work tree differs from commit {stamp.removesuffix('+changes')} in src/ or "
            "benchmarks/; commit first (or pass --allow-changes), so every number describes a commit",
            file=sys.stderr,
        )
        return 2
    chosen = [(n, s) for n, s in BENCHMARKS if (args.only is None or n in args.only) and n not in args.skip]
    chosen_names = {name for name, _ in chosen}
    beside = {n: b for n, b in BESIDE.items() if args.jobs > 1 and n in chosen_names and b in chosen_names}
    scripts = dict(chosen)
    failed = []
    for name in scripts:
        if name in beside:
            continue  # started with the one it runs beside
        group = [name, *(n for n, b in beside.items() if b == name)]
        started = time.perf_counter()
        running = []
        for member in group:
            print(f"\n=== {member}: benchmarks/{scripts[member]} (commit {stamp})", flush=True)
            command = [sys.executable, str(ROOT / "benchmarks" / scripts[member])]
            running.append((member, subprocess.Popen(command, cwd=ROOT)))
        for member, process in running:
            code = process.wait()
            print(f"=== {member}: exit {code} after {time.perf_counter() - started:.0f} s", flush=True)
            if code != 0:
                failed.append(member)
    if failed:
        print(f"run_all: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"run_all: {len(chosen)} benchmarks rewrote their sections of BENCHMARKS.md on commit {stamp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
