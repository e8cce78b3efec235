"""Writes for accounts. Each service is atomic and privileged ones write their audit row inside it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from learnpath.web.accounts.join_codes import join_code_generate, join_code_normalise
from learnpath.web.accounts.models import (
    AuditEntry,
    Class,
    ClassMembership,
    GuardianLink,
    Organisation,
    Role,
    User,
)
from learnpath.web.accounts.passwords import password_generate
from learnpath.web.accounts.timezones import is_time_zone
from learnpath.web.datadir import data_dir_secret

DEMO_ORGANISATION_SLUG = "demo-school"
DEMO_CLASS_SLUG = "demo-class"
CONSENT_TEXT_VERSION = "2026-1"


def audit_entry_record(
    *,
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row. Call it inside the transaction of the action it records."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
    )


@transaction.atomic
def organisation_create(*, slug: str, name: str, actor: User | None = None) -> Organisation:
    """Create an organisation."""
    organisation = Organisation.objects.create(slug=slug, name=name)
    audit_entry_record(actor=actor, action="organisation.create", target_type="organisation", target_id=slug)
    return organisation


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str = Role.LEARNER,
    organisation: Organisation | None = None,
    display_name: str = "",
    actor: User | None = None,
) -> User:
    """Create a person. An ``admin`` gets staff and superuser rights; ``password=None`` disables sign-in."""
    if role not in Role.values:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    is_admin = role == Role.ADMIN
    user = User(
        username=username,
        role=role,
        organisation=organisation,
        display_name=display_name,
        is_staff=is_admin,
        is_superuser=is_admin,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    audit_entry_record(
        actor=actor, action="user.create", target_type="user", target_id=user.pk, details={"role": role}
    )
    return user


@transaction.atomic
def class_create(*, organisation: Organisation, slug: str, name: str, actor: User | None = None) -> Class:
    """Create a class (school class or training group) in an organisation."""
    klass = Class.objects.create(
        organisation=organisation, slug=slug, name=name, joining_code=_joining_code_unique()
    )
    audit_entry_record(actor=actor, action="class.create", target_type="class", target_id=klass.pk)
    return klass


def _joining_code_unique() -> str:
    """A new join code no class has. With 2.56 × 10^10 codes a clash is rare; the unique constraint
    stops the one that races past this check."""
    while True:
        code = join_code_generate()
        if not Class.objects.filter(joining_code=code).exists():
            return code


@transaction.atomic
def class_joining_code_new(*, klass: Class, actor: User) -> str:
    """Give the class a new join code and open joining; the old code stops working at once (audited)."""
    klass.joining_code = _joining_code_unique()
    klass.joining_open = True
    klass.save(update_fields=["joining_code", "joining_open"])
    audit_entry_record(actor=actor, action="class.joining_code_new", target_type="class", target_id=klass.pk)
    return klass.joining_code


@transaction.atomic
def class_joining_set_open(*, klass: Class, is_open: bool, actor: User) -> None:
    """Open or close joining with the class's code (audited); closing keeps the code for reopening."""
    klass.joining_open = is_open
    klass.save(update_fields=["joining_open"])
    audit_entry_record(
        actor=actor,
        action="class.joining_open" if is_open else "class.joining_close",
        target_type="class",
        target_id=klass.pk,
    )


class JoinRefused(ValueError):
    """A sign-up or a join that cannot be done; the message is the one plain line the person sees."""


NO_CLASS_WITH_THAT_CODE = (
    "No class takes that code. Check it with your teacher: it has 8 letters and digits, like k7dm-f3wa."
)


def _class_open_with_code(code: str) -> Class:
    normalised = join_code_normalise(code)
    klass = (
        Class.objects.select_for_update()
        .filter(joining_code=normalised, joining_open=True, archived_at__isnull=True)
        .first()
        if normalised
        else None
    )
    if klass is None:
        raise JoinRefused(NO_CLASS_WITH_THAT_CODE)
    return klass


@transaction.atomic
def learner_sign_up(
    *, code: str, username: str, display_name: str, password: str | None
) -> tuple[User, Class]:
    """A new learner account in the class whose open join code this is, in the class's organisation.

    The code makes learners only; nobody gives an e-mail address. ``password=None`` is not allowed here:
    the caller passes the learner's own (checked by Django's validators) or a generated one. The account's
    creation and its joining are audited with the new learner as the actor. Raises ``JoinRefused`` with
    nothing changed for a wrong, replaced or closed code.
    """
    klass = _class_open_with_code(code)
    if password is None:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError("a signed-up learner needs a password")
    user = user_create(
        username=username,
        password=password,
        role=Role.LEARNER,
        organisation=klass.organisation,
        display_name=display_name,
    )
    audit_entry_record(
        actor=user, action="user.sign_up", target_type="user", target_id=user.pk, details={"class": klass.pk}
    )
    class_learner_add(klass=klass, learner=user, actor=user)
    return user, klass


