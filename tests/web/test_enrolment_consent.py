"""Enrolment consent and what a teacher reads (issue 12, #4).

A teacher who lists, in a class CSV, a learner of another teacher's class does not get them: an enrolment
request goes to that class's teacher (or an administrator), who accepts or declines it. A learner of the
school in no class joins at once. The preview says the same for a username of another school as for a free
one. And a teacher reads only what the learner did in the classes that teacher teaches: reflections,
portfolio files, goals and other teachers' feedback from elsewhere are not there, and asking for them
looks exactly like asking for something missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, ClassMembership, GuardianLink, Organisation, Role, User
from learnpath.web.agency.models import Feedback, Goal, Reflection, Submission
from learnpath.web.coaching import services as coaching_services
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import services as learning_services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
MISSING = 987654
WRONG = {"meaning-1": "b", "equivalent-1": "b", "equivalent-2": "7", "add-1": "9/5"}


def _page(response: Any) -> str:
    """A page without its per-request CSRF token and form keys, so two pages can be compared byte for
    byte."""
    return re.sub(
        r'name="(csrfmiddlewaretoken|idempotency_key)" value="[^"]+"', "", response.content.decode()
    )


def _enrol(client: Client, class_id: int, csv: str) -> tuple[str, str]:
    """Upload ``csv`` (preview), then confirm it; returns both pages."""
    preview = client.post(
        f"/classes/{class_id}/enrol/", {"file": SimpleUploadedFile("list.csv", csv.encode(), "text/csv")}
    ).content.decode()
    done = client.post(f"/classes/{class_id}/enrol/", {"confirm": "yes", "csv_text": csv}).content.decode()
    return preview, done


def _request_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'action="/classes/requests/(\d+)/"', page)]


def _enrol_with_agreement(requester: Client, decider: Client, class_id: int, username: str) -> None:
    """The requester lists ``username``; the decider accepts whatever request that made (the tests of
    what a teacher reads start from a learner rightly in both classes)."""
    _enrol(requester, class_id, f"username\n{username}\n")
    for request_id in _request_ids(decider.get("/classes/requests/").content.decode()):
        decider.post(f"/classes/requests/{request_id}/", {"action": "accept"})


@pytest.fixture
def other_teacher(make_user: Callable[..., User], organisation: Organisation) -> User:
    return make_user("tina", Role.TEACHER, organisation)


@pytest.fixture
def second_course(organisation: Organisation, documents: Any, build_pack: Any) -> str:
    return curriculum_api.course_import(
        pack=build_pack(documents(course_id="fractions-two")), organisation_id=organisation.pk
    ).course_id


@pytest.fixture
def other_class(other_teacher: User, second_course: str) -> accounts_api.ClassInfo:
    """Tina's class "8C maths" with the second course and no learners yet."""
    info = coaching_services.class_create(teacher=other_teacher, name="8C maths")
    coaching_services.class_course_attach(class_id=info.id, course_id=second_course, actor=other_teacher)
    return info


def _in_class(class_id: int) -> set[str]:
    return {person.username for person in accounts_api.class_learners(class_id=class_id)}


