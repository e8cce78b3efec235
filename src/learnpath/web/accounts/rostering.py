"""Importing a school's roster from its information system (OneRoster 1.1 or 1.2 CSV): classes, learners,
teachers and who is in which class, into one organisation (docs/decisions/0085-oneroster-import.md).

``roster_plan`` says everything an import would change, and every problem, without changing anything;
``roster_apply`` makes exactly those changes in one transaction, and refuses while any row has an error.
The same roster imported again changes nothing: each class and person is linked to its ``sourcedId``
(``RosterLink``). What the roster no longer lists is never deleted: an account or a class missing from a
bulk roster is kept as it is and listed; a learner whose enrolment ended leaves that class (the
membership goes; their history stays, as when a teacher removes them). Who is matched to an existing
account by username is the operator's choice (``match_usernames``), never a guess.

Learners get no e-mail address from the roster (they may be children: learnpath keeps only what it needs),
and nobody gets a password: learners get first passwords from their teacher's class sheet; staff set
theirs with the e-mail link. Administrators, parents and other roles are not imported (an administrator of
learnpath has every right, which no roster should grant; a guardian is linked with consent in learnpath).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from learnpath.web.accounts import services
from learnpath.web.accounts.models import Class, ClassMembership, Organisation, Role, RosterLink, User
from learnpath.web.accounts.oneroster_csv import Person, Problem, Roster, RosterClass

ROLES = {"student": Role.LEARNER, "teacher": Role.TEACHER}
NOT_IMPORTED_ROLES = {
    "administrator": "administrators are made in learnpath, not by a roster",
    "siteAdministrator": "administrators are made in learnpath, not by a roster",
    "districtAdministrator": "administrators are made in learnpath, not by a roster",
    "systemAdministrator": "administrators are made in learnpath, not by a roster",
    "principal": "administrators are made in learnpath, not by a roster",
    "parent": "guardians link to a learner with consent in learnpath",
    "guardian": "guardians link to a learner with consent in learnpath",
    "relative": "guardians link to a learner with consent in learnpath",
}


class RosterRefused(ValueError):
    """The roster has errors, or the plan changed under the import: nothing was changed."""


@dataclass
class RosterPlan:
    """What importing the roster into ``organisation`` changes, and why anything is left out."""

    organisation: str
    school: str = ""
    problems: list[Problem] = field(default_factory=list)
    classes_new: list[RosterClass] = field(default_factory=list)
    classes_renamed: list[tuple[int, str, str]] = field(default_factory=list)  # id, old name, new name
    people_new: list[tuple[Person, str]] = field(default_factory=list)  # person, learnpath role
    people_linked: list[tuple[Person, int]] = field(default_factory=list)  # matched by username
    people_renamed: list[tuple[int, str, str]] = field(default_factory=list)
    people_disabled: list[tuple[int, str]] = field(default_factory=list)
    people_enabled: list[tuple[int, str]] = field(default_factory=list)
    enrol: list[tuple[str, str, str]] = field(default_factory=list)  # class sourcedId, user sourcedId, role
    unenrol: list[tuple[int, int, str, str, str]] = field(default_factory=list)  # class, user, role, names
    people_missing: list[tuple[int, str]] = field(default_factory=list)  # kept; id, name
    classes_missing: list[tuple[int, str]] = field(default_factory=list)  # kept; id, name
    not_imported: dict[str, int] = field(default_factory=dict)  # reason → people
    seen: dict[str, list[str]] = field(default_factory=dict)  # kind → sourcedIds the roster lists

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def changes(self) -> int:
        return (
            len(self.classes_new)
            + len(self.classes_renamed)
            + len(self.people_new)
            + len(self.people_linked)
            + len(self.people_renamed)
            + len(self.people_disabled)
            + len(self.people_enabled)
            + len(self.enrol)
            + len(self.unenrol)
        )

    def lines(self) -> list[str]:
        """The plan in words, one line each, for the preview."""
        out = [f"{p}" + ("" if p.severity == "error" else f" [{p.severity}]") for p in self.problems]
        out += [
            f"new class: {c.title}{f' ({c.class_code})' if c.class_code else ''} [{c.sourced_id}]"
            for c in self.classes_new
        ]
        out += [f"class renamed: {old} -> {new}" for _, old, new in self.classes_renamed]
        out += [
            f"new {role}: {p.name or p.username} ({p.username}) [{p.sourced_id}]"
            for p, role in self.people_new
        ]
        out += [
            f"linked to the existing account {p.username}: {p.name} [{p.sourced_id}]"
            for p, _ in self.people_linked
        ]
        out += [f"renamed: {old} -> {new}" for _, old, new in self.people_renamed]
        out += [f"sign-in turned off (enabledUser FALSE): {name}" for _, name in self.people_disabled]
        out += [f"sign-in turned on again (enabledUser TRUE): {name}" for _, name in self.people_enabled]
        out += [f"joins {klass} as {role}: {user}" for klass, user, role in self._enrol_names()]
        out += [f"leaves {klass} ({role}): {user}" for _, _, role, klass, user in self.unenrol]
        out += [f"no longer in the roster, kept: {name}" for _, name in self.people_missing]
        out += [f"class no longer in the roster, kept: {name}" for _, name in self.classes_missing]
        out += [
            f"not imported: {count} people ({reason})" for reason, count in sorted(self.not_imported.items())
        ]
        return out

    _names: dict[str, str] = field(default_factory=dict)

    def _enrol_names(self) -> list[tuple[str, str, str]]:
        return [(self._names.get(k, k), self._names.get(u, u), r) for k, u, r in self.enrol]


def _class_name(klass: RosterClass) -> str:
    title = " ".join(klass.title.split())[:160]
    code = " ".join(klass.class_code.split())[:36]
    return f"{title} ({code})" if code and code != title else title


def _links(organisation: Organisation, kind: str) -> dict[str, RosterLink]:
    return {link.sourced_id: link for link in RosterLink.objects.filter(organisation=organisation, kind=kind)}


def _school(roster: Roster, school: str, plan: RosterPlan) -> str | None:
    schools = sorted({c.school for c in roster.classes.values()})
    if school:
        if school not in schools and school not in roster.orgs:
            plan.problems.append(
                Problem(
                    "orgs", 0, f"the roster has no school {school!r}; it has: {', '.join(schools) or 'none'}"
                )
            )
            return None
        return school
    if len(schools) > 1:
        plan.problems.append(
            Problem(
                "classes",
                0,
                f"the roster has {len(schools)} schools ({', '.join(schools)}): import one at a time into "
                "its own "
                "learnpath organisation, choosing it with --school",
            )
        )
        return None
    return schools[0] if schools else ""


def _role_of(person: Person, roster: Roster) -> str:
    """The person's OneRoster role, or the role of their enrolments when the roster gives none."""
    if person.role:
        return person.role
    roles = {e.role for e in roster.enrollments.values() if e.user == person.sourced_id}
    return roles.pop() if len(roles) == 1 else ""