@transaction.atomic
def learner_class_join(*, learner: User, code: str) -> tuple[Class, bool]:
    """A signed-in learner joins the class whose open join code this is (their own organisation's only);
    returns the class and whether they were newly added. Audited; ``JoinRefused`` changes nothing."""
    klass = _class_open_with_code(code)
    if learner.role != Role.LEARNER or learner.organisation_id != klass.organisation_id:
        raise JoinRefused(NO_CLASS_WITH_THAT_CODE)
    before = ClassMembership.objects.filter(klass=klass, learner=learner).exists()
    class_learner_add(klass=klass, learner=learner, actor=learner)
    return klass, not before


def _require_same_organisation(klass: Class, user: User) -> None:
    if user.organisation_id != klass.organisation_id:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{user.username} is not a member of {klass.organisation}; add them there first")


@transaction.atomic
def class_teacher_add(*, klass: Class, teacher: User, actor: User | None = None) -> None:
    """Make a teacher of the class's organisation one of its teachers."""
    _require_same_organisation(klass, teacher)
    if teacher.role not in (Role.TEACHER, Role.ADMIN):
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{teacher.username} is a {teacher.role}, not a teacher")
    klass.teachers.add(teacher)
    audit_entry_record(
        actor=actor,
        action="class.teacher_add",
        target_type="class",
        target_id=klass.pk,
        details={"teacher": teacher.pk},
    )


@transaction.atomic
def class_teacher_remove(*, klass: Class, teacher_id: int, actor: User | None = None) -> bool:
    """Take a teacher off a class (audited); False if they did not teach it. The class and its learners
    stay."""
    removed, _ = Class.teachers.through.objects.filter(class_id=klass.pk, user_id=teacher_id).delete()
    if removed:
        audit_entry_record(
            actor=actor,
            action="class.teacher_remove",
            target_type="class",
            target_id=klass.pk,
            details={"teacher": teacher_id},
        )
    return bool(removed)


@transaction.atomic
def class_learner_add(*, klass: Class, learner: User, actor: User | None = None) -> ClassMembership:
    """Enrol a learner of the class's organisation in the class (idempotent).

    Who may enrol whom is decided by the callers: the learner themselves with the class's code, or a
    teacher under decision 0075 (a learner of another teacher's class only with that teacher's agreement).
    """
    _require_same_organisation(klass, learner)
    if learner.role != Role.LEARNER:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{learner.username} is a {learner.role}, not a learner")
    if klass.archived_at is not None:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{klass} is archived; restore it before enrolling anyone")
    membership, created = ClassMembership.objects.get_or_create(klass=klass, learner=learner)
    if created:
        audit_entry_record(
            actor=actor,
            action="class.learner_add",
            target_type="class",
            target_id=klass.pk,
            details={"learner": learner.pk},
        )
    return membership


@transaction.atomic
def class_learner_remove(*, klass: Class, learner_id: int, actor: User) -> bool:
    """Take a learner out of a class (audited); False if they were not in it.

    Only the membership goes: the learner keeps every record of their own (their log, work, goals), and
    the class's teachers stop seeing them unless they share another class.
    """
    deleted, _ = ClassMembership.objects.filter(klass=klass, learner_id=learner_id).delete()
    if deleted:
        audit_entry_record(
            actor=actor,
            action="class.learner_remove",
            target_type="class",
            target_id=klass.pk,
            details={"learner": learner_id},
        )
    return bool(deleted)


@transaction.atomic
def class_archive(*, klass: Class, actor: User) -> bool:
    """Archive a class (audited): it leaves every list, grants no access and takes no one in, while its
    memberships and history stay for :func:`class_restore`. False if it was archived already."""
    if klass.archived_at is not None:
        return False
    klass.archived_at = timezone.now()
    # Its code closes too, and a restore does not reopen it: the teacher decides when to take learners in.
    klass.joining_open = False
    klass.save(update_fields=["archived_at", "joining_open"])
    audit_entry_record(actor=actor, action="class.archive", target_type="class", target_id=klass.pk)
    return True


