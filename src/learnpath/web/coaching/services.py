"""Writes for coaching. Each is atomic and writes its audit row in the same transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.api import ClassInfo, PersonInfo
from learnpath.web.coaching.models import (
    EnrolmentRequest,
    EnrolmentRequestStatus,
    InboxState,
    Intervention,
    InterventionKind,
    InterventionLearner,
    JoinCode,
    LearnerGroup,
    PacingTarget,
)
from learnpath.web.coaching.roster_csv import RosterRow
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api

# No 0/O, 1/I/L: a code read aloud or copied from a board comes out right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class CoachingError(ValueError):
    """A request that cannot be done, with a message a teacher can act on."""


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A typed code without spaces or dashes, upper case."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:32]


@transaction.atomic
def class_create(*, teacher: Any, name: str) -> ClassInfo:
    """A new class in the teacher's organisation, taught by them, with a join code."""
    name = " ".join(name.split())[:200]
    if not name:
        raise CoachingError(gettext("Give the class a name, e.g. “7B maths”."))
    organisation_id = accounts_api.user_organisation_id(teacher)
    if organisation_id is None:
        raise CoachingError(
            gettext("You are not a member of a school or organisation; an administrator can add you.")
        )
    base = slugify(name)[:60] or "class"
    slug, n = base, 1
    while accounts_api.class_slug_taken(organisation_id=organisation_id, slug=slug):
        n += 1
        slug = f"{base}-{n}"
    klass = accounts_api.class_create(organisation_id=organisation_id, slug=slug, name=name, teacher=teacher)
    JoinCode.objects.create(klass_id=klass.id, code=_code())
    return klass


@transaction.atomic
def join_code_reset(*, class_id: int, actor: Any) -> JoinCode:
    """Replace the class's join code (the old one stops working at once) and switch it on."""
    code, _ = JoinCode.objects.select_for_update().get_or_create(
        klass_id=class_id, defaults={"code": _code()}
    )
    code.code = _code()
    code.active = True
    code.save()
    accounts_api.audit_record(
        actor=actor, action="class.join_code_reset", target_type="class", target_id=class_id
    )
    return code


@transaction.atomic
def join_code_set_active(*, class_id: int, active: bool, actor: Any) -> None:
    """Switch the join code on or off."""
    JoinCode.objects.filter(klass_id=class_id).update(active=active)
    accounts_api.audit_record(
        actor=actor,
        action="class.join_code_active",
        target_type="class",
        target_id=class_id,
        details={"active": active},
    )


NO_SUCH_CODE = gettext_lazy(
    "No class has that code. Check it with your teacher (codes have 8 letters and digits)."
)


@transaction.atomic
def class_join(*, learner: Any, code: str) -> ClassInfo:
    """Enrol a learner in the class whose active code this is (their own organisation's classes only)."""
    join = JoinCode.objects.filter(code=normalise_code(code), active=True).first()
    if join is None or learner.role != "learner":
        raise CoachingError(NO_SUCH_CODE)
    klass = accounts_api.class_info(class_id=join.klass_id)
    if klass is None or klass.archived or klass.organisation_id != accounts_api.user_organisation_id(learner):
        raise CoachingError(NO_SUCH_CODE)
    accounts_api.class_learner_add(class_id=klass.id, learner_id=learner.pk, actor=learner)
    return klass


def class_course_attach(*, class_id: int, course_id: str, actor: Any) -> None:
    """Attach a course to a class (the caller has checked the teacher may see the course). The link is
    curriculum's (``curriculum.api.class_course_attach``, audited there, decision 0079)."""
    curriculum_api.class_course_attach(class_id=class_id, course_id=course_id, actor=actor)


@dataclass
class RowCheck:
    """A CSV row checked against the accounts: what confirming would do, or why it cannot.

    ``action``: ``"create"`` (a new account), ``"enrol"`` (a learner of the school joins at once),
    ``"request"`` (a learner of another teacher's class: their teacher is asked first), ``"already"``.
    A username held by anyone but a learner of the school is a ``"create"`` like a free one, so the preview
    never tells whether it exists in another school (decision 0075); ``taken`` remembers it for the
    confirming step, which then makes nothing for that row.
    """

    row: RosterRow
    action: str = ""
    errors: list[str] = field(default_factory=list)
    learner_id: int | None = None
    taken: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.row.errors


