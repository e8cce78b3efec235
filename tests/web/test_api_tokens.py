"""API tokens at the HTTP level: made by teachers and administrators, shown once and stored only as a
digest, acting as their person within their scopes, refused (401) when malformed, unknown, revoked,
expired or their person cannot sign in, refused (403) outside their scopes, and never a way around the
access rules of the person who made them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from learnpath.web.accounts import api_tokens
from learnpath.web.accounts.models import ApiToken, AuditEntry, Organisation, Role, User
from learnpath.web.learning.models import Event

pytestmark = pytest.mark.django_db

ALL_READ = ["courses:read", "coaching:read", "learning:read", "placement:read"]


def make(user: User, scopes: list[str], *, days: int = 90, name: str = "SIS sync") -> str:
    return api_tokens.token_create(user=user, name=name, scopes=scopes, days=days, now=timezone.now()).secret


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_teacher_reads_the_api_with_a_token_and_no_session(
    teacher: User, klass: Any, course: str, client: Client
) -> None:
    token = make(teacher, ALL_READ)
    assert token.startswith("lp_")
    courses = client.get("/api/courses", **bearer(token))
    assert courses.status_code == 200
    assert course in [c["id"] for c in courses.json()]
    cockpit = client.get(f"/api/coaching/classes/{klass.id}/cockpit", **bearer(token))
    assert cockpit.status_code == 200
    assert cockpit.json()["class_id"] == klass.id
    # no cookie was set or needed, and the token's last use is known
    assert "sessionid" not in client.cookies
    assert ApiToken.objects.get().last_used_at is not None


def test_only_a_digest_of_the_secret_is_stored(teacher: User) -> None:
    token = make(teacher, ["courses:read"])
    row = ApiToken.objects.get()
    secret = token.split("_", 2)[2]
    assert row.secret_digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = json.dumps([str(value) for value in ApiToken.objects.values_list().get()])
    assert secret not in stored
    audit = AuditEntry.objects.get(action="api_token.create")
    assert secret not in json.dumps(audit.details)
    assert audit.details["scopes"] == ["courses:read"]


def test_a_write_needs_the_write_scope_and_no_csrf_token(
    admin_user: User, course: str, client: Client, organisation: Organisation
) -> None:
    """An administrator practising through a script: the same learning API a learner's page uses."""
    reader = make(admin_user, ["learning:read"], name="reader")
    writer = make(admin_user, ["learning:read", "learning:write"], name="writer")
    url = f"/api/learning/{course}/activities"
    body = json.dumps({"idempotency_key": "tok-1"})
    refused = client.post(url, body, content_type="application/json", **bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["scope"] == "learning:write"
    assert "does not have the scope 'learning:write'" in refused.json()["detail"]
    assert "insufficient_scope" in refused["WWW-Authenticate"]
    assert not Event.objects.exists()
    csrf_client = Client(enforce_csrf_checks=True)
    started = csrf_client.post(url, body, content_type="application/json", **bearer(writer))
    assert started.status_code == 200, started.content
    assert Event.objects.filter(learner=admin_user, idempotency_key="tok-1").count() == 1


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("Bearer lp_short", "does not hold a learnpath API token"),
        ("Bearer " + "x" * 60, "does not hold a learnpath API token"),
        ("Bearer lp_abcdefabcdef_" + "A" * 43, "is not known"),
    ],
)
def test_a_malformed_or_unknown_token_is_refused_with_what_to_do(
    client: Client, teacher: User, header: str, says: str
) -> None:
    make(teacher, ALL_READ)
    response = client.get("/api/courses", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert says in response.json()["detail"]
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_the_right_key_with_a_wrong_secret_is_unknown(client: Client, teacher: User) -> None:
    token = make(teacher, ALL_READ)
    prefix, key, secret = token.split("_", 2)
    wrong = f"{prefix}_{key}_{'B' if secret[0] != 'B' else 'C'}{secret[1:]}"
    response = client.get("/api/courses", **bearer(wrong))
    assert response.status_code == 401
    assert "is not known" in response.json()["detail"]


def test_a_revoked_or_expired_token_stops_at_once(client_of: Callable[[User], Client], teacher: User) -> None:
    kept = make(teacher, ALL_READ, name="kept")
    revoked = make(teacher, ALL_READ, name="gone")
    anon = Client()
    assert anon.get("/api/courses", **bearer(revoked)).status_code == 200
    page = client_of(teacher)
    gone = ApiToken.objects.get(name="gone")
    assert page.post(f"/accounts/tokens/{gone.pk}/revoke/").status_code == 302
    response = anon.get("/api/courses", **bearer(revoked))
    assert response.status_code == 401
    assert "was revoked" in response.json()["detail"]
    assert AuditEntry.objects.filter(action="api_token.revoke", target_id=str(gone.pk)).exists()
    assert anon.get("/api/courses", **bearer(kept)).status_code == 200

    ApiToken.objects.filter(name="kept").update(expires_at=timezone.now() - timedelta(seconds=1))
    response = anon.get("/api/courses", **bearer(kept))
    assert response.status_code == 401
    assert "has expired" in response.json()["detail"]


def test_a_token_stops_when_its_person_cannot_sign_in_or_is_no_longer_staff(
    client: Client, teacher: User
) -> None:
    token = make(teacher, ALL_READ)
    User.objects.filter(pk=teacher.pk).update(is_active=False)
    assert "cannot sign in" in client.get("/api/courses", **bearer(token)).json()["detail"]
    User.objects.filter(pk=teacher.pk).update(is_active=True, role=Role.LEARNER)
    response = client.get("/api/courses", **bearer(token))
    assert response.status_code == 401
    assert "may no longer use API tokens" in response.json()["detail"]


def test_a_token_never_reaches_past_its_person(
    client: Client, make_user: Callable[..., User], organisation: Organisation, klass: Any
) -> None:
    """Another teacher's token, with every scope, sees neither the class nor learns as its learners."""
    other = make_user("tina", Role.TEACHER, organisation)
    token = make(other, list(api_tokens.SCOPES))
    response = client.get(f"/api/coaching/classes/{klass.id}/cockpit", **bearer(token))
    assert response.status_code == 404


def test_a_bad_token_is_not_passed_on_to_the_session(
    client_of: Callable[[User], Client], teacher: User
) -> None:
    signed_in = client_of(teacher)
    assert signed_in.get("/api/courses").status_code == 200
    response = signed_in.get("/api/courses", HTTP_AUTHORIZATION="Bearer lp_nothing")
    assert response.status_code == 401


def test_a_token_in_the_address_is_not_read(client: Client, teacher: User) -> None:
    token = make(teacher, ALL_READ)
    assert client.get(f"/api/courses?access_token={token}").status_code == 401
    assert client.get(f"/api/courses?token={token}").status_code == 401


def test_making_tokens_refuses_what_it_cannot_make_and_makes_nothing(teacher: User, learner: User) -> None:
    now = timezone.now()
    cases: list[tuple[User, str, list[str], int, str]] = [
        (learner, "x", ["courses:read"], 90, "Only teachers and administrators"),
        (teacher, "  ", ["courses:read"], 90, "Give the token a name"),
        (teacher, "x" * 101, ["courses:read"], 90, "too long"),
        (teacher, "x", [], 90, "at least one"),
        (teacher, "x", ["courses:read", "admin:write"], 90, "Unknown scope: admin:write"),
        (teacher, "x", ["courses:read"], 7, "30, 90 or 365"),
    ]
    for user, name, scopes, days, says in cases:
        with pytest.raises(api_tokens.TokenProblem, match=says):
            api_tokens.token_create(user=user, name=name, scopes=scopes, days=days, now=now)
    assert not ApiToken.objects.exists()
    for n in range(api_tokens.MAX_TOKENS):
        make(teacher, ["courses:read"], name=f"t{n}")
    with pytest.raises(api_tokens.TokenProblem, match="revoke one first"):
        make(teacher, ["courses:read"], name="one too many")
    assert ApiToken.objects.count() == api_tokens.MAX_TOKENS


def test_the_tokens_page_shows_a_new_token_once_and_lists_none_of_the_secrets(
    client_of: Callable[[User], Client], teacher: User
) -> None:
    client = client_of(teacher)
    assert client.get("/accounts/tokens/").status_code == 200
    made = client.post(
        "/accounts/tokens/", {"name": "Dashboard", "scopes": ["courses:read", "coaching:read"], "days": "30"}
    )
    assert made.status_code == 200
    assert made["Cache-Control"] == "no-store"
    page = made.content.decode()
    start = page.index('data-testid="new-token-value"')
    secret = page[page.index('value="', start - 200) + 7 :].split('"', 1)[0]
    assert secret.startswith("lp_")
    assert Client().get("/api/courses", **bearer(secret)).status_code == 200
    later = client.get("/accounts/tokens/").content.decode()
    assert secret not in later
    assert "Dashboard" in later
    assert f"lp_{ApiToken.objects.get().key}" in later

    refused = client.post("/accounts/tokens/", {"name": "No scopes", "days": "30"})
    assert refused.status_code == 400
    assert "Choose at least one thing the token may do." in refused.content.decode()
    assert ApiToken.objects.count() == 1


def test_learners_and_guardians_have_no_tokens_page(
    client_of: Callable[[User], Client], learner: User, guardian: User, teacher: User
) -> None:
    make(teacher, ALL_READ)
    theirs = ApiToken.objects.get()
    for person in (learner, guardian):
        client = client_of(person)
        assert client.get("/accounts/tokens/").status_code == 404
        assert (
            client.post(
                "/accounts/tokens/", {"name": "x", "scopes": ["courses:read"], "days": "30"}
            ).status_code
            == 404
        )
        # nor can anyone revoke another person's token
        client.post(f"/accounts/tokens/{theirs.pk}/revoke/")
    assert ApiToken.objects.get().revoked_at is None
    assert client_of(learner).get("/accounts/tokens/", follow=False).status_code == 404


def test_tokens_are_in_the_persons_export_and_go_with_their_account(teacher: User) -> None:
    from learnpath.web.accounts import privacy

    token = make(teacher, ALL_READ)
    exported = privacy.export(user_id=teacher.pk)["api_tokens"]
    assert [row["name"] for row in exported] == ["SIS sync"]
    assert "secret_digest" not in exported[0]
    assert token.split("_", 2)[2] not in json.dumps(exported)
    privacy.erase(user_id=teacher.pk, keep_research=False)
    assert not ApiToken.objects.exists()