@transaction.atomic
def class_restore(*, klass: Class, actor: User) -> bool:
    """Bring an archived class back (audited), with joining closed (archiving closed it) until the teacher
    opens it. False if it was not archived."""
    if klass.archived_at is None:
        return False
    klass.archived_at = None
    klass.save(update_fields=["archived_at"])
    audit_entry_record(actor=actor, action="class.restore", target_type="class", target_id=klass.pk)
    return True


@transaction.atomic
def guardian_link_create(
    *,
    guardian: User,
    learner: User,
    relationship: str = "",
    consent_given_by: User | None = None,
    actor: User | None = None,
) -> GuardianLink:
    """Link a guardian to a learner. With ``consent_given_by`` the link is active at once."""
    if guardian.role != Role.GUARDIAN:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{guardian.username} is a {guardian.role}, not a guardian")
    if learner.role != Role.LEARNER:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{learner.username} is a {learner.role}, not a learner")
    link = GuardianLink.objects.create(
        guardian=guardian,
        learner=learner,
        relationship=relationship,
        consent_given_at=timezone.now() if consent_given_by else None,
        consent_given_by=consent_given_by,
        consent_text_version=CONSENT_TEXT_VERSION if consent_given_by else "",
    )
    audit_entry_record(
        actor=actor,
        action="guardian_link.create",
        target_type="guardian_link",
        target_id=link.pk,
        details={"guardian": guardian.pk, "learner": learner.pk, "consent": bool(consent_given_by)},
    )
    return link


@dataclass(frozen=True)
class DemoAccount:
    """A demo account to print: its role, user name and password."""

    role: str
    username: str
    password: str


DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    (Role.LEARNER, "demo-learner", "Dana Learner"),
    (Role.TEACHER, "demo-teacher", "Tomás Teacher"),
    (Role.GUARDIAN, "demo-guardian", "Gita Guardian"),
    (Role.ADMIN, "demo-admin", "Ada Admin"),
)


@transaction.atomic
def demo_accounts_ensure(*, password: str | None = None) -> list[DemoAccount]:
    """Make sure the demo organisation, class and the four demo accounts exist; return their sign-ins.

    Idempotent: a second call creates nothing. With ``password=None`` the password is generated once
    and kept in ``<data dir>/demo_password``, so every call prints the same working password and never
    signs anyone out; a given password is set only where it differs.
    """
    if password is None:
        password = data_dir_secret(settings.DATA_DIR, "demo_password", generate=password_generate)
    organisation = Organisation.objects.filter(slug=DEMO_ORGANISATION_SLUG).first()
    if organisation is None:
        organisation = organisation_create(slug=DEMO_ORGANISATION_SLUG, name="Demo School")
    klass = Class.objects.filter(organisation=organisation, slug=DEMO_CLASS_SLUG).first()
    if klass is None:
        klass = class_create(organisation=organisation, slug=DEMO_CLASS_SLUG, name="Demo class 7B")

    users: dict[str, User] = {}
    for role, username, display_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=password,
                role=role,
                organisation=organisation,
                display_name=display_name,
            )
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            audit_entry_record(actor=None, action="user.password_set", target_type="user", target_id=user.pk)
        users[role] = user

    if not klass.teachers.filter(pk=users[Role.TEACHER].pk).exists():
        class_teacher_add(klass=klass, teacher=users[Role.TEACHER])
    class_learner_add(klass=klass, learner=users[Role.LEARNER])
    if not GuardianLink.objects.filter(guardian=users[Role.GUARDIAN], learner=users[Role.LEARNER]).exists():
        guardian_link_create(
            guardian=users[Role.GUARDIAN],
            learner=users[Role.LEARNER],
            relationship="parent",
            consent_given_by=users[Role.GUARDIAN],
        )
    return [
        DemoAccount(role=str(role), username=username, password=password) for role, username, _ in DEMO_USERS
    ]


@transaction.atomic
def demo_accounts_disable() -> list[str]:
    """Turn off signing in for the demo accounts whose password ``learnpath demo`` printed (the four
    accounts and the demo class's learners); returns the user names turned off, none if none was on.

    Their data stays; ``learnpath demo`` gives them the demo password again.
    """
    names = [username for _role, username, _name in DEMO_USERS]
    users = [
        *User.objects.filter(username__in=names, organisation__slug=DEMO_ORGANISATION_SLUG),
        *demo_class_learners(),
    ]
    turned_off = []
    for user in users:
        if not user.has_usable_password():
            continue
        user.set_unusable_password()
        user.save(update_fields=["password"])
        audit_entry_record(actor=None, action="user.demo_disabled", target_type="user", target_id=user.pk)
        turned_off.append(user.username)
    return sorted(turned_off)


