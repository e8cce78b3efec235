"""Benchmark: learners practising at once against `learnpath serve` on PostgreSQL, and what faults cost.

    .venv/bin/python benchmarks/load/load_benchmark.py [--quick] [--users 200 500 1000]
        [--steady 120 300 180] [--spawn-rate 2] [--think-scale 1.0] [--no-faults | --only-faults]
        [--fault-users 150] [--restart-shared-postgres] [--keep] [--no-write]
    .venv/bin/python benchmarks/load/load_benchmark.py --rewrite-section

The default run takes about 50 minutes on 2 cores (most of it signing in 1,000 users at 2 a second and the
500-learner window of 5 minutes); ``--quick`` keeps the user counts with 30 s windows.

Protocol (printed with the numbers):

1. a fresh PostgreSQL database ``learnpath_load_*`` on 127.0.0.1:5432, seeded through the real services
   (``seed.py``): the demo course, 1,050 learners in classes of 30 with the course, one Argon2 password; the
   first 300 learners practised 12 and 8 days ago (``learning.synthetic``), so reviews are due;
2. ``learnpath serve`` with the worker count it picks for this machine (one process per core, 4 threads
   each), on a free loopback port, after ``/health/ready`` answers 200;
3. for each user count, locust (its own process, ``locustfile.py``) runs ``LearnerUser``: each user signs
   in on the sign-in form (Argon2), opens the map, then practises: ``GET next``, a due review
   (``POST choose``) or ``POST activities`` (start), a hint 15 % of the time, answers (70 % right) until the
   question is finished, the map every eighth question. Think time before each action: 1-3 s before
   "next", 0.5-2 s before starting, 4-16 s before each answer (faster than real learners: the median time
   to a first response in ASSISTments 2009, ../shared/data/kt/assist2009_timed, is 25 s), all multiplied
   by ``--think-scale``; users are started ``--spawn-rate`` a second. Measured: the steady window from
   when the last user is signed in, ``--steady`` seconds long; sign-in is reported over the whole run;
4. the peer, at the same user count: ``TrivialUser`` sends ``GET /health/live`` (no session, no database)
   with the same rhythm of think times, so it offers the same request rate at no cost: learner throughput
   over the peer's says whether the server kept up, learner p50 over the peer's what the work costs;
5. CPU: once a second, the CPU seconds of the app processes, PostgreSQL (this database's backends and the
   server's own processes), locust and the whole machine (``psutil``); the mean cores each used in the
   window says where a saturated run spends the machine;
6. faults (``--faults``, on by default), each on a fresh database of a throwaway PostgreSQL server that
   this run starts (initdb on a free loopback port, so restarting it cuts off nobody else;
   ``--restart-shared-postgres`` restarts the machine's cluster with pg_ctlcluster instead):
   (a) one server, 150 learners at 0.3x the think times, one worker SIGKILLed (gunicorn starts another)
   and PostgreSQL restarted (``pg_ctl restart -m fast``); (b) two servers on the same database behind
   nginx, the second server's master and workers SIGKILLed at once. Users send a write that met a
   connection error or a 5xx again with the same idempotency key. After each: every acknowledged answer
   in the event log exactly once (lost), no key twice (duplicated), derived tables equal to
   ``state_rebuild`` of the log.

Targets (the issue): 500 learners for 5 minutes; 0 failed requests; answer + next p99 <= 500 ms (the sum of
the answer's p99 and the slower of ``GET next`` and ``POST activities``). Faults: 0 lost, 0 duplicated,
equal to rebuild (failed requests during a fault are allowed). Writes benchmarks/results/load.json and the
"Load" section of BENCHMARKS.md (only that section).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402 - after the path set-up above

from reporting import commit, write_section  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "load.json"
SECTION = "Load"
COMMAND = ".venv/bin/python benchmarks/load/load_benchmark.py"
TARGET_USERS = 500
TARGET_SECONDS = 300
TARGET_P99_MS = 500.0
NEXT_NAMES = ("next", "start")


def _say(text: str) -> None:
    print(text, flush=True)


def learner_runs(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Steps 1-5: seed, serve, and each user count with learners then the peer."""
    password = secrets.token_urlsafe(12)
    database = harness.Database.create(args.admin_url, "bench")
    env = harness.app_env(database.url, secrets.token_urlsafe(50), work / "data")
    runs: list[dict[str, Any]] = []
    try:
        _say(f"seeding {args.learners} learners ({args.history} with history) in {database.name} ...")
        seeded = harness.seed(
            env, learners=args.learners, history=args.history, password=password, log=work / "seed.log"
        )
        _say(f"  {json.dumps(seeded)}")
        with harness.Processes() as processes, harness.CpuSampler(databases=[database.name]) as cpu:
            server = harness.AppServer.start(processes, env, work / "server.log", migrate=False)
            cpu.app_roots.append(server.process.pid)
            ready_s = server.wait_ready()
            workers = len(server.workers())
            _say(f"learnpath serve ready in {ready_s:.1f} s with {workers} worker processes at {server.url}")
            for users, steady in zip(args.users, args.steady, strict=True):
                for user_class in ("LearnerUser", "TrivialUser"):
                    peer = user_class == "TrivialUser"
                    rate = args.peer_spawn_rate if peer else args.spawn_rate
                    seconds = min(steady, args.peer_steady) if peer else steady
                    _say(f"{user_class}: {users} users, spawn {rate}/s, steady {seconds} s ...")
                    run = harness.locust_run(
                        processes,
                        host=server.url,
                        user_class=user_class,
                        users=users,
                        spawn_rate=rate,
                        steady_s=seconds,
                        out=work / f"{user_class}-{users}",
                        env_extra={
                            "LOAD_PASSWORD": password,
                            "LOAD_LEARNERS": str(args.learners),
                            "LOAD_THINK_SCALE": str(args.think_scale),
                        },
                        ramp_limit_s=users / rate * 2 + 60,
                    )
                    runs.append(_summarise(run, cpu, peer=peer, spawn_rate=rate))
                    _print_run(runs[-1])
                    if not peer and args.pause:
                        time.sleep(args.pause)  # the server's queue drains before the next run
            server.stop()
            problems = server.problems()
    finally:
        database.drop()
    return {
        "seed": seeded,
        "workers": workers,
        "threads": 4,
        "ready_s": round(ready_s, 1),
        "runs": runs,
        "server_problems": problems,
    }


