"""Under load, killed app processes lose no acknowledged answer and record none twice.

The small version of the fault run of ``benchmarks/load/load_benchmark.py``, in every test run: 20 learners
(locust, in a process of its own: it monkey-patches the standard library with gevent, so it is never
imported here) practise for about 25 s through two ``learnpath serve`` behind nginx on one fresh PostgreSQL
database (one server when nginx is not installed). Mid-run one gunicorn worker is SIGKILLed (gunicorn starts
another), and with two servers the second one's master and workers are SIGKILLed at once. The users send a
write that met a connection error or a 5xx again with its idempotency key. Then, from the database: every
answer a server acknowledged is in the event log exactly once, no key is there twice, and the derived
tables equal a rebuild from the log.

PostgreSQL: the server at 127.0.0.1:5432, where the test makes and drops its own database. Where none
answers the test skips, saying so, except under CI=true, where that fails (as scripts/test.sh treats the
PostgreSQL leg). It runs in the SQLite leg of scripts/test.sh only: it makes its own PostgreSQL database
whatever the leg, so the PostgreSQL leg (DATABASE_URL set) skips it instead of running it twice. It never
restarts PostgreSQL, which other tests are using; the benchmark does that on a server of its own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _harness() -> ModuleType:
    """benchmarks/load/harness.py, loaded by path (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "learnpath_load_harness", ROOT / "benchmarks/load/harness.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


harness = _harness()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="gunicorn workers are found through /proc (psutil)")
def test_killed_app_processes_lose_no_acknowledged_answer_and_record_none_twice(tmp_path: Path) -> None:
    if os.environ.get("DATABASE_URL"):
        pytest.skip("runs in the SQLite leg only: it makes its own PostgreSQL database in either leg")
    problem = harness.postgres_problem(harness.ADMIN_URL)
    if problem is not None:
        message = f"no PostgreSQL server at {harness.ADMIN_URL} for the load fault test ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    two_servers = harness.nginx_problem() is None
    faults = [harness.Fault(6, "kill-worker")]
    if two_servers:
        faults.append(harness.Fault(14, "kill-server"))

    result = harness.fault_run(
        work=tmp_path,
        admin_url=harness.ADMIN_URL,
        servers=2 if two_servers else 1,
        users=20,
        steady_s=24,
        faults=faults,
        think_scale=0.1,  # answers every 0.4-1.6 s: enough writes in flight when the processes die
        spawn_rate=10,
        learners=24,
        log=lambda _line: None,
    )

    assert result["signed_in"] == 20
    assert [f["action"] for f in result["faults"]] == [f.action for f in faults]
    assert "replaced_after_s" in result["faults"][0], "gunicorn did not replace the killed worker"
    assert result["health_after"][0] == 200, "the first server does not answer /health after the faults"
    assert result["acknowledged_answers"] >= 50, result["per_request"]["all"]
    assert result["lost"] == 0, result["lost_examples"]
    assert result["duplicated"] == 0
    assert result["equal_to_rebuild"], result["differing_tables"]
    # a killed process is a connection error or a 502 from nginx, never an error of the app itself
    # (requests refused for waiting too long are a warning, not an error: web/queue_limit.py)
    assert all(not p["errors_logged"] and not p["tracebacks"] for p in result["server_problems"]), json.dumps(
        [
            {key: p[key] for key in ("errors", "exceptions", "responses_5xx_logged")}
            for p in result["server_problems"]
        ]
    )
