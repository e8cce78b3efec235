"""The teacher's day: an overview of every class, an inbox of new work, reflections and flags across
classes, the menu's count of what is new, and a daily e-mail for those who ask for it.

The inbox reads a learner's work by the one reading rule (decision 0075): only what the learner did in the
teacher's classes, since joining them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import Organisation, Role, User
from learnpath.web.agency import services as agency_services
from learnpath.web.agency.models import Reflection, Submission
from learnpath.web.coaching import selectors, services
from learnpath.web.coaching import services as coaching_services
from learnpath.web.coaching.models import InboxState
from learnpath.web.coaching.tasks import inbox_digest_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_class(
    teacher: User, course: str, make_user: Callable[..., User], organisation: Organisation
) -> Any:
    """A second class of the same teacher, "8A maths", with one learner, mia, on the same course."""
    info = coaching_services.class_create(teacher=teacher, name="8A maths")
    mia = make_user("mia", Role.LEARNER, organisation)
    accounts_api.class_learner_add(class_id=info.id, learner_id=mia.pk, actor=teacher)
    coaching_services.class_course_attach(class_id=info.id, course_id=course, actor=teacher)
    return info


def _backdate(model: Any, pk: int, when: Any) -> None:
    model.objects.filter(pk=pk).update(created_at=when)


def test_the_overview_shows_every_class_with_who_needs_help_and_what_is_new(
    klass: Any, second_class: Any, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    agency_services.submission_create(learner_id=learner.pk, title="Fraction poster", kind="text", text="x")
    page = client_of(teacher).get("/classes/").content.decode()
    assert "7B maths" in page
    assert "8A maths" in page
    assert page.count("1 learner") == 2
    # Neither learner has started: the cockpit flags both as idle, and the overview names them.
    summaries = {s.klass.name: s for s in selectors.overview(teacher=teacher, now=timezone.now())}
    assert [f.flag.name for f in summaries["7B maths"].needs_help] == [str(learner.display_name or learner)]
    assert summaries["7B maths"].new_work == 1
    assert summaries["8A maths"].new_work == 0
    assert "1 new piece of work" in page
    assert "Needs help now: 1" in page


def test_the_inbox_lists_new_work_across_classes_and_marks_it_seen(
    klass: Any,
    second_class: Any,
    teacher: User,
    learner: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    mia = User.objects.get(username="mia")
    poster = agency_services.submission_create(
        learner_id=learner.pk, title="Fraction poster", kind="text", text="x", course_id=course
    )
    agency_services.reflection_create(
        learner_id=mia.pk, went_well="Adding halves and quarters went well today", try_next="thirds"
    )
    client = client_of(teacher)
    page = client.get("/classes/inbox/").content.decode()
    assert "Fraction poster" in page
    assert "Adding halves and quarters went well today" in page
    assert "7B maths" in page
    assert "8A maths" in page
    assert page.count('<span class="badge">new</span>') == 2
    assert "Mark all as seen (2 new)" in page
    # The menu tells the teacher on every page.
    assert 'data-testid="inbox-new">2 new' in client.get("/").content.decode()

    assert client.post("/classes/inbox/", {"action": "seen"}).status_code == 302
    page = client.get("/classes/inbox/").content.decode()
    assert "Fraction poster" in page  # still listed, no longer new
    assert '<span class="badge">new</span>' not in page
    assert 'data-testid="inbox-new"' not in client.get("/").content.decode()

    # Work older than the inbox's window is left to the learner's page.
    _backdate(Submission, poster.pk, timezone.now() - timedelta(days=selectors.INBOX_DAYS + 1))
    assert "Fraction poster" not in client.get("/classes/inbox/").content.decode()
    # A bad action changes nothing and says so.
    refused = client.post("/classes/inbox/", {"action": "delete-everything"}, follow=True)
    assert "Choose what to do" in refused.content.decode()


def test_the_inbox_holds_only_what_the_reading_rule_lets_the_teacher_read(
    klass: Any,
    teacher: User,
    learner: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    # Lena wrote a reflection before joining theo's class: theo may not read it (decision 0075), so it is
    # not in his inbox either. Another teacher's learner's work never is.
    early = agency_services.reflection_create(
        learner_id=learner.pk, went_well="Written before the class", try_next=""
    )
    _backdate(Reflection, early.pk, timezone.now() - timedelta(days=3))
    from learnpath.web.accounts.models import ClassMembership

    ClassMembership.objects.filter(learner=learner).update(joined_at=timezone.now() - timedelta(days=1))
    tina = make_user("tina", Role.TEACHER, organisation)
    lars = make_user("lars", Role.LEARNER, organisation)
    other = coaching_services.class_create(teacher=tina, name="9C maths")
    accounts_api.class_learner_add(class_id=other.id, learner_id=lars.pk, actor=tina)
    agency_services.submission_create(learner_id=lars.pk, title="Lars's secret essay", kind="text", text="x")
    page = client_of(teacher).get("/classes/inbox/").content.decode()
    assert "Written before the class" not in page
    assert "secret essay" not in page
    assert "secret essay" in client_of(tina).get("/classes/inbox/").content.decode()


def test_only_teachers_have_an_inbox(
    klass: Any, learner: User, guardian: User, client_of: Callable[[User], Client]
) -> None:
    for person in (learner, guardian):
        client = client_of(person)
        assert client.get("/classes/inbox/").status_code == 404
        assert client.post("/classes/inbox/", {"action": "seen"}).status_code == 404
    assert not InboxState.objects.exists()
    assert Client().get("/classes/inbox/").status_code == 302  # to sign in


def test_the_daily_email_goes_to_teachers_who_ask_with_only_what_is_new(
    klass: Any, teacher: User, learner: User, client_of: Callable[[User], Client], settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LEARNPATH_SITE_URL = "https://learn.example.org"
    agency_services.submission_create(
        learner_id=learner.pk, title="Before switching on", kind="text", text="x"
    )
    client = client_of(teacher)
    # No address yet: switched on, with a plain warning, and nothing is sent.
    on = client.post("/classes/inbox/", {"action": "email", "daily": "on"}, follow=True)
    assert "no e-mail address" in on.content.decode()
    agency_services.submission_create(learner_id=learner.pk, title="Poster one", kind="text", text="x")
    assert inbox_digest_run() == "no inbox e-mail to send"
    teacher.email = "theo@example.org"
    teacher.save()
    later = timezone.now() + timedelta(seconds=1)
    assert inbox_digest_run(now=later).startswith(f"teacher {teacher.pk}: 1 items")
    (sent,) = mail.outbox
    assert sent.to == ["theo@example.org"]
    assert "Poster one" in sent.body
    assert "Before switching on" not in sent.body
    assert "https://learn.example.org/classes/inbox/" in sent.body
    # Nothing new: no second e-mail.
    assert inbox_digest_run(now=later + timedelta(days=1)) == "no inbox e-mail to send"
    assert len(mail.outbox) == 1
    # A teacher who reads learnpath in Spanish gets the e-mail in Spanish, whichever language ran the job.
    teacher.language = "es"
    teacher.save()
    InboxState.objects.filter(teacher=teacher).update(emailed_until=timezone.now() - timedelta(seconds=1))
    agency_services.submission_create(learner_id=learner.pk, title="Cartel", kind="text", text="x")
    inbox_digest_run(now=timezone.now() + timedelta(seconds=1))
    spanish = mail.outbox[-1]
    assert "Cartel" in spanish.body
    assert "Hola" in spanish.body
    assert "bandeja" in spanish.subject
    # Switched off: none either.
    services.inbox_email_set(teacher=teacher, daily=False, now=timezone.now())
    agency_services.submission_create(learner_id=learner.pk, title="Poster two", kind="text", text="x")
    assert inbox_digest_run(now=timezone.now() + timedelta(days=3)) == "no inbox e-mail to send"


def test_the_menus_count_costs_a_fixed_number_of_queries(
    klass: Any,
    second_class: Any,
    teacher: User,
    learner: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    django_assert_max_num_queries: Any,
) -> None:
    from learnpath.web.coaching import api as coaching_api

    for n in range(3):  # more classes and learners do not cost more queries
        extra = coaching_services.class_create(teacher=teacher, name=f"Extra {n}")
        for k in range(4):
            someone = make_user(f"extra-{n}-{k}", Role.LEARNER, organisation)
            accounts_api.class_learner_add(class_id=extra.id, learner_id=someone.pk, actor=teacher)
            agency_services.submission_create(
                learner_id=someone.pk, title=f"Work {n}-{k}", kind="text", text="x"
            )
    with django_assert_max_num_queries(8):
        assert coaching_api.inbox_new_count(teacher=teacher, now=timezone.now()) == 12


@pytest.mark.slow
def test_the_overview_and_inbox_flag_exactly_what_each_cockpit_and_pacing_page_show(
    klass: Any,
    second_class: Any,
    teacher: User,
    learner: User,
    course: str,
    make_learners: Callable[..., list[User]],
) -> None:
    """The overview and the inbox read each course once for all the teacher's classes; what they say of
    each class must be what that class's cockpit and pacing page say: the same learners flagged, in the
    same order, for the same reasons, and the same targets overdue. Learners in two classes, groups,
    targets for a class, a group and one learner, and real practice make the cases differ."""
    from learnpath.web.learning import services as learning_services
    from learnpath.web.learning.synthetic import history_generate

    now = timezone.now()
    shared, *others = make_learners(9, prefix="tday")
    for person in [shared, *others[:4]]:
        accounts_api.class_learner_add(class_id=klass.id, learner_id=person.pk, actor=teacher)
    for person in [shared, *others[4:]]:
        accounts_api.class_learner_add(class_id=second_class.id, learner_id=person.pk, actor=teacher)
    model = learning_services.practice_course(learner, course)
    history_generate(
        learners=[learner, shared, *others[:6]],
        model=model,
        seed=7,
        start=now - timedelta(days=9),
        actions=8,
        days=3,
    )
    skills = [skill.id for skill in model.pack.skills]
    group = services.group_create(
        class_id=klass.id, name="Table 2", learner_ids=[shared.pk, others[0].pk], actor=teacher
    )
    for days, skill, scope in (
        (-4, skills[0], {}),
        (-2, skills[1], {"group_id": group.pk}),
        (-1, skills[2 % len(skills)], {"learner_id": others[1].pk}),
        (5, skills[1], {}),
    ):
        services.pacing_target_create(
            class_id=klass.id,
            course_id=course,
            skill_id=skill,
            due=now + timedelta(days=days),
            actor=teacher,
            **scope,
        )
    services.pacing_target_create(
        class_id=second_class.id,
        course_id=course,
        skill_id=skills[0],
        due=now - timedelta(days=1),
        actor=teacher,
    )

    def said(flags: list[Any]) -> list[tuple[int, tuple[tuple[str, str, str], ...]]]:
        return [(f.learner_id, tuple((s.kind, s.evidence, s.skill_id) for s in f.signals)) for f in flags]

    summaries = {s.klass.id: s for s in selectors.overview(teacher=teacher, now=now)}
    inbox_flags = selectors.inbox(teacher=teacher, now=now).flags
    flagged_somewhere = 0
    for class_id in (klass.id, second_class.id):
        cockpit = selectors.class_cockpit(class_id=class_id, course_id=course, now=now)
        assert said([f.flag for f in summaries[class_id].needs_help]) == said(cockpit.needs_help)
        assert said([f.flag for f in inbox_flags if f.class_id == class_id]) == said(cockpit.needs_help)
        flagged_somewhere += len(cockpit.needs_help)
        targets = [t for t in selectors.pacing_targets(class_id=class_id, course_id=course) if t.due < now]
        done = selectors.target_completion(class_id=class_id, course_id=course, targets=targets)
        assert summaries[class_id].targets_overdue == sum(1 for c in done.values() if c.mastered < c.learners)
    assert flagged_somewhere > 0
    assert summaries[klass.id].targets_overdue > 0