def roster_check(
    *, rows: tuple[RosterRow, ...], class_id: int, organisation_id: int, teacher: Any
) -> list[RowCheck]:
    """What confirming the upload would do for each row, for ``teacher``. Reads only: four queries.

    A learner of the school joins at once when they are in no class, or already in a class of this
    teacher; one who is only in other teachers' classes needs one of those teachers (or an administrator)
    to agree (decision 0075).
    """
    in_class = {learner.username.lower() for learner in accounts_api.class_learners(class_id=class_id)}
    people = accounts_api.people_by_username(usernames=[row.username for row in rows if row.ok])
    learners = {
        person.id
        for person in people.values()
        if person.role == "learner" and person.organisation_id == organisation_id
    }
    teachers_of: dict[int, set[int]] = {}
    for membership in accounts_api.memberships_of_learners(learner_ids=learners):
        teachers_of.setdefault(membership.learner_id, set()).update(membership.teacher_ids)
    may_enrol_anyone = accounts_api.user_is_platform_admin(teacher)
    checks = []
    for row in rows:
        check = RowCheck(row=row)
        if row.ok:
            person = people.get(row.username)
            if row.username.lower() in in_class:
                check.action = "already"
            elif person is None or person.id not in learners:
                check.action = "create"
                check.taken = person is not None
            else:
                check.learner_id = person.id
                teachers = teachers_of.get(person.id, set())
                mine = may_enrol_anyone or not teachers or teacher.pk in teachers
                check.action = "enrol" if mine else "request"
        checks.append(check)
    return checks


@dataclass(frozen=True)
class EnrolResult:
    enrolled: list[str]
    created: list[tuple[str, str]]  # (username, first password), shown once
    skipped: int
    requested: list[str] = field(default_factory=list)  # their teacher is asked to agree first
    taken: list[str] = field(default_factory=list)  # a username held by someone who cannot join


@transaction.atomic
def class_roster_enrol(
    *, class_id: int, organisation_id: int, rows: tuple[RosterRow, ...], actor: Any
) -> EnrolResult:
    """Enrol the valid rows of a checked class list: existing learners join, new ones get an account, and
    a learner of another teacher's class gets an enrolment request (decision 0075).

    Rows are checked again here (the accounts may have changed since the preview); a row that fails now
    is skipped, never half-done. New accounts get a random first password, returned once to show.
    """
    enrolled: list[str] = []
    created: list[tuple[str, str]] = []
    requested: list[str] = []
    taken: list[str] = []
    skipped = 0
    now = timezone.now()
    for check in roster_check(rows=rows, class_id=class_id, organisation_id=organisation_id, teacher=actor):
        if not check.ok or check.action == "already":
            skipped += not check.ok
            continue
        if check.action == "request" and check.learner_id is not None:
            enrolment_request_create(class_id=class_id, learner_id=check.learner_id, actor=actor, now=now)
            requested.append(check.row.username)
            continue
        if check.action == "create":
            if check.taken:
                taken.append(check.row.username)
                continue
            password = accounts_api.password_generate()
            try:
                with transaction.atomic():
                    person = accounts_api.learner_create(
                        username=check.row.username,
                        display_name=check.row.display_name,
                        organisation_id=organisation_id,
                        password=password,
                        actor=actor,
                    )
            except IntegrityError:  # the same user name taken a moment ago
                taken.append(check.row.username)
                continue
            created.append((person.username, password))
            learner_id = person.id
        else:
            assert check.learner_id is not None
            learner_id = check.learner_id
        accounts_api.class_learner_add(class_id=class_id, learner_id=learner_id, actor=actor)
        EnrolmentRequest.objects.filter(
            klass_id=class_id, learner_id=learner_id, status=EnrolmentRequestStatus.PENDING
        ).update(status=EnrolmentRequestStatus.WITHDRAWN, decided_at=now)
        enrolled.append(check.row.username)
    accounts_api.audit_record(
        actor=actor,
        action="class.roster_upload",
        target_type="class",
        target_id=class_id,
        details={
            "enrolled": len(enrolled),
            "created": len(created),
            "requested": len(requested),
            "taken": len(taken),
            "skipped": skipped,
        },
    )
    return EnrolResult(enrolled=enrolled, created=created, skipped=skipped, requested=requested, taken=taken)


