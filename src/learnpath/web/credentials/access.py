"""Who may do what with credentials: the one place it is decided for this app.

A learner claims, downloads and revokes their own badges; an administrator (platform admin) may revoke
any. Everyone, signed in or not, may verify a credential and read the issuer's profile, keys and a
credential's status: that is what makes a badge checkable. Anything else is the same 404 as missing.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from learnpath.web.accounts import api as accounts_api
from learnpath.web.credentials.models import Credential


def access_own_badges(user: Any) -> int:
    """The learner's own id, if ``user`` is a signed-in learner; else ``Http404``."""
    if accounts_api.user_is_learner(user):
        return int(user.pk)
    raise Http404("The badges page is a learner's own.")


def access_own_credential(user: Any, public_id: Any) -> Credential:
    """The learner's own credential (for download); else ``Http404``, the same as for a missing one."""
    learner_id = access_own_badges(user)
    found = Credential.objects.filter(public_id=public_id, learner_id=learner_id).first()
    if found is None:
        raise Http404("There is no such badge of yours.")
    return found


def may_revoke_any(user: Any) -> bool:
    """An administrator may revoke any credential (from the verify page)."""
    return accounts_api.user_is_platform_admin(user)


def access_revocable(user: Any, public_id: Any) -> Credential:
    """A credential ``user`` may revoke: their own as a learner, any as an administrator; else ``Http404``."""
    if may_revoke_any(user):
        found = Credential.objects.filter(public_id=public_id).first()
        if found is not None:
            return found
        raise Http404("There is no such credential.")
    return access_own_credential(user, public_id)
