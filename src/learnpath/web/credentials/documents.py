"""Open Badges 3.0 documents: the ``OpenBadgeCredential`` learnpath issues, and a structural check of any
credential's required fields (OB 3.0 §B.1 AchievementCredential and the VC data model 2.0).

No official OB 3.0 JSON Schema ships in a PyPI or npm package that could be found (decision 0091), so
:func:`credential_problems` checks the fields and types the OB 3.0 schema requires, by hand, and says
which one is wrong. Plain data in, plain data out: no Django, no clock, no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"  # defines the schema type
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
STATUS_TYPE = "LearnpathCredentialStatus"  # a documented status endpoint (decision 0091)
# The schema the credential says it follows (OB 3.0 §B.1.1 examples do the same); checked by hand here.
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"


@dataclass(frozen=True)
class Alignment:
    """An alignment of the achievement to one CASE item (OB 3.0 §B.1.3)."""

    target_url: str  # the CASE item's URI (its identifier when that is no URL)
    target_name: str
    target_code: str
    target_framework: str
    target_description: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": ["Alignment"],
            "targetType": "CFItem",
            "targetUrl": self.target_url,
            "targetName": self.target_name or self.target_code,
        }
        if self.target_code:
            out["targetCode"] = self.target_code
        if self.target_framework:
            out["targetFramework"] = self.target_framework
        if self.target_description:
            out["targetDescription"] = self.target_description
        return out


@dataclass(frozen=True)
class BadgeContent:
    """What a credential says, as plain data; ``subject_name`` and ``subject_email`` only by the learner's
    choice (least data: by default the subject is a random identifier that only the badge carries)."""

    credential_id: str
    issuer_id: str
    issuer_name: str
    issuer_url: str
    valid_from: datetime
    achievement_id: str
    achievement_name: str
    achievement_description: str
    criteria: str
    achievement_type: str  # "Competency" for a skill, "Course" for a course
    subject_id: str
    status_url: str
    alignments: tuple[Alignment, ...] = ()
    subject_name: str = ""
    subject_email: str = ""
    email_salt: str = ""
    valid_until: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def iso(moment: datetime) -> str:
    """An aware datetime as the XML Schema dateTimeStamp the VC data model wants (UTC, seconds)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hashed_email(email: str, salt: str) -> str:
    """OB 3.0 IdentityObject hash: ``sha256$`` + hex SHA-256 of the lower-cased address and the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def open_badge_credential(content: BadgeContent) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` (OB 3.0 §B.1.1, VC data model 2.0)."""
    achievement: dict[str, Any] = {
        "id": content.achievement_id,
        "type": ["Achievement"],
        "achievementType": content.achievement_type,
        "name": content.achievement_name,
        "description": content.achievement_description or content.achievement_name,
        "criteria": {"narrative": content.criteria},
    }
    if content.alignments:
        achievement["alignment"] = [a.to_dict() for a in content.alignments]
    subject: dict[str, Any] = {"id": content.subject_id, "type": ["AchievementSubject"]}
    identifiers = []
    if content.subject_name:
        identifiers.append(
            {"type": "IdentityObject", "identityType": "name", "hashed": False,
             "identityHash": content.subject_name}
        )  # fmt: skip
    if content.subject_email:
        identifiers.append(
            {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
             "identityHash": hashed_email(content.subject_email, content.email_salt),
             "salt": content.email_salt}
        )  # fmt: skip
    if identifiers:
        subject["identifier"] = identifiers
    subject["achievement"] = achievement
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT],
        "id": content.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": content.issuer_id,
            "type": ["Profile"],
            "name": content.issuer_name,
            "url": content.issuer_url,
        },
        "validFrom": iso(content.valid_from),
        "name": content.achievement_name,
        "credentialSubject": subject,
        "credentialStatus": {"id": content.status_url, "type": STATUS_TYPE},
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if content.valid_until is not None:
        credential["validUntil"] = iso(content.valid_until)
    credential.update(content.extra)
    return credential


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return []


