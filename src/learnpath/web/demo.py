"""The demo data of ``learnpath demo``: accounts, then the demo class's course, learners and pacing guide.

The orchestration lives here, above the apps, because it needs two of them: accounts makes the people and
the class, coaching fills the class (decision 0079). No app imports this module.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.api import DemoAccount
from learnpath.web.coaching import api as coaching_api


def demo_ensure(*, password: str | None = None) -> list[DemoAccount]:
    """Create (idempotently) the demo accounts and class, give the class the demo course (when it is
    imported), learners with history and a pacing guide, and let those learners sign in with the demo
    password. Returns the four demo accounts, for ``learnpath demo`` to print."""
    accounts = accounts_api.demo_accounts_ensure(password=password)
    teacher = get_user_model().objects.get(username="demo-teacher")
    coaching_api.demo_class_ensure(teacher=teacher)
    accounts_api.demo_class_learners_password_ensure()
    return accounts
