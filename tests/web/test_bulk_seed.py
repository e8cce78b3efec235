"""The big-data seed's bulk path writes exactly what the real services write (benchmarks/bigdata).

The same scripted learners practise twice on the demo course, in a class with a pacing target: once through
the real services (each action its own transaction), once through ``bulk_path`` (the services' code on an
in-memory store, the rows written at the end: COPY on PostgreSQL, ``bulk_create`` on SQLite). Between the
two runs the log and the derived tables are emptied and the event ids start where the services' started,
because the policy's tie-breaking seed reads the learner's last event id. Then every event row (every
column but ``recorded_at``, the insert's wall-clock time), every kept key (but ``created_at``) and every
derived row must be equal, and ``learnpath rebuild-state`` (``learning.api.state_rebuild``) on the bulk
rows must give the same derived rows again. Template variants (``secrets.randbelow`` in the services) are
drawn from the same seeded stream in both runs.

Both drivers are checked: ``learning.synthetic.history_generate`` (the reference behaviour) and the seed's
own ``histories_generate`` (sessions until each learner's share of events).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, ClassMembership, Organisation, Role, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.learning import services
from learnpath.web.learning.api import derived_snapshot, state_rebuild
from learnpath.web.learning.models import Event, ResumedKey
from learnpath.web.learning.rebuild import DERIVED_MODELS
from learnpath.web.learning.synthetic import history_generate

BIGDATA = Path(__file__).resolve().parents[2] / "benchmarks" / "bigdata"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def bigdata_module(name: str) -> ModuleType:
    """A module of benchmarks/bigdata. ``bulk_path`` by its own name (``seed`` imports it so); ``seed`` under
    a name no other module has (benchmarks/load has a seed.py too)."""
    if str(BIGDATA) not in sys.path:
        sys.path.insert(0, str(BIGDATA))
    if name == "bulk_path":
        return importlib.import_module(name)
    full_name = f"learnpath_bigdata_{name}"
    if full_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(full_name, BIGDATA / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[full_name] = module  # before it runs: its dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[full_name]


@pytest.fixture(scope="module")
def bigdata() -> SimpleNamespace:
    return SimpleNamespace(seed=bigdata_module("seed"), bulk_path=bigdata_module("bulk_path"))


@pytest.fixture
def district(teacher: User, organisation: Organisation, demo_course: str) -> SimpleNamespace:
    """Five learners in a class of ``teacher`` using the demo course, with one pacing target past due."""
    klass = coaching_services.class_create(teacher=teacher, name="8A maths")
    coaching_services.class_course_attach(class_id=klass.id, course_id=demo_course, actor=teacher)
    people = []
    for n in range(5):
        person = accounts_api.learner_create(
            username=f"bulk{n}",
            display_name="",
            organisation_id=organisation.pk,
            password=None,
            actor=teacher,
        )
        accounts_api.class_learner_add(class_id=klass.id, learner_id=person.id, actor=teacher)
        people.append(User.objects.get(pk=person.id))
    coaching_services.pacing_target_create(
        class_id=klass.id,
        course_id=demo_course,
        skill_id="order-of-operations",
        due=START + timedelta(days=3),
        actor=teacher,
    )
    return SimpleNamespace(course=demo_course, people=people)


def _plain(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def log_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every event row (ids included: they feed the policy) and kept key, without the insert times."""
    event_fields = [f.attname for f in Event._meta.concrete_fields if f.attname != "recorded_at"]
    key_fields = [
        f.attname for f in ResumedKey._meta.concrete_fields if f.attname not in ("id", "created_at")
    ]
    return {
        "Event": sorted(tuple(map(_plain, row)) for row in Event.objects.values_list(*event_fields)),
        "ResumedKey": sorted(tuple(map(_plain, row)) for row in ResumedKey.objects.values_list(*key_fields)),
    }


def seeded_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    """Template variants from one seeded stream (the services draw them with ``secrets``)."""
    stream = random.Random(99)
    monkeypatch.setattr(services, "secrets", SimpleNamespace(randbelow=stream.randrange))


Driver = Callable[[Any, Callable[[int], int]], Any]


def drivers(seed_module: ModuleType, people: list[User]) -> dict[str, Driver]:
    """The two history drivers, each taking the course model and how to count a learner's events."""
    end = START + timedelta(days=20)
    return {
        "synthetic": lambda model, _count: history_generate(
            learners=people, model=model, seed=7, start=START, actions=8, days=3
        ),
        "seed": lambda model, count: seed_module.histories_generate(
            learners=list(enumerate(people)),
            model=model,
            seed=3,
            mean_events=40,
            start=START,
            end=end,
            events_of=count,
        ),
    }


