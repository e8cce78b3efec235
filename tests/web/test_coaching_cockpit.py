"""The cockpit: signals with evidence, the heatmap, groups, the drill-down, interventions and outcomes,
pacing as the policy's assignments, and a bounded number of queries for 40 learners × 50 skills."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from learnpath.engine.policy import Assignment
from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import Organisation, Role, User
from learnpath.web.coaching import api as coaching_api
from learnpath.web.coaching import cockpit as rules
from learnpath.web.coaching import selectors, services
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import services as learning_services

RIGHT = {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2", "add-1": "3/5"}
WRONG = {"meaning-1": "b", "equivalent-1": "b", "equivalent-2": "7", "add-1": "9/5"}


def answer(learner: User, course: str, *, right: bool, key: str, now: datetime) -> dict[str, Any]:
    """Start (or resume) the open question and answer it."""
    started = learning_services.activity_start(
        learner=learner, course_id=course, idempotency_key=f"s-{key}", now=now
    )
    if started.get("kind") == "resume":
        started = {"item_id": started.get("item_id")} if started.get("item_id") else started
    from learnpath.web.learning.store import state_load

    attempt = state_load(learner_id=learner.pk, course_id=course).open_attempt()
    assert attempt is not None
    item_id = attempt.item_id
    return learning_services.attempt_record(
        learner=learner,
        course_id=course,
        item_id=item_id,
        seed=attempt.seed,
        step_id="",
        response=(RIGHT if right else WRONG)[item_id],
        idempotency_key=f"a-{key}",
        now=now,
    )


def test_repeated_errors_are_flagged_with_evidence_and_an_action(
    klass: accounts_api.ClassInfo, learner: User, course: str
) -> None:
    now = timezone.now() - timedelta(minutes=10)
    for n in range(3):
        answer(learner, course, right=False, key=f"w{n}", now=now + timedelta(minutes=n))
    cockpit = selectors.class_cockpit(class_id=klass.id, course_id=course, now=timezone.now())
    (flag,) = cockpit.needs_help
    kinds = {signal.kind for signal in flag.signals}
    assert "errors" in kinds
    errors = next(s for s in flag.signals if s.kind == "errors")
    assert "The last 3 answers were wrong" in errors.evidence
    assert "What a fraction means" in errors.evidence
    assert errors.action.startswith("Sit with")
    assert errors.skill_id == "fractions-meaning"


def test_a_learner_who_never_started_is_flagged_idle(
    klass: accounts_api.ClassInfo, learner: User, course: str
) -> None:
    cockpit = selectors.class_cockpit(class_id=klass.id, course_id=course, now=timezone.now())
    assert [s.kind for s in cockpit.needs_help[0].signals] == ["idle"]
    assert cockpit.rows[0].cells[0].css == "heat-none"


def test_right_answers_make_a_learner_ready_for_a_challenge(
    klass: accounts_api.ClassInfo, learner: User, course: str
) -> None:
    now = timezone.now() - timedelta(hours=1)
    for n in range(6):
        answer(learner, course, right=True, key=f"r{n}", now=now + timedelta(minutes=n))
    cockpit = selectors.class_cockpit(class_id=klass.id, course_id=course, now=timezone.now())
    assert cockpit.needs_help == []
    (ready,) = cockpit.ready
    assert ready.signals[0].kind == "ready"
    assert "mastered" in ready.signals[0].evidence
    assert any(cell.css == "heat-mastered" for cell in cockpit.rows[0].cells)


def test_behind_the_pacing_guide(
    klass: accounts_api.ClassInfo, learner: User, teacher: User, course: str
) -> None:
    services.pacing_target_create(
        class_id=klass.id,
        course_id=course,
        skill_id="fractions-equivalent",
        due=timezone.now() - timedelta(days=2),
        actor=teacher,
    )
    answer(learner, course, right=True, key="x", now=timezone.now() - timedelta(minutes=1))
    cockpit = selectors.class_cockpit(class_id=klass.id, course_id=course, now=timezone.now())
    behind = [s for s in cockpit.needs_help[0].signals if s.kind == "behind"]
    assert behind
    assert "Equivalent fractions was due" in behind[0].evidence


def test_rules_hints_prediction_and_groups_on_plain_data() -> None:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    hint = rules.Activity("hint", ("s1",), "i1", "", now)
    recent = [hint, hint, rules.Activity("answer", ("s1",), "i1", "incorrect", now), hint]
    stuck = rules.SkillCell(p_mastered=0.1, answers=5, mastered=False)
    cockpit = rules.cockpit_build(
        learners=[(1, "Ann"), (2, "Bo"), (3, "Cy")],
        skills=[("s1", "Skill one"), ("s2", "Skill two")],
        cells={1: {"s1": stuck}, 2: {"s1": stuck}, 3: {"s2": rules.SkillCell(0.99, 5, True)}},
        recent={1: recent, 2: recent},
        last_active={1: now, 2: now, 3: now - timedelta(days=9)},
        targets={},
        now=now,
        predicted={1: 0.27, 2: 0.6},  # the served model's P(correct) on each one's current skill
    )
    ann = cockpit.needs_help[0]
    assert {s.kind for s in ann.signals} == {"hints", "predicted"}
    predicted = next(s for s in ann.signals if s.kind == "predicted")
    assert "27%" in predicted.evidence
    bo = next(flag for flag in cockpit.needs_help if flag.name == "Bo")
    assert {s.kind for s in bo.signals} == {"hints"}  # 60 % is not likely to miss
    cy = next(flag for flag in cockpit.needs_help if flag.name == "Cy")
    assert cy.signals[0].kind == "idle"
    assert "9 days ago" in cy.signals[0].evidence
    assert cockpit.groups == [rules.GroupSuggestion("s1", "Skill one", (1, 2), ("Ann", "Bo"))]


def test_pacing_targets_become_the_policys_assignments(
    klass: accounts_api.ClassInfo, learner: User, teacher: User, course: str
) -> None:
    due = datetime(2026, 6, 1, 23, 59, tzinfo=UTC)
    group = services.group_create(class_id=klass.id, name="Table 1", learner_ids=[learner.pk], actor=teacher)
    services.pacing_target_create(
        class_id=klass.id, course_id=course, skill_id="fractions-add-like", due=due, actor=teacher
    )
    services.pacing_target_create(
        class_id=klass.id,
        course_id=course,
        skill_id="fractions-equivalent",
        due=due - timedelta(days=3),
        actor=teacher,
        group_id=group.pk,
    )
    services.pacing_target_create(
        class_id=klass.id,
        course_id=course,
        skill_id="fractions-add-like",
        due=due - timedelta(days=7),
        actor=teacher,
        learner_id=learner.pk,
    )
    assert coaching_api.assignments_for(learner_id=learner.pk, course_id=course) == [
        Assignment("fractions-add-like", due - timedelta(days=7)),
        Assignment("fractions-equivalent", due - timedelta(days=3)),
    ]
    moved = services.pacing_shift(class_id=klass.id, days=2, actor=teacher)
    assert moved == 3
    assert coaching_api.assignments_for(learner_id=learner.pk, course_id=course)[0].due == due - timedelta(
        days=5
    )
    assert [entry.scope for entry in coaching_api.learner_plan(learner_id=learner.pk)] == [
        "you",
        "group",
        "class",
    ]


def test_interventions_show_mastery_then_and_now(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    now = timezone.now() - timedelta(hours=2)
    answer(learner, course, right=False, key="w", now=now)
    response = client_of(teacher).post(
        f"/classes/{klass.id}/interventions/",
        {
            "course": course,
            "kind": "one_to_one",
            "skill": "fractions-meaning",
            "learner": [learner.pk],
            "note": "Drew pizzas together",
        },
    )
    assert response.status_code == 302
    for n in range(4):
        answer(learner, course, right=True, key=f"r{n}", now=now + timedelta(minutes=10 + n))
    (view,) = selectors.interventions_with_outcomes(class_id=klass.id, course_id=course)
    (outcome,) = view.outcomes
    assert outcome.p_before is not None
    assert outcome.p_now is not None
    assert outcome.p_now > outcome.p_before
    assert outcome.answers_since >= 3
    page = client_of(teacher).get(f"/classes/{klass.id}/interventions/?course={course}")
    assert "Drew pizzas together" in page.content.decode()
    assert accounts_api is not None


def test_drill_down_has_a_chart_and_a_timeline(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    now = timezone.now() - timedelta(hours=1)
    for n in range(3):
        answer(learner, course, right=True, key=f"r{n}", now=now + timedelta(minutes=n))
    page = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/?course={course}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    assert "<polyline" in html
    assert "What a fraction means" in html
    assert 'data-testid="timeline"' in html
    assert "correct" in html
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_teacher_feedback_on_an_attempt_reaches_the_learner(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    result = answer(learner, course, right=False, key="w", now=timezone.now() - timedelta(minutes=5))
    url = f"/classes/{klass.id}/learners/{learner.pk}/feedback/"
    data = {
        "target_type": "attempt",
        "target_id": result["event_id"],
        "course": course,
        "body": "Halves are equal!",
    }
    assert client_of(teacher).post(url, data).status_code == 302
    assert "Halves are equal!" in client_of(learner).get("/me/feedback/").content.decode()
    # an event id that is not this learner's is refused as missing
    assert client_of(teacher).post(url, {**data, "target_id": 999999}).status_code == 404


@pytest.mark.slow
def test_cockpit_of_40_learners_by_50_skills_uses_a_bounded_number_of_queries(
    organisation: Organisation,
    make_user: Callable[..., User],
    generated_documents: Any,
    build_pack: Any,
    client_of: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    course = curriculum_api.course_import(
        pack=build_pack(generated_documents(course_id="wide", skills=50, items_per_skill=2)),
        organisation_id=organisation.pk,
    ).course_id
    teacher = make_user("tess", Role.TEACHER, organisation)
    klass = services.class_create(teacher=teacher, name="Big class")
    services.class_course_attach(class_id=klass.id, course_id=course, actor=teacher)
    learners = [make_user(f"l{n:02d}", Role.LEARNER, organisation) for n in range(40)]
    for n, person in enumerate(learners):
        accounts_api.class_learner_add(class_id=klass.id, learner_id=person.pk, actor=teacher)
        if n % 4 == 0:
            answer_wide(person, course, n)
    services.pacing_target_create(
        class_id=klass.id,
        course_id=course,
        skill_id="skill-3",
        due=timezone.now() - timedelta(days=1),
        actor=teacher,
    )
    client = client_of(teacher)
    client.get(f"/classes/{klass.id}/cockpit/")  # warm the course model cache
    # 15 for the cockpit, 8 for the menu's count of what is new in the teacher's inbox (fixed whatever
    # the number of classes and learners: tests/web/test_teacher_day.py).
    with django_assert_max_num_queries(15 + 8):
        response = client.get(f"/classes/{klass.id}/cockpit/")
    assert response.status_code == 200
    assert response.content.decode().count('<td class="heat-') == 40 * 50


def answer_wide(learner: User, course: str, n: int) -> None:
    """Two answers on the generated course (numeric items: the answer of ``item-s-k`` is s + k)."""
    from learnpath.web.learning.store import state_load

    now = timezone.now() - timedelta(hours=1)
    for k in range(2):
        learning_services.activity_start(
            learner=learner, course_id=course, idempotency_key=f"s{n}-{k}", now=now
        )
        attempt = state_load(learner_id=learner.pk, course_id=course).open_attempt()
        assert attempt is not None
        s, i = (int(part) for part in attempt.item_id.split("-")[1:])
        learning_services.attempt_record(
            learner=learner,
            course_id=course,
            item_id=attempt.item_id,
            seed=attempt.seed,
            step_id="",
            response=str(s + i if k == 0 else -1),
            idempotency_key=f"a{n}-{k}",
            now=now + timedelta(minutes=k),
        )


def test_an_assignment_intervention_puts_the_skill_on_the_learners_plan(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    client_of(teacher).post(
        f"/classes/{klass.id}/interventions/",
        {
            "course": course,
            "kind": "assignment",
            "skill": "fractions-equivalent",
            "learner": [learner.pk],
            "due": "2030-01-15",
        },
    )
    (assignment,) = coaching_api.assignments_for(learner_id=learner.pk, course_id=course)
    assert assignment.skill_id == "fractions-equivalent"
    assert assignment.due == datetime(2030, 1, 15, 23, 59, tzinfo=UTC)
    page = client_of(learner).get("/plan/").content.decode()
    assert "Equivalent fractions" in page
    plan = client_of(learner).get("/api/coaching/plan").json()
    assert [(p["skill_id"], p["scope"]) for p in plan] == [("fractions-equivalent", "you")]


def test_the_cockpit_api_gives_the_heatmap_and_signals(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    body = client_of(teacher).get(f"/api/coaching/classes/{klass.id}/cockpit").json()
    assert body["course_id"] == course
    assert body["skills"] == ["fractions-add-like", "fractions-meaning", "fractions-equivalent"]
    assert body["heatmap"] == [
        {"learner_id": learner.pk, "name": "lena", "p_mastered": [None] * 3, "mastered": 0}
    ]
    assert body["needs_help"][0]["signals"][0]["kind"] == "idle"
    missing = client_of(teacher).get(f"/api/coaching/classes/{klass.id}/cockpit?course=nope")
    assert missing.status_code == 404


def test_hostile_names_are_escaped_in_the_cockpit_and_the_chart(
    klass: accounts_api.ClassInfo,
    teacher: User,
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    person = accounts_api.learner_create(
        username="mallory",
        display_name='M "<img src=x onerror=alert(1)>" & co',
        organisation_id=organisation.pk,
        password=None,
        actor=teacher,
    )
    accounts_api.class_learner_add(class_id=klass.id, learner_id=person.id, actor=teacher)
    cockpit = client_of(teacher).get(f"/classes/{klass.id}/cockpit/").content.decode()
    drill = client_of(teacher).get(f"/classes/{klass.id}/learners/{person.id}/").content.decode()
    for html in (cockpit, drill):
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_assigned_skill_comes_first_in_the_learners_next_activity(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    client = client_of(learner)
    before = client.get(f"/api/learning/{course}/next").json()["suggestions"]
    assert before[0]["skill_id"] != "fractions-equivalent"
    services.pacing_target_create(
        class_id=klass.id,
        course_id=course,
        skill_id="fractions-equivalent",
        due=timezone.now() + timedelta(days=2),
        actor=teacher,
    )
    first = client.get(f"/api/learning/{course}/next").json()["suggestions"][0]
    assert first["kind"] == "assigned"
    assert first["skill_id"] == "fractions-equivalent"
    assert "teacher" in first["reason"].lower()


def test_completion_per_target_counts_who_has_mastered_its_skill(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    from learnpath.web.learning import api as learning_api

    ben = make_user("ben", Role.LEARNER, organisation)
    accounts_api.class_learner_add(class_id=klass.id, learner_id=ben.pk, actor=teacher)
    past = timezone.now() - timedelta(days=1)
    whole = services.pacing_target_create(
        class_id=klass.id, course_id=course, skill_id="fractions-meaning", due=past, actor=teacher
    )
    just_ben = services.pacing_target_create(
        class_id=klass.id,
        course_id=course,
        skill_id="fractions-equivalent",
        due=timezone.now() + timedelta(days=7),
        actor=teacher,
        learner_id=ben.pk,
    )
    learning_api.mastery_override(
        teacher=teacher,
        learner_id=learner.pk,
        course_id=course,
        skill_id="fractions-meaning",
        direction="mastered",
        reason="Showed it on the board.",
        idempotency_key="o1",
    )
    targets = selectors.pacing_targets(class_id=klass.id, course_id=course)
    done = selectors.target_completion(class_id=klass.id, course_id=course, targets=targets)
    assert (done[whole.pk].mastered, done[whole.pk].learners, done[whole.pk].percent) == (1, 2, 50)
    assert done[whole.pk].not_yet == ("ben",)
    assert (done[just_ben.pk].mastered, done[just_ben.pk].learners) == (0, 1)
    page = client_of(teacher).get(f"/classes/{klass.id}/pacing/?course={course}").content.decode()
    assert "1 of 2 (50 %)" in page
    assert "0 of 1 (0 %)" in page
    assert page.count("overdue") == 1  # the whole-class target is past due and not done by all
