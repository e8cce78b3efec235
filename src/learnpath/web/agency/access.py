"""Who may see and change a learner's goals, work and reflections: the one place it is decided for agency.

The learner owns them. Their teachers read them, comment and may set goals with them; an actively linked
guardian reads them; a platform admin reads them. Everyone else gets the same 404 as for missing data.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from learnpath.web.accounts import api as accounts_api


def access_own_agency(user: Any) -> int:
    """The learner's own id, if ``user`` is a signed-in learner; else ``Http404``."""
    if getattr(user, "is_authenticated", False) and user.is_active and user.role == "learner":
        return int(user.pk)
    raise Http404("These pages are a learner's own.")


def access_learner_reader(user: Any, learner_id: int) -> str:
    """How ``user`` reads the learner's work (self, teacher, guardian, admin), else ``Http404``."""
    relation = accounts_api.relation_to_learner(user=user, learner_id=learner_id)
    if relation is None:
        raise Http404("There is no learner here that you can see.")
    return relation


def access_learner_teacher(user: Any, learner_id: int) -> None:
    """Pass if ``user`` teaches the learner (or is a platform admin); else ``Http404``."""
    if accounts_api.relation_to_learner(user=user, learner_id=learner_id) not in ("teacher", "admin"):
        raise Http404("There is no learner here that you teach.")