@transaction.atomic
def enrolment_request_create(*, class_id: int, learner_id: int, actor: Any, now: datetime) -> bool:
    """Ask to enrol a learner of another teacher's class (audited); False if one already waits."""
    pending = EnrolmentRequest.objects.select_for_update().filter(
        klass_id=class_id, learner_id=learner_id, status=EnrolmentRequestStatus.PENDING
    )
    if pending.exists():
        return False
    request = EnrolmentRequest.objects.create(
        klass_id=class_id, learner_id=learner_id, requested_by=actor, requested_at=now
    )
    accounts_api.audit_record(
        actor=actor,
        action="class.enrolment_request",
        target_type="class",
        target_id=class_id,
        details={"learner": learner_id, "request": request.pk},
    )
    return True


@transaction.atomic
def enrolment_request_decide(*, request: EnrolmentRequest, accept: bool, actor: Any, now: datetime) -> None:
    """Accept (the learner joins the class) or decline a pending request; audited. The caller has checked
    that ``actor`` may decide it (``access.access_enrolment_request_to_decide``)."""
    locked = EnrolmentRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != EnrolmentRequestStatus.PENDING:
        raise CoachingError(gettext("That request was answered already."))
    locked.status = EnrolmentRequestStatus.ACCEPTED if accept else EnrolmentRequestStatus.DECLINED
    locked.decided_by = actor
    locked.decided_at = now
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    if accept:
        accounts_api.class_learner_add(class_id=locked.klass_id, learner_id=locked.learner_id, actor=actor)
    accounts_api.audit_record(
        actor=actor,
        action="class.enrolment_accept" if accept else "class.enrolment_decline",
        target_type="class",
        target_id=locked.klass_id,
        details={"learner": locked.learner_id, "request": locked.pk, "requested_by": locked.requested_by_id},
    )


@transaction.atomic
def class_learner_remove(*, class_id: int, learner_id: int, actor: Any) -> bool:
    """Take a learner out of the class (audited by accounts): out of its groups and its pacing targets for
    them alone too. Their own records stay theirs; the class's interventions keep what was done."""
    if not accounts_api.class_learner_remove(class_id=class_id, learner_id=learner_id, actor=actor):
        return False
    LearnerGroup.learners.through.objects.filter(learnergroup__klass_id=class_id, user_id=learner_id).delete()
    PacingTarget.objects.filter(klass_id=class_id, learner_id=learner_id).delete()
    return True


@transaction.atomic
def class_archive(*, class_id: int, actor: Any) -> bool:
    """Archive the class (audited by accounts): its join code stops working and the enrolment requests
    into it that still wait are withdrawn. Memberships, groups, pacing and interventions stay."""
    if not accounts_api.class_archive(class_id=class_id, actor=actor):
        return False
    JoinCode.objects.filter(klass_id=class_id).update(active=False)
    EnrolmentRequest.objects.filter(klass_id=class_id, status=EnrolmentRequestStatus.PENDING).update(
        status=EnrolmentRequestStatus.WITHDRAWN, decided_at=timezone.now()
    )
    return True


def class_restore(*, class_id: int, actor: Any) -> bool:
    """Bring an archived class back as it was (audited by accounts); its join code stays off until the
    teacher switches it on."""
    return accounts_api.class_restore(class_id=class_id, actor=actor)


NO_SUCH_TEACHER = gettext_lazy(
    "No teacher of your school has that username. Ask them for the username they sign in with; "
    "only teachers of your school can teach a class with you."
)


@transaction.atomic
def class_co_teacher_add(*, klass: ClassInfo, username: str, actor: Any) -> PersonInfo:
    """Make a teacher of the class's school a co-teacher (audited by accounts): they see and run the class
    like its first teacher. Anyone else, in this school or another, gets the one ``NO_SUCH_TEACHER``."""
    person = accounts_api.person_by_username(username=username.strip()) if username.strip() else None
    if (
        person is None
        or person.role not in ("teacher", "admin")
        or person.organisation_id != klass.organisation_id
    ):
        raise CoachingError(NO_SUCH_TEACHER)
    if any(teacher.id == person.id for teacher in accounts_api.class_teachers(class_id=klass.id)):
        raise CoachingError(
            gettext("%(name)s already teaches %(class)s.") % {"name": person.username, "class": klass.name}
        )
    accounts_api.class_teacher_add(class_id=klass.id, teacher_id=person.id, actor=actor)
    return person


