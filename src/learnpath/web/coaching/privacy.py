"""Personal data in coaching: groups, targets set for one learner, interventions a learner was part of,
requests to enrol a learner, and a teacher's inbox settings."""

from __future__ import annotations

from typing import Any

from learnpath.web.coaching.models import (
    EnrolmentRequest,
    InboxState,
    Intervention,
    InterventionLearner,
    LearnerGroup,
    PacingTarget,
)
from learnpath.web.personal_data import PersonalData, plain

PERSONAL_DATA = (
    PersonalData(
        model="coaching.LearnerGroup",
        fields=("learners",),
        purpose="Small groups a teacher forms inside a class (e.g. learners stuck on the same skill).",
        seen_by="The class's teachers, administrators.",
        kept="Until the teacher deletes the group or the learner is deleted.",
    ),
    PersonalData(
        model="coaching.PacingTarget",
        fields=("learner", "created_by"),
        purpose="A skill to reach by a date, for a class, a group or one learner.",
        seen_by="The learner it applies to, their guardians, the class's teachers, administrators.",
        kept="Until the teacher removes it or the learner is deleted.",
    ),
    PersonalData(
        model="coaching.Intervention",
        fields=("created_by", "note"),
        purpose="What a teacher did for some learners (a note, a one-to-one), to see what happened next.",
        seen_by="The class's teachers, administrators.",
        kept="With the class.",
    ),
    PersonalData(
        model="coaching.InterventionLearner",
        fields=("learner", "p_before", "answers_before"),
        purpose="Which learners an intervention was for, and where they stood then.",
        seen_by="The class's teachers, administrators.",
        kept="With the intervention, until the learner is deleted.",
    ),
    PersonalData(
        model="coaching.EnrolmentRequest",
        fields=("learner", "requested_by", "decided_by"),
        purpose="A teacher's request to enrol a learner of another teacher's class, and who agreed.",
        seen_by="The teachers of the classes concerned, administrators.",
        kept="As the record of who agreed, until the learner is deleted.",
    ),
    PersonalData(
        model="coaching.InboxState",
        fields=("teacher",),
        purpose="Which of a teacher's inbox items are new, and whether they get a daily e-mail summary.",
        seen_by="The teacher, administrators.",
        kept="Until the teacher is deleted.",
    ),
)


def export(*, user_id: int) -> dict[str, Any]:
    """The groups, own targets and interventions that concern the person, and those they made as a teacher."""
    return {
        "groups": [
            {"group": g.name, "class": g.klass.name}
            for g in LearnerGroup.objects.filter(learners__id=user_id).select_related("klass")
        ],
        "own_targets": [
            {"course": t.course_id, "skill": t.skill_id, "due": plain(t.due), "class": t.klass.name}
            for t in PacingTarget.objects.filter(learner_id=user_id).select_related("klass")
        ],
        "interventions_for_them": [
            {
                "kind": row.intervention.kind,
                "course": row.intervention.course_id,
                "skill": row.intervention.skill_id,
                "note": row.intervention.note,
                "at": plain(row.intervention.created_at),
                "p_mastered_before": row.p_before,
            }
            for row in InterventionLearner.objects.filter(learner_id=user_id).select_related("intervention")
        ],
        "enrolment_requests": [
            {"class": r.klass.name, "status": r.status, "requested_at": plain(r.requested_at)}
            for r in EnrolmentRequest.objects.filter(learner_id=user_id).select_related("klass")
        ],
        "interventions_made": Intervention.objects.filter(created_by_id=user_id).count(),
        "targets_set": PacingTarget.objects.filter(created_by_id=user_id).count(),
        "inbox": [
            {
                "seen_until": plain(i.seen_until),
                "email_daily": i.email_daily,
                "emailed_until": plain(i.emailed_until),
            }
            for i in InboxState.objects.filter(teacher_id=user_id)
        ],
    }


def erase(*, user_id: int, keep_research: bool) -> dict[str, int]:
    """Delete the learner's own targets and intervention rows, take them out of groups, and forget them as
    the teacher who set targets or made interventions. Idempotent."""
    return {
        "own_targets": PacingTarget.objects.filter(learner_id=user_id).delete()[0],
        "intervention_rows": InterventionLearner.objects.filter(learner_id=user_id).delete()[0],
        "group_places": LearnerGroup.learners.through.objects.filter(user_id=user_id).delete()[0],
        "targets_set": PacingTarget.objects.filter(created_by_id=user_id).update(created_by=None),
        "interventions_made": Intervention.objects.filter(created_by_id=user_id).update(created_by=None),
        "enrolment_requests": EnrolmentRequest.objects.filter(learner_id=user_id).delete()[0],
        "enrolments_requested": EnrolmentRequest.objects.filter(requested_by_id=user_id).update(
            requested_by=None
        ),
        "enrolments_decided": EnrolmentRequest.objects.filter(decided_by_id=user_id).update(decided_by=None),
        "inbox": InboxState.objects.filter(teacher_id=user_id).delete()[0],
    }
