"""LTI writes: registering a platform, accepting a checked launch, and the grade passback and roster sync
a platform is owed (docs/decisions/0088-lti-advantage.md). Each write is atomic and audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from learnpath.web.accounts import api as accounts_api
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.lti.launch import Launch, LaunchRefused
from learnpath.web.lti.models import (
    LtiContext,
    LtiDeployment,
    LtiGradeSync,
    LtiIdentity,
    LtiNonce,
    LtiPlatform,
    LtiResourceLink,
)

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


class RegistrationRefused(Exception):
    """A platform registration that cannot be made (unknown organisation, duplicate, bad URL)."""


@dataclass(frozen=True)
class PlatformSpec:
    """What registering a platform takes."""

    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    organisation_id: int
    deployment_ids: tuple[str, ...] = ()
    auth_audience: str = ""
    product: str = ""
    via: str = LtiPlatform.Via.MANUAL


@transaction.atomic
def platform_register(*, spec: PlatformSpec, actor: Any = None) -> LtiPlatform:
    """Register a platform (or update the one with the same issuer and client id) and add its deployments."""
    for url in (spec.issuer, spec.auth_login_url, spec.auth_token_url, spec.key_set_url):
        if not url.startswith(("https://", "http://")):
            raise RegistrationRefused(gettext("{url!r} is not a web address (https://...).").format(url=url))
    platform, created = LtiPlatform.objects.update_or_create(
        issuer=spec.issuer,
        client_id=spec.client_id,
        defaults={
            "name": spec.name,
            "auth_login_url": spec.auth_login_url,
            "auth_token_url": spec.auth_token_url,
            "auth_audience": spec.auth_audience,
            "key_set_url": spec.key_set_url,
            "organisation_id": spec.organisation_id,
            "product": spec.product,
            "via": spec.via,
            "is_active": True,
        },
    )
    for deployment_id in spec.deployment_ids:
        LtiDeployment.objects.get_or_create(platform=platform, deployment_id=deployment_id)
    accounts_api.audit_record(
        actor=actor,
        action="lti.platform_register" if created else "lti.platform_update",
        target_type="lti_platform",
        target_id=platform.pk,
        details={"issuer": spec.issuer, "client_id": spec.client_id, "via": spec.via},
    )
    return platform


@transaction.atomic
def deployment_add(*, platform: LtiPlatform, deployment_id: str, actor: Any = None) -> bool:
    """Accept launches from one more deployment of the platform; True if it is new (audited)."""
    _, created = LtiDeployment.objects.get_or_create(platform=platform, deployment_id=deployment_id)
    if created:
        accounts_api.audit_record(
            actor=actor,
            action="lti.deployment_add",
            target_type="lti_platform",
            target_id=platform.pk,
            details={"deployment_id": deployment_id},
        )
    return created


# -- a launch --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """A launch accepted: who signs in, and where they go (a course, maybe one skill of it, or nowhere)."""

    user_id: int
    role: str
    class_id: int | None
    course_id: str
    skill_id: str
    link_id: int | None


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def launch_accept(launch: Launch) -> Accepted:
    """Write what a checked launch means, all at once: the nonce is spent (a replay is refused), the person
    is found or made, the LMS course gets its class, the link its course, and its grade becomes due."""
    try:
        with transaction.atomic():
            return _accept(launch)
    except IntegrityError as error:  # the nonce was spent by a racing copy of the same launch
        raise LaunchRefused(_replayed()) from error


def _replayed() -> str:
    return gettext("This launch was already used. Open the link in your LMS again for a new one.")


def _accept(launch: Launch) -> Accepted:
    platform = LtiPlatform.objects.get(pk=launch.platform_id)
    if LtiNonce.objects.filter(platform=platform, nonce=launch.nonce).exists():
        raise LaunchRefused(_replayed())
    LtiNonce.objects.create(
        platform=platform, nonce=launch.nonce, expires_at=datetime.fromtimestamp(launch.expires_at, tz=UTC)
    )
    user_id = _person(platform, launch)
    now = timezone.now()
    LtiIdentity.objects.filter(platform=platform, subject=launch.subject).update(last_launch_at=now)
    context = _context(platform, launch, user_id) if launch.context_id else None
    target = _target(launch)
    link = None
    if context is not None and launch.resource_link_id and target[0]:
        link = _link(context, launch, target)
        if launch.role == "learner" and SCORE_SCOPE in link.scopes:
            # Owed at each launch too: a grade that a lost worker run never sent goes now.
            sync, _ = LtiGradeSync.objects.get_or_create(
                link=link, learner_id=user_id, defaults={"subject": launch.subject}
            )
            LtiGradeSync.objects.filter(pk=sync.pk).update(pending=True, changes=F("changes") + 1)
    accounts_api.audit_record(
        actor=None,
        action="lti.launch",
        target_type="user",
        target_id=user_id,
        details={"platform": platform.pk, "message": launch.message_type, "role": launch.role},
    )
    return Accepted(
        user_id=user_id,
        role=launch.role,
        class_id=None if context is None else context.class_id,
        course_id=target[0],
        skill_id=target[1],
        link_id=None if link is None else link.pk,
    )


def _person(platform: LtiPlatform, launch: Launch) -> int:
    identity = LtiIdentity.objects.filter(platform=platform, subject=launch.subject).first()
    if identity is not None:
        user_id = identity.user_id
    else:
        found = (
            accounts_api.roster_person_id(
                organisation_id=platform.organisation_id, sourced_id=launch.person_sourced_id
            )
            if launch.person_sourced_id
            else None
        )
        if found is not None:
            person = accounts_api.person(user_id=found)
            if person is None or (person.role == "teacher") != (launch.role == "teacher"):
                raise LaunchRefused(
                    gettext(
                        "Your LMS account matches a learnpath account from the school's roster with another "
                        "role. Ask your administrator to check the roster; nothing was recorded."
                    )
                )
            user_id = found
        else:
            name = launch.display_name or (
                gettext("Teacher") if launch.role == "teacher" else gettext("Learner")
            )
            user_id = accounts_api.external_person_create(
                username=f"lti-{platform.pk}-{_short(launch.subject)}",
                display_name=name,
                organisation_id=platform.organisation_id,
                teacher=launch.role == "teacher",
            ).id
        LtiIdentity.objects.create(platform=platform, subject=launch.subject, user_id=user_id)
    person = accounts_api.person(user_id=user_id)
    if not accounts_api.person_can_sign_in(user_id=user_id) or person is None:
        raise LaunchRefused(
            gettext(
                "Your learnpath account is switched off. Ask your school's administrator; nothing was "
                "recorded."
            )
        )
    if person.role == "admin" or (person.role == "teacher") != (launch.role == "teacher"):
        raise LaunchRefused(
            gettext(
                "Your role in this LMS course ({lms}) differs from your learnpath account's ({here}). Ask "
                "your administrator; nothing was recorded."
            ).format(lms=launch.role, here=person.role)
        )
    return user_id


def _context(platform: LtiPlatform, launch: Launch, user_id: int) -> LtiContext:
    context = LtiContext.objects.filter(platform=platform, context_id=launch.context_id).first()
    if context is None:
        title = launch.context_title or gettext("LMS course {id}").format(id=launch.context_id)
        klass = accounts_api.class_create_unstaffed(
            organisation_id=platform.organisation_id,
            slug=f"lti-{platform.pk}-{_short(launch.context_id)}",
            name=title[:200],
        )
        context = LtiContext.objects.create(
            platform=platform, context_id=launch.context_id, title=title, class_id=klass.id
        )
    if launch.nrps_url and context.memberships_url != launch.nrps_url:
        context.memberships_url = launch.nrps_url
        context.save(update_fields=["memberships_url"])
    if launch.role == "teacher":
        if user_id not in {t.id for t in accounts_api.class_teachers(class_id=context.class_id)}:
            accounts_api.class_teacher_add(class_id=context.class_id, teacher_id=user_id, actor=None)
    else:
        accounts_api.class_learner_add(class_id=context.class_id, learner_id=user_id, actor=None)
    return context


def _target(launch: Launch) -> tuple[str, str]:
    """The course and skill the link points at: its custom parameters, set when a teacher deep-linked it
    (or typed by an administrator as ``course=...`` and ``skill=...``)."""
    course_id = launch.custom.get("course", "").strip()
    skill_id = launch.custom.get("skill", "").strip()
    if course_id and curriculum_api.course_info(course_id=course_id) is None:
        raise LaunchRefused(
            gettext(
                "This LMS link points at the course {course!r}, which learnpath does not have. Ask your "
                "teacher to link it again; nothing was recorded."
            ).format(course=course_id)
        )
    return course_id, skill_id


def _link(context: LtiContext, launch: Launch, target: tuple[str, str]) -> LtiResourceLink:
    course_id, skill_id = target
    fields: dict[str, Any] = {
        "title": launch.resource_link_title,
        "course_id": course_id,
        "skill_id": skill_id,
        "skill_columns": launch.custom.get("skill_columns", "") == "yes",
    }
    if launch.ags_scopes:
        fields.update(
            lineitems_url=launch.ags_lineitems,
            lineitem_url=launch.ags_lineitem,
            scopes=list(launch.ags_scopes),
        )
    link, _ = LtiResourceLink.objects.update_or_create(
        context=context, resource_link_id=launch.resource_link_id, defaults=fields
    )
    curriculum_api.class_course_attach(class_id=context.class_id, course_id=course_id, actor=None)
    return link


def nonces_forget(*, now: datetime) -> int:
    """Delete the nonces of launches that have expired (they cannot be replayed any more)."""
    return LtiNonce.objects.filter(expires_at__lt=now).delete()[0]
