"""Who may export, delete and change consent for whom: the one place it is decided (decision 0076).

- The person themself, if they are an adult: every guardian, teacher and administrator, and a learner whose
  organisation says its learners are adults (or who belongs to none).
- A guardian whose link to the learner is active (consent given, not withdrawn).
- An administrator.
Teachers may not. A learner who is a minor sees their own data and consent and may withdraw consent, but
export, deletion and giving consent are for their guardian or school. "Missing" and "forbidden" look the
same: an answer of 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.privacy import registry, selectors
from learnpath.web.privacy.models import DeletionRequest

NOT_FOUND = "There is no one here whose data you may manage."
ACTING_RELATIONS = ("guardian", "admin")


def is_adult(person: accounts_api.PersonInfo) -> bool:
    """Whether the person manages their own data: anyone not a learner, and learners of organisations that
    say their learners are adults (or of none)."""
    if person.role != "learner":
        return True
    return selectors.policy_of(organisation_id=person.organisation_id).learners_are_adults


def _person(learner_id: int) -> accounts_api.PersonInfo:
    person = accounts_api.person(user_id=learner_id)
    if person is None or registry.provider("accounts").is_erased(user_id=learner_id):
        raise Http404(NOT_FOUND)
    return person


def may_act(user: Any, person: accounts_api.PersonInfo) -> bool:
    """Whether ``user`` may export, delete and give consent for ``person``."""
    relation = accounts_api.relation_to_learner(user=user, learner_id=person.id)
    if relation == "self":
        return is_adult(person)
    return relation in ACTING_RELATIONS


def access_act_for(user: Any, learner_id: int) -> accounts_api.PersonInfo:
    """The person, if ``user`` may export, delete and give consent for them; else ``Http404``."""
    person = _person(learner_id)
    if not may_act(user, person):
        raise Http404(NOT_FOUND)
    return person


def access_consent(user: Any, learner_id: int) -> tuple[accounts_api.PersonInfo, bool]:
    """The person and whether ``user`` may give consent for them, if ``user`` may see their consent page:
    whoever may act for them, and the learner themself (who may always withdraw)."""
    person = _person(learner_id)
    if may_act(user, person):
        return person, True
    if accounts_api.relation_to_learner(user=user, learner_id=learner_id) == "self":
        return person, False
    raise Http404(NOT_FOUND)


def access_deletion(user: Any, request_id: int) -> DeletionRequest:
    """A deletion request, to whoever asked for it and to administrators."""
    request = DeletionRequest.objects.filter(pk=request_id).first()
    if (
        request is None
        or not accounts_api.user_is_signed_in(user)
        or not (request.requested_by_id == user.pk or accounts_api.user_is_platform_admin(user))
    ):
        raise Http404("There is no deletion here that you asked for.")
    return request


def access_acts_for_linked_learners(user: Any) -> bool:
    """A signed-in guardian: their data rights page lists the learners they are linked to."""
    return accounts_api.user_is_signed_in(user) and user.role == "guardian"
