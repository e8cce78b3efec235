"""Every hot query of a district's day can use an index (PostgreSQL only; the issue "Big data, measured").

A smaller district is seeded once for the module with benchmarks/bigdata (2,000 learners in classes of 40,
a guardian for one in ten, about 100,000 events: 40 learners' histories through the bulk path, the others
replicas of them, ``seed.py --faithful``), then ``ANALYZE``. Each hot path runs through Django's test client
under ``CaptureQueriesContext`` (the whole request: session, access, selectors, services), and every
SELECT it ran is given to ``EXPLAIN (FORMAT JSON)`` with sequential scans, merge joins and hash joins off:
the planner then reads a table from end to end (a sequential scan, or an index walked whole with the
query's condition as a mere filter) only where no index can serve the query at all, whatever the table's
size today. Such a scan of a table that grows with learners or events (anything but the course content and
Django's own tables) fails the case, with the query, the plan's scans and every table's size.

A hot path whose query has no index in the app today is marked ``xfail(strict=True)`` with the reason:
the fix belongs in ``src/`` (a migration), and the mark comes off with it.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's (the PostgreSQL test run)"
)

BIGDATA = Path(__file__).resolve().parents[2] / "benchmarks" / "bigdata"
LEARNERS = 2000
EVENTS = 100_000
FAITHFUL = 40
NOT_LEARNER_SCALED = ("curriculum_", "django_content_type", "django_migrations", "auth_permission")
"""Tables that grow with the courses or not at all, not with learners and events."""
SMALL = 100
"""Rows below which a table is not called large even if it grows with learners (the plan still shows)."""


def bigdata_seed() -> ModuleType:
    """benchmarks/bigdata/seed.py under a name of its own (benchmarks/load has a seed.py too)."""
    if str(BIGDATA) not in sys.path:
        sys.path.insert(0, str(BIGDATA))
    name = "learnpath_bigdata_seed"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BIGDATA / "seed.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        return [row[0] for row in cursor.fetchall()]


def table_sizes() -> dict[str, int]:
    """Rows of every table (exact counts: the tables are small enough here)."""
    sizes = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a table name
            sizes[table] = cursor.fetchone()[0]
    return sizes


def _seed_district(seed: ModuleType) -> SimpleNamespace:
    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack
    from learnpath.web.accounts.models import Role, User
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import build_course_model

    pack = load_pack(DEMO_PACK_PATH)
    course = curriculum_api.course_import(pack=pack).course_id
    now = datetime.now(UTC)
    began = time.perf_counter()
    seed.district_create(
        learners=LEARNERS,
        school_size=1000,
        class_size=40,
        classes_per_teacher=2,
        guardian_share=0.1,
        course_id=course,
        skills=list(build_course_model(pack, "").graph.topological_order()),
        now=now,
        rng=random.Random(4),
        say=lambda _line: None,
    )
    people_s = time.perf_counter() - began
    ids = list(User.objects.filter(role=Role.LEARNER).order_by("id").values_list("id", flat=True))
    people = User.objects.in_bulk(ids[:FAITHFUL])
    end = now - timedelta(days=1)
    mean = EVENTS / LEARNERS
    report = seed.bulk_histories(
        learners=[(n, people[pk]) for n, pk in enumerate(ids[:FAITHFUL])],
        replicas=[(n, pk, n % FAITHFUL) for n, pk in enumerate(ids) if n >= FAITHFUL],
        course_id=course,
        seed=4,
        mean_events=mean,
        start=seed.history_period(mean, end),
        end=end,
        connection=connection,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    report["people_s"] = people_s
    return SimpleNamespace(course=course, report=report)


@pytest.fixture(scope="module")
def district(django_db_setup: None, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """The seeded district, committed for the module's tests and removed after them (tables empty before
    are emptied; rows added to the others are deleted by id)."""
    with django_db_blocker.unblock():
        before = table_sizes()
        ceilings = {}
        with connection.cursor() as cursor:
            for table, rows in before.items():
                cursor.execute(
                    "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = 'id'",
                    [table],
                )
                if rows and cursor.fetchone():
                    cursor.execute(f"SELECT max(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                    ceilings[table] = cursor.fetchone()[0]
        began = time.perf_counter()
        made = _seed_district(bigdata_seed())
        made.seconds = time.perf_counter() - began
        made.sizes = table_sizes()
    try:
        yield made
    finally:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            quote = connection.ops.quote_name
            emptied = [quote(table) for table, rows in before.items() if rows == 0]
            cursor.execute(f"TRUNCATE {', '.join(emptied)}")
            for table, ceiling in ceilings.items():
                cursor.execute(f"DELETE FROM {quote(table)} WHERE id > %s", [ceiling])  # noqa: S608
            assert table_sizes() == before


# -- the plans -----------------------------------------------------------------------------------------


def _scans(node: dict[str, Any], under_limit: bool = False) -> Iterator[dict[str, Any]]:
    """The plan's table scans, each marked ``under_limit`` when a LIMIT above it may stop it early."""
    under_limit = under_limit or node["Node Type"] == "Limit"
    if "Relation Name" in node:
        yield {**node, "under_limit": under_limit}
    for child in node.get("Plans", ()):
        yield from _scans(child, under_limit)


