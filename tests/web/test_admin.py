"""The Django admin loads for a superuser, with content and accounts, and stays closed to others."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from learnpath.web.accounts.models import Class, User
from learnpath.web.curriculum.models import Course, Item, Project, Resource, Skill

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "accounts/user",
    "accounts/organisation",
    "accounts/class",
    "accounts/guardianlink",
    "accounts/auditentry",
    "curriculum/course",
    "curriculum/skill",
    "curriculum/item",
    "curriculum/resource",
    "curriculum/project",
    "curriculum/mediafile",
]


@pytest.fixture
def admin_client_with_content(admin_user: User, client_of: Callable[[User], Client], course: str) -> Client:
    return client_of(admin_user)


def test_admin_index_lists_content_and_accounts(admin_client_with_content: Client) -> None:
    page = admin_client_with_content.get("/admin/").content.decode()
    for changelist in CHANGELISTS:
        assert f'href="/admin/{changelist}/"' in page, changelist


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_every_changelist_loads_with_search_and_filters(
    admin_client_with_content: Client, changelist: str
) -> None:
    response = admin_client_with_content.get(f"/admin/{changelist}/?q=fr")
    assert response.status_code == 200


def test_change_pages_load(admin_client_with_content: Client, learner: User) -> None:
    objects = [
        ("curriculum/course", Course.objects.get().pk),
        ("curriculum/skill", Skill.objects.first().pk),  # type: ignore[union-attr]
        ("curriculum/item", Item.objects.first().pk),  # type: ignore[union-attr]
        ("curriculum/resource", Resource.objects.first().pk),  # type: ignore[union-attr]
        ("curriculum/project", Project.objects.first().pk),  # type: ignore[union-attr]
        ("accounts/user", learner.pk),
    ]
    for path, pk in objects:
        assert admin_client_with_content.get(f"/admin/{path}/{pk}/change/").status_code == 200, path


def test_filters_by_course_and_retired_work(admin_client_with_content: Client, course: str) -> None:
    course_pk = Course.objects.get(slug=course).pk
    response = admin_client_with_content.get(
        f"/admin/curriculum/item/?course__id__exact={course_pk}&retired__exact=0"
    )
    assert response.status_code == 200
    assert "add-1" in response.content.decode()


def test_audit_log_is_read_only(admin_client_with_content: Client) -> None:
    assert admin_client_with_content.get("/admin/accounts/auditentry/add/").status_code == 403


def test_class_admin_adds_classes(admin_client_with_content: Client, organisation: object) -> None:
    response = admin_client_with_content.get("/admin/accounts/class/add/")
    assert response.status_code == 200
    assert admin_client_with_content.get("/admin/accounts/user/add/").status_code == 200
    assert Class.objects.count() == 0


@pytest.mark.parametrize("role", ["learner", "teacher", "guardian"])
def test_other_roles_are_sent_to_the_admin_sign_in(
    role: str, members: dict[str, User], client_of: Callable[[User], Client]
) -> None:
    response = client_of(members[role]).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_content_is_read_only_and_cannot_be_deleted(admin_client_with_content: Client) -> None:
    item = Item.objects.get(slug="add-1")
    page = admin_client_with_content.get(f"/admin/curriculum/item/{item.pk}/change/").content.decode()
    assert "&quot;answer&quot;: &quot;3/5&quot;" in page  # the document, as JSON
    assert 'name="prompt"' not in page
    assert admin_client_with_content.get(f"/admin/curriculum/item/{item.pk}/delete/").status_code == 403
    assert admin_client_with_content.get("/admin/curriculum/skill/add/").status_code == 403


def test_a_course_can_be_given_to_an_organisation(admin_client_with_content: Client, course: str) -> None:
    target = Course.objects.get(slug=course)
    response = admin_client_with_content.post(
        f"/admin/curriculum/course/{target.pk}/change/", {"organisation": ""}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.organisation is None
    assert (
        "1.0.0 · imported"
        in admin_client_with_content.get(f"/admin/curriculum/course/{target.pk}/change/").content.decode()
    )