@pytest.mark.parametrize("driver", ["synthetic", "seed"])
def test_the_bulk_path_writes_what_the_services_write(
    bigdata: SimpleNamespace, district: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, driver: str
) -> None:
    people, course = district.people, district.course
    drive = drivers(bigdata.seed, people)[driver]

    seeded_variants(monkeypatch)
    drive(services.practice_course(people[0], course), lambda pk: Event.objects.filter(learner_id=pk).count())
    live_log, live_derived = log_snapshot(), derived_snapshot()
    kinds = {row[0] for row in Event.objects.values_list("kind")}
    assert kinds >= {"start", "answer", "hint", "resource", "choice"}, kinds
    assert live_derived["ReviewSchedule"], "the history should master skills and schedule reviews"
    first_id = Event.objects.order_by("id").values_list("id", flat=True)[0]

    Event.objects.all().delete()
    ResumedKey.objects.all().delete()
    for model in DERIVED_MODELS:
        model.objects.all().delete()
    seeded_variants(monkeypatch)
    bulk = bigdata.bulk_path
    course_model = bulk.access_check(people[0], course)
    store = bulk.MemoryStore(models={course: course_model}, ids=bulk.counting_ids(first_id))
    with bulk.in_memory(store):
        drive(course_model, store.event_count)
    written = bulk.rows_write(store.drain(), connection=connection)
    assert written["Event"] == len(live_log["Event"])

    bulk_log, bulk_derived = log_snapshot(), derived_snapshot()
    for table, rows in live_log.items():
        assert bulk_log[table] == rows, f"{table}: the bulk path wrote other rows than the services"
    for table, rows in live_derived.items():
        assert bulk_derived[table] == rows, f"{table}: the bulk path derived other rows than the services"

    report = state_rebuild()
    assert report.events == len(live_log["Event"])
    assert derived_snapshot() == bulk_derived, "rebuild-state changed the rows the bulk path derived"


def test_a_repeated_key_stops_the_bulk_path(bigdata: SimpleNamespace, district: SimpleNamespace) -> None:
    """The bulk path never replays: a key sent twice is an error, not a silently different log."""
    bulk, person = bigdata.bulk_path, district.people[0]
    course_model = bulk.access_check(person, district.course)
    store = bulk.MemoryStore(models={district.course: course_model}, ids=bulk.counting_ids(1))
    with bulk.in_memory(store):
        services.activity_start(learner=person, course_id=district.course, idempotency_key="k1", now=START)
        with pytest.raises(bulk.BulkPathError, match="twice"):
            services.activity_start(
                learner=person, course_id=district.course, idempotency_key="k1", now=START
            )
    assert len(store.drain().events) == 1


def test_a_refused_action_leaves_no_row(bigdata: SimpleNamespace, district: SimpleNamespace) -> None:
    """A service that refuses (here: an answer with no question open) writes nothing, as its rolled-back
    transaction would."""
    from learnpath.web.learning.errors import LearningError

    bulk, person = bigdata.bulk_path, district.people[0]
    course_model = bulk.access_check(person, district.course)
    store = bulk.MemoryStore(models={district.course: course_model}, ids=bulk.counting_ids(1))
    item_id = next(iter(course_model.items))
    with bulk.in_memory(store), pytest.raises(LearningError):
        services.attempt_record(
            learner=person,
            course_id=district.course,
            item_id=item_id,
            seed=0,
            step_id="",
            response="1",
            idempotency_key="a1",
            now=START,
        )
    drained = store.drain()
    assert drained.events == []
    assert drained.states == []


def _people_rows(people: list[User], klass_id: int) -> list[Any]:
    """What the accounts services wrote about ``people``, with their ids and names replaced by positions."""
    position = {person.pk: n for n, person in enumerate(people)}
    users = [
        (
            n,
            user.role,
            user.organisation_id,
            user.is_staff,
            user.is_superuser,
            user.is_active,
            user.has_usable_password(),
            user.time_zone,
            user.language,
            user.email,
        )
        for n, user in enumerate(User.objects.get(pk=p.pk) for p in people)
    ]
    memberships = sorted(
        (position[learner], klass)
        for learner, klass in ClassMembership.objects.filter(learner__in=people).values_list(
            "learner", "klass"
        )
    )
    audit = []
    for actor, action, target_type, target_id, details in AuditEntry.objects.values_list(
        "actor", "action", "target_type", "target_id", "details"
    ):
        if action == "user.create" and int(target_id) in position:
            audit.append((actor, action, target_type, position[int(target_id)], json.dumps(details)))
        elif action == "class.learner_add" and details.get("learner") in position:
            shown = {**details, "learner": position[details["learner"]]}
            audit.append((actor, action, target_type, int(target_id) == klass_id, json.dumps(shown)))
    return [users, memberships, sorted(audit)]