def whole_table(scan: dict[str, Any]) -> bool:
    """A scan that reads its whole table: sequential, or an index walked end to end without a condition on
    it (what the planner falls back to with ``enable_seqscan`` off when no index fits the filter), unless
    it filters nothing and a LIMIT above stops it early (the newest row by id, say)."""
    if scan["Node Type"] == "Seq Scan":
        return True
    walks_index = scan["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in scan
    return walks_index and ("Filter" in scan or not scan["under_limit"])


def _learner_scaled(table: str, sizes: dict[str, int]) -> bool:
    return not table.startswith(NOT_LEARNER_SCALED) and sizes.get(table, 0) >= SMALL


def full_scans(queries: list[dict[str, Any]], sizes: dict[str, int]) -> list[str]:
    """Each captured SELECT that reads a large learner-scaled table from end to end even with
    ``enable_seqscan`` off (no index can serve it), with its scans."""
    found = []
    with connection.cursor() as cursor:
        # Inside the test's transaction. Joins as nested loops too, so that each table is reached through
        # an index where one exists, not walked whole for a merge join the small tables here make cheap.
        for setting in ("enable_seqscan", "enable_mergejoin", "enable_hashjoin"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            document = cursor.fetchone()[0]
            plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
            scans = list(_scans(plan))
            bad = [s for s in scans if whole_table(s) and _learner_scaled(s["Relation Name"], sizes)]
            if bad:
                shown = "; ".join(
                    f"{s['Node Type']} on {s['Relation Name']} ({sizes.get(s['Relation Name'], '?')} rows)"
                    + (f" using {s['Index Name']}" if "Index Name" in s else "")
                    + (f" cond {s['Index Cond']}" if "Index Cond" in s else "")
                    + (f" filter {s['Filter']}" if "Filter" in s else "")
                    for s in scans
                )
                found.append(f"{sql[:600]}\n      plan: {shown}")
    return found


def assert_indexed(name: str, queries: list[dict[str, Any]], sizes: dict[str, int]) -> None:
    problems = full_scans(queries, sizes)
    table_list = ", ".join(f"{t} {n}" for t, n in sorted(sizes.items(), key=lambda kv: -kv[1]) if n)
    assert not problems, (
        f"{name}: {len(problems)} of {len(queries)} queries read a large table from end to end with no index "
        "to use:\n  - " + "\n  - ".join(problems) + f"\n  table sizes (rows): {table_list}"
    )


# -- the hot paths ---------------------------------------------------------------------------------------


def _people(course: str) -> SimpleNamespace:
    """A learner with a history and a guardian, their class and its teacher."""
    from learnpath.web.accounts.models import ClassMembership, GuardianLink
    from learnpath.web.learning.models import Event

    link = (
        GuardianLink.objects.filter(consent_given_at__isnull=False, learner__events__course_id=course)
        .select_related("guardian", "learner")
        .order_by("-learner_id")
        .first()
    )
    assert link is not None
    assert Event.objects.filter(learner=link.learner).exists()
    membership = ClassMembership.objects.select_related("klass").get(learner=link.learner)
    return SimpleNamespace(
        learner=link.learner,
        guardian=link.guardian,
        klass=membership.klass,
        teacher=membership.klass.teachers.get(),
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _captured(run: Callable[[], Any]) -> list[dict[str, Any]]:
    with CaptureQueriesContext(connection) as context:
        run()
    return list(context.captured_queries)


def _ok(response: Any) -> Any:
    assert response.status_code == 200, (response.status_code, getattr(response, "content", b"")[:300])
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


def hot_path(name: str, district: SimpleNamespace) -> list[dict[str, Any]]:
    """Run one hot path as its user and return the queries it ran."""
    course = district.course
    who = _people(course)
    learner = _client(who.learner)
    api = f"/api/learning/{course}"
    if name == "next activity (GET next)":
        return _captured(lambda: _ok(learner.get(f"{api}/next")))
    if name == "practice page":
        return _captured(lambda: learner.get(f"/learn/{course}/practice/"))
    if name == "map (GET map)":
        return _captured(lambda: _ok(learner.get(f"{api}/map")))
    if name == "course page (the map)":
        return _captured(lambda: _ok(learner.get(f"/learn/{course}/")))
    if name in ("start (POST activities)", "answer (POST answers)"):
        from learnpath.web.learning.store import state_load

        start = _captured(
            lambda: _ok(
                learner.post(f"{api}/activities", {"idempotency_key": "plan-start"}, "application/json")
            )
        )
        if name.startswith("start"):
            return start
        from learnpath.web.learning import selectors, services
        from learnpath.web.learning.synthetic import right_response

        attempt = state_load(learner_id=who.learner.pk, course_id=course).open_question()
        assert attempt is not None
        item = selectors.variant(services.practice_course(who.learner, course), attempt.item_id, attempt.seed)
        step_id = attempt.current_step() or ""
        body = {
            "item_id": attempt.item_id,
            "seed": attempt.seed,
            "step_id": step_id,
            "response": right_response(item.find_step(step_id) if step_id else item.main),
            "idempotency_key": "plan-answer",
        }
        return _captured(lambda: _ok(learner.post(f"{api}/answers", body, "application/json")))
    if name == "cockpit of a class of 40":
        return _captured(lambda: _ok(_client(who.teacher).get(f"/classes/{who.klass.pk}/cockpit/")))
    if name == "a learner's page for the teacher":
        teacher = _client(who.teacher)
        return _captured(lambda: _ok(teacher.get(f"/classes/{who.klass.pk}/learners/{who.learner.pk}/")))
    if name == "guardian view":
        guardian = _client(who.guardian)
        return _captured(lambda: _ok(guardian.get(f"/guardian/learners/{who.learner.pk}/")))
    if name == "export of one learner":
        guardian = _client(who.guardian)
        return _captured(lambda: _ok(guardian.get(f"/privacy/people/{who.learner.pk}/data.json")))
    if name == "replay of one learner (rebuild-state's per-learner read)":
        from learnpath.web.learning import api as learning_api
        from learnpath.web.learning.store import learner_events

        def replay() -> None:
            learner_events(learner_id=who.learner.pk, course_id=course)
            learning_api.mastery_history(learner_id=who.learner.pk, course_id=course)

        return _captured(replay)
    raise AssertionError(name)


HOT_PATHS = [
    "next activity (GET next)",
    "practice page",
    "map (GET map)",
    "course page (the map)",
    "start (POST activities)",
    "answer (POST answers)",
    "cockpit of a class of 40",
    "a learner's page for the teacher",
    "guardian view",
    "export of one learner",
    "replay of one learner (rebuild-state's per-learner read)",
]
MISSING_INDEXES: dict[str, str] = {}
"""Hot paths with a query no index serves today (reported for a migration in src/; see the module doc)."""


def test_the_check_sees_a_query_no_index_serves(district: SimpleNamespace, db: None) -> None:
    """The check fails a lookup by a column no index covers, and passes the learner's own log."""
    sizes = district.sizes
    unindexed = [{"sql": "SELECT id FROM learning_event WHERE payload_hash = 'x'"}]
    assert full_scans(unindexed, sizes), "an event looked up by its payload hash has no index"
    indexed = [{"sql": "SELECT id FROM learning_event WHERE learner_id = 1 AND course_id = 'c' ORDER BY id"}]
    assert full_scans(indexed, sizes) == []


def test_the_district_is_seeded(district: SimpleNamespace, db: None) -> None:
    sizes = district.sizes
    assert sizes["learning_event"] >= EVENTS * 0.7, sizes["learning_event"]
    assert sizes["accounts_classmembership"] == LEARNERS
    assert sizes["accounts_guardianlink"] > 0
    times = {k: round(v, 1) for k, v in district.report.items() if k.endswith("_s")}
    print(
        f"seeded {sizes['learning_event']} events of {LEARNERS} learners in {district.seconds:.0f} s: {times}"
    )


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=MISSING_INDEXES[name]))
        if name in MISSING_INDEXES
        else name
        for name in HOT_PATHS
    ],
)
def test_every_hot_query_can_use_an_index(name: str, district: SimpleNamespace, db: None) -> None:
    queries = hot_path(name, district)
    assert queries, f"{name} ran no query"
    assert_indexed(name, queries, district.sizes)
