"""Seed a district on PostgreSQL: schools, teachers, classes of 40, guardians, learners and their history.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres SECRET_KEY=... \\
        .venv/bin/python benchmarks/bigdata/seed.py --learners 100000 --events 10000000 \\
        [--database learnpath_big_100k] [--workers 2] [--batch 250] [--faithful N]
        [--replica-shift-days D] [--history-only] [--seed 1]

With ``--database NAME`` (a name starting ``learnpath_big_``) the database is dropped if it exists and made
afresh on the server of ``DATABASE_URL``; without it, ``DATABASE_URL`` names an empty database to fill.

What is made, and how (why: so that a number measured on it describes what the app would have written):

1. migrations; the demo course (``curriculum.api.course_import``, a course every school sees);
2. one organisation per ``--school-size`` learners (``accounts.services.organisation_create``), a teacher
   per ``--classes-per-teacher`` classes (``accounts.services.user_create``), classes of ``--class-size``
   learners with the course attached and three pacing targets each, one past due
   (``coaching.services.class_create``, ``class_course_attach``, ``pacing_target_create``): the real
   services, a few thousand calls;
3. the learners in bulk: ``User``, ``ClassMembership`` and ``AuditEntry`` rows with exactly the values
   ``accounts.api.learner_create`` and ``accounts.api.class_learner_add`` would write (no password: the
   services' ``set_unusable_password``), 2,000 to a query instead of eight queries a learner;
4. guardians for ``--guardians`` of the learners, linked with the school's consent through the real flow
   (``guardians.services.link_code_create`` by the teacher, ``link_code_redeem`` by the guardian);
5. history: each learner practises through ``learning.synthetic.learner_session`` (the simulated learner
   of the rebuild test and the latency benchmarks, calling the services as the web does) on sessions some
   days apart, until they reach their share of ``--events`` (drawn between half and one and a half times
   the mean) or the end of the period, the last day before now. The services run on the in-memory store of
   ``bulk_path`` and each batch of ``--batch`` learners is written with COPY, in ``--workers`` processes.
   With ``--faithful N`` only the first N learners practise so; every other learner gets a replica of the
   history of learner ``index % N`` (``bulk_path.history_replicate``: the same events under the replica's
   own keys and ids, at the same times, with the source's final state, which is what a replay of them
   gives; with ``--replica-shift-days D`` each replica is moved 0 to D whole days earlier and replayed by
   the engine as ``rebuild-state`` replays). A shortcut for sizes the faithful path cannot reach in the
   time at hand (it makes every decision of the services, about 1,000 events a second a process on a
   quiet core): the replicas are logs the loop agrees with, not the ones the services would have written
   for those learners. The report says how many of each. ``--history-only`` runs steps 5 and 6 on a
   database an earlier run filled with people (and no events);
6. ``VACUUM ANALYZE`` of the big tables written and ``ANALYZE`` of all, and the seed's report kept as the
   database's comment (the benchmark reads it).

Prints progress with the rate, then one ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DATABASE_PREFIX = "learnpath_big_"
SESSION_GAPS_DAYS = (1, 2, 3, 5, 9)
"""Days between two sessions of a learner (as ``synthetic.history_generate`` draws them)."""
EVENTS_PER_SESSION = 13.0
"""About how many events one session of ``learner_session`` (1 to 8 questions) writes: sizes the period."""
WRITTEN_TABLES = (
    "learning_event",
    "learning_resumedkey",
    "learning_learnercourse",
    "learning_skillstate",
    "learning_reviewschedule",
    "learning_resourceuse",
    "accounts_user",
    "accounts_classmembership",
    "accounts_auditentry",
    "accounts_guardianlink",
)


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def database_recreate(server_url: str, name: str) -> str:
    """Drop (if it exists) and create database ``name``; only names starting ``learnpath_big_``."""
    import psycopg

    if not name.startswith(DATABASE_PREFIX) or not name.replace("_", "").isalnum():
        raise SystemExit(f"--database must be letters, digits and _ starting {DATABASE_PREFIX!r}: {name!r}")
    with psycopg.connect(database_url(server_url, "postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return database_url(server_url, name)


def django_start() -> None:
    """Django with learnpath's settings, one BLAS thread (the loop multiplies small matrices)."""
    from learnpath.cli.runtime import single_threaded_blas
    from learnpath.web import bootstrap

    single_threaded_blas()
    bootstrap.setup_django()