DEMO_CLASS_LEARNER_PREFIX = "demo-class-"


def demo_class_learners() -> list[User]:
    """The learners of the demo class (``demo-class-01`` …) that ``learnpath demo`` creates, by user name."""
    return list(
        User.objects.filter(
            username__startswith=DEMO_CLASS_LEARNER_PREFIX,
            role=Role.LEARNER,
            organisation__slug=DEMO_ORGANISATION_SLUG,
        ).order_by("username")
    )


@transaction.atomic
def demo_class_learners_password_ensure() -> list[str]:
    """Give the demo class's learners the password of ``demo-learner``, so every demo learner can sign in.

    The stored hash is copied rather than computed again: one Argon2 hash instead of fourteen at every
    ``learnpath demo``. Idempotent like the demo accounts: a learner is changed (and
    audited) only where the hash differs, so a second ``learnpath demo`` signs nobody out. Returns their
    user names.
    """
    reference = User.objects.filter(username="demo-learner").first()
    learners = demo_class_learners()
    if reference is None or not reference.has_usable_password():
        return [user.username for user in learners]
    for user in learners:
        if user.password != reference.password:
            user.password = reference.password
            user.save(update_fields=["password"])
            audit_entry_record(actor=None, action="user.password_set", target_type="user", target_id=user.pk)
    return [user.username for user in learners]


def user_time_zone_set(*, user: User, time_zone: str) -> None:
    """A person chooses the time zone their times are shown in ("" for their organisation's)."""
    if time_zone and not is_time_zone(time_zone):
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{time_zone!r} is not a time zone this server knows. Choose one from the list.")
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])


def user_language_set(*, user: User, language: str) -> None:
    """A person chooses the language of their pages ("" for their browser's)."""
    if language and language not in {code for code, _ in settings.LANGUAGES}:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{language!r} is not a language learnpath is offered in.")
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic
def user_password_change(*, user: User, password: str) -> None:
    """A person sets their own new password (already checked by Django's validators); audited.

    The caller keeps the person's current session (``update_session_auth_hash``); every other session of
    theirs ends, since Django checks each session against the password hash.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_entry_record(actor=user, action="user.password_change", target_type="user", target_id=user.pk)


@transaction.atomic
def user_password_reset_by_email(*, user: User, password: str) -> None:
    """A person sets a new password through the link mailed to them (already checked by Django's
    validators and the link's one-use token); audited. Every session of theirs ends, as the hash changes."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_entry_record(
        actor=user, action="user.password_reset_by_email", target_type="user", target_id=user.pk
    )


@transaction.atomic
def learner_password_reset(*, learner: User, class_id: int, actor: User) -> str:
    """A teacher gives a learner of their class a new generated password; returns it, to be shown once.

    Who may is decided by ``access.access_class_learner_for_reset``. The learner's sessions all end (the
    password hash changes); the audit row names the class, never the password.
    """
    password = password_generate()
    learner.set_password(password)
    learner.save(update_fields=["password"])
    audit_entry_record(
        actor=actor,
        action="user.password_reset",
        target_type="user",
        target_id=learner.pk,
        details={"class": class_id},
    )
    return password


@transaction.atomic
def guardian_link_consent(
    *, guardian: User, learner: User, consent_given_by: User, relationship: str = ""
) -> GuardianLink:
    """Make a guardian's link to a learner active with the consent of ``consent_given_by``.

    Creates the link or re-activates a withdrawn one; the audit row names who consented.
    """
    if guardian.role != Role.GUARDIAN:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{guardian.username} is a {guardian.role}, not a guardian")
    if learner.role != Role.LEARNER:
        # English: for operators and programs; pages refuse this before it is reached
        raise ValueError(f"{learner.username} is a {learner.role}, not a learner")
    link, _ = GuardianLink.objects.select_for_update().get_or_create(guardian=guardian, learner=learner)
    link.relationship = relationship or link.relationship
    link.consent_given_at = timezone.now()
    link.consent_given_by = consent_given_by
    link.consent_text_version = CONSENT_TEXT_VERSION
    link.consent_withdrawn_at = None
    link.save()
    audit_entry_record(
        actor=guardian,
        action="guardian_link.consent",
        target_type="guardian_link",
        target_id=link.pk,
        details={"guardian": guardian.pk, "learner": learner.pk, "consent_given_by": consent_given_by.pk},
    )
    return link


