"""learnpath's verifier on third-party Open Badges 3.0 samples: the 1EdTech validator's test credentials
(../shared/data/interop/badges, see PROVENANCE.md). None is reported valid here: the two JWTs are RS256
signed by keys that are not this site's (and not in the files), and the JSON ones carry Data Integrity
proofs, which learnpath does not check (decision 0091). What matters: every deliberately erroneous one
(``simple-err-*``) is refused with the reason its name describes; the well-formed ones raise no structural
complaint; the JWTs parse and hold a well-formed credential."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from django.utils import timezone

from learnpath.web.credentials.documents import credential_problems
from learnpath.web.credentials.verify import verify_text

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

OB3 = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "interop"
    / "badges"
    / "ob3_1edtech_validator_tests"
)
NOT_CHECKED = "was not checked"

# Each erroneous sample and a piece of the reason it must be refused with.
ERRORS = {
    "simple-err-context.json": "@context must start with",
    "simple-err-credential-subject-achievement-result-description-type.json": "resultDescription.type",
    "simple-err-credential-subject-identifier-type.json": "credentialSubject.identifier.type",
    "simple-err-credential-subject-profile-type.json": "credentialSubject.source.type",
    "simple-err-credential-subject-result-type.json": "credentialSubject.result.type",
    "simple-err-credential-subject-type.json": "credentialSubject.type must include 'AchievementSubject'",
    "simple-err-evidence-type.json": "evidence.type",
    "simple-err-expired.json": "expired on",
    "simple-err-issued.json": "not valid yet",
    "simple-err-issuer-otheridentifier-type.json": "issuer.otherIdentifier.type",
    "simple-err-issuer-parentorg-type.json": "issuer.parentOrg.type",
    "simple-err-issuer-type.json": "issuer.type must include 'Profile'",
    "simple-err-issuer.json": "issuer is missing",
    "simple-err-proof-method-no-scheme.json": "has no URI scheme",
    "simple-err-proof-method-unknown-did-method.json": "unknown DID method",
    "simple-err-proof-method-unknown-scheme.json": "unknown scheme",
    "simple-err-proof-method.json": "names no valid Ed25519 key",
    "simple-err-type.json": "type must include 'OpenBadgeCredential'",
    # Only its signature is wrong, and learnpath does not check Data Integrity signatures: refused as
    # unchecked, which is all an honest verifier without RDF canonicalization can say.
    "simple-err-proof-value.json": NOT_CHECKED,
}
WELL_FORMED = (
    "simple.json",
    "complete.json",
    "simple-context-alias.json",
    "simple-context-version.json",
    "simple-did-key-method.json",
    "simple-did-web-method.json",
    "simple-eddsa-2022.json",
    "simple-multiple-proofs.json",
    "credential-status-revoked.json",
)


def sample(name: str) -> str:
    path = OB3 / name
    if not path.exists():
        pytest.skip(
            f"the Open Badges samples are not at {OB3} (../shared/data/interop/badges, see PROVENANCE.md)"
        )
    return path.read_text(encoding="utf-8")


def test_every_erroneous_sample_is_covered() -> None:
    sample("simple.json")
    assert sorted(p.name for p in OB3.glob("simple-err-*.json")) == sorted(ERRORS)


@pytest.mark.parametrize(("name", "reason"), sorted(ERRORS.items()))
def test_an_erroneous_sample_is_refused_with_its_reason(name: str, reason: str) -> None:
    verdict = verify_text(sample(name), now=timezone.now())
    assert not verdict.valid
    assert any(reason in r for r in verdict.reasons), verdict.reasons
    if reason != NOT_CHECKED:
        assert [r for r in verdict.reasons if NOT_CHECKED not in r], (
            "refused for its error, not only as unchecked"
        )


@pytest.mark.parametrize("name", WELL_FORMED)
def test_a_well_formed_sample_is_only_unchecked(name: str) -> None:
    verdict = verify_text(sample(name), now=timezone.now())
    assert credential_problems(json.loads(sample(name))) == []
    assert not verdict.valid
    assert verdict.reasons == [r for r in verdict.reasons if NOT_CHECKED in r], verdict.reasons


@pytest.mark.parametrize("name", ["simple.jwt", "velocity.jwt"])
def test_a_foreign_rs256_jwt_parses_and_is_refused(name: str) -> None:
    token = sample(name).strip()
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    vc = jwt.decode(token, options={"verify_signature": False})["vc"]
    assert "OpenBadgeCredential" in vc["type"]
    verdict = verify_text(token, now=timezone.now())
    assert not verdict.valid
    assert verdict.reasons == [
        "refused: alg “RS256”; learnpath verifies ES256 credentials of its own issuers"
    ]
    assert verdict.credential == vc
