"""learnpath's own LTI key pair: made on first use, published at /lti/jwks/, rotated by an operator.

The private key signs what learnpath sends a platform (deep-linking responses, the client assertion of a
token request); it never leaves the database. Platforms fetch the public keys from the JWKS URL, so a
rotation needs nothing from the LMS: the new key signs from now on, and the retired one stays published for
``RETIRED_KEPT`` so that anything signed just before still verifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone
from jwcrypto.jwk import JWK

from learnpath.web.lti.models import LtiToolKey

RETIRED_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class ToolKey:
    """The key that signs now: its id and both halves in PEM."""

    kid: str
    private_key_pem: str
    public_key_pem: str


def _new_key() -> LtiToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    kid = JWK.from_pem(public_pem.encode("ascii")).thumbprint()
    return LtiToolKey.objects.create(kid=kid, private_key_pem=private_pem, public_key_pem=public_pem)


def current_key() -> ToolKey:
    """The signing key, made on first use (one at a time, whoever asks first)."""
    with transaction.atomic():
        row = LtiToolKey.objects.select_for_update().filter(retired_at=None).order_by("-id").first()
        if row is None:
            row = _new_key()
    return ToolKey(row.kid, row.private_key_pem, row.public_key_pem)


@transaction.atomic
def key_rotate() -> ToolKey:
    """Retire the signing key and make a new one; keys retired more than ``RETIRED_KEPT`` ago are deleted."""
    now = timezone.now()
    LtiToolKey.objects.filter(retired_at=None).update(retired_at=now)
    LtiToolKey.objects.filter(retired_at__lt=now - RETIRED_KEPT).delete()
    row = _new_key()
    return ToolKey(row.kid, row.private_key_pem, row.public_key_pem)


def public_jwks() -> dict[str, Any]:
    """Every published public key as a JWK Set (RFC 7517), with ``kid``, ``alg`` and ``use``."""
    current_key()
    keys = []
    for kid, public_pem in LtiToolKey.objects.order_by("id").values_list("kid", "public_key_pem"):
        jwk = json.loads(JWK.from_pem(public_pem.encode("ascii")).export_public())
        keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
    return {"keys": keys}