def roster_plan(
    roster: Roster, *, organisation: Organisation, school: str = "", match_usernames: bool = False
) -> RosterPlan:
    """Everything importing ``roster`` into ``organisation`` would change, and every problem; changes
    nothing. A JSON roster's problems name its files and record numbers (``oneroster_json``)."""
    plan = _roster_plan(roster, organisation=organisation, school=school, match_usernames=match_usernames)
    if roster.suffix != "csv":
        plan.problems = [
            p
            if p.suffix == roster.suffix
            else replace(p, suffix=roster.suffix, message=p.message.replace(".csv", f".{roster.suffix}"))
            for p in plan.problems
        ]
    return plan


def _roster_plan(
    roster: Roster, *, organisation: Organisation, school: str = "", match_usernames: bool = False
) -> RosterPlan:
    plan = RosterPlan(organisation=organisation.name, problems=list(roster.problems))
    chosen = _school(roster, school, plan)
    if chosen is None:
        return plan
    plan.school = chosen
    holds = RosterLink.objects.filter(organisation=organisation, kind=RosterLink.Kind.SCHOOL).first()
    if holds is not None and chosen and holds.sourced_id != chosen:
        plan.problems.append(
            Problem(
                "classes",
                0,
                f"{organisation.name} holds the roster of school {holds.sourced_id!r}, and this roster is of "
                f"school {chosen!r}: import it into that school's own organisation",
            )
        )
        return plan
    classes = {s: c for s, c in roster.classes.items() if not chosen or c.school == chosen}
    enrolled = {e.user for e in roster.enrollments.values() if e.klass in classes}
    people = {
        s: p for s, p in roster.users.items() if not chosen or chosen in p.orgs or s in enrolled or not p.orgs
    }
    class_links = _links(organisation, RosterLink.Kind.CLASS)
    user_links = _links(organisation, RosterLink.Kind.USER)
    existing_classes = Class.objects.in_bulk([link.target_id for link in class_links.values()])
    existing_users = User.objects.in_bulk([link.target_id for link in user_links.values()])
    plan.seen = {"class": sorted(classes), "user": []}

    for sourced_id, klass in sorted(classes.items(), key=lambda kv: kv[1].line):
        plan._names[sourced_id] = _class_name(klass)
        link = class_links.get(sourced_id)
        if link is None:
            if klass.active:
                plan.classes_new.append(klass)
        elif (found := existing_classes.get(link.target_id)) is not None and found.name != _class_name(klass):
            plan.classes_renamed.append((found.pk, found.name, _class_name(klass)))

    usernames: dict[str, str] = {}
    taken = {
        u.username: u
        for u in User.objects.filter(username__in=[p.username for p in people.values()]).select_related(
            "organisation"
        )
    }
    linked_ids = {link.target_id for link in user_links.values()}
    importable: set[str] = set()
    for sourced_id, person in sorted(people.items(), key=lambda kv: kv[1].line):
        role = _role_of(person, roster)
        if role not in ROLES:
            reason = NOT_IMPORTED_ROLES.get(
                role, f"role {role} is not one learnpath imports" if role else "no primary role in the roster"
            )
            plan.not_imported[reason] = plan.not_imported.get(reason, 0) + 1
            continue
        plan._names[sourced_id] = person.name or person.username
        link = user_links.get(sourced_id)
        if link is not None:
            importable.add(sourced_id)
            plan.seen["user"].append(sourced_id)
            user = existing_users.get(link.target_id)
            if user is None:
                continue
            if user.role != ROLES[role]:
                plan.problems.append(
                    Problem(
                        "users",
                        person.line,
                        f"{person.username} is a {user.role} in learnpath and a {role} in the roster; the "
                        "role is not changed",
                        "warning",
                    )
                )
            if person.name and user.display_name != person.name:
                plan.people_renamed.append((user.pk, user.display_name, person.name))
            if user.is_active and not person.enabled:
                plan.people_disabled.append((user.pk, person.name or person.username))
            elif not user.is_active and person.enabled and person.active:
                plan.people_enabled.append((user.pk, person.name or person.username))
            continue
        if not person.active:
            continue
        if person.username in usernames:
            plan.problems.append(
                Problem(
                    "users",
                    person.line,
                    f"username {person.username!r} is also the username of {usernames[person.username]} in "
                    "users.csv",
                )
            )
            continue
        usernames[person.username] = sourced_id
        existing = taken.get(person.username)
        if existing is None:
            plan.people_new.append((person, ROLES[role]))
        elif (
            match_usernames
            and existing.organisation_id == organisation.pk
            and existing.role == ROLES[role]
            and existing.pk not in linked_ids
        ):
            plan.people_linked.append((person, existing.pk))
        else:
            hint = (
                "it belongs to another organisation or role"
                if match_usernames
                else "if it is the same person, import with --match-usernames to link them"
            )
            plan.problems.append(
                Problem(
                    "users",
                    person.line,
                    f"username {person.username!r} is taken by a learnpath account not from this roster "
                    f"({hint})",
                )
            )
            continue
        importable.add(sourced_id)
        plan.seen["user"].append(sourced_id)

    # Enrolments: who should be in each class, against who is.
    wanted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for enrollment in roster.enrollments.values():
        if enrollment.klass not in classes or enrollment.user not in importable:
            continue
        role = ROLES.get(enrollment.role)
        person = people[enrollment.user]
        person_role = _role_of(person, roster)
        if role is None or role != ROLES.get(person_role):
            plan.problems.append(
                Problem(
                    "enrollments",
                    enrollment.line,
                    f"{person.username} is a {person_role} in the roster but enrolled as "
                    f"{enrollment.role or '(no role)'}; this enrolment is not used",
                    "warning",
                )
            )
            continue
        if enrollment.active and classes[enrollment.klass].active and people[enrollment.user].active:
            wanted[enrollment.klass].add((enrollment.user, role))
    user_by_id = {link.target_id: s for s, link in user_links.items()}
    for class_sourced, klass in classes.items():
        link = class_links.get(class_sourced)
        current: set[tuple[str, str]] = set()
        if link is not None:
            for learner_id in ClassMembership.objects.filter(klass_id=link.target_id).values_list(
                "learner_id", flat=True
            ):
                if learner_id in user_by_id:
                    current.add((user_by_id[learner_id], Role.LEARNER))
            for teacher_id in Class.teachers.through.objects.filter(class_id=link.target_id).values_list(
                "user_id", flat=True
            ):
                if teacher_id in user_by_id:
                    current.add((user_by_id[teacher_id], Role.TEACHER))
        for user_sourced, role in sorted(wanted[class_sourced] - current):
            plan.enrol.append((class_sourced, user_sourced, role))
        if link is None:
            continue
        if roster.bulk("enrollments") or not klass.active:
            leaving = current - wanted[class_sourced]
        else:  # a delta roster ends an enrolment only with a tobedeleted row
            leaving = {(user, role) for user, role in current if _ended(roster, class_sourced, user)}
        for user_sourced, role in sorted(leaving):
            plan.unenrol.append(
                (
                    link.target_id,
                    user_links[user_sourced].target_id,
                    role,
                    _class_name(klass),
                    plan._names.get(
                        user_sourced, str(existing_users.get(user_links[user_sourced].target_id, ""))
                    ),
                )
            )

    if roster.bulk("users"):
        for sourced_id, link in sorted(user_links.items()):
            if sourced_id not in roster.users and link.target_id in existing_users:
                plan.people_missing.append((link.target_id, str(existing_users[link.target_id])))
    if roster.bulk("classes"):
        for sourced_id, link in sorted(class_links.items()):
            if sourced_id not in roster.classes and link.target_id in existing_classes:
                plan.classes_missing.append((link.target_id, existing_classes[link.target_id].name))
    return plan


