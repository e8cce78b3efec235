"""Benchmark: converting the real OATutor content pool to learnpath packs (and importing them).

    .venv/bin/python benchmarks/oatutor_import.py [--source PATH] [--no-db] [--skip-list PATH]

Protocol (printed with the numbers): the pool is ../shared/data/content/oatutor/
oatutor_content_c26295e_json.tar.gz (12,814 problems) unless --source names another folder or archive.
Phases, each timed once in one process (wall time with ``time.perf_counter``, CPU time with
``time.process_time``, which a busy shared machine disturbs less):

1. read: ``read_pool`` alone (stream the archive, keep the JSON bytes), the peer the rest is compared to;
2. convert: ``convert_oatutor`` end to end (read, convert, grade every answer, validate every pack with
   ``pack_from_documents``);
3. db import (unless --no-db): ``curriculum.api.course_import`` of every pack into a fresh SQLite
   database in a temporary folder (migrations applied first, not timed), then the same import again,
   which must change nothing.

Writes benchmarks/results/oatutor_import.json and the "OATutor import" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = (
    ROOT.parent / "shared" / "data" / "content" / "oatutor" / "oatutor_content_c26295e_json.tar.gz"
)
RESULTS = ROOT / "benchmarks" / "results" / "oatutor_import.json"
SECTION = "## OATutor import"
COMMAND = ".venv/bin/python benchmarks/oatutor_import.py"

sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from learnpath.content.importers import convert_oatutor, write_skip_list  # noqa: E402
from learnpath.content.importers.oatutor_source import read_pool  # noqa: E402
from reporting import write_section  # noqa: E402 - after the path set-up above


def _protocol(source: Path) -> dict[str, Any]:
    digest = hashlib.sha256(source.read_bytes()).hexdigest() if source.is_file() else "(folder)"
    return {
        "source": str(source),
        "source_sha256": digest,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _db_import(packs: list[Any]) -> dict[str, float]:
    """Import every pack into a fresh SQLite database; then again (a no-op). Times in seconds."""
    with tempfile.TemporaryDirectory(prefix="learnpath-bench-") as folder:
        os.environ.pop("DATABASE_URL", None)
        os.environ["LEARNPATH_DATA_DIR"] = folder
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        from learnpath.web import bootstrap

        bootstrap.migrate()
        from learnpath.web.curriculum import api

        start = time.perf_counter()
        for pack in packs:
            api.course_import(pack=pack)
        first = time.perf_counter() - start
        start = time.perf_counter()
        changed = [api.course_import(pack=pack).changed for pack in packs]
        again = time.perf_counter() - start
        if any(changed):
            raise SystemExit("importing the same packs again changed something")
        from django.db import connections

        connections.close_all()
    return {"db_import_s": round(first, 2), "db_reimport_s": round(again, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the pool folder or .tar.gz")
    parser.add_argument("--no-db", action="store_true", help="time the conversion only")
    parser.add_argument("--skip-list", type=Path, default=None, help="also write the skipped problems (CSV)")
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"skipped: the OATutor pool is not at {args.source}")
        return 0

    protocol = _protocol(args.source)
    print("OATutor import benchmark")
    for key, value in protocol.items():
        print(f"  {key}: {value}")

    start, cpu = time.perf_counter(), time.process_time()
    pool = read_pool(args.source)
    read_s, read_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    del pool
    start, cpu = time.perf_counter(), time.process_time()
    conversion = convert_oatutor(args.source)
    convert_s, convert_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    if args.skip_list is not None:
        write_skip_list(conversion, args.skip_list)

    results: dict[str, Any] = {
        "protocol": protocol,
        "problems": conversion.total_problems,
        "imported": conversion.imported_problems,
        "skipped": len(conversion.skipped),
        "skip_reasons": dict(conversion.skip_counts().most_common()),
        "notes": dict(Counter(note.category for note in conversion.notes).most_common()),
        "steps": conversion.steps,
        "hints": conversion.hints,
        "scaffolds": conversion.scaffolds,
        "packs": len(conversion.packs),
        "items_in_packs": sum(len(pack.items) for pack in conversion.packs),
        "read_s": round(read_s, 2),
        "read_cpu_s": round(read_cpu_s, 2),
        "convert_s": round(convert_s, 2),
        "convert_cpu_s": round(convert_cpu_s, 2),
        "convert_over_read": round(convert_s / read_s, 1),
    }
    print(f"{conversion.imported_problems} problems imported, {len(conversion.skipped)} skipped")
    print(f"  skip reasons: {results['skip_reasons']}")
    print(f"  steps {conversion.steps}, hints {conversion.hints}, scaffolds {conversion.scaffolds}")
    print(f"  notes on imported problems: {results['notes']}")
    print(f"  {results['packs']} packs holding {results['items_in_packs']} items")
    print(f"  read {read_s:.2f} s (CPU {read_cpu_s:.2f} s)")
    print(
        f"  convert {convert_s:.2f} s (CPU {convert_cpu_s:.2f} s), {results['convert_over_read']}x the read"
    )
    if not args.no_db:
        results.update(_db_import(conversion.packs))
        print(f"  db import {results['db_import_s']} s; again (no change) {results['db_reimport_s']} s")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    db_line = (
        f"- SQLite import of all {results['packs']} packs (`course_import`): {results['db_import_s']} s; "
        f"importing them again (no change): {results['db_reimport_s']} s\n"
        if "db_import_s" in results
        else ""
    )
    reasons = ", ".join(f"{name} {count}" for name, count in results["skip_reasons"].items())
    write_section(
        SECTION.removeprefix("## "),
        f"`{COMMAND}` ({protocol['date']}; {protocol['machine']}; Python {protocol['python']}; "
        f"source `{Path(protocol['source']).name}`, sha256 {protocol['source_sha256'][:12]}…)\n\n"
        f"- {conversion.imported_problems} problems imported, {len(conversion.skipped)} skipped "
        f"(of {conversion.total_problems}): {reasons}\n"
        f"- {conversion.steps} steps, {conversion.hints} hints, {conversion.scaffolds} scaffolds; "
        f"{results['packs']} packs holding {results['items_in_packs']} items\n"
        f"- read the pool: {results['read_s']} s (CPU {results['read_cpu_s']} s; the peer); "
        f"convert, grade and validate: {results['convert_s']} s (CPU {results['convert_cpu_s']} s), "
        f"{results['convert_over_read']}x the read (wall times; CPU times vary less on a shared machine)\n"
        f"{db_line}"
        f"- results: `benchmarks/results/oatutor_import.json`\n",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
