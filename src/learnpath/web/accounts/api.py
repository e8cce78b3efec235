"""What other apps and the CLI may use from accounts: plain functions returning plain data (OEP-49)."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from learnpath.web.accounts import access, first_passwords, selectors, services
from learnpath.web.accounts import passwords as readable_passwords
from learnpath.web.accounts.api_tokens import ScopeRefused, TokenRefused
from learnpath.web.accounts.class_landing import ClassLandingSource, class_landing_set
from learnpath.web.accounts.join_codes import join_code_display
from learnpath.web.accounts.models import Class, Organisation, Role, User
from learnpath.web.accounts.services import DemoAccount

__all__ = [
    "ClassInfo",
    "ClassLandingSource",
    "DemoAccount",
    "JoiningCode",
    "Membership",
    "OrganisationInfo",
    "PersonInfo",
    "ScopeRefused",
    "TokenRefused",
    "api_token_request",
    "audit_record",
    "class_archive",
    "class_create",
    "class_create_unstaffed",
    "class_info",
    "class_joining_code",
    "class_landing_set",
    "class_learner_add",
    "class_learner_remove",
    "class_learners",
    "class_restore",
    "class_slug_taken",
    "class_taught",
    "class_teacher_add",
    "class_teachers",
    "classes_archived",
    "classes_of_learner",
    "classes_taught",
    "demo_accounts_ensure",
    "demo_class_learner_usernames",
    "demo_class_learners_password_ensure",
    "external_person_create",
    "first_passwords_keep",
    "guardian_link_consent",
    "guardian_link_withdraw",
    "guardians_of_learner",
    "learner_create",
    "learners_of_classes",
    "learners_of_guardian",
    "mail_address",
    "memberships_of_learners",
    "organisation_info",
    "organisations_all",
    "password_generate",
    "people_by_username",
    "person",
    "person_by_username",
    "person_can_sign_in",
    "person_sign_in",
    "privacy_provider",
    "relation_to_learner",
    "roster_import",
    "roster_person_id",
    "teachers_of_learner",
    "user_is_learner",
    "user_is_platform_admin",
    "user_is_signed_in",
    "user_is_teacher",
    "user_organisation_id",
]


def demo_accounts_disable() -> list[str]:
    """Turn off signing in for the demo accounts (``services.demo_accounts_disable``): what
    ``learnpath serve`` does outside demo mode; returns the user names turned off."""
    return services.demo_accounts_disable()


def demo_accounts_ensure(*, password: str | None = None) -> list[DemoAccount]:
    """Create (idempotently) the demo organisation, class, learner, teacher, guardian and admin.

    Returns one ``DemoAccount(role, username, password)`` per account, for ``learnpath demo`` to print.
    See :func:`learnpath.web.accounts.services.demo_accounts_ensure` for how the password is chosen.
    The demo class's course, learners and pacing guide are coaching's: ``learnpath demo`` sets them up
    next and then calls :func:`demo_class_learners_password_ensure`: ``learnpath.web.demo.demo_ensure``
    does all three (decision 0079).
    """
    return services.demo_accounts_ensure(password=password)


def demo_class_learners_password_ensure() -> None:
    """Give the demo class's learners the demo password (they are created without one)."""
    services.demo_class_learners_password_ensure()


def demo_class_learner_usernames() -> list[str]:
    """The user names of the demo class's learners (``demo-class-01`` …), for ``learnpath demo`` to print."""
    return [user.username for user in services.demo_class_learners()]


def password_generate() -> str:
    """A new readable random password: the one generator (see :mod:`learnpath.web.accounts.passwords`)."""
    return readable_passwords.password_generate()


def first_passwords_keep(
    *, session: MutableMapping[str, Any], class_id: int, passwords: Iterable[tuple[str, str]]
) -> None:
    """Hold new ``(username, password)`` pairs in the teacher's session for the class sheet to show once."""
    first_passwords.first_passwords_keep(session, class_id=class_id, passwords=passwords, now=timezone.now())


