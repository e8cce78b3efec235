"""Who may see and change a learner's goals, work and reflections: the one place it is decided for agency.

The learner owns them. Their teachers read what was done in their classes, comment and may set goals with
them; an actively linked guardian reads them; a platform admin reads them. Everyone else gets the same 404
as for missing data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404

from learnpath.web.accounts import api as accounts_api


def access_own_agency(user: Any) -> int:
    """The learner's own id, if ``user`` is a signed-in learner; else ``Http404``."""
    if getattr(user, "is_authenticated", False) and user.is_active and user.role == "learner":
        return int(user.pk)
    raise Http404("These pages are a learner's own.")


def access_learner_work_item(user: Any, learner_id: int, *, course_id: str, created_at: datetime) -> str:
    """How ``user`` reads this piece of the learner's work (self, teacher, guardian, admin), else
    ``Http404``, the same as for missing work.

    The one rule is ``coaching.access.access_learner_reading``: a teacher reads only the work the learner
    did in the classes that teacher teaches (decision 0075).
    """
    # Imported here: coaching's pages use agency's api, so a module-level import would tie the two apps'
    # loading together for the sake of this one function.
    from learnpath.web.coaching import api as coaching_api

    reading = coaching_api.learner_reading(user=user, learner_id=learner_id)
    if not reading.sees_work(course_id, created_at):
        raise Http404("There is no learner here that you can see.")
    return reading.relation


def access_learner_teacher(user: Any, learner_id: int) -> None:
    """Pass if ``user`` teaches the learner (or is a platform admin); else ``Http404``."""
    if accounts_api.relation_to_learner(user=user, learner_id=learner_id) not in ("teacher", "admin"):
        raise Http404("There is no learner here that you teach.")