# -- the people --------------------------------------------------------------------------------------


def learners_bulk_create(*, klass: Any, teacher: Any, usernames: Sequence[str]) -> list[Any]:
    """Learners of ``klass``'s organisation enrolled in it, with the rows ``accounts.api.learner_create``
    (``user_create``: the user, unusable password, its audit row) and ``accounts.api.class_learner_add``
    (the membership, its audit row) write, by ``teacher``; a few queries for the lot."""
    from learnpath.web.accounts.models import AuditEntry, ClassMembership, Role, User

    people = []
    for username in usernames:
        user = User(
            username=username,
            role=Role.LEARNER,
            organisation_id=klass.organisation_id,
            display_name=f"Learner {username}",
            is_staff=False,
            is_superuser=False,
        )
        user.set_unusable_password()
        people.append(user)
    User.objects.bulk_create(people, batch_size=2000)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=teacher,
                action="user.create",
                target_type="user",
                target_id=str(user.pk),
                details={"role": Role.LEARNER},
            )
            for user in people
        ],
        batch_size=2000,
    )
    ClassMembership.objects.bulk_create([ClassMembership(klass=klass, learner=user) for user in people])
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=teacher,
                action="class.learner_add",
                target_type="class",
                target_id=str(klass.pk),
                details={"learner": user.pk},
            )
            for user in people
        ],
        batch_size=2000,
    )
    return people


def guardian_link(*, learner: Any, teacher: Any, organisation: Any, now: datetime) -> Any:
    """A guardian linked to ``learner`` with the school's consent, through the real flow: the teacher makes
    a link code, the guardian redeems it."""
    from learnpath.web.accounts import services as accounts_services
    from learnpath.web.accounts.models import Role
    from learnpath.web.guardians import services as guardians_services

    guardian = accounts_services.user_create(
        username=f"guardian-{learner.username}",
        password=None,
        role=Role.GUARDIAN,
        organisation=organisation,
        display_name=f"Guardian of {learner.display_name}",
    )
    code = guardians_services.link_code_create(learner_id=learner.pk, actor=teacher, now=now)
    guardians_services.link_code_redeem(guardian=guardian, code=code, now=now, relationship="parent")
    return guardian