def audit_record(
    *,
    actor: Any,
    action: str,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Append an audit row for a privileged action; call it inside that action's transaction."""
    services.audit_entry_record(
        actor=actor, action=action, target_type=target_type, target_id=target_id, details=details
    )


def user_organisation_id(user: Any) -> int | None:
    """The id of the organisation a signed-in user belongs to, or None."""
    return access.access_member_organisation_id(user)


def user_is_platform_admin(user: Any) -> bool:
    """True for an active superuser, who sees every organisation's content."""
    return access.access_is_platform_admin(user)


def user_is_signed_in(user: Any) -> bool:
    """Signed in with an active account: ``accounts.access.access_is_signed_in``, the one rule."""
    return access.access_is_signed_in(user)


def user_is_learner(user: Any) -> bool:
    """A signed-in, active learner: ``accounts.access.access_is_learner``, the one rule."""
    return access.access_is_learner(user)


def user_is_teacher(user: Any) -> bool:
    """A signed-in, active teacher or admin (may run classes): ``accounts.access.access_is_teacher``."""
    return access.access_is_teacher(user)


def class_taught(*, user: Any, class_id: int, archived_too: bool = False) -> ClassInfo:
    """The class if ``user`` teaches it (a platform admin: any), else ``Http404``, the same answer as for
    a class that does not exist: ``accounts.access.access_class_taught``, the one "teaches this class"
    rule. An archived class only with ``archived_too`` (to restore it)."""
    return _class(access.access_class_taught(user, class_id, archived_too=archived_too))


# -- classes, people and who may see a learner (for coaching, agency and guardians) --------------------


@dataclass(frozen=True)
class PersonInfo:
    """A person as other apps see them: no password, no e-mail."""

    id: int
    username: str
    name: str
    role: str
    organisation_id: int | None


@dataclass(frozen=True)
class ClassInfo:
    """A class as other apps see it."""

    id: int
    slug: str
    name: str
    organisation_id: int
    organisation_name: str
    archived: bool = False


@dataclass(frozen=True)
class Membership:
    """A learner in a class that is not archived, since ``joined_at``, with the class's teachers."""

    learner_id: int
    class_id: int
    joined_at: datetime
    teacher_ids: tuple[int, ...]


def _person(user: User) -> PersonInfo:
    return PersonInfo(
        id=user.pk,
        username=user.username,
        name=str(user),
        role=user.role,
        organisation_id=user.organisation_id,
    )


def _class(klass: Class) -> ClassInfo:
    return ClassInfo(
        id=klass.pk,
        slug=klass.slug,
        name=klass.name,
        organisation_id=klass.organisation_id,
        organisation_name=klass.organisation.name,
        archived=klass.archived_at is not None,
    )


def person(*, user_id: int) -> PersonInfo | None:
    """One person by id, or None."""
    user = User.objects.filter(pk=user_id).first()
    return _person(user) if user is not None else None


def mail_address(*, user_id: int) -> str:
    """Where to send a person mail they asked for: their e-mail address, or "" without one (or when their
    account is switched off)."""
    found = User.objects.filter(pk=user_id, is_active=True).values_list("email", flat=True).first()
    return found or ""


def person_by_username(*, username: str) -> PersonInfo | None:
    """One person by user name, or None."""
    user = User.objects.filter(username=username).first()
    return _person(user) if user is not None else None


def people_by_username(*, usernames: Iterable[str]) -> dict[str, PersonInfo]:
    """The people with these user names (exact), by user name: one query."""
    return {user.username: _person(user) for user in User.objects.filter(username__in=set(usernames))}


def relation_to_learner(*, user: Any, learner_id: int) -> str | None:
    """``"self"``, ``"admin"``, ``"teacher"``, ``"guardian"`` or None: see ``access_relation_to_learner``."""
    return access.access_relation_to_learner(user, learner_id)


def class_info(*, class_id: int) -> ClassInfo | None:
    """One class by id, or None; not filtered by access."""
    klass = Class.objects.select_related("organisation").filter(pk=class_id).first()
    return _class(klass) if klass is not None else None


def classes_taught(*, user: Any, own: bool = False) -> list[ClassInfo]:
    """The classes ``user`` teaches (all classes for a platform admin, unless ``own``: only the ones they
    are a teacher of), by name."""
    if not access.access_is_signed_in(user):
        return []
    return [_class(klass) for klass in selectors.classes_taught(user=user, own=own)]


def classes_archived(*, user: Any) -> list[ClassInfo]:
    """The archived classes ``user`` teaches (all archived classes for a platform admin), by name."""
    if not access.access_is_signed_in(user):
        return []
    return [_class(klass) for klass in selectors.classes_taught(user=user, archived=True)]


def classes_of_learner(*, learner_id: int) -> list[ClassInfo]:
    """The classes a learner is in (archived ones left out), by name."""
    return [
        _class(klass)
        for klass in Class.objects.filter(memberships__learner_id=learner_id, archived_at__isnull=True)
        .select_related("organisation")
        .order_by("name")
    ]


def memberships_of_learners(*, learner_ids: Iterable[int]) -> list[Membership]:
    """Every membership of these learners in a class that is not archived, with its teachers, oldest
    first: two queries whatever the number of learners."""
    return [
        Membership(learner_id=learner_id, class_id=class_id, joined_at=joined_at, teacher_ids=tuple(teachers))
        for learner_id, class_id, joined_at, teachers in selectors.memberships_of_learners(
            learner_ids=list(learner_ids)
        )
    ]


def class_teachers(*, class_id: int) -> list[PersonInfo]:
    """The teachers of a class, by name."""
    return [_person(user) for user in selectors.class_teachers(class_id=class_id)]


@dataclass(frozen=True)
class JoiningCode:
    """A class's join code as its teacher sees it: ``code`` as shown (``k7dm-f3wa``, empty if it has none
    yet) and whether joining with it is open."""

    code: str
    is_open: bool


def class_joining_code(*, class_id: int) -> JoiningCode | None:
    """The class's join code for its teacher's page (the caller decides who may see it), or None."""
    row = Class.objects.filter(pk=class_id).values("joining_code", "joining_open").first()
    if row is None:
        return None
    code = row["joining_code"] or ""
    return JoiningCode(code=join_code_display(code), is_open=bool(code) and row["joining_open"])


def class_learners(*, class_id: int) -> list[PersonInfo]:
    """The learners of a class, by name."""
    return [_person(user) for user in selectors.class_learners(class_id=class_id)]


def learners_of_classes(*, class_ids: list[int]) -> dict[int, list[PersonInfo]]:
    """The learners of each of these classes, by name: one query whatever the number of classes."""
    found = selectors.learners_of_classes(class_ids=class_ids)
    return {class_id: [_person(user) for user in users] for class_id, users in found.items()}


def class_create(*, organisation_id: int, slug: str, name: str, teacher: Any) -> ClassInfo:
    """Create a class in an organisation with ``teacher`` as its first teacher (audited)."""
    organisation = Organisation.objects.get(pk=organisation_id)
    klass = services.class_create(organisation=organisation, slug=slug, name=name, actor=teacher)
    services.class_teacher_add(klass=klass, teacher=teacher, actor=teacher)
    return _class(Class.objects.select_related("organisation").get(pk=klass.pk))


def class_slug_taken(*, organisation_id: int, slug: str) -> bool:
    """True when the organisation already has a class with that slug."""
    return Class.objects.filter(organisation_id=organisation_id, slug=slug).exists()


def class_teacher_add(*, class_id: int, teacher_id: int, actor: Any) -> None:
    """Add a teacher of the class's organisation to the class (audited)."""
    services.class_teacher_add(
        klass=Class.objects.get(pk=class_id), teacher=User.objects.get(pk=teacher_id), actor=actor
    )


def class_learner_remove(*, class_id: int, learner_id: int, actor: Any) -> bool:
    """Take a learner out of a class (audited); False if they were not in it. Their own data stays."""
    return services.class_learner_remove(
        klass=Class.objects.get(pk=class_id), learner_id=learner_id, actor=actor
    )


def class_archive(*, class_id: int, actor: Any) -> bool:
    """Archive a class (audited); False if it was archived already."""
    return services.class_archive(klass=Class.objects.get(pk=class_id), actor=actor)


def class_restore(*, class_id: int, actor: Any) -> bool:
    """Restore an archived class (audited); False if it was not archived."""
    return services.class_restore(klass=Class.objects.get(pk=class_id), actor=actor)


def class_learner_add(*, class_id: int, learner_id: int, actor: Any) -> bool:
    """Enrol a learner of the class's organisation (idempotent, audited); True if newly enrolled."""
    klass = Class.objects.get(pk=class_id)
    before = klass.memberships.filter(learner_id=learner_id).exists()
    services.class_learner_add(klass=klass, learner=User.objects.get(pk=learner_id), actor=actor)
    return not before


def learner_create(
    *, username: str, display_name: str, organisation_id: int, password: str | None, actor: Any
) -> PersonInfo:
    """Create a learner account in an organisation (audited); ``password=None`` disables sign-in."""
    user = services.user_create(
        username=username,
        password=password,
        role=Role.LEARNER,
        organisation=Organisation.objects.get(pk=organisation_id),
        display_name=display_name,
        actor=actor,
    )
    return _person(user)


def teachers_of_learner(*, learner_id: int) -> list[PersonInfo]:
    """The teachers of every class the learner is in."""
    return [_person(user) for user in selectors.teachers_of_learner(learner_id=learner_id)]


def guardians_of_learner(*, learner_id: int) -> list[PersonInfo]:
    """The guardians whose link to the learner is active."""
    return [_person(link.guardian) for link in selectors.active_guardian_links(learner_id=learner_id)]


def learners_of_guardian(*, guardian_id: int) -> list[PersonInfo]:
    """The learners a guardian is actively linked to."""
    return [_person(link.learner) for link in selectors.active_guardian_links(guardian_id=guardian_id)]


def guardian_link_consent(
    *, guardian: Any, learner_id: int, consent_given_by_id: int, relationship: str = ""
) -> None:
    """Link a guardian to a learner with the consent of the learner or their school (audited)."""
    services.guardian_link_consent(
        guardian=guardian,
        learner=User.objects.get(pk=learner_id),
        consent_given_by=User.objects.get(pk=consent_given_by_id),
        relationship=relationship,
    )


def guardian_link_withdraw(*, guardian_id: int, learner: Any, actor: Any) -> bool:
    """Withdraw a guardian's access to a learner (audited); False if there was no active link."""
    return services.guardian_link_withdraw(guardian_id=guardian_id, learner=learner, actor=actor)


# The app's personal data, for the privacy app (docs/privacy.md): what it holds, export and erase.
from learnpath.web.accounts import privacy as privacy_provider  # noqa: E402


def api_token_request(raw: str, *, path: str, method: str) -> Any:
    """The person an API token acts for on this request (``accounts.api_tokens``): raises ``TokenRefused``
    (401) for a token that does not work and ``ScopeRefused`` (403) for a request outside its scopes."""
    from learnpath.web.accounts import api_tokens

    token = api_tokens.token_authenticate(raw, now=timezone.now())
    api_tokens.token_check_scope(token, path=path, method=method)
    return token.user


def roster_import(
    *,
    source: Any,
    organisation_slug: str,
    school: str = "",
    match_usernames: bool = False,
    apply: bool,
    now: Any,
) -> Any:
    """Read the OneRoster CSV roster at ``source`` and plan (``apply=False``) or make (``apply=True``) its
    changes in the organisation (``accounts.rostering``): returns the ``RosterPlan``. Raises
    ``oneroster_csv.RosterUnreadable`` for something that is no roster, ``Organisation.DoesNotExist`` for an
    unknown organisation and ``rostering.RosterRefused`` when applying a roster with errors."""
    from learnpath.web.accounts import oneroster_csv, rostering

    roster = oneroster_csv.roster_read(source)
    organisation = Organisation.objects.get(slug=organisation_slug)
    if not apply:
        return rostering.roster_plan(
            roster, organisation=organisation, school=school, match_usernames=match_usernames
        )
    return rostering.roster_apply(
        roster, organisation=organisation, school=school, match_usernames=match_usernames, now=now
    )


@dataclass(frozen=True)
class OrganisationInfo:
    """An organisation as other apps see it: its slug and name (public, e.g. as a badge's issuer)."""

    id: int
    slug: str
    name: str


def organisation_info(
    *, organisation_id: int | None = None, slug: str | None = None
) -> OrganisationInfo | None:
    """One organisation by id or by slug, or None. Read-only (used by credentials for the issuer)."""
    rows = Organisation.objects.all()
    if organisation_id is not None:
        rows = rows.filter(pk=organisation_id)
    elif slug is not None:
        rows = rows.filter(slug=slug)
    else:
        return None
    found = rows.values_list("pk", "slug", "name").first()
    return OrganisationInfo(*found) if found is not None else None


# -- people who sign in at another system (an LMS's LTI launch) -----------------------------------------


def external_person_create(
    *, username: str, display_name: str, organisation_id: int, teacher: bool, actor: Any = None
) -> PersonInfo:
    """Create a learner or a teacher who signs in through another system (no password: they cannot sign in
    here directly). Never an administrator: no outside system grants that (audited)."""
    user = services.user_create(
        username=username,
        password=None,
        role=Role.TEACHER if teacher else Role.LEARNER,
        organisation=Organisation.objects.get(pk=organisation_id),
        display_name=display_name,
        actor=actor,
    )
    return _person(user)


def person_can_sign_in(*, user_id: int) -> bool:
    """True when the account exists and is switched on (a deactivated or deleted person cannot)."""
    return User.objects.filter(pk=user_id, is_active=True).exists()


def person_sign_in(request: Any, *, user_id: int) -> None:
    """Start a session for the person, as a sign-in does (a new session key; the old session ends). The
    caller has proved who they are another way (a verified LTI launch)."""
    from django.contrib.auth import login

    login(request, User.objects.get(pk=user_id), backend="django.contrib.auth.backends.ModelBackend")


def roster_person_id(*, organisation_id: int, sourced_id: str) -> int | None:
    """The person a OneRoster import made for ``sourced_id`` in the organisation, or None."""
    from learnpath.web.accounts.models import RosterLink

    return (
        RosterLink.objects.filter(
            organisation_id=organisation_id, kind=RosterLink.Kind.USER, sourced_id=sourced_id
        )
        .values_list("target_id", flat=True)
        .first()
    )


def class_create_unstaffed(*, organisation_id: int, slug: str, name: str, actor: Any = None) -> ClassInfo:
    """Create a class with no teacher yet (an LMS course whose first launch was a learner's; audited)."""
    organisation = Organisation.objects.get(pk=organisation_id)
    klass = services.class_create(organisation=organisation, slug=slug, name=name, actor=actor)
    return _class(Class.objects.select_related("organisation").get(pk=klass.pk))


def organisations_all() -> list[OrganisationInfo]:
    """Every organisation, by name (an administrator chooses one, e.g. for an LMS registration)."""
    return [
        OrganisationInfo(id=o.pk, slug=o.slug, name=o.name)
        for o in Organisation.objects.order_by("name", "pk")
    ]
