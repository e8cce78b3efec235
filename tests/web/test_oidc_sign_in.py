"""Sign-in with the school's identity provider (OpenID Connect), over HTTP, against a real provider served
from a thread on 127.0.0.1 (tests/oidc_provider.py): the code flow with PKCE, state and nonce, each way an
ID token or an answer can be wrong (each refused with its own sentence and nothing written), who a sign-in
may become (a stored link only; e-mail links and new learners when the provider allows), and the audit."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Person, TestProvider, provider_running

from learnpath.web.accounts import identity_providers
from learnpath.web.accounts.models import AuditEntry, IdentityLink, IdentityProvider, Organisation, Role, User
from learnpath.web.accounts.oidc import OIDC_PER_ADDRESS


@pytest.fixture(scope="module")
def running_provider() -> Iterator[TestProvider]:
    with provider_running() as provider:
        yield provider


@pytest.fixture
def idp(running_provider: TestProvider) -> Iterator[TestProvider]:
    running_provider.reset()
    cache.clear()
    yield running_provider
    running_provider.reset()


@pytest.fixture
def provider_row(idp: TestProvider, organisation: Organisation) -> IdentityProvider:
    return identity_providers.identity_provider_add(
        organisation=organisation,
        name="North School",
        issuer=idp.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        discovery=identity_providers.discovery_fetch(issuer=idp.issuer),
        now=timezone.now(),
        email_domains="north.example",
    )


@dataclass
class Counts:
    users: int
    links: int
    audit: int


def _counts() -> Counts:
    return Counts(User.objects.count(), IdentityLink.objects.count(), AuditEntry.objects.count())


def _sign_in(
    client: Client, idp: TestProvider, provider: IdentityProvider, person: Person, **start: str
) -> Any:
    """Press the button, sign in at the provider as ``person``, come back: the callback's response."""
    started = client.get(reverse("accounts:oidc-start", args=[provider.pk]), start)
    assert started.status_code == 302
    location = urlsplit(started["Location"])
    assert location.geturl().startswith(f"{idp.issuer}/authorize?")
    query = dict(parse_qsl(location.query))
    assert query["code_challenge_method"] == "S256"
    assert query["nonce"]
    assert query["state"]
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    back = urlsplit(idp.code_issue(query, person))
    return client.get(back.path, dict(parse_qsl(back.query)))