@transaction.atomic
def guardian_link_withdraw(*, guardian_id: int, learner: User, actor: User) -> bool:
    """Withdraw consent for a guardian's link to ``learner``; the row stays for the record."""
    link = GuardianLink.objects.select_for_update().filter(guardian_id=guardian_id, learner=learner).first()
    if link is None or not link.is_active:
        return False
    link.consent_withdrawn_at = timezone.now()
    link.save(update_fields=["consent_withdrawn_at"])
    audit_entry_record(
        actor=actor,
        action="guardian_link.withdraw",
        target_type="guardian_link",
        target_id=link.pk,
        details={"guardian": guardian_id, "learner": learner.pk},
    )
    return True


# -- a second factor for staff (docs/decisions/0080-second-factor.md) ----------------------------------------

RECOVERY_CODES = 10
TOTP_STEP = 30  # seconds a code lasts, RFC 6238's default and what every authenticator app uses
TOTP_DIGITS = 6
TOTP_TOLERANCE = 1  # steps either side of now, for a phone's clock a little off and a code typed slowly


def second_factor_secret_new() -> str:
    """A new TOTP secret: 20 random bytes (160 bits, as RFC 4226 section 4 recommends), in hex as django-otp
    stores it."""
    return str(default_key())


def _recovery_codes_new(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def second_factor_enrol(*, user: User, key: str, code: str) -> tuple[Any, list[str]] | None:
    """Set up an authenticator app for ``user`` if ``code`` is what the app shows for the secret ``key`` now
    (TOTP, RFC 6238: HOTP of the 30-second step since the Unix epoch, one step either side); else None and
    nothing is stored. Replaces any app and recovery codes the person had; makes ten new recovery codes
    (django-otp's static device, each good once) and returns the app's device and the codes. Audited."""
    totp = TOTP(bytes.fromhex(key), step=TOTP_STEP, t0=0, digits=TOTP_DIGITS, drift=0)
    totp.time = time.time()
    if not (code.isdigit() and len(code) == TOTP_DIGITS and totp.verify(int(code), TOTP_TOLERANCE)):
        return None
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user,
        name="Authenticator app",
        key=key,
        step=TOTP_STEP,
        digits=TOTP_DIGITS,
        tolerance=TOTP_TOLERANCE,
        confirmed=True,
        last_t=totp.t(),  # the code just typed is used up
    )
    codes = _recovery_codes_new(user)
    audit_entry_record(
        actor=user,
        action="user.second_factor_enrol",
        target_type="user",
        target_id=user.pk,
        details={"recovery_codes": len(codes)},
    )
    return device, codes


@transaction.atomic
def second_factor_verify(*, user: User, code: str, recovery: bool) -> Any | None:
    """Check a code from ``user``'s authenticator app, or one of their recovery codes (``recovery``), and
    return the device that took it, else None. A code is taken once: the app's last accepted step is kept
    (a code cannot be replayed) and a recovery code is deleted. Audited when it succeeds; the devices are
    locked meanwhile, so two requests cannot both take one code."""
    model = StaticDevice if recovery else TOTPDevice
    for device in model.objects.filter(user=user, confirmed=True).select_for_update():
        if device.verify_token(code):
            details: dict[str, Any] = {"method": "recovery_code" if recovery else "app"}
            if recovery:
                details["recovery_codes_left"] = device.token_set.count()
            audit_entry_record(
                actor=user,
                action="user.second_factor_verify",
                target_type="user",
                target_id=user.pk,
                details=details,
            )
            return device
    return None


@transaction.atomic
def second_factor_recovery_codes_new(*, user: User) -> list[str]:
    """Ten new recovery codes for ``user``; the old ones stop working. Audited."""
    codes = _recovery_codes_new(user)
    audit_entry_record(
        actor=user, action="user.second_factor_recovery_codes_new", target_type="user", target_id=user.pk
    )
    return codes


@transaction.atomic
def second_factor_remove(*, user: User, actor: User) -> bool:
    """Remove ``user``'s authenticator app and recovery codes (the person themselves, or an admin for a
    member of staff who lost their phone; who may is decided by the caller). With enforcement on, their
    next page asks them to set up a new one. Audited; False if there was nothing to remove."""
    removed = (
        TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    )
    if not removed:
        return False
    audit_entry_record(
        actor=actor,
        action="user.second_factor_reset",
        target_type="user",
        target_id=user.pk,
        details={"by": "self" if actor.pk == user.pk else "admin"},
    )
    return True
