"""The faithful bulk path: ``learning.services`` running on an in-memory store, its rows written with COPY.

Why: through the real services every event is a transaction of its own (the learner's row locked, the key
looked up, the state read, the event inserted, the changed rows upserted): several milliseconds an event,
so the 10 million events of a district would take many hours. Most of that time is the database's, not
the learning decisions'. This module keeps every decision and swaps only the persistence.

What runs unchanged: the services' own code (``services._record`` and ``_append``, the builders inside
``attempt_record``, ``activity_start``, ``skill_choose``, ``hint_reveal``, ``solution_view``,
``attempt_skip`` and ``resource_view``, ``_payload_hash``, ``_start_event``), grading with
``content.checking``, the ranking with ``selectors.suggestions`` and ``selectors.board``, the engine's
``learner_loop.step``, and ``learning.synthetic``'s simulated learners, which call the services exactly as
the web does. The rows are made by ``learning.store``'s own converters (``_course_row``, ``_skill_row``,
``_schedule_row``, ``_resource_row``, the functions ``states_insert`` uses: private, imported on purpose so
nothing is copied) and by the ``Event`` and ``ResumedKey`` constructors the services call.

What is swapped, for the duration of :func:`in_memory` only (module attributes patched, put back after):

- ``services.LearnerCourse`` (the row lock of ``_record``): a stand-in; one process drives each learner,
  so there is nothing to lock against.
- ``services._replay`` (the idempotency look-up): the store remembers every key; a key sent twice is an
  error, never a silent replay (the generator makes a new key for every action).
- ``services.state_load``, ``services.resources_load``, ``services.state_save`` and
  ``synthetic.state_load``: the learner's ``CourseState`` kept in memory between requests instead of a
  round trip through the rows. tests/web/test_learning_rebuild.py checks that the round trip is the
  identity (the live state equals the engine's replay); ``resources_load`` has nothing to do because the
  kept state holds every resource use already.
- ``services.Event`` and ``services.ResumedKey``: the instances the services would insert are kept for
  COPY. An event's id is taken from the table's sequence when it is created, as an INSERT would, because
  the policy's tie-breaking seed reads the learner's last event id (``selectors._seed``).
- ``services.transaction``: ``atomic`` drops the rows collected inside a block that raises (as a rollback
  would); ``on_commit`` callbacks (the process's event counter for /metrics) are not run.
- ``services.practice_course``: the access check runs once per batch of learners (:func:`access_check`),
  not once per event.
- ``selectors.pacing``: each learner's pacing targets are read once through the registered source
  (``pacing.assignments_for``, coaching's reader) and kept; they do not change while history is made.

The rows are written with COPY (``rows_write``), each value as Django's INSERT sends it (``_db_value``:
``pre_save``, then ``get_db_prep_save``; the plain column types read straight from the instance, which is
what those two return on PostgreSQL; JSON dumped as ``JSONField`` dumps it), ``bulk_create`` elsewhere.

``tests/web/test_bulk_seed.py`` runs the same scripted learners through the real services and through this
path and finds every event row, every derived row and every kept key equal.

Replicas (``history_replicate``) are another thing, a shortcut for sizes this path cannot reach in the time
at hand, labelled as such wherever they are used: another learner's copy of a learner's log.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from unittest import mock

from django.db.models.base import ModelState
from django.utils import timezone

from learnpath.engine.learner_loop import Course, CourseState, initial_state
from learnpath.engine.policy import Assignment
from learnpath.web.learning import pacing, selectors, services, synthetic
from learnpath.web.learning.course_model import CourseModel
from learnpath.web.learning.models import (
    Event,
    LearnerCourse,
    ResourceUse,
    ResumedKey,
    ReviewSchedule,
    SkillState,
)
from learnpath.web.learning.rebuild import DERIVED_MODELS
from learnpath.web.learning.store import (
    EVENT_FIELDS,
    LearnerState,
    _course_row,
    _resource_row,
    _schedule_row,
    _skill_row,
    replay_rows,
)


class BulkPathError(RuntimeError):
    """Something the bulk path does not reproduce happened (a repeated key, a model switch): stop rather
    than write rows the services would not have written."""


@dataclass
class _Kept:
    """A learner's state in a course as ``state_save`` left it, and the id of their last event."""

    state: CourseState
    last_event_id: int


