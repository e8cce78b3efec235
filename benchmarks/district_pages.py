"""Benchmark: every learner, teacher and guardian page with the whole OATutor pool imported, on PostgreSQL.

    .venv/bin/python benchmarks/district_pages.py [--samples 40] [--classes 5] [--learners 40]
        [--source PATH] [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]

Protocol (printed with the numbers), in a fresh process and a fresh PostgreSQL database
``learnpath_bench_district`` (dropped afterwards):

1. migrate; convert the OATutor pool (../shared/data/content/oatutor/, 18 courses, about 12,800 items) and
   import every course and the demo course into one school; build every course's model as
   ``learnpath serve`` does before it listens (``learning.api.course_models_warm``), timed;
2. one teacher with ``--classes`` classes of ``--learners`` learners each; the first class uses the demo
   course, each other class one OATutor course; every learner practises through the real services
   (``learning.synthetic.history_generate``: 6 questions a session, 2 sessions); one guardian linked with
   consent to the first learner; not timed;
3. for each page, one warm-up request, then ``--samples`` requests through Django's test client (the whole
   request: middleware, session, access, selectors, templates; no network), timed with
   ``time.perf_counter``, with the trivial view ``GET /health/live`` timed in the same loop as the peer;
   the SQL queries of one request are counted.

Targets (issue 13): every learner and teacher page p95 <= 300 ms; ``GET /api/courses`` p95 <= 50 ms.
Writes benchmarks/results/district_pages.json and the "Pages at district size" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "district_pages.json"
TITLE = "Pages at district size"
COMMAND = ".venv/bin/python benchmarks/district_pages.py"
BENCH_DB = "learnpath_bench_district"
DEFAULT_SOURCE = (
    ROOT.parent / "shared" / "data" / "content" / "oatutor" / "oatutor_content_c26295e_json.tar.gz"
)
TARGET_PAGE_P95_MS = 300
TARGET_API_COURSES_P95_MS = 50

sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from practice_latency import percentiles  # noqa: E402 - the same nearest-rank percentiles
from reporting import machine, run_backend_process, write_section  # noqa: E402


def pages(course: str, class_id: int, learner_id: int, skill: str) -> dict[str, list[str]]:
    """The pages each role opens in a day, with this learner, class, course and skill."""
    return {
        "learner": [
            "/",
            f"/learn/{course}/",
            f"/learn/{course}/practice/",
            f"/courses/{course}/",
            f"/courses/{course}/skills/{skill}/",
            "/me/goals/",
            "/me/portfolio/",
            "/me/reflections/",
            "/me/projects/",
            "/me/feedback/",
            "/me/privacy/",
            "/me/sharing/",
            "/accounts/settings/",
            "/plan/",
            "/api/courses",
            f"/api/learning/{course}/map",
            f"/api/learning/{course}/next",
        ],
        "teacher": [
            "/",
            "/classes/",
            "/classes/inbox/",
            f"/classes/{class_id}/",
            f"/classes/{class_id}/cockpit/",
            f"/classes/{class_id}/learners/{learner_id}/",
            f"/classes/{class_id}/pacing/",
            f"/classes/{class_id}/interventions/",
            f"/classes/{class_id}/projects/",
            f"/accounts/classes/{class_id}/sheet/",
            "/api/courses",
        ],
        "guardian": ["/guardian/", f"/guardian/learners/{learner_id}/"],
    }


def _rss_mb() -> float:
    """This process's resident memory now, in MB (Linux: /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_backend(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("LEARNPATH_HTTPS", "0")
    os.environ["LEARNPATH_REQUIRE_SECOND_FACTOR"] = "0"
    os.environ["LEARNPATH_ACCESS_LOG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import psycopg

    with psycopg.connect(args.postgres_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = args.postgres_url.rsplit("/", 1)[0] + f"/{BENCH_DB}"
    try:
        return _measure(args)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(args.postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


def _school(args: argparse.Namespace) -> dict[str, Any]:
    """Import the pool and the demo course, make the classes, learners, histories and a guardian."""
    from django.utils import timezone

    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.importers import convert_oatutor
    from learnpath.content.pack import load_pack
    from learnpath.web.accounts import api as accounts_api
    from learnpath.web.accounts.models import Organisation, Role, User
    from learnpath.web.coaching import services as coaching_services
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.guardians import services as guardian_services
    from learnpath.web.learning import services as learning_services
    from learnpath.web.learning.api import course_models_warm
    from learnpath.web.learning.models import Event
    from learnpath.web.learning.synthetic import history_generate

    organisation = Organisation.objects.create(slug="district", name="District School")
    started = time.perf_counter()
    conversion = convert_oatutor(args.source)
    for pack in conversion.packs:
        curriculum_api.course_import(pack=pack, organisation_id=organisation.pk)
    demo = curriculum_api.course_import(pack=load_pack(DEMO_PACK_PATH), organisation_id=organisation.pk)
    import_s = time.perf_counter() - started
    rss_before = _rss_mb()
    started = time.perf_counter()
    warmed = course_models_warm()
    warm_s = time.perf_counter() - started
    models_mb = _rss_mb() - rss_before
    print(
        f"imported {len(conversion.packs)} OATutor courses in {import_s:.0f} s; "
        f"built {len(warmed)} course models in {warm_s:.1f} s",
        flush=True,
    )

    teacher = User.objects.create(username="teacher", role=Role.TEACHER, organisation=organisation)
    oatutor_ids = sorted(pack.meta.id for pack in conversion.packs)
    courses = [demo.course_id, *oatutor_ids[: args.classes - 1]]
    first_class: Any = None
    first_learner: Any = None
    now = datetime.now(UTC)
    started = time.perf_counter()
    for number, course in enumerate(courses):
        klass = coaching_services.class_create(teacher=teacher, name=f"Class {number + 1}")
        coaching_services.class_course_attach(class_id=klass.id, course_id=course, actor=teacher)
        User.objects.bulk_create(
            [
                User(username=f"c{number}l{n:03d}", role=Role.LEARNER, organisation=organisation)
                for n in range(args.learners)
            ]
        )
        people = list(User.objects.filter(username__startswith=f"c{number}l").order_by("username"))
        for person in people:
            accounts_api.class_learner_add(class_id=klass.id, learner_id=person.pk, actor=teacher)
        model = learning_services.practice_course(people[0], course)
        history_generate(
            learners=people, model=model, seed=number, start=now - timedelta(days=9), actions=6, days=2
        )
        if first_class is None:
            first_class, first_learner = klass, people[0]
    history_s = time.perf_counter() - started
    guardian = User.objects.create(username="guardian", role=Role.GUARDIAN, organisation=organisation)
    guardian_services.link_code_redeem(
        guardian=guardian,
        code=guardian_services.link_code_create(
            learner_id=first_learner.pk, actor=first_learner, now=timezone.now()
        ),
        now=timezone.now(),
    )
    demo_model = learning_services.practice_course(first_learner, demo.course_id)
    return {
        "courses": len(curriculum_api.course_ids()),
        "items": sum(len(pack.items) for pack in conversion.packs),
        "warm_seconds": round(warm_s, 1),
        "models_mb": round(models_mb),
        "history_seconds": round(history_s, 1),
        "events": Event.objects.count(),
        "learners": len(courses) * args.learners,
        "classes": len(courses),
        "people": {"learner": first_learner, "teacher": teacher, "guardian": guardian},
        "pages": pages(demo.course_id, first_class.id, first_learner.pk, demo_model.pack.skills[0].id),
    }


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    from learnpath.web import bootstrap

    bootstrap.migrate()
    from django.db import connection
    from django.test import Client

    school = _school(args)
    rows = []
    for role, paths in school["pages"].items():
        client = Client()
        client.force_login(school["people"][role])
        for path in paths:
            warm = client.get(path)
            if warm.status_code != 200:
                raise SystemExit(f"{role} {path}: status {warm.status_code}")
            queries: list[str] = []

            def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
                queries.append(sql)  # noqa: B023 - used only inside this iteration
                return execute(sql, params, many, context)

            # Counted around the request (a request's start clears ``connection.queries``).
            with connection.execute_wrapper(count):
                client.get(path)
            page: list[float] = []
            peer: list[float] = []
            for _ in range(args.samples):
                t0 = time.perf_counter()
                client.get(path)
                t1 = time.perf_counter()
                client.get("/health/live")
                peer.append(time.perf_counter() - t1)
                page.append(t1 - t0)
            timing = percentiles(page)
            target = TARGET_API_COURSES_P95_MS if path == "/api/courses" else TARGET_PAGE_P95_MS
            row = {
                "role": role,
                "path": path,
                "queries": len(queries),
                **{f"page_{key}": value for key, value in timing.items()},
                "peer_p95_ms": percentiles(peer)["p95_ms"],
                "target_p95_ms": target if role != "guardian" or path == "/api/courses" else None,
            }
            row["met"] = row["target_p95_ms"] is None or timing["p95_ms"] <= target
            rows.append(row)
            print(
                f"{role:8} {path:48} p50 {timing['p50_ms']:7.1f} p95 {timing['p95_ms']:7.1f} ms "
                f"{len(queries):3} queries; peer p95 {row['peer_p95_ms']} ms",
                flush=True,
            )
    return {
        "server": f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}",
        "courses": school["courses"],
        "items": school["items"],
        "classes": school["classes"],
        "learners": school["learners"],
        "events": school["events"],
        "warm_seconds": school["warm_seconds"],
        "models_mb": school["models_mb"],
        "history_seconds": school["history_seconds"],
        "samples": args.samples,
        "pages": rows,
    }


def _section(result: dict[str, Any], protocol: dict[str, Any]) -> str:
    missed = [row for row in result["pages"] if not row["met"]]
    lines = [
        f"`{COMMAND}` ({protocol['date']}; {protocol['machine']}; Python {protocol['python']})",
        "",
        f"{result['server']}, one school with the OATutor pool imported ({result['courses']} courses, "
        f"{result['items']:,} OATutor items); a teacher of {result['classes']} classes of "
        f"{result['learners'] // result['classes']} learners who practised through the real services "
        f"({result['events']:,} events); a guardian. Each page: {result['samples']} requests through "
        "Django's test client after one warm-up (whole request, no network); peer: `GET /health/live` "
        "in the same loop. Building every course's model before serving took "
        f"{result['warm_seconds']} s and {result['models_mb']} MB of memory (resident set).",
        "",
        f"Targets: every learner and teacher page p95 <= {TARGET_PAGE_P95_MS} ms, `GET /api/courses` p95 <= "
        f"{TARGET_API_COURSES_P95_MS} ms: **{'MET' if not missed else 'MISSED'}**"
        + (f" ({len(missed)} pages over)" if missed else "")
        + ".",
        "",
        "| role | page | queries | p50 | p95 | p99 | peer p95 | ratio (p95) | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["pages"]:
        ratio = row["page_p95_ms"] / row["peer_p95_ms"] if row["peer_p95_ms"] else float("nan")
        target = "" if row["target_p95_ms"] is None else ("met" if row["met"] else "**missed**")
        lines.append(
            f"| {row['role']} | `{row['path']}` | {row['queries']} | {row['page_p50_ms']} ms | "
            f"{row['page_p95_ms']} ms | {row['page_p99_ms']} ms | {row['peer_p95_ms']} ms | "
            f"{ratio:.0f}x | {target} |"
        )
    lines += ["", "- results: `benchmarks/results/district_pages.json`", "", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--backend", choices=["postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.backend:  # the child process
        print("RESULT " + json.dumps(run_backend(args), default=str), flush=True)
        return 0
    if not args.source.exists():
        print(f"skipped: the OATutor pool is not at {args.source} (see ../shared/data/PROVENANCE.md)")
        return 0
    print(__doc__)
    protocol = {**machine(), "samples": args.samples, "classes": args.classes, "learners": args.learners}
    arguments = ["--samples", str(args.samples), "--classes", str(args.classes)]
    arguments += ["--learners", str(args.learners), "--source", str(args.source)]
    arguments += ["--postgres-url", args.postgres_url]
    result = run_backend_process(__file__, arguments, backend="postgres")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"protocol": protocol, "result": result}, indent=2) + "\n", encoding="utf-8"
    )
    write_section(TITLE, _section(result, protocol))
    print(f"wrote {RESULTS.relative_to(ROOT)} and the '{TITLE}' section of BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
