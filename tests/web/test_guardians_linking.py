"""Guardians: linking only with a one-time consent code, the read-only view, and what learners see."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, GuardianLink, Organisation, Role, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.guardians import services
from learnpath.web.guardians.models import LinkCode


def code_from(html: str) -> str:
    match = re.search(r'data-testid="guardian-code">([A-Z0-9-]+)<', html)
    assert match, html
    return match.group(1)


def test_a_learner_consents_with_a_code_and_the_guardian_links(
    learner: User, guardian: User, client_of: Callable[[User], Client]
) -> None:
    code = code_from(client_of(learner).post("/me/sharing/", {"action": "code"}).content.decode())
    assert not LinkCode.objects.filter(code_sha256__icontains=code).exists()  # only the hash is kept
    response = client_of(guardian).post("/guardian/", {"code": code.lower(), "relationship": "mother"})
    assert response.status_code == 302
    assert response["Location"] == f"/guardian/learners/{learner.pk}/"
    link = GuardianLink.objects.get(guardian=guardian, learner=learner)
    assert link.is_active
    assert link.consent_given_by == learner
    assert AuditEntry.objects.filter(action="guardian_link.consent").exists()
    assert "gwen" in client_of(learner).get("/me/sharing/").content.decode()
    view = client_of(guardian).get(f"/guardian/learners/{learner.pk}/")
    assert view.status_code == 200
    assert "What to practise together" in view.content.decode()


def test_a_code_works_once_and_not_after_seven_days(
    learner: User, guardian: User, make_user: Callable[..., User], organisation: Organisation
) -> None:
    now = timezone.now()
    code = services.link_code_create(learner_id=learner.pk, actor=learner, now=now)
    services.link_code_redeem(guardian=guardian, code=code, now=now)
    second = make_user("gus", Role.GUARDIAN, organisation)
    with pytest.raises(services.GuardianLinkError):
        services.link_code_redeem(guardian=second, code=code, now=now)
    old = services.link_code_create(learner_id=learner.pk, actor=learner, now=now)
    with pytest.raises(services.GuardianLinkError):
        services.link_code_redeem(guardian=second, code=old, now=now + timedelta(days=8))


def test_only_guardians_redeem_and_a_new_code_replaces_the_old(
    learner: User, guardian: User, teacher: User
) -> None:
    now = timezone.now()
    first = services.link_code_create(learner_id=learner.pk, actor=learner, now=now)
    with pytest.raises(services.GuardianLinkError):
        services.link_code_redeem(guardian=teacher, code=first, now=now)
    services.link_code_create(learner_id=learner.pk, actor=learner, now=now)
    with pytest.raises(services.GuardianLinkError):
        services.link_code_redeem(guardian=guardian, code=first, now=now + timedelta(seconds=1))


def test_the_school_can_consent_for_a_learner_it_teaches(
    learner: User,
    guardian: User,
    teacher: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    klass = coaching_services.class_create(teacher=teacher, name="7B")
    accounts_api.class_learner_add(class_id=klass.id, learner_id=learner.pk, actor=teacher)
    stranger = make_user("tom", Role.TEACHER, organisation)
    assert client_of(stranger).post(f"/learners/{learner.pk}/guardian-code/").status_code == 404
    code = code_from(client_of(teacher).post(f"/learners/{learner.pk}/guardian-code/").content.decode())
    client_of(guardian).post("/guardian/", {"code": code})
    assert GuardianLink.objects.get(guardian=guardian).consent_given_by == teacher


def test_a_guardian_sees_nothing_of_another_learner_and_withdrawal_ends_access(
    learner: User,
    guardian: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    other = make_user("olga", Role.LEARNER, organisation)
    services.link_code_redeem(
        guardian=guardian,
        code=services.link_code_create(learner_id=learner.pk, actor=learner, now=timezone.now()),
        now=timezone.now(),
    )
    client = client_of(guardian)
    assert client.get(f"/guardian/learners/{other.pk}/").status_code == 404
    assert client.get("/guardian/learners/999999/").status_code == 404
    assert "olga" not in client.get("/guardian/").content.decode()
    client_of(learner).post("/me/sharing/", {"action": "withdraw", "guardian": guardian.pk})
    assert client.get(f"/guardian/learners/{learner.pk}/").status_code == 404
    assert GuardianLink.objects.get(guardian=guardian).consent_withdrawn_at is not None