def district_create(
    *,
    learners: int,
    school_size: int,
    class_size: int,
    classes_per_teacher: int,
    guardian_share: float,
    course_id: str,
    skills: Sequence[str],
    now: datetime,
    rng: random.Random,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Schools, teachers, classes, learners and guardians (module docstring, steps 2-4)."""
    from learnpath.web.accounts import services as accounts_services
    from learnpath.web.accounts.models import Class, Role
    from learnpath.web.coaching import services as coaching_services

    made = {"organisations": 0, "teachers": 0, "classes": 0, "learners": 0, "guardians": 0}
    started = time.perf_counter()
    targets = [(skills[len(skills) // 6], -10), (skills[len(skills) // 3], 5), (skills[len(skills) // 2], 20)]
    for school in range(math.ceil(learners / school_size)):
        in_school = min(school_size, learners - school * school_size)
        organisation = accounts_services.organisation_create(
            slug=f"school-{school:04d}", name=f"School {school + 1}"
        )
        made["organisations"] += 1
        teacher = None
        for number in range(math.ceil(in_school / class_size)):
            if number % classes_per_teacher == 0:
                teacher = accounts_services.user_create(
                    username=f"teacher-{school:04d}-{number // classes_per_teacher:02d}",
                    password=None,
                    role=Role.TEACHER,
                    organisation=organisation,
                    display_name=f"Teacher {school + 1}.{number // classes_per_teacher + 1}",
                )
                made["teachers"] += 1
            klass_info = coaching_services.class_create(
                teacher=teacher, name=f"Class {school + 1}.{number + 1}"
            )
            coaching_services.class_course_attach(class_id=klass_info.id, course_id=course_id, actor=teacher)
            for skill_id, days in targets:
                coaching_services.pacing_target_create(
                    class_id=klass_info.id,
                    course_id=course_id,
                    skill_id=skill_id,
                    due=now + timedelta(days=days),
                    actor=teacher,
                )
            made["classes"] += 1
            klass = Class.objects.get(pk=klass_info.id)
            first = school * school_size + number * class_size
            count = min(class_size, school * school_size + in_school - first)
            people = learners_bulk_create(
                klass=klass,
                teacher=teacher,
                usernames=[f"learner-{n:06d}" for n in range(first, first + count)],
            )
            made["learners"] += len(people)
            for person in people:
                if rng.random() < guardian_share:
                    guardian_link(learner=person, teacher=teacher, organisation=organisation, now=now)
                    made["guardians"] += 1
        say(
            f"  people: school {school + 1}: {made['learners']} learners, {made['classes']} classes, "
            f"{made['guardians']} guardians ({time.perf_counter() - started:.0f} s)"
        )
    made["seconds"] = round(time.perf_counter() - started, 1)
    return made


# -- the history -------------------------------------------------------------------------------------


def learner_rng(seed: int, index: int) -> random.Random:
    """The random stream of the learner at ``index``: the same whichever process or batch runs them."""
    return random.Random(seed * 1_000_003 + index)


def learner_history(
    *,
    learner: Any,
    model: Any,
    rng: random.Random,
    mean_events: float,
    start: datetime,
    end: datetime,
    events_of: Callable[[int], int],
) -> int:
    """One learner's practice: sessions of ``learning.synthetic.learner_session`` some days apart, from a
    moment in the first two days after ``start``, until the learner has their share of events (between
    half and one and a half times ``mean_events``) or the next session would start after ``end``. Returns
    the questions shown."""
    from learnpath.web.learning.synthetic import Counter, learner_session

    wanted = max(1, round(mean_events * rng.uniform(0.5, 1.5)))
    counter = Counter()
    moment = start + timedelta(hours=rng.randint(0, 48))
    while moment < end and events_of(learner.pk) < wanted:
        moment = learner_session(
            learner=learner, model=model, rng=rng, actions=rng.randint(1, 8), start=moment, counter=counter
        )
        moment += timedelta(days=rng.choice(SESSION_GAPS_DAYS))
    return counter.actions


def histories_generate(
    *,
    learners: Sequence[tuple[int, Any]],
    model: Any,
    seed: int,
    mean_events: float,
    start: datetime,
    end: datetime,
    events_of: Callable[[int], int],
) -> int:
    """``learner_history`` for each ``(index, learner)``, each with its own random stream. The same call
    runs on the real services (the test) or inside ``bulk_path.in_memory`` (the seed)."""
    return sum(
        learner_history(
            learner=learner,
            model=model,
            rng=learner_rng(seed, index),
            mean_events=mean_events,
            start=start,
            end=end,
            events_of=events_of,
        )
        for index, learner in learners
    )


def history_period(mean_events: float, end: datetime) -> datetime:
    """Where the period starts: room for the sessions a learner of one and a half times the mean needs
    at the mean gap, so that few learners reach the end before their share."""
    sessions = 1.5 * mean_events / EVENTS_PER_SESSION
    mean_gap = sum(SESSION_GAPS_DAYS) / len(SESSION_GAPS_DAYS)
    return end - timedelta(days=max(3.0, sessions * mean_gap * 0.8 + 2))


def bulk_histories(
    *,
    learners: Sequence[tuple[int, Any]],
    course_id: str,
    seed: int,
    mean_events: float,
    start: datetime,
    end: datetime,
    connection: Any,
    ids: Iterator[int] | None = None,
    replicas: Sequence[tuple[int, int, int]] = (),
    replica_shift_days: int = 0,
) -> dict[str, Any]:
    """The histories of ``learners`` (``(index, user)``) through the bulk path, then the ``replicas``
    (``(index, learner id, index of the learner copied)``, ``bulk_path.history_replicate``), written in one
    transaction; ``ids`` the event ids (default: the table's sequence). With ``replica_shift_days`` each
    replica is moved 0 to that many days earlier and replayed; without, it keeps its source's times and
    takes its source's final state (no replay: many times faster). Returns the questions, the rows written
    and the seconds spent."""
    import bulk_path

    model = bulk_path.access_check(learners[0][1], course_id)
    store = bulk_path.MemoryStore(
        models={course_id: model}, ids=ids if ids is not None else bulk_path.sequence_ids(connection)
    )
    began = time.perf_counter()
    with bulk_path.in_memory(store):
        questions = histories_generate(
            learners=learners,
            model=model,
            seed=seed,
            mean_events=mean_events,
            start=start,
            end=end,
            events_of=store.event_count,
        )
    drained = store.drain()
    faithful_events = len(drained.events)
    generated = time.perf_counter()
    if replicas:
        logs: dict[int, list[Any]] = {}
        for event in drained.events:
            logs.setdefault(event.learner_id, []).append(event)
        kept: dict[int, list[Any]] = {}
        for resumed in drained.resumed:
            kept.setdefault(resumed.learner_id, []).append(resumed)
        source_ids = {index: learner.pk for index, learner in learners}
        finals = {loaded.learner_id: loaded.state for loaded, _course in drained.states}
        for index, learner_id, source in replicas:
            log = logs.get(source_ids[source])
            if not log:
                continue  # the learner copied did nothing
            shift = -timedelta(days=learner_rng(seed, index).randint(0, replica_shift_days))
            copies, keys, state = bulk_path.history_replicate(
                log,
                kept.get(source_ids[source], []),
                learner_id=learner_id,
                shift=shift,
                ids=store.ids,
                course=model.loop,
                source_state=finals[source_ids[source]],
            )
            drained.events.extend(copies)
            drained.resumed.extend(keys)
            drained.states.append((state, model.loop))
    replicated = time.perf_counter()
    rows = bulk_path.rows_write(drained, connection=connection)
    return {
        "questions": questions,
        "rows": rows,
        "faithful_events": faithful_events,
        "replicated_events": len(drained.events) - faithful_events,
        "generate_s": generated - began,
        "replicate_s": replicated - generated,
        "write_s": time.perf_counter() - replicated,
    }


_worker: dict[str, Any] = {}


def _worker_start(settings: dict[str, Any]) -> None:
    """A history process: its own database connection and event ids (the parent closed its connection
    before the fork), the course model built on its first batch."""
    from bulk_path import sequence_ids
    from django.db import connection

    _worker.update(settings, ids=sequence_ids(connection))


def _worker_batch(batch: tuple[list[tuple[int, int]], list[tuple[int, int, int]]]) -> dict[str, Any]:
    """One batch: ``(index, learner id)`` to generate, ``(index, learner id, index copied)`` to replicate."""
    from django.db import connection

    from learnpath.web.accounts.models import User

    faithful, replicas = batch
    people = User.objects.in_bulk([pk for _, pk in faithful])
    return bulk_histories(
        learners=[(index, people[pk]) for index, pk in faithful],
        replicas=replicas,
        course_id=_worker["course_id"],
        seed=_worker["seed"],
        mean_events=_worker["mean_events"],
        start=_worker["start"],
        end=_worker["end"],
        connection=connection,
        ids=_worker["ids"],
        replica_shift_days=_worker["replica_shift_days"],
    )


def history_seed(
    *,
    learner_ids: Sequence[int],
    course_id: str,
    seed: int,
    mean_events: float,
    start: datetime,
    end: datetime,
    workers: int,
    batch: int,
    faithful: int,
    replica_shift_days: int = 0,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every learner's history (module docstring, step 5), batches spread over ``workers`` processes: the
    first ``faithful`` learners through the bulk path, each of the others a replica of learner
    ``index % faithful``, in the batch of the learner it copies."""
    from django.db import connections

    total = len(learner_ids)
    faithful = max(1, min(faithful, total))
    step = max(1, batch * faithful // total)
    batches = []
    for first in range(0, faithful, step):
        sources = range(first, min(first + step, faithful))
        replicas = [
            (index, learner_ids[index], source)
            for source in sources
            for index in range(source + faithful, total, faithful)
        ]
        batches.append(([(index, learner_ids[index]) for index in sources], replicas))
    connections.close_all()  # each process opens its own
    totals: dict[str, Any] = {
        "questions": 0,
        "rows": {},
        "faithful_events": 0,
        "replicated_events": 0,
        "generate_s": 0.0,
        "replicate_s": 0.0,
        "write_s": 0.0,
    }
    started = time.perf_counter()
    last_said = 0.0
    context = multiprocessing.get_context("fork")
    settings = {
        "course_id": course_id,
        "seed": seed,
        "mean_events": mean_events,
        "start": start,
        "end": end,
        "replica_shift_days": replica_shift_days,
    }
    with context.Pool(workers, initializer=_worker_start, initargs=(settings,)) as pool:
        for done, report in enumerate(pool.imap_unordered(_worker_batch, batches), start=1):
            for name in (
                "questions",
                "faithful_events",
                "replicated_events",
                "generate_s",
                "replicate_s",
                "write_s",
            ):
                totals[name] += report[name]
            for table, count in report["rows"].items():
                totals["rows"][table] = totals["rows"].get(table, 0) + count
            elapsed = time.perf_counter() - started
            if elapsed - last_said >= 15 or done == len(batches):
                last_said = elapsed
                events = totals["rows"].get("Event", 0)
                rate = events / elapsed
                left = (len(batches) - done) * elapsed / done
                say(
                    f"  history: {done}/{len(batches)} batches, {events:,} events "
                    f"({totals['replicated_events']:,} replicated), {rate:,.0f} events/s (in all processes: "
                    f"generate {totals['generate_s']:.0f} s, replicate {totals['replicate_s']:.0f} s, COPY "
                    f"{totals['write_s']:.0f} s), about {left / 60:.1f} min left"
                )
    seconds = time.perf_counter() - started
    totals.update(
        learners=total,
        faithful_learners=faithful,
        seconds=round(seconds, 1),
        events_per_second=round(totals["rows"].get("Event", 0) / max(seconds, 1e-9)),
        faithful_events_per_process_second=round(totals["faithful_events"] / max(totals["generate_s"], 1e-9)),
    )
    for name in ("generate_s", "replicate_s", "write_s"):
        totals[name] = round(totals[name], 1)
    return totals


def tables_analyse(say: Callable[[str], None] = print) -> float:
    """``VACUUM ANALYZE`` the big tables the seed wrote (visibility map, statistics), then ``ANALYZE``
    every table: as a database that has lived with these rows would be, where autovacuum has long caught
    up (and where it is off, as on the test machines' server). Without the last step the planner takes the
    classes table, filled by the services in one go, for the two rows it had when last analysed, and joins
    it by walking every class."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in WRITTEN_TABLES:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    say(f"  VACUUM ANALYZE: {seconds:.0f} s")
    return seconds


def _people_counted() -> dict[str, Any]:
    """What an earlier run made of steps 2-4 (``--history-only``), counted."""
    from learnpath.web.accounts.models import Class, GuardianLink, Organisation, Role, User

    return {
        "organisations": Organisation.objects.count(),
        "teachers": User.objects.filter(role=Role.TEACHER).count(),
        "classes": Class.objects.count(),
        "learners": User.objects.filter(role=Role.LEARNER).count(),
        "guardians": GuardianLink.objects.count(),
        "seconds": None,
        "made_by": "an earlier run (--history-only)",
    }


def seed(args: argparse.Namespace) -> dict[str, Any]:
    """Everything in the module docstring, in order; returns the report. With ``--history-only``, steps 5
    and 6 on a database whose people an earlier run made (its history stopped before any event)."""
    if args.database and args.history_only:
        os.environ["DATABASE_URL"] = database_url(os.environ["DATABASE_URL"], args.database)
    elif args.database:
        os.environ["DATABASE_URL"] = database_recreate(os.environ["DATABASE_URL"], args.database)
    django_start()
    from learnpath.web import bootstrap

    began = time.perf_counter()
    bootstrap.migrate()
    from django.db import connection

    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack
    from learnpath.web.accounts.models import Role, User
    from learnpath.web.curriculum import api as curriculum_api
    from learnpath.web.learning.course_model import build_course_model
    from learnpath.web.learning.models import Event

    if connection.vendor != "postgresql":
        raise SystemExit("the seed writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL server")
    pack = load_pack(DEMO_PACK_PATH)
    now = datetime.now(UTC)
    print(f"seed: {args.learners:,} learners, {args.events:,} events into {connection.settings_dict['NAME']}")
    if args.history_only:
        if Event.objects.exists():
            raise SystemExit("--history-only needs a database with people and no events yet")
        course_id = pack.meta.id
        people = _people_counted()
    else:
        course_id = curriculum_api.course_import(pack=pack).course_id
        people = district_create(
            learners=args.learners,
            school_size=args.school_size,
            class_size=args.class_size,
            classes_per_teacher=args.classes_per_teacher,
            guardian_share=args.guardians,
            course_id=course_id,
            skills=list(build_course_model(pack, "").graph.topological_order()),
            now=now,
            rng=random.Random(args.seed),
        )
    learner_ids = list(User.objects.filter(role=Role.LEARNER).order_by("id").values_list("id", flat=True))
    end = now - timedelta(days=1)
    mean_events = args.events / max(1, len(learner_ids))
    start = history_period(mean_events, end)
    print(f"  history from {start:%Y-%m-%d} to {end:%Y-%m-%d}, {mean_events:.0f} events a learner on average")
    history = history_seed(
        learner_ids=learner_ids,
        course_id=course_id,
        seed=args.seed,
        mean_events=mean_events,
        start=start,
        end=end,
        workers=args.workers,
        batch=args.batch,
        faithful=args.faithful or len(learner_ids),
        replica_shift_days=args.replica_shift_days,
    )
    analyse_s = tables_analyse()
    report = {
        "database": connection.settings_dict["NAME"],
        "course_id": course_id,
        "learners": len(learner_ids),
        "events": history["rows"].get("Event", 0),
        "events_asked": args.events,
        "faithful_learners": history["faithful_learners"],
        "faithful_events": history["faithful_events"],
        "replicated_events": history["replicated_events"],
        "replica_shift_days": args.replica_shift_days,
        "people": people,
        "history": history,
        "analyse_seconds": round(analyse_s, 1),
        "seconds": round(time.perf_counter() - began, 1),
        "workers": args.workers,
        "batch": args.batch,
        "seed": args.seed,
        "seeded_at": now.isoformat(timespec="seconds"),
        "history_end": end.isoformat(timespec="seconds"),
    }
    with connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"COMMENT ON DATABASE {name} IS %s", [json.dumps(report)])
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000_000, help="events in all (the mean per learner)")
    parser.add_argument("--database", default="", help=f"recreate this database ({DATABASE_PREFIX}*) first")
    parser.add_argument("--school-size", type=int, default=1000, help="learners per organisation")
    parser.add_argument("--class-size", type=int, default=40)
    parser.add_argument("--classes-per-teacher", type=int, default=2)
    parser.add_argument("--guardians", type=float, default=0.1, help="share of learners with a guardian")
    parser.add_argument("--workers", type=int, default=2, help="history processes")
    parser.add_argument("--batch", type=int, default=250, help="learners per COPY transaction")
    parser.add_argument(
        "--faithful",
        type=int,
        default=0,
        help="only this many learners through the bulk path, the others replicas of them (default: all)",
    )
    parser.add_argument(
        "--replica-shift-days",
        type=int,
        default=0,
        help="move each replica 0 to this many days earlier and replay it (default 0: same times, no replay)",
    )
    parser.add_argument(
        "--history-only",
        action="store_true",
        help="steps 5-6 only, on --database as an earlier run left it (people made, no events yet)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL (a PostgreSQL server; with --database, any database on it)")
    report = seed(args)
    history = report["history"]
    print(
        f"seeded {report['learners']:,} learners and {report['events']:,} events in "
        f"{report['seconds']:.0f} s (history {history['seconds']:.0f} s, "
        f"{history['events_per_second']:,} events/s with {args.workers} processes)"
    )
    print("RESULT " + json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
