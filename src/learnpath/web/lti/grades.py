"""Mastery passed back to the LMS gradebook (LTI Assignment and Grade Services 2.0), and the class roster
read from it (Names and Role Provisioning Services 2.0). Run by the worker; the calls go to the platform.

What the gradebook gets for one learner on one link:

- the link's own column (its line item): the skills of the link the learner has mastered, out of the
  link's skills (a skill link: 1 of 1 or 0 of 1), ``activityProgress`` Initialized / InProgress /
  Completed, ``gradingProgress`` FullyGraded (the score is learnpath's current judgement; it is sent
  again when mastery changes, and a lapsed skill lowers it), a comment naming the skills mastered, and
  the same facts per skill in the score's ``MASTERY_EXTENSION`` claim;
- with ``skill_columns`` (chosen by the teacher when linking a course) and the line-item scope, also one
  column per skill (1 mastered, 0 not), made by learnpath under the link (``resourceId`` = the skill id,
  ``tag`` = ``SKILL_TAG``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.contrib.django import DjangoServiceConnector
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService

from learnpath.web.accounts import api as accounts_api
from learnpath.web.learning import api as learning_api
from learnpath.web.lti.http import lms_session
from learnpath.web.lti.launch import LEARNER_ROLES, TEACHER_ROLES, registration_of
from learnpath.web.lti.models import LtiContext, LtiGradeSync, LtiIdentity, LtiResourceLink
from learnpath.web.lti.services import LINEITEM_SCOPE, _short

MASTERY_EXTENSION = "https://learnpath.org/spec/lti-ags/claim/mastery"
SKILL_TAG = "learnpath-skill-mastery"
LINK_TAG = "learnpath-mastery"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MAX_ATTEMPTS_SHOWN = 1000


@dataclass(frozen=True)
class Mastery:
    """One learner's mastery of a link's skills."""

    skills: tuple[tuple[str, str], ...]  # (skill id, name), in the course's order
    mastered: frozenset[str]
    answered: bool

    @property
    def given(self) -> int:
        return sum(1 for skill_id, _ in self.skills if skill_id in self.mastered)

    @property
    def activity(self) -> str:
        if self.skills and self.given == len(self.skills):
            return "Completed"
        return "InProgress" if self.answered else "Initialized"


def mastery_of(link: LtiResourceLink, learner_id: int) -> Mastery:
    """The learner's mastery of the link's skills (the whole course, or its one skill)."""
    names = learning_api.course_skill_names(course_id=link.course_id)
    skills = tuple((s, n) for s, n in names if not link.skill_id or s == link.skill_id)
    wanted = {s for s, _ in skills}
    rows = [
        r
        for r in learning_api.skill_progress_rows(learner_ids=[learner_id], course_id=link.course_id)
        if r.skill_id in wanted
    ]
    return Mastery(
        skills=skills,
        mastered=frozenset(r.skill_id for r in rows if r.mastered),
        answered=any(r.answers for r in rows),
    )


def score_of(mastery: Mastery, *, subject: str, now: Any) -> dict[str, Any]:
    """The AGS score (as JSON) for the link's own column."""
    names = [n for s, n in mastery.skills if s in mastery.mastered]
    comment = f"Mastered {mastery.given} of {len(mastery.skills)} skills" + (
        f": {', '.join(names)}" if names else ""
    )
    return {
        "userId": subject,
        "scoreGiven": mastery.given,
        "scoreMaximum": len(mastery.skills),
        "activityProgress": mastery.activity,
        "gradingProgress": "FullyGraded",
        "timestamp": now.isoformat(),
        "comment": comment[:1000],
        MASTERY_EXTENSION: {
            "mastered": sorted(mastery.mastered),
            "skills": [s for s, _ in mastery.skills],
        },
    }


def _grade(score: dict[str, Any]) -> Grade:
    grade = (
        Grade()
        .set_user_id(score["userId"])
        .set_score_given(score["scoreGiven"])
        .set_score_maximum(score["scoreMaximum"])
        .set_activity_progress(score["activityProgress"])
        .set_grading_progress(score["gradingProgress"])
        .set_timestamp(score["timestamp"])
        .set_comment(score["comment"])
    )
    extra = {k: v for k, v in score.items() if k.startswith("https://")}
    return grade.set_extra_claims(extra) if extra else grade


def _service(link: LtiResourceLink) -> AssignmentsGradesService:
    connector = DjangoServiceConnector(registration_of(link.context.platform), requests_session=lms_session())
    return AssignmentsGradesService(
        connector,
        {
            "scope": list(link.scopes),
            "lineitems": link.lineitems_url or None,
            "lineitem": link.lineitem_url or None,
        },
    )


