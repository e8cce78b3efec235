"""Every page and endpoint a person uses makes as many queries in a big school as in a small one (issue 13).

The same people open the same pages twice: once in a small world (one course, one learner with a few
answers), then after the world has grown around them: more courses with many skills and items, more
learners in the class with their own practice, more practice of the learner. A page whose query count
changes between the two reads per row somewhere; that is what made the home page take 50 seconds with the
OATutor pool imported.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.web.conftest import pack_from, wide_documents

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import Organisation, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.guardians import services as guardian_services
from learnpath.web.learning import course_model as course_model_module
from learnpath.web.learning import services
from learnpath.web.learning.models import SkillState
from learnpath.web.learning.synthetic import history_generate

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "district_pages.py"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)


PER_COURSE = {
    # the mastery evidence of each course: its answers and their item texts
    ("learner", "/me/portfolio/"): 3,
    # the "needs help now" flags: the cockpit's readings of each course, once for all the classes using it
    ("teacher", "/classes/"): 8,
    ("teacher", "/classes/inbox/"): 8,
}
"""Queries a page adds for each course the learner takes part in (measured; a change must be deliberate)."""


def _pages(course: str, class_id: int, learner_id: int, skill: str) -> dict[str, list[str]]:
    """The pages of the district benchmark (benchmarks/district_pages.py): one list of a day's pages."""
    spec = importlib.util.spec_from_file_location("district_pages", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    pages: dict[str, list[str]] = benchmark.pages(course, class_id, learner_id, skill)
    return pages


def _counts(clients: dict[str, Client], pages: dict[str, list[str]]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for role, paths in pages.items():
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                response = clients[role].get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            counts[(role, path)] = len(queries)
    return counts


@pytest.mark.slow
def test_no_page_reads_per_course_item_or_learner(
    organisation: Organisation,
    learner: User,
    teacher: User,
    guardian: User,
    course: str,
    klass: Any,
    client_of: Callable[[User], Client],
    make_learners: Callable[..., list[User]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The served model's name is looked up again every few seconds: not during this test, whose two
    # measurements must not differ by when that happens.
    monkeypatch.setattr(course_model_module, "SERVED_VERSION_TTL", float("inf"))
    guardian_services.link_code_redeem(
        guardian=guardian,
        code=guardian_services.link_code_create(learner_id=learner.pk, actor=learner, now=timezone.now()),
        now=timezone.now(),
    )
    model = services.practice_course(learner, course)
    # the small world already has a mastered skill, so pages show their evidence sections in both worlds
    history_generate(learners=[learner], model=model, seed=1, start=START, actions=10, days=2)
    assert SkillState.objects.filter(learner=learner, mastered_at__isnull=False).exists()
    skill = model.pack.skills[0].id
    pages = _pages(course, klass.id, learner.pk, skill)
    clients = {"learner": client_of(learner), "teacher": client_of(teacher), "guardian": client_of(guardian)}
    _counts(clients, pages)  # first visits create what a first visit creates (profiles, states)
    small = _counts(clients, pages)

    for n in range(3):
        curriculum_api.course_import(
            pack=pack_from(wide_documents(course_id=f"wide-{n}", skills=30, items_per_skill=20)),
            organisation_id=organisation.pk,
        )
    others = make_learners(12)
    for other in others:
        accounts_api.class_learner_add(class_id=klass.id, learner_id=other.pk, actor=teacher)
    history_generate(learners=others, model=model, seed=2, start=START, actions=6, days=2)
    history_generate(learners=[learner], model=model, seed=3, start=START, actions=8, days=3)
    big = _counts(clients, pages)
    grown = {page: (small[page], big[page]) for page in small if big[page] != small[page]}
    assert not grown, f"query counts changed with the size of the school (small, big): {grown}"

    # A course more in the learner's class and practice: a few pages show a section per course. Each such
    # section costs a fixed number of queries, whatever the course's size; every other page costs nothing.
    coaching_services.class_course_attach(class_id=klass.id, course_id="wide-0", actor=teacher)
    wide = services.practice_course(learner, "wide-0")
    history_generate(learners=[learner], model=wide, seed=4, start=LATER, actions=10, days=2)
    two_courses = _counts(clients, pages)
    per_course = {page: two_courses[page] - big[page] for page in big if two_courses[page] != big[page]}
    assert per_course == PER_COURSE, per_course

    # More classes of the same teacher on the same courses, with their own learners and pacing targets:
    # the teacher's overview and inbox read each course once for all the classes that use it.
    for name, prefix in (("7C maths", "c7c"), ("8A maths", "c8a")):
        more = coaching_services.class_create(teacher=teacher, name=name)
        for course_id in (course, "wide-0"):
            coaching_services.class_course_attach(class_id=more.id, course_id=course_id, actor=teacher)
        coaching_services.pacing_target_create(
            class_id=more.id, course_id=course, skill_id=skill, due=START, actor=teacher
        )
        members = make_learners(5, prefix=prefix)
        for member in members:
            accounts_api.class_learner_add(class_id=more.id, learner_id=member.pk, actor=teacher)
        history_generate(learners=members, model=model, seed=5, start=START, actions=6, days=2)
    three_classes = _counts(clients, pages)
    per_class = {
        page: three_classes[page] - two_courses[page]
        for page in big
        if three_classes[page] != two_courses[page]
    }
    assert per_class == {}, per_class