def _signed_in_as(client: Client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


@pytest.fixture
def linked(provider_row: IdentityProvider, learner: User) -> Person:
    identity_providers.identity_link_create(provider=provider_row, user=learner, subject="sub-lena")
    return Person(subject="sub-lena", name="Lena L.", email="lena@north.example")


def test_a_linked_learner_signs_in_through_the_code_flow(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, learner: User, linked: Person
) -> None:
    response = _sign_in(client, idp, provider_row, linked, next="/courses/")
    assert response.status_code == 302
    assert response["Location"] == "/courses/"
    assert _signed_in_as(client) == learner.pk
    entry = AuditEntry.objects.filter(action="user.sign_in_oidc").get()
    assert entry.target_id == str(learner.pk)
    assert entry.actor_id == learner.pk
    assert entry.details == {"provider": provider_row.pk, "issuer": idp.issuer, "how": "linked"}
    assert IdentityLink.objects.get().last_used_at is not None
    assert idp.token_requests == 1


def test_es256_signed_id_tokens_are_accepted(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, learner: User, linked: Person
) -> None:
    idp.id_token_mode = "es256"
    assert _sign_in(client, idp, provider_row, linked).status_code == 302
    assert _signed_in_as(client) == learner.pk


def test_the_sign_in_page_shows_a_button_per_enabled_provider(
    client: Client, provider_row: IdentityProvider
) -> None:
    page = client.get(reverse("accounts:sign-in"), {"next": "/courses/"}).content.decode()
    assert "Sign in with North School" in page
    assert f"/accounts/oidc/{provider_row.pk}/start/?next=/courses/" in page
    identity_providers.identity_provider_set_enabled(provider=provider_row, enabled=False)
    assert "Sign in with" not in client.get(reverse("accounts:sign-in")).content.decode()
    assert client.get(reverse("accounts:oidc-start", args=[provider_row.pk])).status_code == 404


def test_an_unknown_person_is_refused_and_nothing_is_written(
    client: Client, idp: TestProvider, provider_row: IdentityProvider
) -> None:
    before = _counts()
    response = _sign_in(client, idp, provider_row, Person(subject="sub-new", email="new@north.example"))
    assert response.status_code == 403
    assert "Your school account is not linked to learnpath" in response.content.decode()
    assert "sub-new" in response.content.decode()  # for the administrator to link
    assert _counts() == before
    assert _signed_in_as(client) is None


def test_an_unknown_person_gets_a_learner_account_when_the_provider_makes_them(
    client: Client, idp: TestProvider, provider_row: IdentityProvider
) -> None:
    provider_row.make_learners = True
    provider_row.save()
    person = Person(subject="sub-nina", name="Nina N.", email="nina@north.example")
    assert _sign_in(client, idp, provider_row, person).status_code == 302
    user = User.objects.get(pk=_signed_in_as(client))
    assert (user.role, user.display_name, user.email, user.organisation_id) == (
        Role.LEARNER,
        "Nina N.",
        "",  # least data: a learner keeps no e-mail address
        provider_row.organisation_id,
    )
    assert not user.has_usable_password()
    assert not user.is_staff
    link = IdentityLink.objects.get(user=user)
    assert (link.subject, link.made_by) == ("sub-nina", IdentityLink.MadeBy.NEW_ACCOUNT)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"user.create", "identity_link.create", "user.sign_in_oidc"} <= actions
    # The second time, the same account.
    client.logout()
    assert _sign_in(Client(), idp, provider_row, person).status_code == 302
    assert User.objects.filter(role=Role.LEARNER, display_name="Nina N.").count() == 1


def test_new_learners_only_from_the_organisations_domains(
    client: Client, idp: TestProvider, provider_row: IdentityProvider
) -> None:
    provider_row.make_learners = True
    provider_row.save()
    before = _counts()
    outsider = Person(subject="sub-x", email="x@gmail.example")
    assert _sign_in(client, idp, provider_row, outsider).status_code == 403
    unverified = Person(subject="sub-y", email="y@north.example", email_verified=False)
    assert _sign_in(client, idp, provider_row, unverified).status_code == 403
    assert _counts() == before


def test_a_verified_email_links_a_teacher_when_the_provider_allows_it(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, teacher: User
) -> None:
    teacher.email = "Theo@North.example"
    teacher.save()
    person = Person(subject="sub-theo", email="theo@north.example")
    before = _counts()
    assert _sign_in(client, idp, provider_row, person).status_code == 403  # off by default
    assert _counts() == before
    provider_row.link_by_email = True
    provider_row.save()
    assert _sign_in(client, idp, provider_row, person).status_code == 302
    assert _signed_in_as(client) == teacher.pk
    assert IdentityLink.objects.get(user=teacher).made_by == IdentityLink.MadeBy.EMAIL
    assert AuditEntry.objects.filter(action="identity_link.create", target_id=str(teacher.pk)).count() == 1


@pytest.mark.parametrize("verified", [False, "true"])
def test_an_unverified_email_links_nobody(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, teacher: User, verified: Any
) -> None:
    teacher.email = "theo@north.example"
    teacher.save()
    provider_row.link_by_email = True
    provider_row.save()
    idp.claim_overrides = {"email_verified": verified}
    before = _counts()
    assert (
        _sign_in(client, idp, provider_row, Person(subject="s", email="theo@north.example")).status_code
        == 403
    )
    assert _counts() == before


def test_an_email_never_links_an_administrator(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, admin_user: User
) -> None:
    admin_user.email = "ada@north.example"
    admin_user.save()
    provider_row.link_by_email = True
    provider_row.make_learners = True
    provider_row.save()
    response = _sign_in(client, idp, provider_row, Person(subject="sub-ada", email="ada@north.example"))
    # Not linked to the administrator: a new learner account at most, with no rights.
    assert _signed_in_as(client) != admin_user.pk
    assert response.status_code == 302
    made = User.objects.get(pk=_signed_in_as(client))
    assert (made.role, made.is_staff, made.is_superuser) == (Role.LEARNER, False, False)
    assert not IdentityLink.objects.filter(user=admin_user).exists()