def _is_uri(value: Any) -> bool:
    return isinstance(value, str) and ":" in value and not value.startswith(":") and " " not in value


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _typed(obj: Any, where: str, expected: str, problems: list[str], *, required: bool = True) -> None:
    if obj is None:
        if required:
            problems.append(f"{where} is missing")
        return
    items = obj if isinstance(obj, list) else [obj]
    for item in items:
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object")
        elif expected not in _types(item.get("type")):
            problems.append(f"{where}.type must include {expected!r} (it is {item.get('type')!r})")


IDENTIFIER_TYPES = {"IdentityObject"}


def credential_problems(credential: Any) -> list[str]:
    """What makes ``credential`` no valid OB 3.0 ``OpenBadgeCredential``/``AchievementCredential``, field
    by field (empty: its structure is valid). Checks the required fields and the ``type`` of every nested
    object the OB 3.0 JSON Schema constrains that learnpath reads; not the proof (see ``verify``)."""
    problems: list[str] = []
    if not isinstance(credential, dict):
        return ["the credential is not a JSON object"]
    context = credential.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if not contexts or contexts[0] not in (VC_CONTEXT, VC1_CONTEXT):
        problems.append(f"@context must start with {VC_CONTEXT!r} (or the VC 1.1 context)")
    if not any(isinstance(c, str) and c.startswith(OB_CONTEXT_PREFIX) for c in contexts):
        problems.append("@context must name the Open Badges 3.0 context")
    types = _types(credential.get("type"))
    if "VerifiableCredential" not in types:
        problems.append("type must include 'VerifiableCredential'")
    if not {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        problems.append("type must include 'OpenBadgeCredential' or 'AchievementCredential'")
    if "id" in credential and not _is_uri(credential["id"]):
        problems.append("id must be a URI")
    issuer = credential.get("issuer")
    if issuer is None:
        problems.append("issuer is missing")
    elif isinstance(issuer, dict):
        if not _is_uri(issuer.get("id")):
            problems.append("issuer.id must be a URI")
        _typed(issuer, "issuer", "Profile", problems)
        _typed(issuer.get("parentOrg"), "issuer.parentOrg", "Profile", problems, required=False)
        _typed(issuer.get("otherIdentifier"), "issuer.otherIdentifier", "IdentifierEntry", problems,
               required=False)  # fmt: skip
    elif not _is_uri(issuer):
        problems.append("issuer must be a Profile or a URI")
    version_2 = contexts and contexts[0] == VC_CONTEXT
    start_field = "validFrom" if version_2 else "issuanceDate"
    if _parse_time(credential.get(start_field)) is None:
        problems.append(f"{start_field} is missing or no date-time with a time zone")
    end_field = "validUntil" if version_2 else "expirationDate"
    if end_field in credential and _parse_time(credential[end_field]) is None:
        problems.append(f"{end_field} is no date-time with a time zone")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        problems.append("credentialSubject must be an object")
    else:
        _typed(subject, "credentialSubject", "AchievementSubject", problems)
        if "id" not in subject and "identifier" not in subject:
            problems.append("credentialSubject needs an id or an identifier")
        _typed(subject.get("identifier"), "credentialSubject.identifier", "IdentityObject", problems,
               required=False)  # fmt: skip
        _typed(subject.get("result"), "credentialSubject.result", "Result", problems, required=False)
        _typed(subject.get("profile"), "credentialSubject.profile", "Profile", problems, required=False)
        _typed(subject.get("source"), "credentialSubject.source", "Profile", problems, required=False)
        achievement = subject.get("achievement")
        _typed(achievement, "credentialSubject.achievement", "Achievement", problems)
        if isinstance(achievement, dict):
            for name in ("id", "name", "description", "criteria"):
                if name not in achievement:
                    problems.append(f"credentialSubject.achievement.{name} is missing")
            _typed(achievement.get("alignment"), "credentialSubject.achievement.alignment", "Alignment",
                   problems, required=False)  # fmt: skip
            _typed(achievement.get("resultDescription"), "credentialSubject.achievement.resultDescription",
                   "ResultDescription", problems, required=False)  # fmt: skip
    _typed(credential.get("evidence"), "evidence", "Evidence", problems, required=False)
    return problems


def time_of(value: Any) -> datetime | None:
    """A credential's date-time field as an aware datetime (None when missing or malformed)."""
    return _parse_time(value)