def test_a_learner_of_another_teachers_class_is_asked_for_not_enrolled(
    klass: accounts_api.ClassInfo,
    other_class: accounts_api.ClassInfo,
    learner: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    client = client_of(other_teacher)
    preview, done = _enrol(client, other_class.id, "username\nlena\n")
    assert "Their teacher is asked to agree first" in preview
    assert "Enrol 1 learner" not in preview
    assert "Ask for 1 learner" in preview
    assert "lena" not in _in_class(other_class.id)
    assert 'data-testid="requested"' in done
    assert AuditEntry.objects.filter(action="class.enrolment_request", target_id=str(other_class.id)).exists()
    pending = client.get("/classes/requests/").content.decode()
    assert 'data-testid="sent"' in pending
    assert "lena" in pending
    assert "waiting" in pending
    # The class page shows it too, and a second upload asks nothing new.
    assert "Waiting for agreement" in client.get(f"/classes/{other_class.id}/").content.decode()
    _enrol(client, other_class.id, "username\nlena\n")
    assert AuditEntry.objects.filter(action="class.enrolment_request").count() == 1


def test_the_learners_teacher_accepts_and_only_then_the_learner_joins(
    klass: accounts_api.ClassInfo,
    other_class: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    _enrol(client_of(other_teacher), other_class.id, "username\nlena\n")
    # The requesting teacher cannot decide their own request.
    assert _request_ids(client_of(other_teacher).get("/classes/requests/").content.decode()) == []
    page = client_of(teacher).get("/classes/requests/").content.decode()
    assert 'data-testid="to-decide"' in page
    assert "8C maths" in page
    (request_id,) = _request_ids(page)
    assert (
        client_of(other_teacher).post(f"/classes/requests/{request_id}/", {"action": "accept"}).status_code
        == 404
    )
    assert "lena" not in _in_class(other_class.id)
    response = client_of(teacher).post(f"/classes/requests/{request_id}/", {"action": "accept"})
    assert response.status_code == 302
    assert "lena" in _in_class(other_class.id)
    assert "lena" in _in_class(klass.id)
    assert AuditEntry.objects.filter(action="class.enrolment_accept").count() == 1
    assert AuditEntry.objects.filter(action="class.learner_add", target_id=str(other_class.id)).count() == 1
    # Decided once: a second answer is a missing request.
    again = client_of(teacher).post(f"/classes/requests/{request_id}/", {"action": "decline"})
    assert again.status_code == 404


def test_a_declined_request_enrols_nobody_and_the_requester_sees_it(
    klass: accounts_api.ClassInfo,
    other_class: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    _enrol(client_of(other_teacher), other_class.id, "username\nlena\n")
    (request_id,) = _request_ids(client_of(teacher).get("/classes/requests/").content.decode())
    assert (
        client_of(teacher).post(f"/classes/requests/{request_id}/", {"action": "decline"}).status_code == 302
    )
    assert "lena" not in _in_class(other_class.id)
    assert AuditEntry.objects.filter(action="class.enrolment_decline").count() == 1
    assert "declined" in client_of(other_teacher).get("/classes/requests/").content.decode()


def test_an_administrator_may_decide(
    klass: accounts_api.ClassInfo,
    other_class: accounts_api.ClassInfo,
    learner: User,
    admin_user: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    _enrol(client_of(other_teacher), other_class.id, "username\nlena\n")
    (request_id,) = _request_ids(client_of(admin_user).get("/classes/requests/").content.decode())
    client_of(admin_user).post(f"/classes/requests/{request_id}/", {"action": "accept"})
    assert "lena" in _in_class(other_class.id)


def test_nobody_else_can_see_or_decide_a_request_and_it_looks_missing(
    klass: accounts_api.ClassInfo,
    other_class: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    guardian: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    _enrol(client_of(other_teacher), other_class.id, "username\nlena\n")
    (request_id,) = _request_ids(client_of(teacher).get("/classes/requests/").content.decode())
    GuardianLink.objects.create(guardian=guardian, learner=learner, consent_given_at=timezone.now())
    bystander = make_user("tom", Role.TEACHER, organisation)
    coaching_services.class_create(teacher=bystander, name="9A")
    assert _request_ids(client_of(bystander).get("/classes/requests/").content.decode()) == []
    for person in (bystander, learner, guardian):
        client = client_of(person)
        real = client.post(f"/classes/requests/{request_id}/", {"action": "accept"})
        missing = client.post(f"/classes/requests/{MISSING}/", {"action": "accept"})
        assert real.status_code == missing.status_code == 404
        assert _page(real) == _page(missing)
    for person in (learner, guardian):
        assert client_of(person).get("/classes/requests/").status_code == 404
    assert "lena" not in _in_class(other_class.id)


def test_a_learner_of_the_school_in_no_class_joins_at_once(
    other_class: accounts_api.ClassInfo,
    other_teacher: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    make_user("nora", Role.LEARNER, organisation)
    preview, _ = _enrol(client_of(other_teacher), other_class.id, "username\nnora\n")
    assert "Existing learner joins the class" in preview
    assert _in_class(other_class.id) == {"nora"}


def test_a_learner_already_in_one_of_my_classes_joins_another_of_mine_at_once(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    mine = coaching_services.class_create(teacher=teacher, name="7B science")
    _enrol(client_of(teacher), mine.id, "username\nlena\n")
    assert _in_class(mine.id) == {"lena"}


def test_the_preview_says_the_same_for_another_schools_username_as_for_a_free_one(
    other_class: accounts_api.ClassInfo,
    other_teacher: User,
    outsider: User,
    client_of: Callable[[User], Client],
) -> None:
    csv = f"username,display_name\n{outsider.username},Someone\nfree.name,Someone\n"
    preview, _ = _enrol(client_of(other_teacher), other_class.id, csv)
    rows = re.findall(
        r"<tr class=\"[^\"]*\"><td>\d+</td><td>([^<]+)</td><td>[^<]*</td>\s*<td>(.*?)</td></tr>",
        preview,
        re.S,
    )
    assert [username for username, _ in rows] == [outsider.username, "free.name"]
    assert rows[0][1] == rows[1][1]
    assert "cannot join" not in preview
    # Confirming never touches the other school's account.
    outsider.refresh_from_db()
    assert outsider.organisation_id != other_class.organisation_id
    assert _in_class(other_class.id) == {"free.name"}
    assert outsider.username not in _in_class(other_class.id)


# -- what a teacher reads ------------------------------------------------------------------------------


@pytest.fixture
def shared(
    klass: accounts_api.ClassInfo,
    other_class: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    course: str,
    second_course: str,
    client_of: Callable[[User], Client],
) -> dict[str, Any]:
    """Lena in Theo's class (fractions) with work from before, then, with Theo's agreement, in Tina's
    class (the second course), where she writes more."""
    earlier = timezone.now() - timedelta(days=3)
    ClassMembership.objects.filter(klass_id=klass.id, learner=learner).update(
        joined_at=timezone.now() - timedelta(days=30)
    )
    made: dict[str, Any] = {
        "theo_course_reflection": Reflection.objects.create(
            learner=learner, course_id=course, went_well="THEO-COURSE-REFLECTION", try_next="x"
        ),
        "old_free_reflection": Reflection.objects.create(
            learner=learner, went_well="OLD-FREE-REFLECTION", try_next="x"
        ),
        "theo_file": Submission.objects.create(
            learner=learner,
            course_id=course,
            title="THEO-POSTER",
            kind="file",
            file_name="poster.png",
            file_type="image/png",
            file_data=PNG,
        ),
        "old_goal": Goal.objects.create(learner=learner, title="OLD-PRIVATE-GOAL", set_by=learner),
    }
    for row in made.values():
        type(row).objects.filter(pk=row.pk).update(created_at=earlier)
    Feedback.objects.create(
        learner=learner,
        author=teacher,
        target_type="reflection",
        target_id=str(made["theo_course_reflection"].pk),
        body="THEO-FEEDBACK",
    )
    Feedback.objects.create(
        learner=learner,
        author=teacher,
        target_type="reflection",
        target_id=str(made["old_free_reflection"].pk),
        body="THEO-FREE-FEEDBACK",
    )
    _enrol_with_agreement(client_of(other_teacher), client_of(teacher), other_class.id, "lena")
    assert ClassMembership.objects.filter(klass_id=other_class.id, learner=learner).exists()
    made["tina_reflection"] = Reflection.objects.create(
        learner=learner, course_id=second_course, went_well="TINA-COURSE-REFLECTION", try_next="x"
    )
    made["new_free_reflection"] = Reflection.objects.create(
        learner=learner, went_well="NEW-FREE-REFLECTION", try_next="x"
    )
    made["tina_file"] = Submission.objects.create(
        learner=learner,
        course_id=second_course,
        title="TINA-POSTER",
        kind="file",
        file_name="tina.png",
        file_type="image/png",
        file_data=PNG,
    )
    Feedback.objects.create(
        learner=learner,
        author=teacher,
        target_type="reflection",
        target_id=str(made["new_free_reflection"].pk),
        body="THEO-ON-NEW-FREE",
    )
    return made


def test_a_teacher_reads_only_what_the_learner_did_in_their_classes(
    shared: dict[str, Any],
    other_class: accounts_api.ClassInfo,
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    tina = client_of(other_teacher).get(f"/classes/{other_class.id}/learners/{learner.pk}/").content.decode()
    assert "TINA-COURSE-REFLECTION" in tina
    assert "NEW-FREE-REFLECTION" in tina
    assert "TINA-POSTER" in tina
    for hidden in (
        "THEO-COURSE-REFLECTION",
        "OLD-FREE-REFLECTION",
        "THEO-POSTER",
        "OLD-PRIVATE-GOAL",
        "THEO-FEEDBACK",
        "THEO-FREE-FEEDBACK",
        "THEO-ON-NEW-FREE",
    ):
        assert hidden not in tina, hidden
    # Theo, whose class Lena was in all along, still reads all of it.
    theo = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/").content.decode()
    for seen in ("THEO-COURSE-REFLECTION", "OLD-FREE-REFLECTION", "THEO-POSTER", "THEO-FEEDBACK"):
        assert seen in theo, seen
    assert "TINA-COURSE-REFLECTION" not in theo


def test_a_file_from_another_class_looks_exactly_like_a_missing_one(
    shared: dict[str, Any],
    learner: User,
    teacher: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    tina = client_of(other_teacher)
    assert tina.get(f"/work/{shared['tina_file'].pk}/file/").status_code == 200
    other = tina.get(f"/work/{shared['theo_file'].pk}/file/")
    missing = tina.get(f"/work/{MISSING}/file/")
    assert other.status_code == missing.status_code == 404
    assert _page(other) == _page(missing)
    assert client_of(teacher).get(f"/work/{shared['theo_file'].pk}/file/").status_code == 200
    assert client_of(learner).get(f"/work/{shared['theo_file'].pk}/file/").status_code == 200


def test_feedback_on_work_from_another_class_is_refused_like_missing_work(
    shared: dict[str, Any],
    other_class: accounts_api.ClassInfo,
    learner: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    url = f"/classes/{other_class.id}/learners/{learner.pk}/feedback/"
    tina = client_of(other_teacher)
    hidden = tina.post(
        url,
        {"target_type": "reflection", "target_id": shared["theo_course_reflection"].pk, "body": "Hi"},
        follow=True,
    )
    missing = tina.post(url, {"target_type": "reflection", "target_id": MISSING, "body": "Hi"}, follow=True)
    assert _page(hidden) == _page(missing)
    assert not Feedback.objects.filter(author=other_teacher).exists()
    tina.post(url, {"target_type": "reflection", "target_id": shared["tina_reflection"].pk, "body": "Good"})
    assert Feedback.objects.filter(author=other_teacher).count() == 1


def test_another_teachers_comment_on_a_shared_course_attempt_stays_out_of_the_timeline(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    tinas = coaching_services.class_create(teacher=other_teacher, name="8D maths")
    coaching_services.class_course_attach(class_id=tinas.id, course_id=course, actor=other_teacher)
    started = learning_services.activity_start(learner=learner, course_id=course, idempotency_key="s1")
    assert started
    from learnpath.web.learning.store import state_load

    attempt = state_load(learner_id=learner.pk, course_id=course).open_attempt()
    assert attempt is not None
    result = learning_services.attempt_record(
        learner=learner,
        course_id=course,
        item_id=attempt.item_id,
        seed=attempt.seed,
        step_id="",
        response=WRONG[attempt.item_id],
        idempotency_key="a1",
    )
    client_of(teacher).post(
        f"/classes/{klass.id}/learners/{learner.pk}/feedback/",
        {"target_type": "attempt", "target_id": result["event_id"], "course": course, "body": "THEO-ATTEMPT"},
    )
    _enrol_with_agreement(client_of(other_teacher), client_of(teacher), tinas.id, "lena")
    tina = client_of(other_teacher).get(f"/classes/{tinas.id}/learners/{learner.pk}/?course={course}")
    html = tina.content.decode()
    assert f'data-event="{result["event_id"]}"' in html
    assert "THEO-ATTEMPT" not in html
    theo = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/?course={course}")
    assert "THEO-ATTEMPT" in theo.content.decode()