def test_a_turned_off_account_cannot_sign_in(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, learner: User, linked: Person
) -> None:
    learner.is_active = False
    learner.save()
    before = _counts()
    response = _sign_in(client, idp, provider_row, linked)
    assert response.status_code == 403
    assert "Your learnpath account is turned off" in response.content.decode()
    assert _counts() == before
    assert _signed_in_as(client) is None


def test_staff_with_an_authenticator_app_still_give_their_code(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, teacher: User
) -> None:
    TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    identity_providers.identity_link_create(provider=provider_row, user=teacher, subject="sub-theo")
    idp.claim_overrides = {"amr": ["mfa"]}  # the provider's word is not taken for it (decision 0092)
    assert _sign_in(client, idp, provider_row, Person(subject="sub-theo")).status_code == 302
    assert _signed_in_as(client) == teacher.pk
    page = client.get("/")
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("accounts:second-factor-verify"))


TOKEN_FAULTS = [
    ("other-key", {}, "its signature does not match"),
    ("unknown-kid", {}, "signed with a key the service does not publish"),
    ("alg-none", {}, "signed in a way learnpath does not accept"),
    ("hs256-public-key", {}, "signed in a way learnpath does not accept"),
    ("good", {"iss": "https://evil.example"}, "another issuer made it"),
    ("good", {"aud": "another-client"}, "made for another application"),
    ("good", {"aud": ["another-client"], "azp": CLIENT_ID}, "made for another application"),
    ("good", {"exp": 1_000_000_000, "iat": 999_999_000}, "it has expired"),
    ("good", {"nonce": "a-nonce-of-another-sign-in"}, "not made for this sign-in"),
    ("good", {"nonce": None}, "not made for this sign-in"),
    ("good", {"sub": "x" * 256}, "its claim sub is not right"),
]


@pytest.mark.parametrize(("mode", "claims", "words"), TOKEN_FAULTS)
def test_an_untrustworthy_id_token_is_refused_and_nothing_is_written(
    client: Client,
    idp: TestProvider,
    provider_row: IdentityProvider,
    learner: User,
    linked: Person,
    mode: str,
    claims: dict[str, Any],
    words: str,
) -> None:
    idp.id_token_mode = mode
    idp.claim_overrides = claims
    before = _counts()
    response = _sign_in(client, idp, provider_row, linked)
    assert response.status_code == 400
    text = response.content.decode()
    assert "sent an answer learnpath cannot trust" in text
    assert words in text
    assert _counts() == before
    assert _signed_in_as(client) is None
    assert IdentityLink.objects.get().last_used_at is None


def test_the_same_answer_twice_is_refused(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, learner: User, linked: Person
) -> None:
    started = client.get(reverse("accounts:oidc-start", args=[provider_row.pk]))
    query = dict(parse_qsl(urlsplit(started["Location"]).query))
    back = urlsplit(idp.code_issue(query, linked))
    assert client.get(back.path, dict(parse_qsl(back.query))).status_code == 302
    client.logout()
    before = _counts()
    again = client.get(back.path, dict(parse_qsl(back.query)))
    assert again.status_code == 400
    assert "was already used" in again.content.decode()
    assert _counts() == before
    assert _signed_in_as(client) is None


@pytest.mark.parametrize("state", ["", "not-the-state"])
def test_a_missing_or_wrong_state_is_refused_before_the_provider_is_asked(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, linked: Person, state: str
) -> None:
    started = client.get(reverse("accounts:oidc-start", args=[provider_row.pk]))
    query = dict(parse_qsl(urlsplit(started["Location"]).query))
    back = dict(parse_qsl(urlsplit(idp.code_issue(query, linked)).query))
    before = _counts()
    response = client.get(reverse("accounts:oidc-callback"), {"code": back["code"], "state": state})
    assert response.status_code == 400
    assert "Start again with the button on the sign-in page" in response.content.decode()
    assert idp.token_requests == 0
    assert _counts() == before


