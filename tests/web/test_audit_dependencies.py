"""scripts/audit_dependencies.py (issue 12): pip-audit over the installed packages, and a plain "could not
check" whenever the advisory database was not reached, never "no known vulnerabilities" after checking
nothing. pip-audit itself prints "No known vulnerabilities found" and exits 0 when its database answers for
no package at all (every one "not found on PyPI"), which is what a PyPI mirror without the JSON API gives.

These tests use no network: the verdict is computed from recorded pip-audit output, and the one run of the
real pip-audit goes through a proxy address on this machine that refuses every connection.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_dependencies.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = load_script()

NOT_FOUND = "Dependency not found on PyPI and could not be audited: {} ({})"
EDITABLE = {"name": "learnpath", "skip_reason": "distribution marked as editable"}


def report(*dependencies: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_nothing_checked_is_said_plainly_even_when_pip_audit_exits_0() -> None:
    """What pip-audit answers on a machine whose PyPI has no JSON API: exit 0, every package skipped."""
    stdout = report(
        EDITABLE,
        {"name": "django", "skip_reason": NOT_FOUND.format("django", "5.2.20")},
        {"name": "numpy", "skip_reason": NOT_FOUND.format("numpy", "2.3.0")},
    )
    code, message = audit.verdict(0, stdout, "")
    assert code == audit.NOT_CHECKED
    assert "Could not check" in message
    assert "none of the 2 installed packages" in message
    assert "django" in message
    assert "no known vulnerabilities" not in message.lower()


def test_an_unreachable_database_is_said_plainly() -> None:
    stderr = (
        "Traceback (most recent call last):\n  ...\n"
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): Max retries "
        "exceeded with url: /v1/query (Caused by NameResolutionError(...))\n"
    )
    code, message = audit.verdict(1, "", stderr)
    assert code == audit.NOT_CHECKED
    assert "Could not check" in message
    assert "api.osv.dev" in message  # the line that says why
    assert "no known vulnerabilities" not in message.lower()


def test_some_packages_not_checked_is_not_a_clean_bill() -> None:
    stdout = report(
        EDITABLE,
        {"name": "django", "version": "5.2.20", "vulns": []},
        {"name": "numpy", "skip_reason": NOT_FOUND.format("numpy", "2.3.0")},
    )
    code, message = audit.verdict(0, stdout, "")
    assert code == audit.NOT_CHECKED
    assert "1 of 2 installed packages could not be checked" in message
    assert "numpy" in message


def test_every_package_checked_and_none_vulnerable() -> None:
    stdout = report(
        EDITABLE,
        {"name": "django", "version": "5.2.20", "vulns": []},
        {"name": "numpy", "version": "2.3.0", "vulns": []},
    )
    code, message = audit.verdict(0, stdout, "")
    assert code == audit.CLEAN
    assert message.startswith("No known vulnerabilities in the 2 installed packages checked")


def test_a_vulnerable_package_is_named_with_its_fix() -> None:
    vuln = {
        "id": "PYSEC-2026-1",
        "fix_versions": ["5.2.21"],
        "aliases": ["CVE-2026-0001"],
        "description": "SQL injection in something.",
    }
    stdout = report(
        EDITABLE,
        {"name": "django", "version": "5.2.20", "vulns": [vuln]},
        {"name": "numpy", "skip_reason": NOT_FOUND.format("numpy", "2.3.0")},
    )
    code, message = audit.verdict(1, stdout, "")
    assert code == audit.VULNERABLE
    assert "django 5.2.20: PYSEC-2026-1 (CVE-2026-0001), fixed in 5.2.21" in message
    assert "numpy" in message  # what was not checked is still listed


def test_the_real_pip_audit_without_a_reachable_database(tmp_path: Path) -> None:
    """The script around the real pip-audit, with every connection refused on this machine."""
    pytest.importorskip("pip_audit")
    env = {
        **os.environ,
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--cache-dir", str(tmp_path / "cache")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == audit.NOT_CHECKED, result.stdout + result.stderr
    assert "Could not check" in result.stdout
    assert "no known vulnerabilities" not in result.stdout.lower()
