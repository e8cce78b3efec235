"""Open Badges 3.0 credentials (decision 0091): a learner claims a badge for a mastered skill or course, it
is an OpenBadgeCredential signed as a VC-JWT with the site's ES256 key, verifiable with PyJWT (and
joserfc) and the published JWKS alone, aligned to the skill's CASE items; tampering, unsigned and HMAC
tokens, expiry, revocation, a wrong issuer and an unknown key are refused with a reason; only the learner
(and an admin, for revocation) may act on a badge; deleting the account revokes it."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone
from joserfc import jwt as joserfc_jwt
from joserfc.jwk import KeySet

from learnpath.content.importers.case import CaseFramework, CaseItem
from learnpath.web.accounts.models import AuditEntry, User
from learnpath.web.credentials import keys, services
from learnpath.web.credentials import privacy as credentials_privacy
from learnpath.web.credentials.documents import (
    OB_CONTEXT,
    OB_EXTENSIONS_CONTEXT,
    VC_CONTEXT,
    credential_problems,
)
from learnpath.web.credentials.models import Credential
from learnpath.web.credentials.verify import verify_text
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
CASE_ID = "6b9bf846-d7cc-11e8-824f-0242ac160002"
SKILL = "fractions-meaning"
SKILLS = ("fractions-meaning", "fractions-equivalent", "fractions-add-like")


def master(teacher: User, learner: User, course: str, *skills: str) -> None:
    """The teacher marks the skills mastered (a learner event applied by the engine's loop)."""
    for skill in skills:
        learning_api.mastery_override(
            teacher=teacher,
            learner_id=learner.pk,
            course_id=course,
            skill_id=skill,
            direction="mastered",
            reason="Saw it in class.",
            idempotency_key=f"override-{learner.pk}-{skill}",
        )


def align_to_case(course: str) -> None:
    """A tiny CASE framework with the CCSS item the fractions skill names (3.NF.A.1)."""
    item = CaseItem(
        identifier=CASE_ID,
        code="CCSS.Math.Content.3.NF.A.1",
        statement="Understand a fraction 1/b as the quantity formed by 1 part when a whole is partitioned.",
        item_type="Standard",
        levels=("3",),
        parent="",
        position=1,
    )
    framework = CaseFramework("fw-ccss", "Common Core Math", "CCSSO", "2010", (item,))
    curriculum_api.framework_import(framework=framework, warnings=[], course_id=course)


def claim(client: Client, course: str, skill: str = SKILL, **extra: str) -> Any:
    return client.post("/me/badges/claim", {"course": course, "skill": skill, **extra})


def the_token(learner: User) -> str:
    return Credential.objects.get(learner=learner, revoked_at__isnull=True).jwt


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


@pytest.fixture
def mastered(teacher: User, learner: User, course: str) -> str:
    master(teacher, learner, course, SKILL)
    align_to_case(course)
    return course


def test_a_learner_claims_a_signed_open_badge_aligned_to_case(
    learner: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    page = client.get("/me/badges/")
    assert page.status_code == 200
    assert "What a fraction means" in page.content.decode()
    assert "3.NF.A.1" in page.content.decode()
    assert claim(client, mastered).status_code == 302
    token = the_token(learner)

    # Verified with PyJWT and the published JWKS alone, not with learnpath's verifier.
    header, _payload, _sig = segments(token)
    assert header["alg"] == "ES256"
    assert header["typ"] == "JWT"
    jwks = client.get("/credentials/jwks.json").json()
    published = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert "d" not in published  # the private part is never published
    assert header["jwk"] == published
    assert Client().get(header["kid"].removeprefix(BASE)).json() == published  # the kid dereferences
    claims = jwt.decode(token, jwt.PyJWK(published).key, algorithms=["ES256"])
    # A second, unrelated JOSE library agrees, from the JWKS alone.
    other = joserfc_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["ES256"])
    assert other.claims == claims

    vc = claims["vc"]
    assert credential_problems(vc) == []
    assert vc["@context"] == [VC_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["iss"] == vc["issuer"]["id"] == f"{BASE}/credentials/issuers/north-school"
    assert claims["jti"] == vc["id"]
    assert vc["id"].startswith("urn:uuid:")
    assert claims["sub"] == vc["credentialSubject"]["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", vc["validFrom"])
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert "identifier" not in subject  # least data: no name, no address unless the learner asks
    assert learner.username not in json.dumps(claims)
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == f"{BASE}/courses/{mastered}/skills/{SKILL}/"
    assert achievement["name"] == "What a fraction means"
    assert achievement["description"] == "A fraction names equal shares of a whole."
    assert "mastered" in achievement["criteria"]["narrative"].lower()
    assert achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetType": "CFItem",
            "targetUrl": f"urn:uuid:{CASE_ID}",
            "targetName": "CCSS.Math.Content.3.NF.A.1",
            "targetCode": "CCSS.Math.Content.3.NF.A.1",
            "targetFramework": "Common Core Math",
            "targetDescription": "Understand a fraction 1/b as the quantity formed by 1 part when a whole is "
            "partitioned.",
        }
    ]
    assert vc["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    status_url = vc["credentialStatus"]["id"]
    assert Client().get(status_url.removeprefix(BASE)).json()["status"] == "active"

    # The issuer's profile is public JSON naming the school and where its keys are.
    profile = Client().get("/credentials/issuers/north-school").json()
    assert profile["id"] == vc["issuer"]["id"]
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "North School" == vc["issuer"]["name"]
    assert profile["jwks_uri"] == f"{BASE}/credentials/jwks.json"

    # learnpath's own verifier agrees; the claim is audited.
    verdict = verify_text(token, now=timezone.now())
    assert verdict.valid, verdict.reasons
    assert AuditEntry.objects.filter(action="credential.issue").count() == 1
    # The JSON view and the download are the learner's.
    assert client.get(f"/me/badges/{Credential.objects.get().public_id}/badge.json").json() == vc
    download = client.get(f"/me/badges/{Credential.objects.get().public_id}/badge.jwt")
    assert download.content.decode() == token
    assert "attachment" in download["Content-Disposition"]


def test_name_and_hashed_email_go_in_only_when_the_learner_asks(
    learner: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    learner.email = "lena@example.org"
    learner.display_name = "Lena Lind"
    learner.save()
    claim(client_of(learner), mastered, include_name="1", include_email="1")
    vc = jwt.decode(the_token(learner), options={"verify_signature": False})["vc"]
    name, email = vc["credentialSubject"]["identifier"]
    assert name == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": "Lena Lind",
    }
    assert email["identityType"] == "emailAddress"
    assert email["hashed"] is True
    assert "lena@example.org" not in the_token(learner)
    import hashlib

    expected = hashlib.sha256(("lena@example.org" + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${expected}"
    assert credential_problems(vc) == []


def test_a_skill_not_mastered_cannot_be_claimed(
    learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    response = claim(client, course)
    assert response.status_code == 302
    assert Credential.objects.count() == 0
    page = client.get("/me/badges/").content.decode()
    assert "only for a skill or course you have mastered" in page


def test_a_course_badge_once_every_skill_is_mastered(
    teacher: User, learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    master(teacher, learner, course, *SKILLS[:2])
    claim(client, course, skill="")
    assert not Credential.objects.filter(kind="course").exists()
    master(teacher, learner, course, SKILLS[2])
    align_to_case(course)
    claim(client, course, skill="")
    row = Credential.objects.get(kind="course")
    vc = jwt.decode(row.jwt, options={"verify_signature": False})["vc"]
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Course"
    assert achievement["name"] == f"Fractions ({course})"
    assert [a["targetCode"] for a in achievement["alignment"]] == ["CCSS.Math.Content.3.NF.A.1"]
    assert verify_text(row.jwt, now=timezone.now()).valid


def _resign(payload: dict[str, Any], header: dict[str, Any], key: Any, alg: str = "ES256") -> str:
    return jwt.encode(payload, key, algorithm=alg, headers=header)


def test_a_changed_credential_is_refused(
    learner: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    claim(client_of(learner), mastered)
    token = the_token(learner)
    _header, payload, signature = segments(token)
    payload["vc"]["credentialSubject"]["achievement"]["name"] = "Calculus"
    forged = ".".join([token.split(".")[0], b64(payload), signature])
    verdict = verify_text(forged, now=timezone.now())
    assert not verdict.valid
    assert any("signature does not match" in r for r in verdict.reasons)
    jwk = client_of(learner).get("/credentials/jwks.json").json()["keys"][0]
    with pytest.raises(jwt.InvalidSignatureError):  # and the library agrees
        jwt.decode(forged, jwt.PyJWK(jwk).key, algorithms=["ES256"])


def test_unsigned_and_hmac_tokens_are_refused(
    learner: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    claim(client_of(learner), mastered)
    header, payload, _sig = segments(the_token(learner))
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."
    verdict = verify_text(unsigned, now=timezone.now())
    assert not verdict.valid
    assert any("alg “none”" in r for r in verdict.reasons)
    # HS256 "signed" with the public key as the shared secret: the classic key-confusion attack.
    public_x = header["jwk"]["x"]
    hmac = jwt.encode(payload, public_x, algorithm="HS256", headers={"kid": header["kid"]})
    verdict = verify_text(hmac, now=timezone.now())
    assert not verdict.valid
    assert any("HS256" in r and "shared-secret" in r for r in verdict.reasons)


def test_an_expired_credential_is_refused(learner: User, mastered: str) -> None:
    now = timezone.now()
    row = services.credential_claim(
        learner=learner,
        course_id=mastered,
        skill_id=SKILL,
        include_name=False,
        include_email=False,
        base_url=BASE,
        now=now - timedelta(days=10),
        valid_until=now - timedelta(days=1),
    )
    vc = jwt.decode(row.jwt, options={"verify_signature": False})["vc"]
    assert "validUntil" in vc
    assert credential_problems(vc) == []
    verdict = verify_text(row.jwt, now=now)
    assert not verdict.valid
    assert any("expired" in r for r in verdict.reasons)


def test_a_revoked_credential_is_refused_and_its_status_says_so(
    learner: User, admin_user: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    claim(client, mastered)
    row = Credential.objects.get()
    assert client.post(f"/credentials/{row.public_id}/revoke").status_code == 302
    verdict = verify_text(row.jwt, now=timezone.now())
    assert not verdict.valid
    assert any(r.startswith("revoked on") for r in verdict.reasons)
    status = Client().get(f"/credentials/status/{row.public_id}").json()
    assert status["status"] == "revoked"
    assert status["revocationReason"] == "revoked by the learner"
    assert AuditEntry.objects.filter(action="credential.revoke", actor=learner).count() == 1
    # A new claim issues a new badge; an administrator revokes it from the verify page.
    claim(client, mastered)
    again = Credential.objects.get(revoked_at__isnull=True)
    admin = client_of(admin_user)
    page = admin.post("/credentials/verify/", {"credential": again.jwt}).content.decode()
    assert "Valid" in page
    assert f"/credentials/{again.public_id}/revoke" in page
    assert admin.post(f"/credentials/{again.public_id}/revoke").status_code == 302
    again.refresh_from_db()
    assert again.revoked_at is not None
    assert again.revoked_reason == "revoked by an administrator"


def test_a_wrong_issuer_or_an_unknown_key_is_refused(
    learner: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    claim(client_of(learner), mastered)
    header, payload, _sig = segments(the_token(learner))
    _kid, our_key, _jwk = keys.signing_key(now=timezone.now())
    evil = "https://evil.example/issuers/1"
    payload["iss"] = evil
    payload["vc"]["issuer"]["id"] = evil
    verdict = verify_text(_resign(payload, header, our_key), now=timezone.now())
    assert not verdict.valid
    assert any(r.startswith("wrong issuer") for r in verdict.reasons)
    # Someone else's key, even with its own public key in the header, is not the issuer's.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    no_alg = {k: v for k, v in header.items() if k != "alg"}
    eddsa = jwt.encode(payload, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers=no_alg)
    verdict = verify_text(eddsa, now=timezone.now())
    assert verdict.reasons == [
        "refused: alg “EdDSA”; learnpath verifies ES256 credentials of its own issuers"
    ]
    stranger = ec.generate_private_key(ec.SECP256R1())
    header_stranger = {**header, "kid": f"{BASE}/credentials/keys/{uuid.uuid4().hex}"}
    verdict = verify_text(
        _resign(segments(the_token(learner))[1], header_stranger, stranger), now=timezone.now()
    )
    assert not verdict.valid
    assert any("not signed with a key this site published" in r for r in verdict.reasons)


def test_old_keys_stay_verifiable_after_rotation(
    teacher: User, learner: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    claim(client, mastered)
    old = Credential.objects.get()
    new_kid = keys.key_rotate(now=timezone.now())
    master(teacher, learner, mastered, "fractions-equivalent")
    claim(client, mastered, skill="fractions-equivalent")
    new = Credential.objects.get(skill_id="fractions-equivalent")
    assert new.key_id == new_kid != old.key_id
    published = Client().get("/credentials/jwks.json").json()["keys"]
    assert {k["kid"].rsplit("/", 1)[-1] for k in published} == {old.key_id, new_kid}
    for row in (old, new):
        assert verify_text(row.jwt, now=timezone.now()).valid
        jwk = next(k for k in published if k["kid"].endswith(f"/{row.key_id}"))
        jwt.decode(row.jwt, jwt.PyJWK(jwk).key, algorithms=["ES256"])


def test_only_the_learner_reaches_their_badges(
    learner: User,
    teacher: User,
    guardian: User,
    admin_user: User,
    outsider: User,
    mastered: str,
    client_of: Callable[[User], Client],
) -> None:
    claim(client_of(learner), mastered)
    row = Credential.objects.get()
    own = [f"/me/badges/{row.public_id}/badge.jwt", f"/me/badges/{row.public_id}/badge.json"]
    for person in (teacher, guardian, admin_user, outsider):
        client = client_of(person)
        for url in own:
            assert client.get(url).status_code == 404, (person.username, url)
        if person is not admin_user:
            assert client.post(f"/credentials/{row.public_id}/revoke").status_code == 404
    assert client_of(teacher).get("/me/badges/").status_code == 404
    assert Client().get(own[0]).status_code == 302  # to sign in
    assert (
        client_of(outsider).post("/me/badges/claim", {"course": mastered, "skill": SKILL}).status_code == 302
    )
    assert Credential.objects.count() == 1
    row.refresh_from_db()
    assert row.revoked_at is None
    # The verify page, the issuer, the keys and the status are everyone's.
    anonymous = Client()
    assert anonymous.get("/credentials/verify/").status_code == 200
    assert "Valid" in anonymous.post("/credentials/verify/", {"credential": row.jwt}).content.decode()
    assert anonymous.get("/credentials/issuers/nowhere").status_code == 404
    assert anonymous.get(f"/credentials/status/{uuid.uuid4()}").status_code == 404


def test_the_verify_page_reads_a_file_and_says_why_not(client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("badge.jwt", b"not-a-jwt", content_type="application/jwt")
    page = client.post("/credentials/verify/", {"file": upload}).content.decode()
    assert "Not valid" in page
    assert "no readable JWT" in page
    assert "paste a credential first" in client.post("/credentials/verify/", {}).content.decode()


def test_deleting_the_account_revokes_and_forgets_the_badges(
    learner: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    claim(client_of(learner), mastered, include_name="1")
    token = the_token(learner)
    exported = credentials_privacy.export(user_id=learner.pk)["badges"]
    assert [b["signed_badge"] for b in exported] == [token]
    result = credentials_privacy.erase(user_id=learner.pk, keep_research=False)
    assert result["badges_revoked"] == 1
    row = Credential.objects.get()
    assert (row.learner_id, row.jwt, row.revoked_reason) == (None, "", "account deleted")
    assert credentials_privacy.erase(user_id=learner.pk, keep_research=False)["badges_revoked"] == 0
    verdict = verify_text(token, now=timezone.now())  # a copy someone kept: revoked
    assert not verdict.valid
    assert any("account deleted" in r for r in verdict.reasons)


CONTEXTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "interop" / "badges" / "jsonld_contexts"


def _terms(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            _terms(value, found)
    elif isinstance(node, list):
        for value in node:
            _terms(value, found)
    return found


@pytest.mark.shared_data
def test_every_term_of_an_issued_badge_is_defined_by_its_contexts(
    learner: User, mastered: str, client_of: Callable[[User], Client]
) -> None:
    """JSON-LD: each property and type the badge uses is a term of the VC 2.0 or OB 3.0.3 context (offline
    copies in ../shared), so nothing is dropped or re-meant when the credential is expanded; only the status
    type is learnpath's own (VC 2.0's issuer-dependent vocabulary, decision 0091)."""
    if not CONTEXTS.exists():
        pytest.skip(f"the JSON-LD contexts are not at {CONTEXTS} (../shared/data/interop, see PROVENANCE.md)")
    defined: set[str] = set()
    for name in ("credentials-v2.jsonld", "ob-v3p0-3.0.3.json", "ob-v3p0-extensions.json"):
        _terms(json.loads((CONTEXTS / name).read_text())["@context"], defined)
    claim(client_of(learner), mastered, include_name="1")
    vc = jwt.decode(the_token(learner), options={"verify_signature": False})["vc"]
    used: set[str] = set()
    types: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "@context":
                    used.add(key)
                    if key == "type":
                        types.update([value] if isinstance(value, str) else value)
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(vc)
    assert sorted(used - defined) == []
    assert sorted(types - defined) == ["LearnpathCredentialStatus"]


def test_a_learner_of_no_school_gets_the_sites_issuer(
    make_user: Callable[..., User], teacher: User, global_course: str, client_of: Callable[[User], Client]
) -> None:
    solo = make_user("solo")
    master(teacher, solo, global_course, SKILL)
    claim(client_of(solo), global_course)
    vc = jwt.decode(the_token(solo), options={"verify_signature": False})["vc"]
    assert vc["issuer"]["id"] == f"{BASE}/credentials/issuers/site"
    assert Client().get("/credentials/issuers/site").json()["name"] == vc["issuer"]["name"] == "learnpath"
    assert "alignment" not in vc["credentialSubject"]["achievement"]  # no CASE framework imported
    assert verify_text(the_token(solo), now=timezone.now()).valid
