"""Teachers manage their classes (issue 11): remove a learner, archive (and restore) a class, add a
co-teacher. Each is audited, needs a confirming tick where it takes something away, and answers a learner,
a teacher of another class and a guardian exactly as for a class that does not exist."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, ClassMembership, GuardianLink, Organisation, Role, User
from learnpath.web.agency.models import Reflection
from learnpath.web.coaching import services as coaching_services
from learnpath.web.coaching.selectors import join_code

MISSING = 987654


def _page(response: Any) -> str:
    """A page without its per-request CSRF token, so two pages can be compared byte for byte."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.fixture
def other_teacher(make_user: Callable[..., User], organisation: Organisation) -> User:
    """Tina teaches another class of the same school."""
    tina = make_user("tina", Role.TEACHER, organisation)
    coaching_services.class_create(teacher=tina, name="8C maths")
    return tina


@pytest.fixture
def linked_guardian(guardian: User, learner: User) -> User:
    GuardianLink.objects.create(guardian=guardian, learner=learner, consent_given_at=timezone.now())
    return guardian


def _audited(action: str, class_id: int) -> int:
    return AuditEntry.objects.filter(action=action, target_id=str(class_id)).count()


# -- removing a learner ---------------------------------------------------------------------------------


def test_a_teacher_removes_a_learner_who_keeps_their_own_work(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    Reflection.objects.create(learner=learner, went_well="MY-OWN", try_next="x")
    group = coaching_services.group_create(
        class_id=klass.id, name="Halves", learner_ids=[learner.pk], actor=teacher
    )
    client = client_of(teacher)
    url = f"/classes/{klass.id}/learners/{learner.pk}/remove/"
    page = client.get(f"/classes/{klass.id}/learners/{learner.pk}/").content.decode()
    assert f'action="{url}"' in page
    # Without the tick nothing happens.
    assert "Tick the box" in client.post(url, follow=True).content.decode()
    assert ClassMembership.objects.filter(klass_id=klass.id, learner=learner).exists()
    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert response.status_code == 200
    assert "removed from 7B maths" in response.content.decode()
    assert not ClassMembership.objects.filter(klass_id=klass.id, learner=learner).exists()
    assert _audited("class.learner_remove", klass.id) == 1
    assert not group.learners.filter(pk=learner.pk).exists()
    # The teacher no longer sees them; the learner still has their work and no longer lists the class.
    assert client.get(f"/classes/{klass.id}/learners/{learner.pk}/").status_code == 404
    assert Reflection.objects.filter(learner=learner).count() == 1
    assert "MY-OWN" in client_of(learner).get("/me/reflections/").content.decode()
    assert "7B maths" not in client_of(learner).get("/classes/").content.decode()
    # A second removal is a learner who is not in the class.
    assert client.post(url, {"confirm": "yes"}).status_code == 404


def test_removing_a_learner_is_refused_to_everyone_else_like_a_missing_class(
    klass: accounts_api.ClassInfo,
    learner: User,
    other_teacher: User,
    linked_guardian: User,
    client_of: Callable[[User], Client],
) -> None:
    for person in (learner, other_teacher, linked_guardian):
        client = client_of(person)
        real = client.post(f"/classes/{klass.id}/learners/{learner.pk}/remove/", {"confirm": "yes"})
        missing = client.post(f"/classes/{MISSING}/learners/{learner.pk}/remove/", {"confirm": "yes"})
        assert real.status_code == missing.status_code == 404
        assert _page(real) == _page(missing)
    assert ClassMembership.objects.filter(klass_id=klass.id, learner=learner).exists()
    assert _audited("class.learner_remove", klass.id) == 0


# -- archiving ------------------------------------------------------------------------------------------


def test_an_archived_class_leaves_the_lists_and_keeps_its_history(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    client = client_of(teacher)
    code = join_code(class_id=klass.id)
    assert code is not None
    assert "Tick the box" in client.post(f"/classes/{klass.id}/archive/", follow=True).content.decode()
    assert client.get(f"/classes/{klass.id}/").status_code == 200
    response = client.post(f"/classes/{klass.id}/archive/", {"confirm": "yes"}, follow=True)
    assert response.status_code == 200
    listing = response.content.decode()
    assert 'data-testid="archived"' in listing
    assert f'href="/classes/{klass.id}/"' not in listing
    assert _audited("class.archive", klass.id) == 1
    for url in (
        f"/classes/{klass.id}/",
        f"/classes/{klass.id}/cockpit/",
        f"/classes/{klass.id}/learners/{learner.pk}/",
        f"/accounts/classes/{klass.id}/sheet/",
    ):
        assert client.get(url).status_code == 404, url
    # History is kept; the learner keeps their data but the class no longer shows, nor lets anyone join.
    assert ClassMembership.objects.filter(klass_id=klass.id, learner=learner).exists()
    assert "7B maths" not in client_of(learner).get("/classes/").content.decode()
    assert accounts_api.relation_to_learner(user=teacher, learner_id=learner.pk) is None
    newcomer = User.objects.create(username="neo", role=Role.LEARNER, organisation_id=klass.organisation_id)
    client_of(newcomer).post("/classes/join/", {"code": code.code})
    joining = accounts_api.class_joining_code(class_id=klass.id)
    assert joining is not None
    client_of(newcomer).post("/accounts/join/", {"code": joining.code})
    assert not ClassMembership.objects.filter(klass_id=klass.id, learner=newcomer).exists()
    # Restoring brings it back as it was.
    assert client.post(f"/classes/{klass.id}/restore/").status_code == 302
    assert _audited("class.restore", klass.id) == 1
    assert client.get(f"/classes/{klass.id}/learners/{learner.pk}/").status_code == 200
    assert f'href="/classes/{klass.id}/"' in client.get("/classes/").content.decode()
    # ...except its code, which stays closed until the teacher opens it: the old one lets nobody in.
    client_of(newcomer).post("/accounts/join/", {"code": joining.code})
    client_of(newcomer).post("/classes/join/", {"code": code.code})
    assert not ClassMembership.objects.filter(klass_id=klass.id, learner=newcomer).exists()
    reopened = accounts_api.class_joining_code(class_id=klass.id)
    assert reopened is not None
    assert not reopened.is_open


def test_archiving_is_refused_to_everyone_else_like_a_missing_class(
    klass: accounts_api.ClassInfo,
    learner: User,
    other_teacher: User,
    linked_guardian: User,
    client_of: Callable[[User], Client],
) -> None:
    for person in (learner, other_teacher, linked_guardian):
        client = client_of(person)
        for action in ("archive", "restore"):
            real = client.post(f"/classes/{klass.id}/{action}/", {"confirm": "yes"})
            missing = client.post(f"/classes/{MISSING}/{action}/", {"confirm": "yes"})
            assert real.status_code == missing.status_code == 404
            assert _page(real) == _page(missing)
    assert _audited("class.archive", klass.id) == 0
    assert f'href="/classes/{klass.id}/"' in client_of_teacher_listing(klass, client_of)


def client_of_teacher_listing(klass: accounts_api.ClassInfo, client_of: Callable[[User], Client]) -> str:
    teacher = User.objects.get(classes_taught__id=klass.id)
    return client_of(teacher).get("/classes/").content.decode()


# -- co-teachers ----------------------------------------------------------------------------------------


def test_a_co_teacher_of_the_school_sees_the_class_like_its_owner(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    tina = client_of(other_teacher)
    assert tina.get(f"/classes/{klass.id}/").status_code == 404
    response = client_of(teacher).post(f"/classes/{klass.id}/teachers/", {"username": "tina"}, follow=True)
    assert "tina now teaches 7B maths" in response.content.decode()
    assert _audited("class.teacher_add", klass.id) == 2  # the owner at creation, then Tina
    for url in (
        f"/classes/{klass.id}/",
        f"/classes/{klass.id}/cockpit/",
        f"/classes/{klass.id}/learners/{learner.pk}/",
        f"/accounts/classes/{klass.id}/sheet/",
    ):
        assert tina.get(url).status_code == 200, url
    assert "7B maths" in tina.get("/classes/").content.decode()
    assert 'data-testid="teachers"' in tina.get(f"/classes/{klass.id}/").content.decode()
    # A co-teacher may add another, like the owner.
    make = User.objects.create(username="ulla", role=Role.TEACHER, organisation_id=klass.organisation_id)
    tina.post(f"/classes/{klass.id}/teachers/", {"username": "ulla"})
    assert accounts_api.relation_to_learner(user=make, learner_id=learner.pk) == "teacher"


def test_only_a_teacher_of_the_same_school_can_be_added_and_the_refusal_says_nothing_more(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    guardian: User,
    make_user: Callable[..., User],
    other_organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    make_user("sam", Role.TEACHER, other_organisation)
    client = client_of(teacher)
    messages = []
    for username in ("sam", learner.username, guardian.username, "nobody-at-all", ""):
        page = client.post(f"/classes/{klass.id}/teachers/", {"username": username}, follow=True)
        text = page.content.decode().replace(username, "NAME") if username else page.content.decode()
        messages.append(re.findall(r'<li class="error">(.*?)</li>', text))
    assert messages[0] == messages[1] == messages[2] == messages[3]
    assert messages[0]
    assert "No teacher of your school" in messages[0][0]
    assert list(User.objects.filter(classes_taught__id=klass.id).values_list("username", flat=True)) == [
        "theo"
    ]
    assert _audited("class.teacher_add", klass.id) == 1


def test_adding_a_co_teacher_is_refused_to_everyone_else_like_a_missing_class(
    klass: accounts_api.ClassInfo,
    learner: User,
    other_teacher: User,
    linked_guardian: User,
    client_of: Callable[[User], Client],
) -> None:
    for person in (learner, other_teacher, linked_guardian):
        client = client_of(person)
        real = client.post(f"/classes/{klass.id}/teachers/", {"username": "tina"})
        missing = client.post(f"/classes/{MISSING}/teachers/", {"username": "tina"})
        assert real.status_code == missing.status_code == 404
        assert _page(real) == _page(missing)
    assert _audited("class.teacher_add", klass.id) == 1
