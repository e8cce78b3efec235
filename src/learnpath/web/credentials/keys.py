"""The issuer's signing keys: ECDSA P-256 (ES256, RFC 7518 §3.4), made once, kept in the database, rotated
on demand.

ES256 rather than EdDSA: RFC 9864 deprecates the polymorphic ``EdDSA`` JOSE algorithm (joserfc already
warns about it), and ES256 is fully specified and known to every JOSE library and VC-JWT verifier
(decision 0091). The private key is made by ``cryptography`` and never leaves this module but as a signing
key object; the public keys (every key ever used, retired ones too, so old credentials stay verifiable) are
published as a JWKS (RFC 7517). A key's ``kid`` is its RFC 7638 JWK thumbprint.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from jwt.algorithms import ECAlgorithm

from learnpath.web.credentials.models import IssuerKey

ALGORITHM = "ES256"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk_of(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The public key as an EC JWK (RFC 7518 §6.2) with its thumbprint as ``kid``."""
    jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
    plain = {name: str(jwk[name]) for name in ("crv", "kty", "x", "y")}
    return {**plain, "kid": jwk_thumbprint(plain), "alg": ALGORITHM, "use": "sig"}


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint of an EC JWK: SHA-256 of its required members in lexicographic order."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return _b64url(hashlib.sha256(canonical).digest())


def _key_create(*, now: datetime) -> IssuerKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    jwk = public_jwk_of(private.public_key())
    return IssuerKey.objects.create(kid=jwk["kid"], private_pem=pem, public_jwk=jwk, created_at=now)


def signing_key(*, now: datetime) -> tuple[str, ec.EllipticCurvePrivateKey, dict[str, str]]:
    """(kid, private key, public JWK) of the key that signs now; made at the first use."""
    with transaction.atomic():
        row = IssuerKey.objects.select_for_update().filter(retired_at__isnull=True).first()
        if row is None:
            row = _key_create(now=now)
    private = serialization.load_pem_private_key(row.private_pem.encode("ascii"), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    return str(row.kid), private, dict(row.public_jwk)


def key_rotate(*, now: datetime) -> str:
    """Retire the signing key (it stays published and verifiable) and make a new one; returns its kid."""
    with transaction.atomic():
        IssuerKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
        return str(_key_create(now=now).kid)


def public_key(kid: str) -> ec.EllipticCurvePublicKey | None:
    """The public key with this kid, current or retired; None for a key this site never had."""
    jwk = IssuerKey.objects.filter(kid=kid).values_list("public_jwk", flat=True).first()
    if jwk is None:
        return None
    key = ECAlgorithm.from_jwk(json.dumps(jwk))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def jwks() -> dict[str, list[dict[str, Any]]]:
    """Every public key this site signed with (newest first), as a JWK Set."""
    return {"keys": [dict(jwk) for jwk in IssuerKey.objects.values_list("public_jwk", flat=True)]}
