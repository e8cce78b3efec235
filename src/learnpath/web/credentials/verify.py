"""Verifying an Open Badges 3.0 credential someone pasted: a VC-JWT (OB 3.0 §8.2) is checked in full, an
embedded-proof JSON credential in structure only, and every refusal says why.

A VC-JWT is valid here when: it is a compact JWS; its ``alg`` is an asymmetric one (``none`` and the HMAC
``HS*`` algorithms are refused before any key is looked at, so a public key can never be used as an HMAC
secret); its ``kid`` names a key this site published (current or retired); PyJWT verifies the signature
with that key and its ``exp``/``nbf``; its ``vc`` claim is a well-formed OpenBadgeCredential whose
``issuer.id`` is ``iss`` and is the issuer this site recorded for it; and the credential is not revoked
nor past its ``validUntil``. Decision 0091.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from learnpath.web.credentials import keys
from learnpath.web.credentials.documents import credential_problems, time_of
from learnpath.web.credentials.models import Credential

ALGORITHMS = (keys.ALGORITHM,)  # what this site signs with, and so what it verifies
REFUSED_ALGORITHMS = ("none", "HS256", "HS384", "HS512")
LEEWAY_SECONDS = 60
MAX_INPUT = 200_000


@dataclass
class Verdict:
    """The outcome: ``valid`` with what was checked, or the ``reasons`` it is not."""

    valid: bool = False
    form: str = "unknown"  # "jwt", "json" or "unknown"
    reasons: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    credential_public_id: str = ""  # ours: the row's public id (for an admin's revoke button)

    def refuse(self, reason: str) -> Verdict:
        self.reasons.append(reason)
        self.valid = False
        return self


def _kid_name(kid: Any) -> str:
    """The thumbprint a learnpath ``kid`` ends with (``…/credentials/keys/<thumbprint>``)."""
    if not isinstance(kid, str) or not kid:
        return ""
    return kid.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _our_row(credential_id: Any) -> Credential | None:
    if not isinstance(credential_id, str):
        return None
    tail = urlsplit(credential_id).path.rstrip("/").rsplit("/", 1)[-1]
    if credential_id.startswith("urn:uuid:"):
        tail = credential_id[len("urn:uuid:") :]
    try:
        public_id = uuid.UUID(tail)
    except ValueError:  # a malformed UUID is no credential of ours
        return None
    return Credential.objects.filter(public_id=public_id).first()


def _status(verdict: Verdict, row: Credential | None) -> None:
    if row is None:
        return
    if row.revoked_at is not None:
        when = date_format(row.revoked_at, "DATE_FORMAT")
        reason = row.revoked_reason or _("no reason given")
        verdict.refuse(_("revoked on %(date)s (%(reason)s)") % {"date": when, "reason": reason})
    else:
        verdict.checks.append(_("not revoked (checked with the issuer's records)"))


def _expiry(verdict: Verdict, credential: dict[str, Any], now: datetime) -> None:
    for name in ("validUntil", "expirationDate"):
        until = time_of(credential.get(name))
        if until is not None and until < now:
            verdict.refuse(_("expired on %(date)s") % {"date": date_format(until, "DATE_FORMAT")})
            return
    start = time_of(credential.get("validFrom") or credential.get("issuanceDate"))
    if start is not None and start > now:
        verdict.refuse(_("not valid yet: valid from %(date)s") % {"date": date_format(start, "DATE_FORMAT")})


def verify_jwt(token: str, *, now: datetime) -> Verdict:
    """Verify a VC-JWT (compact JWS) as described in the module docstring."""
    verdict = Verdict(form="jwt")
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        return verdict.refuse(_("this is no readable JWT (%(error)s)") % {"error": error})
    vc = claims.get("vc")
    verdict.credential = vc if isinstance(vc, dict) else claims if "credentialSubject" in claims else None
    alg = header.get("alg")
    if alg in REFUSED_ALGORITHMS or not isinstance(alg, str):
        if alg == "none":
            return verdict.refuse(_("refused: it is not signed (alg “none”)"))
        return verdict.refuse(
            _(
                "refused: alg “%(alg)s” is a shared-secret algorithm; a credential must carry a "
                "public-key signature"
            )
            % {"alg": alg}
        )
    if alg not in ALGORITHMS:
        return verdict.refuse(
            _("refused: alg “%(alg)s”; learnpath verifies ES256 credentials of its own issuers")
            % {"alg": alg}
        )
    public_key = keys.public_key(_kid_name(header.get("kid")))
    if public_key is None:
        return verdict.refuse(
            _("refused: it is not signed with a key this site published (kid “%(kid)s”)")
            % {"kid": header.get("kid", "")}
        )
    try:
        jwt.decode(
            token,
            key=public_key,
            algorithms=list(ALGORITHMS),
            options={"require": ["iss", "jti", "nbf"], "verify_aud": False},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.ExpiredSignatureError:
        return verdict.refuse(_("expired (its “exp” has passed)"))
    except jwt.ImmatureSignatureError:
        return verdict.refuse(_("not valid yet (its “nbf” is in the future)"))
    except jwt.InvalidSignatureError:
        return verdict.refuse(
            _("the signature does not match: the credential was changed after it was signed")
        )
    except jwt.PyJWTError as error:
        return verdict.refuse(_("refused: %(error)s") % {"error": error})
    verdict.checks.append(_("signature verified with the issuer's published key (ES256)"))
    if verdict.credential is None:
        return verdict.refuse(_("the JWT holds no credential (no “vc” claim)"))
    vc = verdict.credential
    for problem in credential_problems(vc):
        verdict.refuse(_("not a valid Open Badges 3.0 credential: %(problem)s") % {"problem": problem})
    issuer = vc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("iss") != issuer_id:
        verdict.refuse(_("wrong issuer: “iss” is not the credential's issuer.id"))
    if claims.get("jti") != vc.get("id"):
        verdict.refuse(_("“jti” is not the credential's id"))
    row = _our_row(vc.get("id"))
    if row is None:
        verdict.refuse(_("this site has no record of issuing this credential"))
    else:
        verdict.credential_public_id = str(row.public_id)
        if row.issuer_id != issuer_id:
            verdict.refuse(
                _("wrong issuer: this credential was issued by %(issuer)s") % {"issuer": row.issuer_id}
            )
        else:
            name = issuer.get("name", "") if isinstance(issuer, dict) else ""
            verdict.checks.append(
                _("issued by %(name)s (%(issuer)s)") % {"name": name, "issuer": row.issuer_id}
            )
    _expiry(verdict, vc, now)
    _status(verdict, row)
    verdict.valid = not verdict.reasons
    return verdict


BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _is_ed25519_multikey(multibase: str) -> bool:
    """Whether a ``z…`` multibase string (base58btc) is an Ed25519 public Multikey: the multicodec prefix
    0xed 0x01 and 32 key bytes (W3C Controlled Identifiers, Multikey). Base58 is a dozen lines, so no
    dependency is added for it."""
    number = 0
    for char in multibase[1:]:
        digit = BASE58.find(char)
        if digit < 0:
            return False
        number = number * 58 + digit
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return len(raw) == 34 and raw[:2] == b"\xed\x01"


def _proof_method_problems(proof: Any) -> list[str]:
    problems = []
    for one in proof if isinstance(proof, list) else [proof]:
        if not isinstance(one, dict):
            problems.append(_("the proof is not an object"))
            continue
        if "verificationMethod" not in one:
            continue  # a proof type learnpath does not know names its key its own way
        method = str(one.get("verificationMethod") or "")
        fragment = method.rsplit("#", 1)[-1] if "#" in method else ""
        if fragment.startswith("z6Mk") and not _is_ed25519_multikey(fragment):
            problems.append(
                _("the proof's verificationMethod names no valid Ed25519 key (“%(k)s”)") % {"k": fragment}
            )
        scheme = method.split(":", 1)[0] if ":" in method else ""
        if not scheme:
            problems.append(_("the proof's verificationMethod has no URI scheme"))
        elif scheme == "did":
            did_method = method.split(":")[1] if method.count(":") >= 2 else ""
            if did_method not in ("key", "web"):
                problems.append(
                    _("the proof's verificationMethod uses an unknown DID method “%(m)s”") % {"m": did_method}
                )
        elif scheme not in ("https", "http"):
            problems.append(_("the proof's verificationMethod has an unknown scheme “%(s)s”") % {"s": scheme})
    return problems


def verify_json(credential: Any, *, now: datetime) -> Verdict:
    """An embedded-proof credential: its structure, dates and proof's key reference are checked; its Data
    Integrity signature is not (learnpath verifies VC-JWT only), so it is never reported valid."""
    verdict = Verdict(form="json", credential=credential if isinstance(credential, dict) else None)
    for problem in credential_problems(credential):
        verdict.refuse(_("not a valid Open Badges 3.0 credential: %(problem)s") % {"problem": problem})
    if not isinstance(credential, dict):
        return verdict
    _expiry(verdict, credential, now)
    proof = credential.get("proof")
    if not proof:
        return verdict.refuse(_("it carries no proof: anyone could have written it"))
    for problem in _proof_method_problems(proof):
        verdict.refuse(problem)
    verdict.refuse(
        _(
            "its embedded proof (Data Integrity) was not checked: learnpath verifies credentials in the "
            "VC-JWT form only"
        )
    )
    return verdict


def verify_text(text: str, *, now: datetime) -> Verdict:
    """Verify what someone pasted: a VC-JWT, or a JSON credential (with a ``proof``)."""
    text = (text or "").strip()
    if not text:
        return Verdict().refuse(_("paste a credential first"))
    if len(text) > MAX_INPUT:
        return Verdict().refuse(_("this is too long to be a credential"))
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return Verdict(form="json").refuse(_("this is no valid JSON"))
        return verify_json(document, now=now)
    return verify_jwt(text, now=now)
