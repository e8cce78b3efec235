"""Shared by the benchmarks: paths, the machine, and writing one section of BENCHMARKS.md."""

from __future__ import annotations

import fcntl
import json
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
IMAGES = ROOT / "docs" / "img"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"

sys.path.insert(0, str(ROOT / "src"))


def commit() -> str:
    """The commit the benchmark runs on (``+changes`` when the work tree differs from it)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            # the benchmark's own outputs (results/) do not make the code it ran differ from the commit
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "src",
                "benchmarks",
                ":!benchmarks/results",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head}+changes" if dirty else head


def machine() -> dict[str, Any]:
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
    }


def write_section(title: str, text: str) -> None:
    """Replace (or append) the section headed ``## {title}`` of BENCHMARKS.md, leaving the others alone.

    The file is read and written under an exclusive lock, so sections other benchmarks write meanwhile (two
    run side by side with ``run_all.py --jobs 2``) stay.
    """
    heading = f"## {title}"
    stamp = f"Commit: `{commit()}`."
    body = f"{heading}\n\n{stamp}\n\n{text.strip()}\n"
    with open(BENCHMARKS_MD.with_suffix(".md.lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.is_file() else "# Benchmarks\n"
        pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
        if pattern.search(current):
            updated = pattern.sub(lambda _match: body + "\n", current, count=1)
        else:
            updated = current.rstrip("\n") + "\n\n" + body
        BENCHMARKS_MD.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def run_backend_process(script: str, arguments: list[str], *, backend: str) -> dict[str, Any]:
    """Run ``script --backend BACKEND ARGUMENTS`` in a fresh process and return the JSON of its last
    ``RESULT `` line; its other output is passed through.

    A fresh process per database keeps Django's settings (read once per process) to that database;
    ``DATABASE_URL`` and ``LEARNPATH_DATA_DIR`` are removed so the child sets up its own.
    """
    command = [sys.executable, script, "--backend", backend, *arguments]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LEARNPATH_DATA_DIR")}
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    sys.stderr.write(output.stderr)
    lines = [line for line in output.stdout.splitlines() if line.startswith("RESULT ")]
    print("\n".join(line for line in output.stdout.splitlines() if not line.startswith("RESULT ")))
    if output.returncode != 0 or not lines:
        raise SystemExit(f"the {backend} run failed (exit {output.returncode})")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return result
