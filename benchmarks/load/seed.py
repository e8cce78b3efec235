"""The database side of the load benchmark: seed learners before a run, check the event log after it.

    DATABASE_URL=... SECRET_KEY=... .venv/bin/python benchmarks/load/seed.py seed --learners 1050
        [--class-size 30] [--history 300] [--password PW] [--prefix load-]
    DATABASE_URL=... SECRET_KEY=... .venv/bin/python benchmarks/load/seed.py verify --acks DIR

It runs in its own process with learnpath's settings (never inside locust, which monkey-patches the
standard library with gevent, nor inside pytest, whose settings are the test settings). Both commands print
one ``RESULT {json}`` line last, which ``harness.py`` reads.

``seed`` goes through the real services, as a school's set-up would: migrations, the demo course
(``curriculum.api.course_import``), one organisation and teacher, classes of ``--class-size`` learners with
the course attached (``accounts.api.class_create``, ``curriculum.api.class_course_attach``,
``accounts.api.learner_create``, ``accounts.api.class_learner_add``). One Argon2 hash of the password is
computed and copied to every learner, as ``learnpath demo`` does for its class
(``accounts.services.demo_class_learners_password_ensure``): a thousand hashes would take minutes and
measure nothing the benchmark is about. The first ``--history`` learners practise through
``learning.synthetic.history_generate`` twelve and eight days before now, so reviews are due during the
run and the map and the policy have real states to read.

``verify`` answers the fault run's questions from the database, after every app server has stopped:

- lost: an answer the server acknowledged (a 200 whose key the locust users wrote to ``--acks``) that is
  not in the event log, or whose event id differs from the one the server sent back;
- duplicated: an idempotency key that is in the log more than once (per learner, and across learners);
- equal to rebuild: the derived tables equal what ``learning.api.state_rebuild`` makes from the log
  (``derived_snapshot`` before and after, as tests/web/test_learning_model.py compares them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

COURSE_ID = "numbers-to-equations"


def _django() -> None:
    from learnpath.cli.runtime import single_threaded_blas
    from learnpath.web import bootstrap

    single_threaded_blas()
    bootstrap.setup_django()


def seed(*, learners: int, class_size: int, history: int, password: str, prefix: str) -> dict[str, Any]:
    """Create the course, the classes and ``learners`` learners (user names ``{prefix}00000`` ...)."""
    _django()
    from learnpath.web import bootstrap

    started = time.perf_counter()
    bootstrap.migrate()
    from django.db import transaction

    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack
    from learnpath.web.accounts import api as accounts_api
    from learnpath.web.accounts import services as accounts_services
    from learnpath.web.accounts.models import Role, User
    from learnpath.web.curriculum import api as curriculum_api

    course_id = curriculum_api.course_import(pack=load_pack(DEMO_PACK_PATH)).course_id
    organisation = accounts_services.organisation_create(slug=f"{prefix}school", name="Load test school")
    teacher = accounts_services.user_create(
        username=f"{prefix}teacher", password=None, role=Role.TEACHER, organisation=organisation
    )
    reference: User | None = None
    ids: list[int] = []
    klass_id = 0
    for n in range(learners):
        if n % class_size == 0:
            klass = accounts_api.class_create(
                organisation_id=organisation.pk,
                slug=f"{prefix}class-{n // class_size:03d}",
                name=f"Load class {n // class_size + 1}",
                teacher=teacher,
            )
            klass_id = klass.id
            curriculum_api.class_course_attach(class_id=klass_id, course_id=course_id, actor=teacher)
        with transaction.atomic():
            person = accounts_api.learner_create(
                username=f"{prefix}{n:05d}",
                display_name=f"Learner {n}",
                organisation_id=organisation.pk,
                password=password if reference is None else None,
                actor=teacher,
            )
            accounts_api.class_learner_add(class_id=klass_id, learner_id=person.id, actor=teacher)
        if reference is None:
            reference = User.objects.get(pk=person.id)
        ids.append(person.id)
    assert reference is not None
    # The hash computed once, copied (and audited) like demo_class_learners_password_ensure does.
    for user in User.objects.filter(pk__in=ids[1:]):
        with transaction.atomic():
            user.password = reference.password
            user.save(update_fields=["password"])
            accounts_services.audit_entry_record(
                actor=None, action="user.password_set", target_type="user", target_id=user.pk
            )
    people_s = time.perf_counter() - started

    history_s = 0.0
    events = 0
    if history:
        from learnpath.web.learning import services
        from learnpath.web.learning.models import Event
        from learnpath.web.learning.synthetic import history_generate

        people = list(User.objects.filter(pk__in=ids[:history]).order_by("username"))
        model = services.practice_course(people[0], course_id)
        began = time.perf_counter()
        history_generate(
            learners=people,
            model=model,
            seed=7,
            start=datetime.now(UTC) - timedelta(days=12),
            actions=3,
            days=2,
        )
        history_s = time.perf_counter() - began
        events = Event.objects.count()
    return {
        "course_id": course_id,
        "learners": learners,
        "classes": -(-learners // class_size),
        "class_size": class_size,
        "history_learners": min(history, learners),
        "history_events": events,
        "people_seconds": round(people_s, 1),
        "history_seconds": round(history_s, 1),
    }


def read_acks(folder: Path) -> list[dict[str, Any]]:
    """Every acknowledged answer the locust processes wrote (one JSON object a line, per process)."""
    acks: list[dict[str, Any]] = []
    for path in sorted(folder.glob("acks-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                acks.append(json.loads(line))
    return acks


def verify(*, acks_folder: Path) -> dict[str, Any]:
    """Lost and duplicated acknowledged answers, and whether the derived tables equal a rebuild."""
    _django()
    from django.db.models import Count

    from learnpath.web.accounts.models import User
    from learnpath.web.learning.api import derived_snapshot, state_rebuild
    from learnpath.web.learning.models import Event

    acks = read_acks(acks_folder)
    learner_ids = dict(
        User.objects.filter(username__in={a["learner"] for a in acks}).values_list("username", "id")
    )
    logged: dict[tuple[int, str], tuple[int, str]] = {}
    for learner_id, key, event_id, kind in Event.objects.filter(
        learner_id__in=set(learner_ids.values())
    ).values_list("learner_id", "idempotency_key", "id", "kind"):
        logged[(learner_id, key)] = (event_id, kind)
    lost: list[dict[str, Any]] = []
    wrong_event = 0
    acknowledged_keys: set[tuple[str, str]] = set()
    replayed = 0
    for ack in acks:
        acknowledged_keys.add((ack["learner"], ack["key"]))
        replayed += bool(ack.get("replayed"))
        found = logged.get((learner_ids.get(ack["learner"], -1), ack["key"]))
        if found is None or found[1] != "answer":
            lost.append(ack)
        elif found[0] != ack["event_id"]:
            wrong_event += 1
    per_learner = (
        Event.objects.values("learner_id", "idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    across = Event.objects.values("idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count()
    # An answer acknowledged twice (a retry answered with the replay) is one action, one event.
    acked_twice = sum(n - 1 for n in Counter((a["learner"], a["key"]) for a in acks).values() if n > 1)

    started = time.perf_counter()
    live = derived_snapshot()
    report = state_rebuild()
    rebuilt = derived_snapshot()
    rebuild_s = time.perf_counter() - started
    differing = sorted(name for name in live if live[name] != rebuilt.get(name))
    return {
        "acknowledged_answers": len(acknowledged_keys),
        "acknowledgements": len(acks),
        "acknowledged_again_by_replay": acked_twice,
        "replayed_acknowledgements": replayed,
        "lost": len(lost) + wrong_event,
        "lost_examples": lost[:5],
        "duplicated_keys_per_learner": per_learner,
        "duplicated_keys_across_learners": across,
        "duplicated": per_learner + across,
        "events": Event.objects.count(),
        "events_by_kind": dict(Counter(Event.objects.values_list("kind", flat=True))),
        "equal_to_rebuild": not differing,
        "differing_tables": differing,
        "derived_rows": {name: len(rows) for name, rows in live.items()},
        "rebuilt_learners": getattr(report, "learners", None),
        "rebuild_seconds": round(rebuild_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed", help="create the course, classes and learners")
    seeding.add_argument("--learners", type=int, default=1050)
    seeding.add_argument("--class-size", type=int, default=30)
    seeding.add_argument("--history", type=int, default=300, help="learners given a practice history")
    seeding.add_argument("--password", default=os.environ.get("LOAD_PASSWORD", ""))
    seeding.add_argument("--prefix", default="load-")
    checking = commands.add_parser("verify", help="lost / duplicated answers, derived state vs rebuild")
    checking.add_argument("--acks", type=Path, required=True, help="folder of the locust users' acks-*.jsonl")
    args = parser.parse_args(argv)
    if args.command == "seed":
        if not args.password:
            parser.error("--password (or LOAD_PASSWORD) is required")
        result = seed(
            learners=args.learners,
            class_size=args.class_size,
            history=args.history,
            password=args.password,
            prefix=args.prefix,
        )
    else:
        result = verify(acks_folder=args.acks)
    print("RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
