"""`learnpath rebuild-state`: the derived tables rebuilt from the event log equal the live ones.

The history is generated through the real services (the live path: each event appended and the derived
rows updated in its transaction), then the derived tables are snapshotted, wiped, rebuilt from the log
and compared row by row.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

import pytest

from learnpath.cli import rebuild_state
from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack
from learnpath.web.accounts.models import Organisation, Role, User
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import services
from learnpath.web.learning.api import derived_snapshot, state_rebuild
from learnpath.web.learning.models import Event, LearnerCourse, ReviewSchedule, SkillState
from learnpath.web.learning.rebuild import DERIVED_MODELS
from learnpath.web.learning.synthetic import history_generate

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def demo_course(organisation: Organisation) -> str:
    return curriculum_api.course_import(
        pack=load_pack(DEMO_PACK_PATH), organisation_id=organisation.pk
    ).course_id


def make_learners(organisation: Organisation, count: int) -> list[User]:
    User.objects.bulk_create(
        [User(username=f"sim{n:04d}", role=Role.LEARNER, organisation=organisation) for n in range(count)]
    )
    return list(User.objects.filter(username__startswith="sim").order_by("username"))


def generate_and_compare(organisation: Organisation, course: str, *, learners: int, **history: Any) -> None:
    people = make_learners(organisation, learners)
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
    }
    live = derived_snapshot()
    assert len(live["LearnerCourse"]) == learners
    assert live["ReviewSchedule"], "the history should master skills and schedule reviews"
    assert (
        SkillState.objects.filter(lapsed=True).exists() or SkillState.objects.filter(answers__gt=3).exists()
    )
    for derived in DERIVED_MODELS:
        derived.objects.all().delete()
    report = state_rebuild()
    assert report.events == Event.objects.count()
    assert report.learners == learners
    rebuilt = derived_snapshot()
    for table, rows in live.items():
        assert rebuilt[table] == rows, f"{table} differs after the rebuild"


def test_rebuild_is_identical_on_a_small_history(organisation: Organisation, demo_course: str) -> None:
    generate_and_compare(organisation, demo_course, learners=25, actions=8, days=3)


@pytest.mark.slow
def test_rebuild_is_identical_on_1000_learners(organisation: Organisation, demo_course: str) -> None:
    generate_and_compare(organisation, demo_course, learners=1000, actions=3, days=2)


def test_the_command_rebuilds(
    organisation: Organisation,
    demo_course: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    people = make_learners(organisation, 5)
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
