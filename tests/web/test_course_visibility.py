"""Course visibility follows the class (issue 11, decision 0079): a learner in a class sees the courses
their classes use; a learner in no class sees the school's courses; teachers and admins see all of the
school's. Checked over HTTP: the home page's list, the course page, practice and the REST list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import Organisation, Role, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.curriculum import api as curriculum_api

from .conftest import fraction_pack

OTHER_COURSE = "fractions-extra"


@pytest.fixture
def other_course(organisation: Organisation) -> str:
    """A second course of the school that no class uses."""
    return curriculum_api.course_import(
        pack=fraction_pack(course_id=OTHER_COURSE), organisation_id=organisation.pk
    ).course_id


def _listed(client: Client) -> set[str]:
    response = client.get("/api/courses")
    assert response.status_code == 200
    return {row["id"] for row in response.json()}


def _sees(client: Client, course_id: str) -> bool:
    """The course page and the practice page answer alike: 200 when visible, 404 when not."""
    page = client.get(reverse("curriculum:course", kwargs={"course_id": course_id})).status_code
    practice = client.get(reverse("learning:home", kwargs={"course_id": course_id})).status_code
    assert page == practice, (page, practice)
    assert page in (200, 404)
    return page == 200


def test_a_learner_in_a_class_sees_only_the_courses_of_their_classes(
    client_of: Callable[[User], Client],
    learner: User,
    klass: Any,
    course: str,
    other_course: str,
    global_course: str,
) -> None:
    client = client_of(learner)
    assert _listed(client) == {course}
    assert _sees(client, course)
    assert not _sees(client, other_course)
    assert not _sees(client, global_course)
    home = client.get(reverse("home")).content.decode()
    assert course in home
    assert OTHER_COURSE not in home


def test_a_learner_in_two_classes_sees_the_courses_of_both(
    client_of: Callable[[User], Client],
    learner: User,
    teacher: User,
    klass: Any,
    course: str,
    other_course: str,
    global_course: str,
) -> None:
    second = coaching_services.class_create(teacher=teacher, name="7B extra")
    accounts_api.class_learner_add(class_id=second.id, learner_id=learner.pk, actor=teacher)
    coaching_services.class_course_attach(class_id=second.id, course_id=global_course, actor=teacher)
    client = client_of(learner)
    assert _listed(client) == {course, global_course}
    assert not _sees(client, other_course)


def test_a_learner_in_no_class_sees_the_schools_courses(
    client_of: Callable[[User], Client], learner: User, course: str, other_course: str, global_course: str
) -> None:
    client = client_of(learner)
    assert _listed(client) == {course, other_course, global_course}
    assert _sees(client, other_course)


def test_a_learner_whose_class_is_archived_sees_the_schools_courses(
    client_of: Callable[[User], Client], learner: User, teacher: User, klass: Any, other_course: str
) -> None:
    accounts_api.class_archive(class_id=klass.id, actor=teacher)
    client = client_of(learner)
    assert OTHER_COURSE in _listed(client)
    assert _sees(client, other_course)


def test_a_learner_whose_classes_use_no_course_yet_sees_the_schools_courses(
    client_of: Callable[[User], Client], learner: User, teacher: User, course: str, other_course: str
) -> None:
    fresh = coaching_services.class_create(teacher=teacher, name="8A")
    accounts_api.class_learner_add(class_id=fresh.id, learner_id=learner.pk, actor=teacher)
    assert _listed(client_of(learner)) >= {course, other_course}


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ADMIN])
def test_teachers_and_admins_see_all_of_the_schools_courses(
    client_of: Callable[[User], Client],
    make_user: Callable[..., User],
    organisation: Organisation,
    klass: Any,
    course: str,
    other_course: str,
    role: str,
) -> None:
    # The class uses one course; staff still see both.
    staff = make_user(f"staff-{role}", role, organisation)
    client = client_of(staff)
    assert {course, other_course} <= _listed(client)
    assert _sees(client, other_course)


def test_a_class_uses_a_course_of_another_school_only_where_the_learner_may_see_it(
    client_of: Callable[[User], Client],
    learner: User,
    teacher: User,
    klass: Any,
    course: str,
    other_organisation: Organisation,
) -> None:
    """Attaching cannot widen access: a class's course the learner's school cannot see stays hidden."""
    foreign = curriculum_api.course_import(
        pack=fraction_pack(course_id="fractions-south"), organisation_id=other_organisation.pk
    ).course_id
    coaching_services.class_course_attach(class_id=klass.id, course_id=foreign, actor=teacher)
    client = client_of(learner)
    assert _listed(client) == {course}
    assert not _sees(client, foreign)