@transaction.atomic
def group_create(*, class_id: int, name: str, learner_ids: list[int], actor: Any) -> LearnerGroup:
    """A small group of learners of the class."""
    allowed = {learner.id for learner in accounts_api.class_learners(class_id=class_id)}
    members = [i for i in learner_ids if i in allowed]
    if not members:
        raise CoachingError(gettext("Choose at least one learner of this class for the group."))
    group = LearnerGroup.objects.create(klass_id=class_id, name=" ".join(name.split())[:120] or "Group")
    group.learners.set(members)
    accounts_api.audit_record(
        actor=actor,
        action="class.group_create",
        target_type="class",
        target_id=class_id,
        details={"group": group.pk, "learners": members},
    )
    return group


@transaction.atomic
def pacing_target_create(
    *,
    class_id: int,
    course_id: str,
    skill_id: str,
    due: datetime,
    actor: Any,
    group_id: int | None = None,
    learner_id: int | None = None,
) -> PacingTarget:
    """A target skill with a due date for the class, one of its groups, or one of its learners."""
    if group_id is not None and not LearnerGroup.objects.filter(pk=group_id, klass_id=class_id).exists():
        raise CoachingError(gettext("That group is not in this class."))
    if learner_id is not None and learner_id not in {
        p.id for p in accounts_api.class_learners(class_id=class_id)
    }:
        raise CoachingError(gettext("That learner is not in this class."))
    target = PacingTarget.objects.create(
        klass_id=class_id,
        course_id=course_id,
        skill_id=skill_id,
        due=due,
        group_id=group_id,
        learner_id=learner_id,
        created_by=actor,
    )
    accounts_api.audit_record(
        actor=actor,
        action="pacing.create",
        target_type="pacing_target",
        target_id=target.pk,
        details={
            "class": class_id,
            "skill": skill_id,
            "due": due.isoformat(),
            "group": group_id,
            "learner": learner_id,
        },
    )
    return target


@transaction.atomic
def pacing_shift(*, class_id: int, days: int, actor: Any, target_ids: list[int] | None = None) -> int:
    """Move due dates of the class's targets (all, or the given ones) by ``days``; returns how many."""
    if not -365 <= days <= 365 or days == 0:
        raise CoachingError(gettext("Shift by a number of days between -365 and 365 (not 0)."))
    targets = PacingTarget.objects.select_for_update().filter(klass_id=class_id)
    if target_ids is not None:
        targets = targets.filter(pk__in=target_ids)
    moved = 0
    for target in targets:
        target.due += timedelta(days=days)
        target.save(update_fields=["due"])
        moved += 1
    accounts_api.audit_record(
        actor=actor,
        action="pacing.shift",
        target_type="class",
        target_id=class_id,
        details={"days": days, "targets": moved},
    )
    return moved


@transaction.atomic
def pacing_target_delete(*, class_id: int, target_id: int, actor: Any) -> None:
    deleted, _ = PacingTarget.objects.filter(pk=target_id, klass_id=class_id).delete()
    if deleted:
        accounts_api.audit_record(
            actor=actor, action="pacing.delete", target_type="pacing_target", target_id=target_id
        )


@transaction.atomic
def intervention_record(
    *,
    class_id: int,
    kind: str,
    course_id: str,
    skill_id: str,
    note: str,
    learner_ids: list[int],
    actor: Any,
    now: datetime,
    due: datetime | None = None,
) -> Intervention:
    """Record what a teacher did for some learners, with their P(mastered) of the skill at this moment.

    An ``assignment`` with a due date also puts the skill on each learner's pacing guide.
    """
    if kind not in InterventionKind.values:
        raise CoachingError(
            gettext("Choose one of: %(kinds)s.") % {"kinds": ", ".join(InterventionKind.labels)}
        )
    allowed = {learner.id for learner in accounts_api.class_learners(class_id=class_id)}
    learners = sorted({i for i in learner_ids if i in allowed})
    if not learners:
        raise CoachingError(gettext("Choose at least one learner of this class."))
    if kind == InterventionKind.ASSIGNMENT and (not skill_id or due is None):
        raise CoachingError(gettext("An assignment needs a skill and a due date."))
    intervention = Intervention.objects.create(
        klass_id=class_id,
        kind=kind,
        course_id=course_id,
        skill_id=skill_id,
        note=note[:4000],
        created_by=actor,
        created_at=now,
    )
    before = {
        row.learner_id: row
        for row in learning_api.skill_progress_rows(learner_ids=learners, course_id=course_id)
        if row.skill_id == skill_id
    }
    InterventionLearner.objects.bulk_create(
        InterventionLearner(
            intervention=intervention,
            learner_id=learner_id,
            p_before=before[learner_id].p_mastered if learner_id in before else None,
            answers_before=before[learner_id].answers if learner_id in before else 0,
        )
        for learner_id in learners
    )
    if kind == InterventionKind.ASSIGNMENT and due is not None:
        for learner_id in learners:
            pacing_target_create(
                class_id=class_id,
                course_id=course_id,
                skill_id=skill_id,
                due=due,
                actor=actor,
                learner_id=learner_id,
            )
    accounts_api.audit_record(
        actor=actor,
        action="intervention.record",
        target_type="intervention",
        target_id=intervention.pk,
        details={"class": class_id, "kind": kind, "skill": skill_id, "learners": learners},
    )
    return intervention


