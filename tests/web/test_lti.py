"""Issue 14, LTI 1.3 / Advantage: every flow against a real platform implementation (``lti1p3platform``,
served over HTTP on 127.0.0.1 by ``tests/web/lti_platform.py``): the OIDC login and launch, deep linking,
mastery passed back to the gradebook (Assignment and Grade Services), the roster (Names and Role
Provisioning) and dynamic registration; and every way a launch must be refused, with nothing written."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from django.test import Client
from tests.web.lti_platform import INSTRUCTOR, LEARNER, MENTOR, Link, Platform, query_of, rsa_pair
from tests.web.test_learner_progress import SKILL, master

from learnpath.web.accounts.models import AuditEntry, Class, Organisation, User
from learnpath.web.lti import keys, services, tasks
from learnpath.web.lti.grades import MASTERY_EXTENSION
from learnpath.web.lti.models import (
    LtiContext,
    LtiGradeSync,
    LtiIdentity,
    LtiNonce,
    LtiPlatform,
    LtiResourceLink,
)
from learnpath.web.lti.services import PlatformSpec


@pytest.fixture
def platform(organisation: Organisation, course: str) -> Iterator[Platform]:
    """A registered test LMS whose course has a learner, Lena, and an instructor, Ines."""
    jwks = keys.public_jwks()
    lms = Platform(tool_base="http://testserver", tool_jwks=lambda: jwks)
    lms.user("lena-1", "Lena Lopez", [LEARNER])
    lms.user("ines-1", "Ines Ito", [INSTRUCTOR])
    endpoints = lms.endpoints
    services.platform_register(
        spec=PlatformSpec(
            name="Test LMS",
            issuer=endpoints["issuer"],
            client_id=lms.client_id,
            auth_login_url=endpoints["auth_login_url"],
            auth_token_url=endpoints["auth_token_url"],
            key_set_url=endpoints["key_set_url"],
            organisation_id=organisation.pk,
            deployment_ids=(lms.deployment_id,),
        )
    )
    yield lms
    lms.close()


def login(
    client: Client, lms: Platform, sub: str, link: Link | None = None, deep: bool = False
) -> dict[str, str]:
    """The platform's login initiation; returns the authorization request learnpath redirects to."""
    response = client.get("/lti/login/", lms.login_params(sub, link=link, deep_link=deep))
    assert response.status_code == 302, text(response)
    assert response["Location"].startswith(lms.base + "/auth?")
    return query_of(response["Location"])


def launch(
    client: Client, lms: Platform, sub: str, link: Link | None = None, deep: bool = False, **changes: Any
) -> Any:
    auth = login(client, lms, sub, link, deep)
    return client.post("/lti/launch/", lms.auth_answer(auth, **changes))


def written() -> tuple[int, ...]:
    """Counts of everything a launch writes."""
    return (
        User.objects.count(),
        LtiIdentity.objects.count(),
        LtiNonce.objects.count(),
        LtiContext.objects.count(),
        LtiResourceLink.objects.count(),
        LtiGradeSync.objects.count(),
        Class.objects.count(),
        AuditEntry.objects.count(),
    )


