"""Regenerate every screenshot the documentation shows, from fresh demos, with Debian's Chromium.

    .venv/bin/python scripts/docs_screenshots.py

Runs the browser journeys that take them (learner, a new learner in Spanish, placement, teacher, guardian)
with ``LEARNPATH_DOCS_SCREENSHOTS=1``: their named screenshots (``shot`` in tests/conftest.py) are then
written into docs/img/ as well as artifacts/screenshots/. Each one is checked before it is taken: the page may
show no raw LaTeX, markdown, template braces or internal ids, or the journey fails. Afterwards every image
that README.md and docs/*.md show is listed, and any this run did not write is reported (exit 1), so no
picture in the documentation is older than the pages it shows. Benchmark plots are written by the benchmarks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOURNEYS = [
    "tests/browser/test_learner_journey.py",
    "tests/browser/test_new_learner_journey.py",
    "tests/browser/test_placement.py",
    "tests/browser/test_teacher_flows.py",
    "tests/browser/test_teacher_day.py",
    "tests/browser/test_guardian_flows.py",
]
BENCHMARK_PLOTS = {"calibration.png", "catsim_peer.png", "placement_accuracy.png"}


def shown_images() -> set[Path]:
    """Every docs/img/ picture README.md and docs/*.md show, benchmark plots aside."""
    found = set()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        base = doc.parent
        text = re.sub(r"`[^`\n]*`", "", doc.read_text(encoding="utf-8"))  # an example in code is no picture
        for link in re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", text):
            path = (base / link).resolve()
            if path.name not in BENCHMARK_PLOTS:
                found.add(path)
    return found


def main() -> int:
    started = time.time()
    env = {**os.environ, "LEARNPATH_DOCS_SCREENSHOTS": "1"}
    env.pop("DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-q", *JOURNEYS], cwd=ROOT, env=env, check=False
    )
    if run.returncode != 0:
        print("docs_screenshots: a journey failed; the documentation's pictures were not all renewed")
        return run.returncode
    stale = sorted(p for p in shown_images() if not p.exists() or p.stat().st_mtime < started)
    for path in sorted(shown_images()):
        print(f"{'STALE ' if path in stale else 'renewed'} {path.relative_to(ROOT)}")
    if stale:
        print(f"docs_screenshots: {len(stale)} picture(s) shown in the docs were not taken by any journey")
        return 1
    print(
        f"docs_screenshots: every picture the docs show was taken again and checked ({len(shown_images())})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
