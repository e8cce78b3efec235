"""One loop: the live web path, the engine's replay and `learnpath rebuild-state` give the same state.

The history is generated through the real services (the live path: each event appended and the derived
rows updated in its transaction), then the derived tables are snapshotted, wiped, rebuilt from the log
and compared row by row.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from learnpath.cli import rebuild_state
from learnpath.engine.learner_loop import replay
from learnpath.web.accounts.models import User
from learnpath.web.learning import services
from learnpath.web.learning.api import derived_snapshot, state_rebuild
from learnpath.web.learning.models import Event, LearnerCourse, ReviewSchedule, SkillState
from learnpath.web.learning.rebuild import DERIVED_MODELS
from learnpath.web.learning.store import event_from_row, state_load
from learnpath.web.learning.synthetic import history_generate

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def generate_and_compare(
    make_learners: Callable[..., list[User]], course: str, *, learners: int, **history: Any
) -> None:
    people = make_learners(learners)
    model = services.practice_course(people[0], course)
    counter = history_generate(learners=people, model=model, seed=7, start=START, **history)
    assert counter.actions >= learners
    assert set(Event.objects.values_list("kind", flat=True)) == {
        "start",
        "answer",
        "skip",
        "hint",
        "resource",
        "choice",
        "solution",
    }
    live = derived_snapshot()
    assert len(live["LearnerCourse"]) == learners
    assert live["ReviewSchedule"], "the history should master skills and schedule reviews"
    assert (
        SkillState.objects.filter(lapsed=True).exists() or SkillState.objects.filter(answers__gt=3).exists()
    )
    assert_live_equals_engine_replay(course, people)
    for derived in DERIVED_MODELS:
        derived.objects.all().delete()
    report = state_rebuild()
    assert report.events == Event.objects.count()
    assert report.learners == learners
    rebuilt = derived_snapshot()
    for table, rows in live.items():
        assert rebuilt[table] == rows, f"{table} differs after the rebuild"


def assert_live_equals_engine_replay(course: str, people: list[User]) -> None:
    """The differential check: each learner's state as the live web path left it in the database equals
    the engine's own replay of their event log (``learner_loop.replay``, no database in between)."""
    model = services.practice_course(people[0], course)
    fields = ("kind", "occurred_at", "item_id", "seed", "step_id", "skill_id", "resource_id", "verdict")
    logs: dict[int, list[Any]] = {}
    for row in (
        Event.objects.filter(course_id=course)
        .order_by("id")
        .values("learner_id", *fields, "confidence", "result")
    ):
        logs.setdefault(row.pop("learner_id"), []).append(event_from_row(**row))
    assert len(logs) == len(people)
    for person in people:
        live = state_load(learner_id=person.pk, course_id=course, course=model.loop).state
        engine = replay(logs[person.pk], model.loop)
        assert live == engine, f"learner {person.username}: the live state differs from the engine's replay"


def test_rebuild_is_identical_on_a_small_history(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    generate_and_compare(make_learners, demo_course, learners=25, actions=8, days=3)


@pytest.mark.slow
def test_rebuild_is_identical_on_200_learners(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    """The default run's version of the 1,000-learner check below (which takes minutes)."""
    generate_and_compare(make_learners, demo_course, learners=200, actions=3, days=2)


@pytest.mark.long
def test_rebuild_is_identical_on_1000_learners(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    generate_and_compare(make_learners, demo_course, learners=1000, actions=3, days=2)


def test_the_differential_check_sees_a_difference(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    """The check above fails when a derived row is changed behind the loop's back."""
    people = make_learners(3)
    history_generate(
        learners=people, model=services.practice_course(people[0], demo_course), seed=5, start=START
    )
    assert_live_equals_engine_replay(demo_course, people)
    SkillState.objects.filter(learner=people[0]).update(correct_streak=0, answers=99)
    with pytest.raises(AssertionError, match="differs from the engine's replay"):
        assert_live_equals_engine_replay(demo_course, people)


def test_the_command_rebuilds(
    make_learners: Callable[..., list[User]],
    demo_course: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    people = make_learners(5)
    history_generate(
        learners=people, model=services.practice_course(people[0], demo_course), seed=3, start=START
    )
    live = derived_snapshot()
    LearnerCourse.objects.all().delete()
    ReviewSchedule.objects.all().delete()
    monkeypatch.setattr(rebuild_state, "start_django", lambda args: None)
    assert rebuild_state.run(argparse.Namespace(course=None, data_dir=None)) == 0
    assert "Rebuilt the derived tables from" in capsys.readouterr().out
    assert derived_snapshot() == live
    assert rebuild_state.run(argparse.Namespace(course="no-such-course", data_dir=None)) == 1