def text(response: Any) -> str:
    """The page's text as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def lti_user(lms: Platform, sub: str) -> User:
    return LtiIdentity.objects.get(platform__issuer=lms.issuer, subject=sub).user  # type: ignore[no-any-return]


# -- keys and login -----------------------------------------------------------------------------------------


def test_the_tool_publishes_its_public_key_and_never_the_private_one(db: None) -> None:
    response = Client().get("/lti/jwks/")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert "d" not in key
    assert "p" not in key
    rotated = keys.key_rotate()
    kids = [k["kid"] for k in Client().get("/lti/jwks/").json()["keys"]]
    assert kids == [key["kid"], rotated.kid]  # the retired key stays published for a while


def test_a_login_from_an_unregistered_lms_is_refused_plainly(platform: Platform) -> None:
    params = {**platform.login_params("lena-1"), "iss": "https://lms.elsewhere.example", "client_id": "x"}
    response = Client().get("/lti/login/", params)
    assert response.status_code == 400
    assert "no active registration for this LMS (issuer https://lms.elsewhere.example" in text(response)
    missing = Client().get("/lti/login/", {"iss": platform.issuer})
    assert missing.status_code == 400
    assert "login_hint" in text(missing)


# -- a learner's launch and the grade passback -------------------------------------------------------------


def test_a_learner_launch_makes_the_account_and_class_and_opens_the_course(
    platform: Platform, course: str, organisation: Organisation
) -> None:
    link = platform.link("Fractions practice", {"course": course})
    client = Client()
    response = launch(client, platform, "lena-1", link)
    assert response.status_code == 302
    assert response["Location"] == f"/learn/{course}/"
    lena = lti_user(platform, "lena-1")
    assert lena.role == "learner"
    assert lena.organisation_id == organisation.pk
    assert lena.display_name == "Lena"  # the given name only; no e-mail address is kept
    assert lena.email == ""
    assert not lena.has_usable_password()
    context = LtiContext.objects.get()
    klass = Class.objects.get(pk=context.class_id)
    assert klass.name == "Grade 4 Maths (Period 2)"
    assert list(klass.learners.values_list("pk", flat=True)) == [lena.pk]
    assert client.get(f"/learn/{course}/").status_code == 200  # signed in
    # A second launch signs the same person in again: no second account.
    launch(Client(), platform, "lena-1", link)
    assert LtiIdentity.objects.count() == 1
    assert LtiGradeSync.objects.get().learner_id == lena.pk


def test_mastery_goes_back_to_the_gradebook_per_skill_and_for_the_assignment(
    platform: Platform, course: str, django_capture_on_commit_callbacks: Any
) -> None:
    link = platform.link("Fractions practice", {"course": course})
    launch(Client(), platform, "lena-1", link)
    lena = lti_user(platform, "lena-1")
    assert tasks.grades_send().startswith("1 grades sent")
    first = platform.score(link, "lena-1")
    assert first is not None
    assert (first["scoreGiven"], first["scoreMaximum"], first["activityProgress"]) == (0, 3, "Initialized")
    with django_capture_on_commit_callbacks(execute=True):
        master(lena, course)
    assert LtiGradeSync.objects.get().pending  # the change of mastery made the grade owed
    tasks.grades_send()
    score = platform.score(link, "lena-1")
    assert score is not None
    assert (score["scoreGiven"], score["scoreMaximum"]) == (1, 3)
    assert score["activityProgress"] == "InProgress"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["comment"] == "Mastered 1 of 3 skills: What a fraction means"
    assert score[MASTERY_EXTENSION] == {
        "mastered": [SKILL],
        "skills": ["fractions-add-like", "fractions-meaning", "fractions-equivalent"],  # the course's order
    }
    assert not LtiGradeSync.objects.get().pending


def test_a_skill_link_opens_that_skill_and_completes_when_it_is_mastered(
    platform: Platform, course: str, django_capture_on_commit_callbacks: Any
) -> None:
    link = platform.link("What a fraction means", {"course": course, "skill": SKILL})
    client = Client()
    response = launch(client, platform, "lena-1", link)
    assert response["Location"] == f"/learn/{course}/practice/"
    assert "What a fraction means" in text(client.get(response["Location"]))  # the skill's question is open
    with django_capture_on_commit_callbacks(execute=True):
        master(lti_user(platform, "lena-1"), course)
    tasks.grades_send()
    score = platform.score(link, "lena-1")
    assert score is not None
    assert (score["scoreGiven"], score["scoreMaximum"], score["activityProgress"]) == (1, 1, "Completed")


def test_a_grade_the_lms_refuses_stays_owed_and_is_sent_on_the_next_run(
    platform: Platform, course: str
) -> None:
    link = platform.link("Fractions practice", {"course": course})
    launch(Client(), platform, "lena-1", link)
    platform.fail_scores = 1
    assert tasks.grades_send().startswith("0 grades sent, 1 failed")
    sync = LtiGradeSync.objects.get()
    assert sync.pending
    assert sync.attempts == 1
    assert "503" in sync.last_error
    assert platform.score(link, "lena-1") is None
    tasks.grades_send()
    assert platform.score(link, "lena-1") is not None
    sync.refresh_from_db()
    assert not sync.pending
    assert sync.attempts == 0
    assert sync.last_error == ""


def test_skill_columns_are_made_in_the_gradebook_when_the_teacher_asked(
    platform: Platform, course: str
) -> None:
    link = platform.link("Fractions practice", {"course": course, "skill_columns": "yes"})
    launch(Client(), platform, "lena-1", link)
    tasks.grades_send()
    columns = {i["resourceId"]: i for i in platform.lineitems.values() if i.get("resourceId")}
    assert set(columns) == {"fractions-meaning", "fractions-equivalent", "fractions-add-like"}
    assert columns[SKILL]["label"] == "What a fraction means"
    assert columns[SKILL]["scoreMaximum"] == 1
    assert all(platform.scores[c["id"]]["lena-1"]["scoreGiven"] == 0 for c in columns.values())
    tasks.grades_send()  # owed again? no: nothing changed, and no column is made twice
    assert len([i for i in platform.lineitems.values() if i.get("resourceId")]) == 3


# -- the teacher: deep linking, the class page and the roster ---------------------------------------------


def test_a_teacher_deep_links_a_skill_and_learners_then_land_on_it(platform: Platform, course: str) -> None:
    client = Client()
    response = launch(client, platform, "ines-1", deep=True)
    assert response.status_code == 302
    assert response["Location"] == "/lti/deep-link/"
    page = client.get("/lti/deep-link/")
    assert page.status_code == 200
    assert "Fractions (fractions)" in text(page)
    answer = client.post("/lti/deep-link/", {"course": course, "skill": SKILL})
    assert answer.status_code == 200
    assert f'action="{platform.base}/deep_link_return"' in text(answer)
    assert platform.base in answer["Content-Security-Policy"]  # the form may go back to the LMS
    token = answer.context["jwt"]
    back = requests.post(f"{platform.base}/deep_link_return", data={"JWT": token}, timeout=10)
    assert back.status_code == 200, back.text  # the platform verified learnpath's signature
    [item] = platform.deep_link_items
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == "http://testserver/lti/launch/"
    assert item["custom"] == {"course": course, "skill": SKILL}
    assert item["lineItem"]["scoreMaximum"] == 1
    assert item["lineItem"]["resourceId"] == SKILL
    assert client.get("/lti/deep-link/").status_code == 404  # used once
    [new_link] = [link for link in platform.links.values() if link.title == item["title"]]
    learner_client = Client()
    landing = launch(learner_client, platform, "lena-1", new_link)
    assert landing["Location"] == f"/learn/{course}/practice/"


def test_a_teacher_launch_joins_the_class_and_shows_its_lms_page(platform: Platform, course: str) -> None:
    link = platform.link("Fractions practice", {"course": course})
    launch(Client(), platform, "lena-1", link)
    client = Client()
    response = launch(client, platform, "ines-1", link)
    context = LtiContext.objects.get()
    assert response["Location"] == f"/lti/classes/{context.class_id}/"
    ines = lti_user(platform, "ines-1")
    assert ines.role == "teacher"
    assert list(Class.objects.get(pk=context.class_id).teachers.all()) == [ines]
    page = text(client.get(response["Location"]))
    assert "Fractions practice" in page
    assert "Grade 4 Maths (Period 2) in Test LMS" in page
    other = Client()
    other.force_login(User.objects.create(username="tom", role="teacher", organisation=ines.organisation))
    assert other.get(response["Location"]).status_code == 404


def test_the_roster_comes_from_the_lms_and_leavers_are_kept(platform: Platform, course: str) -> None:
    link = platform.link("Fractions practice", {"course": course})
    launch(Client(), platform, "ines-1", link)
    platform.user("max-1", "Max Moreau", [LEARNER])
    context = LtiContext.objects.get()
    assert tasks.roster_sync(context.pk) == "roster: 3 members, 2 enrolled, 0 left"
    klass = Class.objects.get(pk=context.class_id)
    names = sorted(klass.learners.values_list("display_name", flat=True))
    assert names == ["Lena", "Max"]
    platform.users["max-1"].status = "Inactive"
    assert tasks.roster_sync(context.pk) == "roster: 3 members, 0 enrolled, 1 left"
    max_user = lti_user(platform, "max-1")
    assert max_user.is_active  # kept, with their history; only out of the class
    assert not klass.learners.filter(pk=max_user.pk).exists()
    # Max's first launch signs in to the account the roster made.
    platform.users["max-1"].status = "Active"
    launch(Client(), platform, "max-1", link)
    assert lti_user(platform, "max-1").pk == max_user.pk


def test_a_roster_match_by_sourced_id_links_the_existing_account(
    platform: Platform, course: str, organisation: Organisation, learner: User
) -> None:
    from learnpath.web.accounts.models import RosterLink

    RosterLink.objects.create(
        organisation=organisation,
        kind="user",
        sourced_id="SIS-42",
        target_id=learner.pk,
        seen_at="2026-01-01T00:00Z",
    )
    platform.user("lena-2", "Lena L", [LEARNER], sourced_id="SIS-42")
    launch(Client(), platform, "lena-2", platform.link("Practice", {"course": course}))
    assert lti_user(platform, "lena-2").pk == learner.pk


# -- refusals: each says why, and nothing is written ------------------------------------------------------


def _hs256_with_public_key(lms: Platform) -> Callable[[dict[str, Any], str], str]:
    def sign(message: dict[str, Any], kid: str) -> str:
        def part(data: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

        signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{part(message)}"
        mac = hmac.new(lms.public_key.encode(), signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    return sign


def _other_key(message: dict[str, Any], kid: str) -> str:
    return jwt.encode(message, rsa_pair()[0], algorithm="RS256", headers={"kid": kid})


def _unknown_kid(lms: Platform) -> Callable[[dict[str, Any], str], str]:
    return lambda message, kid: jwt.encode(
        message, lms.private_key, algorithm="RS256", headers={"kid": "not-a-key"}
    )


def _unsigned(message: dict[str, Any], kid: str) -> str:
    return jwt.encode(message, None, algorithm="none", headers={"kid": kid})


REFUSALS: dict[str, tuple[Callable[[Platform], dict[str, Any]], str]] = {
    "bad signature": (lambda lms: {"sign": _other_key}, "signature does not verify"),
    "unknown key id": (
        lambda lms: {"sign": _unknown_kid(lms)},
        "key (not-a-key) that the LMS does not publish",
    ),
    "alg none": (lambda lms: {"sign": _unsigned}, "signed with 'none'"),
    "HS256 with the public key": (lambda lms: {"sign": _hs256_with_public_key(lms)}, "signed with 'HS256'"),
    "wrong issuer": (lambda lms: {"iss": "https://evil.example"}, "no active registration for this LMS"),
    "wrong audience": (lambda lms: {"aud": "someone-else", "azp": "someone-else"}, "client id someone-else"),
    "wrong deployment": (
        lambda lms: {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "deployment-9"},
        "not deployed as 'deployment-9'",
    ),
    "expired token": (
        lambda lms: {"exp": int(time.time()) - 60, "iat": int(time.time()) - 600},
        "has expired",
    ),
    "nonce not issued here": (lambda lms: {"nonce": "made-up"}, "nonce was not issued by learnpath"),
    "no nonce": (lambda lms: {"nonce": None}, "no 'nonce' claim"),
    "mentor role": (
        lambda lms: {"https://purl.imsglobal.org/spec/lti/claim/roles": [MENTOR]},
        "not one learnpath serves",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_launch_is_refused_with_its_reason_and_writes_nothing(
    platform: Platform, course: str, case: str
) -> None:
    link = platform.link("Fractions practice", {"course": course})
    client = Client()
    auth = login(client, platform, "lena-1", link)
    changes, reason = REFUSALS[case]
    before = written()
    response = client.post("/lti/launch/", platform.auth_answer(auth, **changes(platform)))
    assert response.status_code == 400
    assert reason in text(response)
    assert written() == before
    assert "_auth_user_id" not in client.session


def test_a_replayed_launch_is_refused_and_writes_nothing(platform: Platform, course: str) -> None:
    link = platform.link("Fractions practice", {"course": course})
    client = Client()
    answer = platform.auth_answer(login(client, platform, "lena-1", link))
    assert client.post("/lti/launch/", answer).status_code == 302
    before = written()
    replay = Client()
    replay.cookies = client.cookies  # even with the state cookie of the first launch
    response = replay.post("/lti/launch/", answer)
    assert response.status_code == 400
    assert "This launch was already used" in text(response)
    assert written() == before


@pytest.mark.parametrize("state", ["", "state-not-issued"])
def test_a_launch_without_its_login_state_is_refused(platform: Platform, course: str, state: str) -> None:
    link = platform.link("Fractions practice", {"course": course})
    client = Client()
    answer = platform.auth_answer(login(client, platform, "lena-1", link))
    before = written()
    response = Client().post("/lti/launch/", {**answer, "state": state})
    assert response.status_code == 400
    assert "does not match a login started here" in text(response)
    assert written() == before


def test_a_learner_cannot_answer_a_deep_linking_request(platform: Platform) -> None:
    before = written()
    response = launch(Client(), platform, "lena-1", deep=True)
    assert response.status_code == 400
    assert "Only a course's instructors" in text(response)
    assert written() == before


def test_a_switched_off_account_cannot_launch(platform: Platform, course: str) -> None:
    link = platform.link("Fractions practice", {"course": course})
    launch(Client(), platform, "lena-1", link)
    User.objects.filter(pk=lti_user(platform, "lena-1").pk).update(is_active=False)
    response = launch(Client(), platform, "lena-1", link)
    assert response.status_code == 400
    assert "switched off" in text(response)


def test_a_link_to_a_course_learnpath_lacks_is_refused(platform: Platform) -> None:
    before = written()
    response = launch(Client(), platform, "lena-1", platform.link("Old", {"course": "no-such-course"}))
    assert response.status_code == 400
    assert "'no-such-course', which learnpath does not have" in text(response)
    assert written() == before


def test_a_launch_from_a_switched_off_registration_is_refused(platform: Platform, course: str) -> None:
    link = platform.link("Fractions practice", {"course": course})
    client = Client()
    auth = login(client, platform, "lena-1", link)
    LtiPlatform.objects.update(is_active=False)
    response = client.post("/lti/launch/", platform.auth_answer(auth))
    assert response.status_code == 400
    assert "no active registration" in text(response)


# -- dynamic registration ---------------------------------------------------------------------------------


@pytest.fixture
def new_lms(db: None) -> Iterator[Platform]:
    lms = Platform(tool_base="http://testserver", client_id="dyn-client-7", deployment_id="dyn-deployment-1")
    yield lms
    lms.close()


def test_dynamic_registration_registers_learnpath_with_the_lms(
    new_lms: Platform, admin_user: User, organisation: Organisation, client_of: Callable[[User], Client]
) -> None:
    client = client_of(admin_user)
    url = "/lti/register/?" + "&".join(
        [
            f"openid_configuration={new_lms.base}/.well-known/openid-configuration",
            "registration_token=reg-token-1",
        ]
    )
    page = client.get(url)
    assert page.status_code == 200
    assert "test-lms" in text(page)
    done = client.post(url, {"organisation": organisation.pk})
    assert done.status_code == 200, text(done)
    assert "dyn-client-7" in text(done)
    platform = LtiPlatform.objects.get(client_id="dyn-client-7")
    assert (platform.issuer, platform.via, platform.organisation_id) == (
        new_lms.issuer,
        "dynamic",
        organisation.pk,
    )
    assert list(platform.deployments.values_list("deployment_id", flat=True)) == ["dyn-deployment-1"]
    [sent] = new_lms.registrations
    assert sent["jwks_uri"] == "http://testserver/lti/jwks/"
    assert sent["initiate_login_uri"] == "http://testserver/lti/login/"
    assert sent["redirect_uris"] == ["http://testserver/lti/launch/"]
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"].split()
    assert AuditEntry.objects.filter(action="lti.platform_register", actor=admin_user).exists()


def test_dynamic_registration_refused_by_the_lms_stores_nothing(
    new_lms: Platform, admin_user: User, organisation: Organisation, client_of: Callable[[User], Client]
) -> None:
    configuration = f"{new_lms.base}/.well-known/openid-configuration"
    url = f"/lti/register/?openid_configuration={configuration}&registration_token=bad"
    response = client_of(admin_user).post(url, {"organisation": organisation.pk})
    assert response.status_code == 502
    assert "The LMS refused the registration" in text(response)
    assert not LtiPlatform.objects.exists()


def test_only_an_administrator_registers_an_lms(
    new_lms: Platform, teacher: User, client_of: Callable[[User], Client]
) -> None:
    url = f"/lti/register/?openid_configuration={new_lms.base}/.well-known/openid-configuration"
    assert client_of(teacher).get(url).status_code == 403
    assert Client().get(url).status_code == 403
    assert new_lms.requests == []  # not even the configuration was fetched


def test_a_configuration_whose_issuer_is_elsewhere_is_refused(
    new_lms: Platform, admin_user: User, client_of: Callable[[User], Client]
) -> None:
    url = "/lti/register/?openid_configuration=http://127.0.0.1:9/.well-known/openid-configuration"
    response = client_of(admin_user).get(url)
    assert response.status_code == 502
    assert "could not be read" in text(response)


# -- the published LTI Advantage reference messages --------------------------------------------------------

REFERENCE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "interop"
    / "lti"
    / "ltiadvantage_reference_json"
)


def reference(name: str) -> dict[str, Any]:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(
            f"the LTI reference messages are not at {REFERENCE} (see ../shared/data/interop/PROVENANCE.md)"
        )
    return dict(json.loads(path.read_text(encoding="utf-8-sig")))


@pytest.mark.shared_data
def test_the_reference_resource_link_request_launches_a_learner_and_keeps_least_data(
    platform: Platform,
) -> None:
    claims = reference("LtiResourceLinkRequest.json")
    client = Client()
    auth = login(client, platform, "lena-1")
    now = int(time.time())
    claims.update(
        iss=platform.issuer,
        aud=[platform.client_id],
        azp=platform.client_id,
        nonce=auth["nonce"],
        iat=now,
        exp=now + 300,
    )
    claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = platform.deployment_id
    kid = platform.registration().get_kid()
    token = jwt.encode(claims, platform.private_key, algorithm="RS256", headers={"kid": kid})
    response = client.post("/lti/launch/", {"id_token": token, "state": auth["state"]})
    # Its link carries no learnpath course: the learner is told so, signed in, in the course's class.
    assert response.status_code == 200
    assert "does not open a learnpath course yet" in text(response)
    jane = lti_user(platform, claims["sub"])
    assert (jane.role, jane.display_name, jane.email) == ("learner", "Jane", "")
    context = LtiContext.objects.get()
    assert (
        Class.objects.get(pk=context.class_id).name
        == claims["https://purl.imsglobal.org/spec/lti/claim/context"]["title"]
    )
    assert not LtiResourceLink.objects.exists()  # no course, so no link and no grade owed


@pytest.mark.shared_data
def test_learnpaths_scores_and_columns_have_the_reference_shapes(platform: Platform, course: str) -> None:
    score_reference, column_reference = reference("Score.json"), reference("LineItem.json")
    link = platform.link("Fractions practice", {"course": course})
    launch(Client(), platform, "lena-1", link)
    tasks.grades_send()
    score = platform.score(link, "lena-1")
    assert score is not None
    assert set(score_reference) <= set(score)
    assert {k: type(v) for k, v in score.items() if k in score_reference} == {
        k: type(v) for k, v in score_reference.items()
    }
    client = Client()
    launch(client, platform, "ines-1", deep=True)
    answer = client.post("/lti/deep-link/", {"course": course})
    item = jwt.decode(answer.context["jwt"], options={"verify_signature": False})[
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
    ][0]
    assert set(item["lineItem"]) <= set(column_reference)
    assert all(type(item["lineItem"][k]) is type(column_reference[k]) for k in item["lineItem"])
