#!/usr/bin/env python3
"""Audit the installed Python packages for known vulnerabilities with pip-audit, and say plainly when that
could not be done.

    .venv/bin/python scripts/audit_dependencies.py                  every package in .venv, PyPI's advisories
    .venv/bin/python scripts/audit_dependencies.py -s osv           the OSV database instead
    .venv/bin/python scripts/audit_dependencies.py -r requirements.txt   a requirements file instead

Any arguments go to pip-audit (``--format``, ``--progress-spinner`` and ``--skip-editable`` are set here).
It audits the environment of the Python that runs it; pip-audit is a development dependency (``.[dev]``).

pip-audit alone is not enough to trust a "clean" answer: where its database cannot be reached it either
stops with a traceback, or (a PyPI mirror without PyPI's JSON API) skips every package as "not found on
PyPI", prints "No known vulnerabilities found" and exits 0 after checking nothing. This script reads
pip-audit's JSON report and counts what was actually checked.

Exit status: 0 every installed package was checked and none has a known vulnerability; 1 at least one
has (each is listed with its advisory and the versions that fix it); 2 some or all packages could not be
checked (no advisory database reached, or pip-audit missing or failing), which says nothing either way.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from typing import Any

CLEAN = 0
VULNERABLE = 1
NOT_CHECKED = 2

PIP_AUDIT_ARGS = ["--format", "json", "--progress-spinner", "off", "--skip-editable"]
# Packages pip-audit leaves out by design, not for want of a database: this project installed in place.
EDITABLE_REASON = "distribution marked as editable"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:400] if lines else "no output"


def _vulnerability_line(dependency: dict[str, Any], vulnerability: dict[str, Any]) -> str:
    aliases = [alias for alias in vulnerability.get("aliases", []) if alias != vulnerability.get("id")]
    fixes = vulnerability.get("fix_versions") or []
    return (
        f"  {dependency.get('name')} {dependency.get('version', '?')}: {vulnerability.get('id', '?')}"
        + (f" ({', '.join(aliases)})" if aliases else "")
        + (f", fixed in {', '.join(fixes)}" if fixes else ", no fixed version yet")
    )


def verdict(returncode: int, stdout: str, stderr: str) -> tuple[int, str]:
    """The exit status and the message for one pip-audit run (its status, JSON report and errors)."""
    try:
        report = json.loads(stdout)
        dependencies = report["dependencies"]
        if not isinstance(dependencies, list):
            raise TypeError("dependencies is not a list")
    except (ValueError, KeyError, TypeError):
        return NOT_CHECKED, (
            "Could not check for known vulnerabilities: pip-audit stopped without a report "
            f"(exit status {returncode}). Its last words: {_last_line(stderr)}\n"
            "No advisory database was consulted, so nothing is known about the installed packages. "
            "Check the network (pypi.org for the default service, api.osv.dev for -s osv) and run it again."
        )

    considered = [d for d in dependencies if d.get("skip_reason") != EDITABLE_REASON]
    checked = [d for d in considered if "vulns" in d]
    skipped = [d for d in considered if "vulns" not in d]
    vulnerable = [(d, v) for d in checked for v in d.get("vulns") or []]
    not_checked = "\n".join(f"  {d.get('name')}: {d.get('skip_reason', 'no reason given')}" for d in skipped)

    if not checked:
        example = f' (for example "{skipped[0].get("skip_reason")}")' if skipped else ""
        return NOT_CHECKED, (
            "Could not check for known vulnerabilities: the advisory database answered for none of the "
            f"{len(considered)} installed packages{example}. Nothing was checked, so this says nothing "
            "about vulnerabilities. pip-audit needs PyPI's JSON API (pypi.org/pypi/<name>/<version>/json); "
            "a mirror that only serves package files cannot answer it. Try -s osv, or a machine with "
            "access to pypi.org."
        )

    parts = []
    if vulnerable:
        parts.append(
            f"Known vulnerabilities: {len(vulnerable)} in "
            f"{len({d.get('name') for d, _ in vulnerable})} of the {len(checked)} packages checked.\n"
            + "\n".join(_vulnerability_line(d, v) for d, v in vulnerable)
        )
    if skipped:
        parts.append(
            f"{len(skipped)} of {len(considered)} installed packages could not be checked, so nothing is "
            f"known about them:\n{not_checked}"
        )
    if vulnerable:
        return VULNERABLE, "\n\n".join(parts)
    if skipped:
        return NOT_CHECKED, "Could not check every package. " + "\n\n".join(parts)
    return CLEAN, f"No known vulnerabilities in the {len(checked)} installed packages checked."


def main(argv: list[str]) -> int:
    if importlib.util.find_spec("pip_audit") is None:
        print(
            "Could not check for known vulnerabilities: pip-audit is not installed in this environment "
            f"({sys.executable}). Install the development dependencies: .venv/bin/pip install -e '.[dev]'"
        )
        return NOT_CHECKED
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", *PIP_AUDIT_ARGS, *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    code, message = verdict(result.returncode, result.stdout, result.stderr)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
