"""Who may do what in guardians: the one place it is decided. "Missing" and "forbidden" look the same."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from learnpath.web.accounts import api as accounts_api


def _has_role(user: Any, role: str) -> bool:
    # "Signed in and active" is accounts' rule (accounts.api, decision 0079); the role is then the person's.
    return accounts_api.user_is_signed_in(user) and user.role == role


def access_own_sharing(user: Any) -> None:
    """A learner's own "Who sees my data" page: learners only."""
    if not _has_role(user, "learner"):
        raise Http404("This page is a learner's own.")


def access_school_code(user: Any, learner_id: int) -> accounts_api.PersonInfo:
    """A teacher of the learner (or an administrator) may make a guardian code with the school's consent."""
    learner = accounts_api.person(user_id=learner_id)
    if learner is None or accounts_api.relation_to_learner(user=user, learner_id=learner_id) not in (
        "teacher",
        "admin",
    ):
        raise Http404("There is no learner here that you teach.")
    return learner


def access_guardian_home(user: Any) -> None:
    """The guardian's own page: guardians only."""
    if not _has_role(user, "guardian"):
        raise Http404("This page is for guardians.")


def access_linked_learner(user: Any, learner_id: int) -> accounts_api.PersonInfo:
    """A learner the guardian ``user`` is actively linked to (consent given, not withdrawn)."""
    learner = accounts_api.person(user_id=learner_id)
    if learner is None or accounts_api.relation_to_learner(user=user, learner_id=learner_id) != "guardian":
        raise Http404("There is no learner here that you are linked to.")
    return learner