def test_bulk_learners_get_the_rows_of_the_account_services(
    bigdata: SimpleNamespace, teacher: User, organisation: Organisation
) -> None:
    """``seed.learners_bulk_create`` writes the rows ``accounts.api.learner_create`` and
    ``class_learner_add`` write (user, unusable password, membership, both audit rows), in bulk."""
    from learnpath.web.accounts.models import Class

    klass = coaching_services.class_create(teacher=teacher, name="8B maths")
    by_services = []
    for n in range(3):
        person = accounts_api.learner_create(
            username=f"svc{n}",
            display_name=f"Learner svc{n}",
            organisation_id=organisation.pk,
            password=None,
            actor=teacher,
        )
        accounts_api.class_learner_add(class_id=klass.id, learner_id=person.id, actor=teacher)
        by_services.append(User.objects.get(pk=person.id))
    in_bulk = bigdata.seed.learners_bulk_create(
        klass=Class.objects.get(pk=klass.id), teacher=teacher, usernames=["blk0", "blk1", "blk2"]
    )
    assert [u.role for u in in_bulk] == [Role.LEARNER] * 3
    assert [u.display_name for u in in_bulk] == ["Learner blk0", "Learner blk1", "Learner blk2"]
    assert _people_rows(in_bulk, klass.id) == _people_rows(by_services, klass.id)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sequence is PostgreSQL's")
def test_event_ids_come_from_the_tables_sequence(bigdata: SimpleNamespace, district: SimpleNamespace) -> None:
    """Ids drawn for the bulk path are the sequence's: later inserts by the app never collide with them."""
    bulk = bigdata.bulk_path
    drawn = bulk.sequence_ids(connection, block=5)
    ids = [next(drawn) for _ in range(7)]
    assert ids == sorted(set(ids))
    services.activity_start(
        learner=district.people[0], course_id=district.course, idempotency_key="after", now=START
    )
    assert Event.objects.get(idempotency_key="after").pk > ids[-1]


@pytest.mark.parametrize("shift_days", [0, 6])
def test_a_replica_is_the_same_log_and_rebuilds_to_the_rows_written(
    bigdata: SimpleNamespace, district: SimpleNamespace, shift_days: int
) -> None:
    """The shortcut for sizes the faithful path cannot reach in time (``seed.py --faithful``): a replica's
    log is its source's (at the same times, or moved by whole days and replayed), under its own keys and
    ids, and the derived rows written for it are exactly what ``rebuild-state`` makes of that log."""
    people, course = district.people, district.course
    report = bigdata.seed.bulk_histories(
        replica_shift_days=shift_days,
        learners=[(0, people[0]), (1, people[1])],
        replicas=[(2, people[2].pk, 0), (3, people[3].pk, 1), (4, people[4].pk, 0)],
        course_id=course,
        seed=5,
        mean_events=30,
        start=START,
        end=START + timedelta(days=20),
        connection=connection,
    )
    assert report["replicated_events"] > report["faithful_events"] > 0

    def log(person: User) -> list[tuple[Any, ...]]:
        rows = Event.objects.filter(learner=person).order_by("id")
        return [
            (
                e.kind,
                e.item_id,
                e.seed,
                e.step_id,
                e.skill_id,
                e.payload_hash,
                _plain(e.result),
                e.occurred_at,
            )
            for e in rows
        ]

    for replica, source in ((2, 0), (3, 1), (4, 0)):
        copied, original = log(people[replica]), log(people[source])
        shift = copied[0][-1] - original[0][-1]
        assert shift.total_seconds() % 86400 == 0
        assert -shift_days <= shift.days <= 0
        assert [(*row[:-1], row[-1] - shift) for row in copied] == original
    keys = set(Event.objects.filter(learner=people[2]).values_list("idempotency_key", flat=True))
    assert all(key.startswith(f"{people[2].pk}-") for key in keys)

    written = derived_snapshot()
    state_rebuild()
    assert derived_snapshot() == written