def _ended(roster: Roster, class_sourced: str, user_sourced: str) -> bool:
    """A delta roster ends an enrolment with a ``tobedeleted`` row for it."""
    return any(
        e.klass == class_sourced and e.user == user_sourced and not e.active
        for e in roster.enrollments.values()
    )


def _unique_slug(organisation: Organisation, base: str) -> str:
    stem = slugify(base)[:70] or "class"
    slug, n = stem, 1
    while Class.objects.filter(organisation=organisation, slug=slug).exists():
        n += 1
        slug = f"{stem}-{n}"
    return slug


def roster_apply(
    roster: Roster,
    *,
    organisation: Organisation,
    now: datetime,
    school: str = "",
    match_usernames: bool = False,
    actor: Any = None,
) -> RosterPlan:
    """Make the plan's changes in one transaction (audited), and return the plan. Raises
    ``RosterRefused`` (nothing changed) while the roster or the plan has errors."""
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)  # one import at a time per school
        plan = roster_plan(roster, organisation=organisation, school=school, match_usernames=match_usernames)
        if plan.errors:
            raise RosterRefused(f"{len(plan.errors)} problem(s) to fix first; nothing was changed")
        if plan.school:
            RosterLink.objects.get_or_create(
                organisation=organisation,
                kind=RosterLink.Kind.SCHOOL,
                defaults={"sourced_id": plan.school, "target_id": organisation.pk, "seen_at": now},
            )
        class_ids = {s: link.target_id for s, link in _links(organisation, RosterLink.Kind.CLASS).items()}
        user_ids = {s: link.target_id for s, link in _links(organisation, RosterLink.Kind.USER).items()}
        for klass in plan.classes_new:
            made = services.class_create(
                organisation=organisation,
                slug=_unique_slug(organisation, klass.title),
                name=_class_name(klass),
                actor=actor,
            )
            RosterLink.objects.create(
                organisation=organisation,
                kind=RosterLink.Kind.CLASS,
                sourced_id=klass.sourced_id,
                target_id=made.pk,
                seen_at=now,
            )
            class_ids[klass.sourced_id] = made.pk
        for class_id, _, name in plan.classes_renamed:
            Class.objects.filter(pk=class_id).update(name=name)
        for person, role in plan.people_new:
            user = services.user_create(
                username=person.username,
                password=None,
                role=role,
                organisation=organisation,
                display_name=person.name[:150],
                actor=actor,
            )
            changed = []
            if role == Role.TEACHER and person.email:
                user.email = person.email[:254]
                changed.append("email")
            if not person.enabled:
                user.is_active = False
                changed.append("is_active")
            if changed:
                user.save(update_fields=changed)
            RosterLink.objects.create(
                organisation=organisation,
                kind=RosterLink.Kind.USER,
                sourced_id=person.sourced_id,
                target_id=user.pk,
                seen_at=now,
            )
            user_ids[person.sourced_id] = user.pk
        for person, user_id in plan.people_linked:
            RosterLink.objects.create(
                organisation=organisation,
                kind=RosterLink.Kind.USER,
                sourced_id=person.sourced_id,
                target_id=user_id,
                seen_at=now,
            )
            user_ids[person.sourced_id] = user_id
        for user_id, _, name in plan.people_renamed:
            User.objects.filter(pk=user_id).update(display_name=name[:150])
        for user_id, _ in plan.people_disabled:
            User.objects.filter(pk=user_id).update(is_active=False)
        for user_id, _ in plan.people_enabled:
            User.objects.filter(pk=user_id).update(is_active=True)
        users = User.objects.in_bulk(list(user_ids.values()))
        classes = Class.objects.in_bulk(list(class_ids.values()))
        for class_sourced, user_sourced, role in plan.enrol:
            klass, user = classes[class_ids[class_sourced]], users[user_ids[user_sourced]]
            if role == Role.TEACHER:
                services.class_teacher_add(klass=klass, teacher=user, actor=actor)
            else:
                services.class_learner_add(klass=klass, learner=user, actor=actor)
        for class_id, user_id, role, _, _ in plan.unenrol:
            if role == Role.TEACHER:
                services.class_teacher_remove(
                    klass=Class.objects.get(pk=class_id), teacher_id=user_id, actor=actor
                )
            else:
                services.class_learner_remove(
                    klass=Class.objects.get(pk=class_id), learner_id=user_id, actor=actor
                )
        for kind, seen in plan.seen.items():
            RosterLink.objects.filter(organisation=organisation, kind=kind, sourced_id__in=seen).update(
                seen_at=now, missing_since=None
            )
        for kind, missing in (("user", plan.people_missing), ("class", plan.classes_missing)):
            ids = [target for target, _ in missing]
            RosterLink.objects.filter(
                organisation=organisation, kind=kind, target_id__in=ids, missing_since__isnull=True
            ).update(missing_since=now)
        services.audit_entry_record(
            actor=actor,
            action="roster.import",
            target_type="organisation",
            target_id=organisation.pk,
            details={
                "school": plan.school,
                "classes_new": len(plan.classes_new),
                "people_new": len(plan.people_new),
                "people_linked": len(plan.people_linked),
                "enrolled": len(plan.enrol),
                "unenrolled": len(plan.unenrol),
                "people_missing": len(plan.people_missing),
            },
        )
    return plan