DEMO_COURSE_ID = "numbers-to-equations"
DEMO_CLASS_LEARNERS = (
    "Amira K.",
    "Ben O.",
    "Chen L.",
    "Dara M.",
    "Eli R.",
    "Farah S.",
    "Gus T.",
    "Hana Y.",
    "Ivo P.",
    "Jules B.",
    "Kofi A.",
    "Lina W.",
    "Mo N.",
    "Noor P.",
)
DEMO_HISTORY, DEMO_STRUGGLING = 10, 2  # then two who never started


@transaction.atomic
def demo_class_ensure(*, teacher: Any, now: datetime, course_id: str = DEMO_COURSE_ID) -> None:
    """The demo class gets the demo course, twelve learners with a practice history, and a pacing guide.

    Idempotent: does nothing once the course is attached, or when the demo course is not imported. The
    learners are created without a password; ``learnpath.web.demo.demo_ensure`` then gives them the
    demo password. ``demo-learner`` keeps a fresh start.
    """
    classes = accounts_api.classes_taught(user=teacher)
    if curriculum_api.course_info(course_id=course_id) is None or not classes:
        return
    klass = classes[0]
    if not curriculum_api.class_course_attach(class_id=klass.id, course_id=course_id, actor=None):
        return
    JoinCode.objects.get_or_create(klass_id=klass.id, defaults={"code": _code()})
    ids = []
    for n, name in enumerate(DEMO_CLASS_LEARNERS, start=1):
        username = f"demo-class-{n:02d}"
        person = accounts_api.person_by_username(username=username) or accounts_api.learner_create(
            username=username,
            display_name=name,
            organisation_id=klass.organisation_id,
            password=None,
            actor=None,
        )
        accounts_api.class_learner_add(class_id=klass.id, learner_id=person.id, actor=None)
        ids.append(person.id)
    # Ten practised over the last ten days; two struggle on the first skill today (errors, hints, a small
    # group); two never started (the cockpit shows them as idle).
    learning_api.demo_history_generate(
        learner_ids=ids[:DEMO_HISTORY], course_id=course_id, seed=6, start=now - timedelta(days=10)
    )
    skills = [skill_id for skill_id, _ in learning_api.course_skill_names(course_id=course_id)]
    for learner_id in ids[DEMO_HISTORY : DEMO_HISTORY + DEMO_STRUGGLING]:
        learning_api.demo_struggle(
            learner_id=learner_id,
            course_id=course_id,
            skill_id=skills[0],
            questions=3,
            start=now - timedelta(minutes=40),
        )
    for offset, skill in ((-2, skills[1]), (5, skills[3]), (12, skills[5])):
        PacingTarget.objects.create(
            klass_id=klass.id, course_id=course_id, skill_id=skill, due=now + timedelta(days=offset)
        )
    accounts_api.audit_record(actor=None, action="demo.class_ensure", target_type="class", target_id=klass.id)


# -- the teacher's inbox ---------------------------------------------------------------------------------


def inbox_seen(*, teacher: Any, now: datetime) -> None:
    """Mark everything in the teacher's inbox up to ``now`` as seen (what comes later is new)."""
    InboxState.objects.update_or_create(teacher_id=teacher.pk, defaults={"seen_until": now})


@transaction.atomic
def inbox_email_set(*, teacher: Any, daily: bool, now: datetime) -> None:
    """Switch the teacher's daily e-mail summary of new inbox items on or off; switched on, the first
    summary covers what arrives from ``now``."""
    state, _ = InboxState.objects.select_for_update().get_or_create(teacher_id=teacher.pk)
    if daily and not state.email_daily:
        state.emailed_until = now
    state.email_daily = daily
    state.save()