def test_a_state_from_another_browser_is_refused(
    idp: TestProvider, provider_row: IdentityProvider, linked: Person
) -> None:
    victim, attacker = Client(), Client()
    started = attacker.get(reverse("accounts:oidc-start", args=[provider_row.pk]))
    query = dict(parse_qsl(urlsplit(started["Location"]).query))
    back = urlsplit(idp.code_issue(query, linked))
    response = victim.get(back.path, dict(parse_qsl(back.query)))
    assert response.status_code == 400
    assert _signed_in_as(victim) is None


def test_the_providers_refusal_is_said(client: Client, provider_row: IdentityProvider) -> None:
    started = client.get(reverse("accounts:oidc-start", args=[provider_row.pk]))
    state = dict(parse_qsl(urlsplit(started["Location"]).query))["state"]
    before = _counts()
    response = client.get(
        reverse("accounts:oidc-callback"),
        {"error": "access_denied", "error_description": "The user cancelled", "state": state},
    )
    assert response.status_code == 400
    assert "did not sign you in (it said: The user cancelled)" in response.content.decode()
    assert _counts() == before


def test_a_wrong_client_secret_is_a_provider_refusal(
    client: Client, idp: TestProvider, provider_row: IdentityProvider, linked: Person
) -> None:
    provider_row.client_secret = "not-the-secret"
    provider_row.save()
    response = _sign_in(client, idp, provider_row, linked)
    assert response.status_code == 400
    assert "invalid_client" in response.content.decode()
    assert _signed_in_as(client) is None


def test_refusals_count_against_the_network_address(
    client: Client, idp: TestProvider, provider_row: IdentityProvider
) -> None:
    for _ in range(OIDC_PER_ADDRESS.attempts):
        assert client.get(reverse("accounts:oidc-callback"), {"state": "x", "code": "y"}).status_code == 400
    response = client.get(reverse("accounts:oidc-callback"), {"state": "x", "code": "y"})
    assert response.status_code == 429
    assert "Please wait" in response.content.decode()


def test_secrets_and_codes_stay_out_of_the_log(
    client: Client,
    idp: TestProvider,
    provider_row: IdentityProvider,
    linked: Person,
    caplog: pytest.LogCaptureFixture,
) -> None:
    idp.id_token_mode = "other-key"
    with caplog.at_level(logging.DEBUG):
        _sign_in(client, idp, provider_row, linked)
    logged = caplog.text
    assert "id-token-signature" in logged
    assert CLIENT_SECRET not in logged
    assert "sub-lena" not in logged
    assert "code_verifier" not in logged  # Authlib logs the PKCE verifier at DEBUG: kept at WARNING


def test_discovery_must_name_the_same_issuer(idp: TestProvider) -> None:
    with pytest.raises(identity_providers.ProviderProblem, match="names the issuer"):
        identity_providers.discovery_fetch(issuer=idp.issuer + "/")
    with pytest.raises(identity_providers.ProviderProblem, match="https"):
        identity_providers.discovery_fetch(issuer="http://school.example")