@dataclass
class Drained:
    """What a batch of learners wrote: the event rows, the kept keys and the final states."""

    events: list[Event]
    resumed: list[ResumedKey]
    states: list[tuple[LearnerState, Course]]


@dataclass
class MemoryStore:
    """The rows ``learning.services`` reads and writes, in memory (see the module docstring).

    ``models``: the course models by course id (what ``practice_course`` returns after its access check).
    ``ids``: the event ids, in the order the inserts would take them from the table's sequence.
    """

    models: dict[str, CourseModel]
    ids: Iterator[int]
    kept: dict[tuple[int, str], _Kept] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    resumed: list[ResumedKey] = field(default_factory=list)
    keys: dict[int, set[str]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    assignments: dict[tuple[int, str], list[Assignment]] = field(default_factory=dict)
    _key_log: list[tuple[int, str]] = field(default_factory=list)

    # -- what the services call ------------------------------------------------------------------

    def state_load(
        self,
        *,
        learner_id: int,
        course_id: str,
        course: Course | None = None,
        with_resources: bool = True,
        row: Any = None,
    ) -> LearnerState:
        """``store.state_load``: the kept state (a new learner's if none). ``with_resources`` changes
        nothing: the kept state holds every resource use, which only the loop's resource and answer steps
        read, and ``_record`` loads those it touches anyway."""
        if course is None:
            course = self.models[course_id].loop
        kept = self.kept.get((learner_id, course_id))
        if kept is None:
            empty = initial_state(course)
            return LearnerState(learner_id, course_id, empty, 0, empty)
        if kept.state.model_version != course.model.version:
            raise BulkPathError(
                f"learner {learner_id}: the course now serves {course.model.version!r}, their state is of "
                f"{kept.state.model_version!r}; the bulk path does not switch models (serve one model)"
            )
        return LearnerState(learner_id, course_id, kept.state, kept.last_event_id, kept.state)

    def state_save(self, loaded: LearnerState, course: Course) -> None:
        """``store.state_save``: keep the state and the last event id."""
        self.kept[(loaded.learner_id, loaded.course_id)] = _Kept(loaded.state, loaded.last_event_id)
        loaded.saved = loaded.state

    @staticmethod
    def resources_load(loaded: LearnerState, resource_ids: Iterable[str] | None = None) -> None:
        """``store.resources_load``: nothing to read, the kept state holds every resource use."""

    def replay(self, learner: Any, key: str, payload_hash: str, *, resumes: bool = False) -> None:
        """``services._replay`` for keys never sent before (the only ones the generator makes)."""
        if key in self.keys.get(learner.pk, ()):
            raise BulkPathError(
                f"learner {learner.pk} sent the key {key!r} twice; the bulk path does not replay"
            )

    def event_create(self, **fields: Any) -> Event:
        """``Event.objects.create``: the instance, with its id from the sequence, kept for COPY.

        The JSON values are copied now, as an INSERT serialises them now: ``_append`` adds ``event_id`` to
        the same ``result`` dict after the insert."""
        fields["result"] = copy.deepcopy(fields.get("result", {}))
        fields["response"] = copy.deepcopy(fields.get("response"))
        event = Event(id=next(self.ids), **fields)
        self.events.append(event)
        self._key(event.learner_id, event.idempotency_key)
        self.counts[event.learner_id] = self.counts.get(event.learner_id, 0) + 1
        return event

    def resumed_create(self, **fields: Any) -> ResumedKey:
        """``ResumedKey.objects.create``: the instance, kept for COPY."""
        fields["result"] = copy.deepcopy(fields["result"])
        resumed = ResumedKey(**fields)
        self.resumed.append(resumed)
        self._key(resumed.learner_id, resumed.idempotency_key)
        return resumed

    def assignments_for(self, *, learner_id: int, course_id: str) -> list[Assignment]:
        """``pacing.assignments_for``, read once per learner and course through the registered source."""
        key = (learner_id, course_id)
        if key not in self.assignments:
            self.assignments[key] = _REAL_ASSIGNMENTS_FOR(learner_id=learner_id, course_id=course_id)
        return self.assignments[key]

    def event_count(self, learner_id: int) -> int:
        """How many events the learner has in the store (all courses)."""
        return self.counts.get(learner_id, 0)

    def _key(self, learner_id: int, key: str) -> None:
        self.keys.setdefault(learner_id, set()).add(key)
        self._key_log.append((learner_id, key))

    @contextmanager
    def atomic(self, *_args: Any, **_kwargs: Any) -> Iterator[None]:
        """``transaction.atomic``: rows collected inside a block that raises are dropped, as a rollback
        drops them (``_record`` saves the state last, so no kept state needs undoing)."""
        marks = (len(self.events), len(self.resumed), len(self._key_log))
        try:
            yield
        except BaseException:
            for event in self.events[marks[0] :]:
                self.counts[event.learner_id] -= 1
            del self.events[marks[0] :]
            del self.resumed[marks[1] :]
            for learner_id, key in self._key_log[marks[2] :]:
                self.keys[learner_id].discard(key)
            del self._key_log[marks[2] :]
            raise

    # -- what the caller takes out ---------------------------------------------------------------

    def drain(self) -> Drained:
        """Everything written since the last drain, the learners' final states with it; the store forgets
        those learners (each batch of learners is driven to the end of its history before it is drained)."""
        states = [
            (
                LearnerState(learner_id, course_id, kept.state, kept.last_event_id, kept.state),
                self.models[course_id].loop,
            )
            for (learner_id, course_id), kept in self.kept.items()
        ]
        drained = Drained(self.events, self.resumed, states)
        self.kept, self.events, self.resumed = {}, [], []
        self.keys, self.counts, self.assignments, self._key_log = {}, {}, {}, []
        return drained


_REAL_ASSIGNMENTS_FOR = pacing.assignments_for


@contextmanager
def in_memory(store: MemoryStore) -> Iterator[MemoryStore]:
    """Run ``learning.services`` (and ``learning.synthetic``) on ``store`` inside the block."""
    fake_course_rows = SimpleNamespace(
        objects=SimpleNamespace(
            select_for_update=lambda: SimpleNamespace(
                get_or_create=lambda **kw: (SimpleNamespace(**kw, last_event_id=0), False)
            )
        )
    )
    patches: list[tuple[Any, str, Any]] = [
        (services, "LearnerCourse", fake_course_rows),
        (services, "_replay", store.replay),
        (services, "state_load", store.state_load),
        (services, "resources_load", store.resources_load),
        (services, "state_save", store.state_save),
        (services, "Event", SimpleNamespace(objects=SimpleNamespace(create=store.event_create))),
        (services, "ResumedKey", SimpleNamespace(objects=SimpleNamespace(create=store.resumed_create))),
        (services, "transaction", SimpleNamespace(atomic=store.atomic, on_commit=lambda *a, **k: None)),
        (services, "practice_course", lambda user, course_id: store.models[course_id]),
        (synthetic, "state_load", store.state_load),
        (selectors, "pacing", SimpleNamespace(assignments_for=store.assignments_for)),
    ]
    with ExitStack() as stack:
        for module, name, value in patches:
            stack.enter_context(mock.patch.object(module, name, value))
        yield store


def access_check(learner: Any, course_id: str) -> CourseModel:
    """The real access check and course model of ``services.practice_course`` (outside ``in_memory``)."""
    return services.practice_course(learner, course_id)


# -- writing -----------------------------------------------------------------------------------------


def _db_value(model_field: Any, instance: Any, connection: Any) -> Any:
    """A field's value as Django's INSERT would send it (``pre_save`` sets ``auto_now_add`` times); JSON as
    its text, dumped as ``JSONField`` dumps it (``json.dumps`` with the field's encoder)."""
    value = model_field.pre_save(instance, add=True)
    if model_field.get_internal_type() == "JSONField":
        return None if value is None else json.dumps(value, cls=model_field.encoder)
    return model_field.get_db_prep_save(value, connection=connection)


PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "TextField",
    }
)
"""Field types whose value PostgreSQL's INSERT sends as the attribute holds it (Django's ``get_db_prep_save``
returns it unchanged there): read straight from the instance, a tenth of the time of ``_db_value``."""


