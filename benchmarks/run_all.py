"""Rerun every section of BENCHMARKS.md on the current commit, one benchmark after another.

    .venv/bin/python benchmarks/run_all.py [--only NAME ...] [--skip NAME ...] [--allow-changes]

Each benchmark prints its protocol and rewrites only its own section of BENCHMARKS.md, stamped with the
commit it ran on (``reporting.commit``); nothing in BENCHMARKS.md is copied by hand. By default the work
tree must be clean (``src`` and ``benchmarks`` equal to the commit), so every number describes a commit;
``--allow-changes`` runs anyway and the stamps say ``+changes``.

The benchmarks share a 2-core machine with nothing else on purpose: they run one at a time. The whole run
takes about an hour and a half, most of it the learner-model benchmark's pyBKT peer.
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
    ("placement-peer", "catsim_peer.py"),
    ("practice", "practice_efficiency.py"),
    ("practice-latency", "practice_latency.py"),
    ("cockpit", "cockpit_latency.py"),
    ("oatutor-import", "oatutor_import.py"),
)


def main(argv: list[str] | None = None) -> int:
    names = [name for name, _ in BENCHMARKS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=names, default=None, help="run only these")
    parser.add_argument("--skip", nargs="+", choices=names, default=[], help="leave these out")
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
    failed = []
    for name, script in chosen:
        print(f"\n=== {name}: benchmarks/{script} (commit {stamp})", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script)], cwd=ROOT, check=False)
        print(f"=== {name}: exit {done.returncode} after {time.perf_counter() - started:.0f} s", flush=True)
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"run_all: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"run_all: {len(chosen)} benchmarks rewrote their sections of BENCHMARKS.md on commit {stamp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
