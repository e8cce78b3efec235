"""Sign-in and sign-out, CSRF, the generic error, and the demo accounts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts import selectors, services
from learnpath.web.accounts.models import AuditEntry, Class, GuardianLink, Organisation, Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
GENERIC_ERROR = "That username and password do not match an account."


def test_sign_in_page_has_a_labelled_form_with_csrf(client: Client) -> None:
    response = client.get("/accounts/sign-in/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<label for="id_username">Username</label>' in page
    assert 'autocomplete="current-password"' in page


def test_signing_in_goes_to_my_courses(client: Client, learner: User) -> None:
    response = client.post("/accounts/sign-in/", {"username": "lena", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "My courses" in client.get("/").content.decode()


def test_signing_in_returns_to_next(client: Client, learner: User, course: str) -> None:
    response = client.post(
        "/accounts/sign-in/?next=/courses/fractions/",
        {"username": "lena", "password": PASSWORD, "next": "/courses/fractions/"},
    )
    assert response["Location"] == "/courses/fractions/"


def test_signing_in_never_redirects_off_site(client: Client, learner: User) -> None:
    response = client.post(
        "/accounts/sign-in/", {"username": "lena", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("username", "password"), [("lena", "wrong-password"), ("nobody", PASSWORD), ("", "")]
)
def test_a_failed_sign_in_says_the_same_thing_whether_or_not_the_account_exists(
    client: Client, learner: User, username: str, password: str
) -> None:
    response = client.post("/accounts/sign-in/", {"username": username, "password": password})
    assert response.status_code == 200
    page = response.content.decode()
    if username:
        assert GENERIC_ERROR in page
        assert 'role="alert"' in page
    assert "_auth_user_id" not in client.session


def test_an_inactive_account_cannot_sign_in(client: Client, learner: User) -> None:
    learner.is_active = False
    learner.save()
    response = client.post("/accounts/sign-in/", {"username": "lena", "password": PASSWORD})
    assert GENERIC_ERROR in response.content.decode()


def test_sign_in_refuses_a_post_without_csrf_token(learner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/sign-in/", {"username": "lena", "password": PASSWORD})
    assert response.status_code == 403


def test_sign_out_is_a_post_and_ends_the_session(learner: User, client_of: Callable[[User], Client]) -> None:
    client = client_of(learner)
    assert client.get("/accounts/sign-out/").status_code == 405
    response = client.post("/accounts/sign-out/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert 'href="/accounts/sign-in/"' in client.get("/").content.decode()
    assert client.get("/courses/fractions/").status_code == 302


def test_a_signed_in_visitor_of_the_sign_in_page_goes_home(
    learner: User, client_of: Callable[[User], Client]
) -> None:
    assert client_of(learner).get("/accounts/sign-in/")["Location"] == "/"


def test_session_cookie_is_http_only_and_same_site(client: Client, learner: User) -> None:
    client.post("/accounts/sign-in/", {"username": "lena", "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_demo_accounts_are_created_once_with_every_role() -> None:
    accounts = accounts_api.demo_accounts_ensure(password="demo-pass-123")
    assert [(a.role, a.username, a.password) for a in accounts] == [
        ("learner", "demo-learner", "demo-pass-123"),
        ("teacher", "demo-teacher", "demo-pass-123"),
        ("guardian", "demo-guardian", "demo-pass-123"),
        ("admin", "demo-admin", "demo-pass-123"),
    ]
    counts = (
        User.objects.count(),
        Organisation.objects.count(),
        Class.objects.count(),
        AuditEntry.objects.count(),
    )
    assert accounts_api.demo_accounts_ensure(password="demo-pass-123") == accounts
    assert (
        User.objects.count(),
        Organisation.objects.count(),
        Class.objects.count(),
        AuditEntry.objects.count(),
    ) == counts

    learner = User.objects.get(username="demo-learner")
    teacher = User.objects.get(username="demo-teacher")
    admin = User.objects.get(username="demo-admin")
    assert learner.role == Role.LEARNER
    assert admin.is_superuser
    assert admin.is_staff
    klass = Class.objects.get()
    assert list(klass.learners.all()) == [learner]
    assert list(klass.teachers.all()) == [teacher]
    link = GuardianLink.objects.get()
    assert link.guardian.username == "demo-guardian"
    assert link.learner == learner
    assert link.is_active
    assert link.consent_text_version
    assert [k.pk for k in selectors.classes_of_user(user=learner)] == [klass.pk]
    assert [k.pk for k in selectors.classes_of_user(user=teacher)] == [klass.pk]


def test_demo_accounts_can_sign_in(client: Client) -> None:
    accounts_api.demo_accounts_ensure(password="demo-pass-123")
    response = client.post("/accounts/sign-in/", {"username": "demo-learner", "password": "demo-pass-123"})
    assert response.status_code == 302


def test_a_new_demo_password_is_set_and_audited() -> None:
    accounts_api.demo_accounts_ensure(password="first-pass-123")
    accounts_api.demo_accounts_ensure(password="second-pass-456")
    assert User.objects.get(username="demo-teacher").check_password("second-pass-456")
    assert AuditEntry.objects.filter(action="user.password_set").count() == 4


def test_demo_password_is_generated_once_and_kept(settings: object, tmp_path: object) -> None:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    first = accounts_api.demo_accounts_ensure()
    second = accounts_api.demo_accounts_ensure()
    assert first == second
    assert len(first[0].password) >= 12
    assert (tmp_path / "demo_password").read_text() == first[0].password  # type: ignore[operator]


def test_services_refuse_people_in_the_wrong_role_or_organisation(
    organisation: Organisation, learner: User, teacher: User, outsider: User, guardian: User
) -> None:
    klass = services.class_create(organisation=organisation, slug="7b", name="7B")
    with pytest.raises(ValueError, match="not a member"):
        services.class_learner_add(klass=klass, learner=outsider)
    with pytest.raises(ValueError, match="not a learner"):
        services.class_learner_add(klass=klass, learner=teacher)
    with pytest.raises(ValueError, match="not a teacher"):
        services.class_teacher_add(klass=klass, teacher=learner)
    with pytest.raises(ValueError, match="not a guardian"):
        services.guardian_link_create(guardian=teacher, learner=learner)
    with pytest.raises(ValueError, match="unknown role"):
        services.user_create(username="x", password=None, role="wizard")
    link = services.guardian_link_create(guardian=guardian, learner=learner)
    assert not link.is_active  # no consent recorded yet


def test_privileged_services_write_their_audit_row(organisation: Organisation, admin_user: User) -> None:
    services.class_create(organisation=organisation, slug="8a", name="8A", actor=admin_user)
    entry = AuditEntry.objects.filter(action="class.create").get()
    assert entry.actor == admin_user
    assert [e.action for e in selectors.audit_entries(action="class.create")] == ["class.create"]
