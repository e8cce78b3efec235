"""Personal data in lti: who a person is on each LMS that launches learnpath, and the grades owed to or sent
to that LMS's gradebook. A launch's other claims (e-mail address, picture, full name) are never stored."""

from __future__ import annotations

from typing import Any

from learnpath.web.lti.models import LtiGradeSync, LtiIdentity
from learnpath.web.personal_data import PersonalData, plain

PERSONAL_DATA = (
    PersonalData(
        model="lti.LtiIdentity",
        fields=("user", "subject"),
        purpose="The person's id on an LMS that launches learnpath, so that their next launch signs in to "
        "the same account.",
        seen_by="Administrators.",
        kept="Until the account is deleted.",
    ),
    PersonalData(
        model="lti.LtiGradeSync",
        fields=("learner", "subject", "sent"),
        purpose="The mastery learnpath passes back to the LMS gradebook for one learner and one link: "
        "whether it is owed, the last score the LMS accepted, and a failure's message.",
        seen_by="The class's teachers (counts and errors) and administrators.",
        kept="Until the learner or the LMS link is deleted.",
    ),
)


def export(*, user_id: int) -> dict[str, Any]:
    """The person's LMS identities and the grades sent for them."""
    identities = LtiIdentity.objects.filter(user_id=user_id).select_related("platform").order_by("id")
    grades = LtiGradeSync.objects.filter(learner_id=user_id).select_related("link").order_by("id")
    return {
        "lms_identities": [
            {
                "lms": identity.platform.name,
                "lms_user_id": identity.subject,
                "created_at": plain(identity.created_at),
                "last_launch_at": plain(identity.last_launch_at),
            }
            for identity in identities
        ],
        "lms_grades": [
            {
                "link": grade.link.title or grade.link.course_id,
                "course": grade.link.course_id,
                "skill": grade.link.skill_id,
                "owed": grade.pending,
                "sent": grade.sent,
                "sent_at": plain(grade.sent_at),
            }
            for grade in grades
        ],
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Forget the person's LMS identities and grades: a later launch would make a new account. Idempotent."""
    return {
        "grades": LtiGradeSync.objects.filter(learner_id=user_id).delete()[0],
        "identities": LtiIdentity.objects.filter(user_id=user_id).delete()[0],
    }
