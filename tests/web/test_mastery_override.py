"""A teacher's mastery override over HTTP: the form on the learner's page, recorded as a learner event
applied by the engine's loop (the teacher on the event row, an audit row), shown to the learner with its
reason, refused the usual way to everyone but the class's teachers and admins, and reproduced exactly by
``rebuild-state``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from learnpath.engine.learner_loop import replay
from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, GuardianLink, Organisation, Role, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.learning import services
from learnpath.web.learning.api import derived_snapshot, state_rebuild
from learnpath.web.learning.models import Event, SkillState
from learnpath.web.learning.rebuild import DERIVED_MODELS
from learnpath.web.learning.store import event_from_row, state_load

SKILL = "fractions-meaning"
REASON = "Explained halves and quarters to the whole table today."
RIGHT = {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2", "add-1": "3/5"}
WRONG = {"meaning-1": "b", "equivalent-1": "b", "equivalent-2": "7", "add-1": "9/5"}


def override_url(klass: Any, learner: User) -> str:
    return f"/classes/{klass.id}/learners/{learner.pk}/override/"


def post_override(
    client: Client, klass: Any, learner: User, course: str, *, direction: str = "mastered", **fields: str
) -> Any:
    data = {
        "course": course,
        "skill": SKILL,
        "direction": direction,
        "reason": REASON,
        "idempotency_key": f"k-{direction}-{len(Event.objects.all())}",
        **fields,
    }
    return client.post(override_url(klass, learner), data, follow=True)


def practise(learner: User, course: str, *, right: bool, key: str, minutes_ago: float) -> None:
    now = timezone.now() - timedelta(minutes=minutes_ago)
    services.activity_start(learner=learner, course_id=course, idempotency_key=f"s-{key}", now=now)
    attempt = state_load(learner_id=learner.pk, course_id=course).open_attempt()
    assert attempt is not None
    services.attempt_record(
        learner=learner,
        course_id=course,
        item_id=attempt.item_id,
        seed=attempt.seed,
        step_id="",
        response=(RIGHT if right else WRONG)[attempt.item_id],
        idempotency_key=f"a-{key}",
        now=now,
    )


def test_the_teacher_marks_a_skill_mastered_and_the_learner_reads_why(
    klass: Any, teacher: User, learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    page = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/?course={course}")
    assert 'data-testid="override-form"' in page.content.decode()
    response = post_override(client_of(teacher), klass, learner, course)
    assert response.status_code == 200
    assert "marked mastered" in response.content.decode()
    (event,) = Event.objects.filter(kind="override")
    assert (event.learner_id, event.actor_id, event.skill_id) == (learner.pk, teacher.pk, SKILL)
    assert event.result["direction"] == "mastered"
    assert event.result["reason"] == REASON
    assert any("Your teacher marked" in m for m in event.result["messages"])
    row = SkillState.objects.get(learner=learner, course_id=course, skill_id=SKILL)
    assert row.mastered_at is not None
    assert not row.lapsed
    audit = AuditEntry.objects.get(action="learning.mastery_override")
    assert audit.actor_id == teacher.pk
    assert audit.target_id == str(learner.pk)
    assert audit.details["reason"] == REASON
    # the teacher's page lists it, and its timeline names it in words
    assert REASON in response.content.decode()
    timeline = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/?course={course}")
    assert "A teacher&#x27;s mastery decision" in timeline.content.decode()
    # the learner's map: the state, the reason for it, and the teacher's words next to the skill
    home = client_of(learner).get(f"/learn/{course}/").content.decode()
    assert f'data-testid="teacher-note-{SKILL}"' in home
    assert f"Your teacher marked it mastered on {timezone.now():%d %b}: “{REASON}”" in home
    assert "your teacher marked" in home
    api = client_of(learner).get(f"/api/learning/{course}/map")
    skill = next(s for s in api.json()["skills"] if s["id"] == SKILL)
    assert REASON in skill["teacher_note"]
    assert skill["state"] == "mastered"


def test_not_mastered_asks_for_another_look_and_keeps_mastery(
    klass: Any, teacher: User, learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    client = client_of(teacher)
    post_override(client, klass, learner, course)
    mastered_at = SkillState.objects.get(learner=learner, skill_id=SKILL).mastered_at
    response = post_override(
        client, klass, learner, course, direction="not_mastered", reason="Mixes up parts."
    )
    assert "marked for another look" in response.content.decode()
    row = SkillState.objects.get(learner=learner, skill_id=SKILL)
    assert row.lapsed
    assert row.mastered_at == mastered_at
    home = client_of(learner).get(f"/learn/{course}/").content.decode()
    assert "asked you to take another look at it" in home
    assert "Mixes up parts." in home
    assert 'data-state="review_due"' in home


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": "   "}, "Give a reason"),
        ({"reason": "x" * 301}, "Keep the reason to 300 characters"),
        ({"direction": "forgotten"}, "Choose “mastered” or “needs another look”"),
        ({"skill": "no-such-skill"}, "Choose a skill of the course"),
        ({"direction": "not_mastered"}, "is not mastered yet"),
    ],
)
def test_a_refused_override_says_why_and_writes_nothing(
    klass: Any,
    teacher: User,
    learner: User,
    course: str,
    client_of: Callable[[User], Client],
    fields: dict[str, str],
    message: str,
) -> None:
    response = post_override(client_of(teacher), klass, learner, course, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.filter(kind="override").exists()
    assert not AuditEntry.objects.filter(action="learning.mastery_override").exists()


def test_already_mastered_is_refused_and_a_resent_form_is_recorded_once(
    klass: Any, teacher: User, learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    client = client_of(teacher)
    post_override(client, klass, learner, course, idempotency_key="same")
    post_override(client, klass, learner, course, idempotency_key="same")
    assert Event.objects.filter(kind="override").count() == 1
    response = post_override(client, klass, learner, course, idempotency_key="other")
    assert "already mastered" in response.content.decode()
    assert Event.objects.filter(kind="override").count() == 1


def test_only_the_class_teachers_and_admins_may_override(
    klass: Any,
    learner: User,
    course: str,
    make_user: Callable[..., User],
    organisation: Organisation,
    guardian: User,
    admin_user: User,
    client_of: Callable[[User], Client],
) -> None:
    other_teacher = make_user("tina", Role.TEACHER, organisation)
    other_class = coaching_services.class_create(teacher=other_teacher, name="8C")
    coaching_services.class_course_attach(class_id=other_class.id, course_id=course, actor=other_teacher)
    GuardianLink.objects.create(guardian=guardian, learner=learner, consent_given_at=timezone.now())
    for person in (other_teacher, learner, guardian):
        response = client_of(person).post(
            override_url(klass, learner),
            {
                "course": course,
                "skill": SKILL,
                "direction": "mastered",
                "reason": REASON,
                "idempotency_key": "x",
            },
        )
        assert response.status_code == 404, person.username
    # another class's teacher cannot reach the learner through their own class either
    otto = make_user("otto", Role.LEARNER, organisation)
    accounts_api.class_learner_add(class_id=other_class.id, learner_id=otto.pk, actor=other_teacher)
    response = client_of(other_teacher).post(
        override_url(other_class, learner),
        {"course": course, "skill": SKILL, "direction": "mastered", "reason": REASON, "idempotency_key": "y"},
    )
    assert response.status_code == 404
    anonymous = Client().post(override_url(klass, learner), {"course": course})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/sign-in/")
    assert Client().get(override_url(klass, learner)).status_code == 302
    assert client_of(admin_user).get(override_url(klass, learner)).status_code == 405
    assert not Event.objects.filter(kind="override").exists()
    post_override(client_of(admin_user), klass, learner, course)
    assert Event.objects.get(kind="override").actor_id == admin_user.pk


def test_rebuild_state_reproduces_overrides_exactly(
    klass: Any, teacher: User, learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    for n in range(3):
        practise(learner, course, right=True, key=f"r{n}", minutes_ago=30 - n)
    client = client_of(teacher)
    post_override(client, klass, learner, course, skill="fractions-equivalent")
    post_override(client, klass, learner, course, skill="fractions-equivalent", direction="not_mastered")
    post_override(client, klass, learner, course, skill="fractions-add-like")
    assert Event.objects.filter(kind="override").count() == 3
    live = derived_snapshot()
    assert any("fractions-equivalent" in str(row) for row in live["LearnerCourse"])  # the teacher's notes
    # the live state equals the engine's own replay of the log
    model = services.practice_course(learner, course)
    fields = ("kind", "occurred_at", "item_id", "seed", "step_id", "skill_id", "resource_id", "verdict")
    log = [
        event_from_row(**row)
        for row in Event.objects.filter(learner=learner)
        .order_by("id")
        .values(*fields, "confidence", "result")
    ]
    assert state_load(learner_id=learner.pk, course_id=course, course=model.loop).state == replay(
        log, model.loop
    )
    for derived in DERIVED_MODELS:
        derived.objects.all().delete()
    state_rebuild()
    assert derived_snapshot() == live


def test_a_teacher_of_another_class_sees_the_override_but_not_its_words(
    klass: Any,
    teacher: User,
    learner: User,
    course: str,
    make_user: Any,
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    """Two classes use one course; the override is part of the course's record, so both teachers see that
    the skill was marked, but only the class's own teachers read the reason and who wrote it."""
    tina = make_user("tina", Role.TEACHER, organisation)
    other = coaching_services.class_create(teacher=tina, name="8C maths")
    coaching_services.class_course_attach(class_id=other.id, course_id=course, actor=tina)
    accounts_api.class_learner_add(class_id=other.id, learner_id=learner.pk, actor=tina)
    assert post_override(client_of(teacher), klass, learner, course).status_code == 200

    own = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/?course={course}").content
    assert REASON in own.decode()
    page = client_of(tina).get(f"/classes/{other.id}/learners/{learner.pk}/?course={course}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "marked mastered by a teacher of another class" in text
    assert REASON not in text
    assert str(teacher) not in text.split('data-testid="overrides"')[1].split("</ul>")[0]