def grade_send(sync: LtiGradeSync, *, now: Any) -> dict[str, Any]:
    """Send one learner's mastery of one link to the platform; returns the score sent. Raises
    ``LtiException`` (and its subclasses) when the platform refuses or cannot be reached."""
    link = sync.link
    mastery = mastery_of(link, sync.learner_id)
    score = score_of(mastery, subject=sync.subject, now=now)
    service = _service(link)
    if link.lineitem_url:
        service.put_grade(_grade(score))
    else:
        column = (
            LineItem()
            .set_label(link.title or link.course_id)
            .set_score_maximum(len(mastery.skills))
            .set_resource_id(link.skill_id or link.course_id)
            .set_resource_link_id(link.resource_link_id)
            .set_tag(f"{LINK_TAG}-{_short(link.resource_link_id)}")
        )
        service.put_grade(_grade(score), column)
    if link.skill_columns and LINEITEM_SCOPE in link.scopes:
        for skill_id, name in mastery.skills:
            column = (
                LineItem()
                .set_label(name)
                .set_score_maximum(1)
                .set_resource_id(skill_id)
                .set_resource_link_id(link.resource_link_id)
                .set_tag(f"{SKILL_TAG}-{_short(link.resource_link_id + '/' + skill_id)}")
            )
            one = Mastery(skills=((skill_id, name),), mastered=mastery.mastered, answered=mastery.answered)
            service.put_grade(_grade(score_of(one, subject=sync.subject, now=now)), column)
    return score


def grades_mark_due(*, learner_id: int, course_id: str) -> int:
    """Mark the learner's grades in the course's LMS links as owed (something changed); returns how many."""
    return LtiGradeSync.objects.filter(learner_id=learner_id, link__course_id=course_id).update(
        pending=True, changes=F("changes") + 1
    )


def grades_send_pending(*, limit: int = 200) -> dict[str, int]:
    """Send every owed grade (the worker's job): each one that the platform accepts stops being owed, unless
    it changed again while it was sent; one that fails stays owed, with its error, for the next run."""
    sent = failed = 0
    due = LtiGradeSync.objects.filter(pending=True).select_related("link__context__platform").order_by("id")
    for sync in list(due[:limit]):
        if not sync.link.context.platform.is_active:
            continue
        now = timezone.now()
        try:
            score = grade_send(sync, now=now)
        except (LtiException, OSError, ValueError) as error:
            failed += 1
            LtiGradeSync.objects.filter(pk=sync.pk).update(
                attempts=min(sync.attempts + 1, MAX_ATTEMPTS_SHOWN), last_error=str(error)[:2000]
            )
            continue
        sent += 1
        LtiGradeSync.objects.filter(pk=sync.pk).update(attempts=0, last_error="", sent=score, sent_at=now)
        LtiGradeSync.objects.filter(pk=sync.pk, changes=sync.changes).update(pending=False)
    return {"sent": sent, "failed": failed}


# -- the roster (Names and Role Provisioning) --------------------------------------------------------------


@dataclass(frozen=True)
class RosterSync:
    """What a roster sync did to the class."""

    added: int
    removed: int
    members: int


def roster_sync(context: LtiContext) -> RosterSync:
    """Read the LMS course's members and make the class match: learners who are new or back are enrolled
    (an account made for those who have not launched yet), learners who left or are inactive leave the
    class (their history stays). Teachers are not added this way: they join when they launch."""
    platform = context.platform
    connector = DjangoServiceConnector(registration_of(platform), requests_session=lms_session())
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": context.memberships_url})
    members = service.get_members()
    learners: dict[str, dict[str, Any]] = {}
    for member in members:
        roles = set(member.get("roles") or [])
        if roles & LEARNER_ROLES and not roles & TEACHER_ROLES:
            learners[str(member["user_id"])] = dict(member)
    added = removed = 0
    with transaction.atomic():
        known = dict(
            LtiIdentity.objects.filter(platform=platform, subject__in=list(learners)).values_list(
                "subject", "user_id"
            )
        )
        enrolled = {p.id for p in accounts_api.class_learners(class_id=context.class_id)}
        active_ids = set()
        for subject, member in learners.items():
            if str(member.get("status", "Active")) != "Active":
                continue
            user_id = known.get(subject)
            if user_id is None:
                name = str(member.get("given_name") or member.get("name") or "").strip()[:150]
                user_id = accounts_api.external_person_create(
                    username=f"lti-{platform.pk}-{_short(subject)}",
                    display_name=name or "Learner",
                    organisation_id=platform.organisation_id,
                    teacher=False,
                ).id
                LtiIdentity.objects.create(platform=platform, subject=subject, user_id=user_id)
            active_ids.add(user_id)
            if accounts_api.class_learner_add(class_id=context.class_id, learner_id=user_id, actor=None):
                added += 1
        lti_learners = set(LtiIdentity.objects.filter(platform=platform).values_list("user_id", flat=True))
        for learner_id in (enrolled & lti_learners) - active_ids:
            if accounts_api.class_learner_remove(
                class_id=context.class_id, learner_id=learner_id, actor=None
            ):
                removed += 1
        LtiContext.objects.filter(pk=context.pk).update(roster_synced_at=timezone.now(), roster_error="")
    return RosterSync(added=added, removed=removed, members=len(members))


def roster_sync_safely(context_id: int) -> str:
    """``roster_sync`` for the worker: a failure is kept on the context for its teachers to see."""
    context = LtiContext.objects.select_related("platform").get(pk=context_id)
    if not context.memberships_url:
        return "no roster service for this LMS course"
    try:
        result = roster_sync(context)
    except (LtiException, OSError, ValueError, KeyError) as error:
        LtiContext.objects.filter(pk=context.pk).update(roster_error=str(error)[:2000])
        return f"roster sync failed: {error}"
    return f"roster: {result.members} members, {result.added} enrolled, {result.removed} left"