def test_the_cli_adds_a_provider_without_showing_its_secret(
    idp: TestProvider, organisation: Organisation, learner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from learnpath.cli import identity_provider
    from learnpath.cli.main import build_parser

    monkeypatch.setenv("TEST_OIDC_SECRET", CLIENT_SECRET)
    monkeypatch.setattr(identity_provider, "start_django", lambda args: None)
    parser = build_parser()
    out = io.StringIO()
    with redirect_stdout(out):
        args = parser.parse_args(
            [
                "identity-provider",
                "add",
                "--organisation",
                organisation.slug,
                "--issuer",
                idp.issuer,
                "--client-id",
                CLIENT_ID,
                "--client-secret-env",
                "TEST_OIDC_SECRET",
                "--name",
                "North School",
                "--email-domain",
                "north.example",
            ]
        )
        assert args.func(args) == 0
        provider = IdentityProvider.objects.get()
        args = parser.parse_args(
            ["identity-provider", "link", str(provider.pk), "--user", "lena", "--subject", "s1"]
        )
        assert args.func(args) == 0
        args = parser.parse_args(["identity-provider", "list"])
        assert args.func(args) == 0
    assert provider.client_secret == CLIENT_SECRET
    assert provider.discovery["token_endpoint"] == f"{idp.issuer}/token"
    assert CLIENT_SECRET not in out.getvalue()
    entry = AuditEntry.objects.get(action="identity_provider.add")
    assert CLIENT_SECRET not in str(entry.details)
    assert IdentityLink.objects.get().user == learner


def test_the_admin_never_shows_the_client_secret(
    client_of: Callable[[User], Client], admin_user: User, provider_row: IdentityProvider
) -> None:
    page = client_of(admin_user).get(
        reverse("admin:accounts_identityprovider_change", args=[provider_row.pk])
    )
    assert page.status_code == 200
    assert CLIENT_SECRET not in page.content.decode()


def test_a_person_refused_for_not_being_linked_does_not_count_as_a_guess(
    client: Client, idp: TestProvider, provider_row: IdentityProvider
) -> None:
    for number in range(OIDC_PER_ADDRESS.attempts + 1):
        response = _sign_in(client, idp, provider_row, Person(subject=f"sub-{number}"))
        assert response.status_code == 403


def test_the_link_is_in_the_persons_export_and_goes_with_the_account(
    provider_row: IdentityProvider, learner: User, linked: Person
) -> None:
    from learnpath.web.accounts import privacy

    exported = privacy.export(user_id=learner.pk)["school_accounts"]
    assert exported == [
        {
            "organisation": "North School",
            "issuer": provider_row.issuer,
            "subject": "sub-lena",
            "made_by": "operator",
            "created_at": exported[0]["created_at"],
            "last_used_at": None,
        }
    ]
    counts = privacy.erase(user_id=learner.pk, keep_research=False)
    assert counts["school_accounts"] == 1
    assert not IdentityLink.objects.exists()


def test_an_administrator_links_a_person_in_the_admin_site_audited(
    client_of: Callable[[User], Client],
    admin_user: User,
    provider_row: IdentityProvider,
    learner: User,
    outsider: User,
) -> None:
    admin = client_of(admin_user)
    url = reverse("admin:accounts_identitylink_add")
    refused = admin.post(url, {"provider": provider_row.pk, "user": outsider.pk, "subject": "sub-otto"})
    assert refused.status_code == 200
    assert "is not a member of north-school" in refused.content.decode()
    made = admin.post(url, {"provider": provider_row.pk, "user": learner.pk, "subject": "sub-lena"})
    assert made.status_code == 302
    link = IdentityLink.objects.get()
    assert (link.user, link.issuer, link.made_by) == (learner, provider_row.issuer, "operator")
    entry = AuditEntry.objects.get(action="identity_link.create")
    assert (entry.actor, entry.target_id) == (admin_user, str(learner.pk))


def test_the_cli_says_what_is_wrong_and_changes_nothing(
    idp: TestProvider,
    organisation: Organisation,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from learnpath.cli import identity_provider
    from learnpath.cli.main import main

    monkeypatch.setattr(identity_provider, "start_django", lambda args: None)
    monkeypatch.delenv("TEST_OIDC_SECRET", raising=False)
    add = ["identity-provider", "add", "--issuer", idp.issuer, "--client-id", CLIENT_ID, "--name", "N"]
    add += ["--client-secret-env", "TEST_OIDC_SECRET"]
    assert main([*add, "--organisation", organisation.slug]) == 2
    assert "TEST_OIDC_SECRET holds no client secret" in capsys.readouterr().err
    monkeypatch.setenv("TEST_OIDC_SECRET", CLIENT_SECRET)
    assert main([*add, "--organisation", "no-such-school"]) == 2
    assert "there is no organisation 'no-such-school'" in capsys.readouterr().err
    idp.issuer, issuer = idp.issuer + "/elsewhere", idp.issuer
    try:
        assert main([*add, "--organisation", organisation.slug]) == 2
    finally:
        idp.issuer = issuer
    assert "names the issuer" in capsys.readouterr().err
    assert not IdentityProvider.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="identity_provider").exists()