def _summarise(
    run: harness.LocustRun, cpu: harness.CpuSampler, *, peer: bool, spawn_rate: float
) -> dict[str, Any]:
    start, end = run.window
    steady = harness.request_stats(run)
    whole = harness.request_stats(run, steady=False)
    summary = {
        "kind": "peer" if peer else "learners",
        "users": run.users,
        "signed_in": run.summary.get("users_ready", 0),
        "signed_in_at_window_start": run.summary.get("users_ready_at_window_start", 0),
        "spawn_rate": spawn_rate,
        "ramp_s": round(start - run.started, 1),
        "window_s": round(end - start, 1),
        "steady": steady,
        "sign_in": {name: whole[name] for name in ("sign-in", "sign-in page") if name in whole},
        "failed_requests": whole["all"]["failures"],
        "failure_statuses": whole["all"]["failure_statuses"],
        "retries": run.summary.get("retries", 0),
        "abandoned_writes": run.summary.get("abandoned_writes", 0),
        "refusals": run.summary.get("refusals", {}),
        "refusal_counts": run.summary.get("refusal_counts", {}),
        "cpu_cores_steady": cpu.cores(start, end),
        "cpu_cores_ramp": cpu.cores(run.started, start),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    if not peer:
        summary["answer_next_p99_ms"] = _answer_next_p99(steady)
    return summary


def _answer_next_p99(stats: dict[str, dict[str, Any]]) -> float:
    answer = stats.get("answer", {}).get("p99_ms", 0.0)
    following = max(stats.get(name, {}).get("p99_ms", 0.0) for name in NEXT_NAMES)
    return round(answer + following, 1)


def _print_run(run: dict[str, Any]) -> None:
    _say(
        f"  {run['kind']} x{run['users']}: ramp {run['ramp_s']} s, window {run['window_s']} s, "
        f"failed {run['failed_requests']} {run['failure_statuses'] or ''}, retries {run['retries']}"
    )
    for name, s in run["steady"].items():
        _say(
            f"    {name:16} {s['count']:7} req {s['per_s']:7.2f}/s  p50 {s['p50_ms']:7.1f}  p95 "
            f"{s['p95_ms']:7.1f}  p99 {s['p99_ms']:7.1f}  max {s['max_ms']:8.1f} ms  failed {s['failures']}"
        )
    for name, s in run["sign_in"].items():
        _say(f"    {name:16} {s['count']:7} (whole run)  p50 {s['p50_ms']:7.1f}  p99 {s['p99_ms']:7.1f} ms")
    _say(f"    CPU cores (steady): {run['cpu_cores_steady']}  (ramp: {run['cpu_cores_ramp']})")


def comparisons(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Learners against the peer at each user count: throughput and p50 ratios."""
    rows = []
    for learners in (r for r in runs if r["kind"] == "learners"):
        peer = next((r for r in runs if r["kind"] == "peer" and r["users"] == learners["users"]), None)
        if peer is None:
            continue
        mine, theirs = learners["steady"]["all"], peer["steady"]["all"]
        cores = learners["cpu_cores_steady"]
        rows.append(
            {
                # CPU per request: what the work costs, whatever else shares the machine
                "app_cpu_ms_per_request": round(cores.get("app", 0) * 1000 / mine["per_s"], 1)
                if mine["per_s"]
                else None,
                "postgres_cpu_ms_per_request": round(cores.get("postgres", 0) * 1000 / mine["per_s"], 1)
                if mine["per_s"]
                else None,
                "users": learners["users"],
                "learner_per_s": mine["per_s"],
                "peer_per_s": theirs["per_s"],
                "throughput_ratio": round(mine["per_s"] / theirs["per_s"], 2) if theirs["per_s"] else None,
                "learner_p50_ms": mine["p50_ms"],
                "peer_p50_ms": theirs["p50_ms"],
                "p50_ratio": round(mine["p50_ms"] / theirs["p50_ms"], 1) if theirs["p50_ms"] else None,
                "learner_p99_ms": mine["p99_ms"],
                "peer_p99_ms": theirs["p99_ms"],
            }
        )
    return rows


def saturation(runs: list[dict[str, Any]], compared: list[dict[str, Any]]) -> dict[str, Any]:
    """Where the largest learner run stands: did it keep up with the offered rate (the peer's), and where
    the machine's CPU went."""
    learners = [r for r in runs if r["kind"] == "learners"]
    if not learners:
        return {}
    top = max(learners, key=lambda r: r["users"])
    row = next((c for c in compared if c["users"] == top["users"]), {})
    cores = top["cpu_cores_steady"]
    cpus = cores.get("cpus", float(os.cpu_count() or 1))
    busy = cores.get("machine", 0.0) / cpus if cpus else 0.0
    groups = {g: cores.get(g, 0.0) for g in ("app", "postgres", "locust", "nginx", "other")}
    biggest = max(groups, key=lambda g: groups[g])
    smallest = min(learners, key=lambda r: r["users"])
    # kept up: throughput relative to the peer no lower than at the smallest user count (the two rhythms
    # differ a little, since the learners' questions come from the policy and the peer's at random)
    baseline = next((c.get("throughput_ratio") for c in compared if c["users"] == smallest["users"]), None)
    kept_up = (row.get("throughput_ratio") or 0) >= 0.9 * (baseline or 1.0)
    growth = top["steady"]["all"]["p50_ms"] / max(smallest["steady"]["all"]["p50_ms"], 0.1)
    if busy >= 0.9:
        why = (
            f"the machine's {cpus:.0f} CPUs are saturated ({busy:.0%} busy): app processes "
            f"{groups['app']} cores, PostgreSQL {groups['postgres']}, locust {groups['locust']}, other "
            f"{groups['other']}; the largest share is "
            + (
                "other work on the shared machine, so this run says less about learnpath than a quiet one"
                if biggest == "other"
                else {"app": "the app processes (Python)", "postgres": "PostgreSQL", "locust": "locust"}.get(
                    biggest, biggest
                )
            )
        )
    elif not kept_up or growth > 2:
        why = (
            f"CPU is not saturated ({busy:.0%} busy) but latency grew {growth:.1f}x from {smallest['users']} "
            "users: requests wait for something other than CPU (threads, locks, connections)"
        )
    else:
        ratio = row.get("throughput_ratio")
        why = f"not saturated: {busy:.0%} of the CPUs busy and throughput {ratio}x the peer's"
    # What the CPUs could serve if nothing else ran (locust and other work left out): the cost of a request
    # at the smallest user count (the least contention), the pace of a learner from the peer's throughput.
    first = next((c for c in compared if c["users"] == smallest["users"]), row)
    per_request_ms = (first.get("app_cpu_ms_per_request") or 0) + (
        first.get("postgres_cpu_ms_per_request") or 0
    )
    pace = (row.get("peer_per_s") or 0) / top["users"]
    capacity = cpus * 1000 / per_request_ms if per_request_ms else None
    if capacity and pace:
        why += (
            f". At {per_request_ms:.0f} CPU-ms a request (app and PostgreSQL, at {smallest['users']} users) "
            f"the {cpus:.0f} CPUs serve "
            f"at most about {capacity:.0f} requests a second alone, about {capacity / pace:.0f} learners at "
            f"this pace ({pace:.2f} requests a second each)"
        )
    return {
        "users": top["users"],
        "cpu_ms_per_request": round(per_request_ms, 1),
        "capacity_per_s_alone": round(capacity, 1) if capacity else None,
        "requests_per_learner_per_s": round(pace, 3),
        "kept_up_with_offered_rate": kept_up,
        "throughput_ratio_to_peer": row.get("throughput_ratio"),
        "machine_busy": round(busy, 2),
        "cores": cores,
        "p50_growth_from_smallest_run": round(growth, 1),
        "why": why,
    }


def targets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, on the 500-learner run (MET / MISSED with the number)."""
    run = next((r for r in runs if r["kind"] == "learners" and r["users"] == TARGET_USERS), None)
    if run is None:
        return [
            {"target": f"{TARGET_USERS} learners", "met": False, "value": "not run (--users left it out)"}
        ]
    lasted = run["window_s"]

    def p99(name: str) -> float | None:
        value: float | None = run["steady"].get(name, {}).get("p99_ms")
        return value

    all_in = run["signed_in_at_window_start"] == TARGET_USERS
    return [
        {
            "target": f"{TARGET_USERS} learners practising for {TARGET_SECONDS // 60} minutes",
            "met": all_in and lasted >= TARGET_SECONDS - 1,
            "value": f"{run['signed_in_at_window_start']} signed in when the window began, steady for "
            f"{lasted:.0f} s",
        },
        {
            "target": "0 failed requests (whole run, sign-ins included)",
            "met": run["failed_requests"] == 0,
            "value": f"{run['failed_requests']} failed ({run['sign_in'].get('sign-in', {}).get('count', 0)} "
            f"sign-ins in the ramp, {run['steady']['all']['count']} requests in the window)"
            + (f" {run['failure_statuses']}" if run["failed_requests"] else ""),
        },
        {
            "target": f"answer + next p99 <= {TARGET_P99_MS:.0f} ms",
            "met": run["answer_next_p99_ms"] <= TARGET_P99_MS,
            "value": f"{run['answer_next_p99_ms']} ms (answer p99 {p99('answer')} ms + slower of next "
            f"{p99('next')} / start {p99('start')} ms)",
        },
    ]


def fault_runs(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Step 6: (a) worker kill and PostgreSQL restart, one server; (b) two servers behind nginx, one
    killed."""
    results: dict[str, Any] = {}
    private: harness.PrivatePostgres | None = None
    admin_url = args.admin_url
    restart = None
    postgres_note = ""
    if args.restart_shared_postgres:
        restart = harness.restart_shared_postgres
        postgres_note = "the machine's cluster, restarted with pg_ctlcluster (--restart-shared-postgres)"
    else:
        try:
            private = harness.PrivatePostgres()
            private.start()
            admin_url = private.admin_url
            restart = private.restart
            postgres_note = f"a throwaway server of this run ({private.version()}, port {private.port})"
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            if private is not None:
                private.stop()
            private = None
            postgres_note = (
                f"no throwaway PostgreSQL server could be started ({error}); PostgreSQL is NOT restarted "
                "(pass --restart-shared-postgres to restart the machine's cluster): only the worker is killed"
            )
    _say(f"faults on {postgres_note}")
    results["postgres"] = postgres_note
    try:
        faults = [harness.Fault(15, "kill-worker")]
        if restart is not None:
            faults.append(harness.Fault(35, "restart-postgres"))
        _say(f"fault run (a): 1 server, {args.fault_users} learners, {[f.action for f in faults]} ...")
        results["one_server"] = harness.fault_run(
            work=work / "fault-one",
            admin_url=admin_url,
            servers=1,
            users=args.fault_users,
            steady_s=60,
            faults=faults,
            think_scale=args.fault_think_scale,
            history=30,
            restart_postgres=restart,
            log=_say,
        )
        _print_fault(results["one_server"])
        problem = harness.nginx_problem()
        if problem:
            _say(f"fault run (b) skipped: {problem}")
            results["two_servers"] = {"skipped": problem}
        else:
            _say(f"fault run (b): 2 servers behind nginx, {args.fault_users} learners, one server killed ...")
            results["two_servers"] = harness.fault_run(
                work=work / "fault-two",
                admin_url=admin_url,
                servers=2,
                users=args.fault_users,
                steady_s=45,
                faults=[harness.Fault(15, "kill-server")],
                think_scale=args.fault_think_scale,
                log=_say,
            )
            _print_fault(results["two_servers"])
    finally:
        if private is not None:
            private.stop()
    return results


def _print_fault(result: dict[str, Any]) -> None:
    _say(
        f"  acknowledged answers {result['acknowledged_answers']}, lost {result['lost']}, duplicated "
        f"{result['duplicated']}, equal to rebuild {result['equal_to_rebuild']}; "
        f"requests {result['requests']}, "
        f"failed {result['failed_requests']} {result['failure_statuses']}, retries {result['retries']}, "
        f"abandoned writes {result['abandoned_writes']}"
    )


def _cell(stats: dict[str, Any], name: str) -> str:
    s = stats.get(name)
    return f"{s['p50_ms']:.0f} / {s['p99_ms']:.0f}" if s else "—"


def section(report: dict[str, Any]) -> str:
    """The "Load" section of BENCHMARKS.md."""
    protocol = report["protocol"]
    lines = [
        f"`{protocol['command']}` ({protocol['date']}; measured on commit {protocol['commit']}; "
        f"{protocol['machine']}; Python {protocol['python']}; {protocol['postgres']})",
        "",
    ]
    load = report.get("load")
    if load:
        lines += [
            f"{load['seed']['learners']} learners in classes of {load['seed']['class_size']} with the demo "
            f"course ({load['seed']['history_learners']} with a practice history), `learnpath serve` with "
            f"{load['workers']} worker processes of {load['threads']} threads (its default here), locust "
            "on the same machine. Learners sign in on the form (Argon2), then practise through the REST API "
            "(next, start or a due review, hints, answers 70 % right); think times 1-3 s before next, "
            f"4-16 s before each answer (x{protocol['think_scale']}). The peer (`GET /health/live`, no "
            "database) has the same users and rhythm: it offers the same request rate at no cost. Times are "
            "in the steady window after the last user signed in; milliseconds, p50 / p99.",
            "",
            "| users | kind | window | req/s | all p50 / p95 / p99 | answer | next | start | review | hint "
            "| map | sign-in (ramp) | failed |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for run in load["runs"]:
            s = run["steady"]
            sign_in = run["sign_in"].get("sign-in")
            lines.append(
                f"| {run['users']} | {run['kind']} | {run['window_s']:.0f} s | {s['all']['per_s']} | "
                f"{s['all']['p50_ms']:.0f} / {s['all']['p95_ms']:.0f} / {s['all']['p99_ms']:.0f} | "
                f"{_cell(s, 'answer')} | {_cell(s, 'next')} | {_cell(s, 'start')} | "
                f"{_cell(s, 'choose (review)')} | {_cell(s, 'hint')} | {_cell(s, 'map')} | "
                + (
                    f"{sign_in['p50_ms']:.0f} / {sign_in['p99_ms']:.0f} ({run['ramp_s']:.0f} s)"
                    if sign_in
                    else "—"
                )
                + f" | {run['failed_requests']} |"
            )
        lines += [
            "",
            "| users | learner req/s | peer req/s | throughput ratio | learner p50 | peer p50 | p50 ratio "
            "| CPU ms a request: app / PostgreSQL | CPU cores: app / PostgreSQL / locust / other (machine) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in report["comparisons"]:
            run = next(r for r in load["runs"] if r["kind"] == "learners" and r["users"] == row["users"])
            c = run["cpu_cores_steady"]
            lines.append(
                f"| {row['users']} | {row['learner_per_s']} | {row['peer_per_s']} | "
                f"{row['throughput_ratio']}x | "
                f"{row['learner_p50_ms']:.0f} ms | {row['peer_p50_ms']:.0f} ms | {row['p50_ratio']}x | "
                f"{row['app_cpu_ms_per_request']} / {row['postgres_cpu_ms_per_request']} | "
                f"{c.get('app')} / {c.get('postgres')} / {c.get('locust')} / {c.get('other')} "
                f"({c.get('machine')} of {c.get('cpus', 0):.0f}) |"
            )
        sat = report.get("saturation") or {}
        if sat:
            lines += ["", f"At {sat['users']} learners: {sat['why']}."]
        ramp = [r for r in load["runs"] if r["kind"] == "learners" and r["cpu_cores_ramp"]]
        if ramp:
            worst = max(ramp, key=lambda r: r["users"])
            lines += [
                "",
                "Sign-in: each one verifies an Argon2 hash (web/accounts/hashing.py); during the ramp of "
                f"{worst['users']} users at {worst['spawn_rate']:g}/s the app processes used "
                f"{worst['cpu_cores_ramp'].get('app')} cores.",
            ]
        lines += ["", "Targets (issue, on the 500-learner run):", ""]
        for target in report["targets"]:
            lines.append(f"- {'MET' if target['met'] else 'MISSED'}: {target['target']} — {target['value']}")
    faults = report.get("faults")
    if faults:
        earlier = report.get("faults_protocol")
        source = (
            f"; from the earlier run `{earlier['command']}` of {earlier['date']} on commit "
            f"{earlier['commit']}, kept because this run had --no-faults"
            if earlier
            else ""
        )
        where = faults["postgres"].replace(" of this run", " of that run") if earlier else faults["postgres"]
        lines += [
            "",
            f"Faults (PostgreSQL: {where}{source}). Failed requests during a fault are allowed; "
            "lost or duplicated answers are not.",
            "",
            "| run | faults | requests | failed | retries | acknowledged answers | lost | duplicated "
            "| derived = rebuild |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, label in (("one_server", "1 server"), ("two_servers", "2 servers + nginx")):
            result = faults.get(name)
            if not result:
                continue
            if "skipped" in result:
                lines.append(f"| {label} | skipped: {result['skipped']} | | | | | | | |")
                continue
            what = ", ".join(
                f"{f['action']}"
                + (f" (replaced in {f['replaced_after_s']} s)" if "replaced_after_s" in f else "")
                + (f" ({f['restart_s']} s)" if "restart_s" in f else "")
                for f in result["faults"]
            )
            lines.append(
                f"| {label}, {result['users']} learners | {what} | {result['requests']} | "
                f"{result['failed_requests']} {result['failure_statuses'] or ''} | {result['retries']} | "
                f"{result['acknowledged_answers']} | {result['lost']} | {result['duplicated']} | "
                f"{'yes' if result['equal_to_rebuild'] else 'NO: ' + ', '.join(result['differing_tables'])} |"
            )
    others = [
        r["cpu_cores_steady"].get("other", 0.0) for r in (load or {}).get("runs", []) if r["cpu_cores_steady"]
    ]
    shared = (
        f'other work used {min(others):g} to {max(others):g} cores during the windows (column "other"), and '
        "the app processes got what was left"
        if others
        else "other work may have used some of them"
    )
    lines += [
        "",
        f"Machine: {protocol['cpus']} CPUs, shared (load average {protocol['load_start']} at the start): "
        f"{shared}. "
        "Locust runs on the same CPUs. The CPU milliseconds a request and the ratios to the peer in the same "
        "run are the numbers to compare between runs; latencies depend on what else ran. Failed: requests "
        "without a 2xx (or the sign-in's 302) answer; status 0 is no answer within locust's 60 s or a closed "
        "connection.",
        "",
        "- results: `benchmarks/results/load.json`; protocol: `benchmarks/load/load_benchmark.py`",
    ]
    return "\n".join(lines)


def derive(report: dict[str, Any]) -> None:
    """The comparisons, the saturation verdict and the targets, from the measured runs."""
    runs = report["load"]["runs"]
    report["comparisons"] = comparisons(runs)
    report["saturation"] = saturation(runs, report["comparisons"])
    report["targets"] = targets(runs)


def rewrite_section() -> int:
    """Derive again from the stored measurements and rewrite the JSON and the section; the protocol (the
    command, date and machine of the measurement) stays as it was."""
    report: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    if report["protocol"].get("commit") != commit():
        # the stamp write_section puts on the section is today's commit; the first line keeps the measured one
        _say(f"note: measured on {report['protocol'].get('commit')}, rewritten on {commit()}")
    if "load" in report:
        derive(report)
    RESULTS.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    write_section(SECTION, section(report))
    _say(section(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[200, 500, 1000])
    parser.add_argument("--steady", type=int, nargs="+", default=None, help="seconds per user count")
    parser.add_argument("--quick", action="store_true", help="30 s per user count (not the targets' length)")
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="learners started a second")
    parser.add_argument("--peer-spawn-rate", type=float, default=50.0)
    parser.add_argument("--peer-steady", type=int, default=120, help="longest peer window, seconds")
    parser.add_argument("--think-scale", type=float, default=1.0)
    parser.add_argument("--learners", type=int, default=1050)
    parser.add_argument("--history", type=int, default=300)
    parser.add_argument("--pause", type=float, default=5.0, help="seconds between runs")
    parser.add_argument("--faults", dest="faults", action="store_true", default=True)
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    parser.add_argument("--only-faults", action="store_true")
    parser.add_argument("--fault-users", type=int, default=150)
    parser.add_argument("--fault-think-scale", type=float, default=0.3)
    parser.add_argument("--restart-shared-postgres", action="store_true")
    parser.add_argument("--admin-url", default=harness.ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, locust CSVs)")
    parser.add_argument("--no-write", action="store_true", help="print only: no JSON, no BENCHMARKS.md")
    parser.add_argument(
        "--rewrite-section",
        action="store_true",
        help="measure nothing: recompute the comparisons and targets from the runs stored in "
        "benchmarks/results/load.json and rewrite it and the section (after a change to the report only)",
    )
    args = parser.parse_args(argv)
    if args.rewrite_section:
        return rewrite_section()
    if args.steady is None:
        defaults = {200: 120, 500: TARGET_SECONDS, 1000: 180}
        args.steady = [30 if args.quick else defaults.get(u, 120) for u in args.users]
    if args.quick:
        args.peer_steady = min(args.peer_steady, 30)
    if len(args.steady) != len(args.users):
        parser.error("--steady needs one number per --users")
    if max(args.users) > args.learners:
        parser.error("--learners must be at least the largest --users")
    problem = harness.postgres_problem(args.admin_url)
    if problem:
        _say(f"load_benchmark: no PostgreSQL at {args.admin_url}: {problem}")
        return 2
    print(__doc__, flush=True)
    protocol = {
        "command": " ".join([COMMAND, *(argv if argv is not None else sys.argv[1:])]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": harness.postgres_version(args.admin_url),
        "load_start": round(os.getloadavg()[0], 2),
        "users": args.users,
        "steady_s": args.steady,
        "spawn_rate": args.spawn_rate,
        "think_scale": args.think_scale,
        "fault_users": args.fault_users,
        "fault_think_scale": args.fault_think_scale,
    }
    work = Path(tempfile.mkdtemp(prefix="learnpath-load-"))
    report: dict[str, Any] = {"protocol": protocol}
    try:
        if not args.only_faults:
            report["load"] = learner_runs(args, work)
            derive(report)
            for row in report["comparisons"]:
                _say(
                    f"{row['users']} users: learner {row['learner_per_s']} req/s vs peer {row['peer_per_s']} "
                    f"({row['throughput_ratio']}x); p50 {row['learner_p50_ms']} vs {row['peer_p50_ms']} ms "
                    f"({row['p50_ratio']}x); CPU ms a request: app {row['app_cpu_ms_per_request']}, "
                    f"PostgreSQL {row['postgres_cpu_ms_per_request']}"
                )
            if report["saturation"]:
                _say(f"at {report['saturation']['users']} learners: {report['saturation']['why']}")
            for target in report["targets"]:
                _say(f"{'MET' if target['met'] else 'MISSED'}: {target['target']} — {target['value']}")
        if args.faults or args.only_faults:
            report["faults"] = fault_runs(args, work)
            for name in ("one_server", "two_servers"):
                result = report["faults"].get(name, {})
                if "lost" in result:
                    ok = result["lost"] == 0 and result["duplicated"] == 0 and result["equal_to_rebuild"]
                    _say(
                        f"{'MET' if ok else 'MISSED'}: faults ({name}): 0 lost, 0 duplicated, equal to "
                        "rebuild — "
                        f"lost {result['lost']}, duplicated {result['duplicated']}, "
                        f"equal {result['equal_to_rebuild']}, failed requests {result['failed_requests']}"
                    )
    finally:
        if args.keep:
            _say(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.no_write:
        _say(section(report))
        return 0
    if "faults" not in report and RESULTS.exists():
        # A run without faults keeps the last fault results, stamped with the run that measured them.
        earlier = json.loads(RESULTS.read_text(encoding="utf-8"))
        if earlier.get("faults"):
            report["faults"] = earlier["faults"]
            report["faults_protocol"] = earlier.get("faults_protocol") or earlier["protocol"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    write_section(SECTION, section(report))
    _say(f"wrote {RESULTS.relative_to(ROOT)} and the '{SECTION}' section of BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