def _reader(model_field: Any, connection: Any) -> Any:
    """How to read one field's database value from an instance: straight, as JSON text, or the general
    way (``_db_value``)."""
    name = model_field.attname
    kind = model_field.get_internal_type()
    if kind == "JSONField":
        encoder = model_field.encoder

        def json_text(instance: Any) -> Any:
            value = getattr(instance, name)
            return None if value is None else json.dumps(value, cls=encoder)

        return json_text
    auto = getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    if kind == "DateTimeField" and auto and connection.vendor == "postgresql":
        moment = timezone.now()  # the insert's time, once for the whole COPY
        return lambda instance: moment
    if kind in PLAIN_TYPES and not auto and connection.vendor == "postgresql":
        return lambda instance: getattr(instance, name)
    return lambda instance: _db_value(model_field, instance, connection)


def _copy(connection: Any, model: Any, instances: list[Any], *, with_id: bool) -> None:
    """COPY the instances into the model's table (ids from its sequence unless ``with_id``)."""
    if not instances:
        return
    fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
    readers = [_reader(f, connection) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy_in:
        for instance in instances:
            copy_in.write_row([read(instance) for read in readers])


def derived_rows(states: Iterable[tuple[LearnerState, Course]]) -> dict[Any, list[Any]]:
    """Every derived row of these states, made by ``learning.store``'s converters in ``states_insert``'s
    order."""
    rows: dict[Any, list[Any]] = {model: [] for model in DERIVED_MODELS}
    for loaded, course in states:
        state = loaded.state
        rows[LearnerCourse].append(_course_row(loaded, course))
        rows[SkillState].extend(_skill_row(loaded, state.skills[s]) for s in sorted(state.skills))
        rows[ReviewSchedule].extend(
            _schedule_row(loaded, state.schedules[s]) for s in sorted(state.schedules)
        )
        rows[ResourceUse].extend(
            _resource_row(loaded, r, state.resources[r]) for r in sorted(state.resources)
        )
    return rows


def rows_write(drained: Drained, *, connection: Any) -> dict[str, int]:
    """Write a drained batch in one transaction: COPY on PostgreSQL, ``bulk_create`` elsewhere (the SQLite
    test run). Returns the rows written per table."""
    from django.db import transaction

    derived = derived_rows(drained.states)
    tables: list[tuple[Any, list[Any], bool]] = [
        (Event, drained.events, True),
        (ResumedKey, drained.resumed, False),
        *((model, rows, False) for model, rows in derived.items()),
    ]
    with transaction.atomic(using=connection.alias):
        for model, instances, with_id in tables:
            if connection.vendor == "postgresql":
                _copy(connection, model, instances, with_id=with_id)
            else:
                model.objects.using(connection.alias).bulk_create(instances, batch_size=500)
    return {model.__name__: len(instances) for model, instances, _ in tables}


# -- replicas (a shortcut for sizes the faithful path cannot reach in time, labelled as such) -----------


def _rekey(key: str, source_id: int, learner_id: int) -> str:
    """The synthetic learner's keys start with their id (``{pk}-{session}-...``); the replica's with its
    own."""
    prefix = f"{source_id}-"
    return f"{learner_id}-{key[len(prefix) :]}" if key.startswith(prefix) else f"{learner_id}:{key}"


def history_replicate(
    events: list[Event],
    resumed: list[ResumedKey],
    *,
    learner_id: int,
    shift: timedelta,
    ids: Iterator[int],
    course: Course,
    source_state: CourseState | None = None,
) -> tuple[list[Event], list[ResumedKey], LearnerState]:
    """Another learner's copy of one learner's log (``events`` in log order, ``resumed`` their kept keys):
    every field as it was but the learner, the keys (made the replica's own), the times (moved by
    ``shift``, whole days so that every day boundary and review interval stays as it was) and the ids (new,
    from ``ids``). Not what the services would have written for this learner: the policy's tie-breaking
    seed reads the learner's id and last event id, so they might have offered other questions in between.

    The replica's state is the engine's for the new log. Moved in time, it is replayed through the loop as
    ``rebuild-state`` replays (``store.replay_rows``), and each replayed answer must tell exactly what the
    copied ``result`` told (else ``BulkPathError``). Not moved (``shift`` zero) and given the source's
    final ``source_state``, it is that state: the loop is a pure function of the events and the course,
    and the copied events are the source's in every field it reads (``store.EVENT_FIELDS``), so a replay
    would make it again (tests/web/test_bulk_seed.py rebuilds replicas and finds their rows unchanged)."""
    if shift % timedelta(days=1):
        raise ValueError("shift a replica by whole days")
    source_id = events[0].learner_id
    copies = []
    for event in events:
        # a shallow copy of the instance with its own state (``Event(**fields)`` costs ten times more)
        twin = Event.__new__(Event)
        twin.__dict__.update(event.__dict__)
        twin._state = ModelState()
        twin.id = next(ids)
        twin.learner_id = learner_id
        twin.idempotency_key = _rekey(event.idempotency_key, source_id, learner_id)
        twin.occurred_at = event.occurred_at + shift
        twin.recorded_at = None
        copies.append(twin)
    keys = [
        ResumedKey(
            learner_id=learner_id,
            course_id=kept.course_id,
            idempotency_key=_rekey(kept.idempotency_key, source_id, learner_id),
            payload_hash=kept.payload_hash,
            result=kept.result,
        )
        for kept in resumed
    ]
    course_id = events[0].course_id
    if not shift and source_state is not None:
        return copies, keys, LearnerState(learner_id, course_id, source_state, copies[-1].id, source_state)
    rows = (
        {"model_version": e.model_version, **{name: getattr(e, name) for name in EVENT_FIELDS}}
        for e in copies
    )
    final: CourseState | None = None
    for copied, (_event, state, effects) in zip(
        copies, replay_rows(rows, lambda _version: course), strict=True
    ):
        final = state
        if copied.kind in ("answer", "skip", "override"):
            told = copied.result
            replayed = {
                "finished": effects.finished,
                "counted": effects.observed,
                "mastered": list(effects.mastered),
                "unlocked": list(effects.unlocked),
                "lapsed": list(effects.lapsed),
                "messages": list(effects.messages),
            }
            if any(told.get(name) != value for name, value in replayed.items()):
                raise BulkPathError(
                    f"the replica of learner {source_id}'s event {copied.idempotency_key!r} replays "
                    "differently"
                )
    assert final is not None
    return copies, keys, LearnerState(learner_id, course_id, final, copies[-1].id, final)


# -- event ids ---------------------------------------------------------------------------------------


def sequence_ids(connection: Any, *, block: int = 20_000) -> Iterator[int]:
    """Event ids from the table's own sequence, ``block`` at a time (an id is taken as an INSERT takes it;
    ids taken and not used leave a gap, as a rolled-back INSERT does). Several processes may draw at once:
    each gets ids no other gets, increasing within its own draws."""
    table = Event._meta.db_table
    while True:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, block],
                )
                drawn = [row[0] for row in cursor.fetchall()]
            else:  # SQLite (the test run): one process, the ids after the largest so far
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - a model's table
                yield from counting_ids(cursor.fetchone()[0] + 1)
                return
        yield from drawn


def counting_ids(first: int) -> Iterator[int]:
    """Ids ``first``, ``first + 1``, ...: what a sequence at ``first`` gives one process alone."""
    n = first
    while True:
        yield n
        n += 1
