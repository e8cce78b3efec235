"""learnpath's xAPI profile: the vocabulary its statements use (docs/xapi-profile.md, decision 0090).

Verbs and activity types come from the ADL vocabulary and the TinCan vocabulary profile wherever one fits;
the few concepts neither has (a lapsed skill, a hint, the profile's extensions) live under ``PROFILE``.
Activity IRIs (courses, skills, items) are the school's, under its configured base IRI
(``LEARNPATH_XAPI_BASE_IRI``). Statement ids are UUID version 5 of the event id and the statement's role,
so sending an event again makes the same statements and the LRS stores them once.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

PROFILE = "https://w3id.org/learnpath/xapi/profile/v1"
"""The profile's IRI: context.contextActivities.category of every statement, and the root of its own
concepts."""

PROFILE_VERSION = "1.0"

# -- verbs ---------------------------------------------------------------------------------------------

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
ASKED = "http://adlnet.gov/expapi/verbs/asked"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
MASTERED = "http://adlnet.gov/expapi/verbs/mastered"
REVIEWED = "http://id.tincanapi.com/verb/reviewed"
SKIPPED = "http://id.tincanapi.com/verb/skipped"
VIEWED = "http://id.tincanapi.com/verb/viewed"
LAPSED = f"{PROFILE}/verbs/lapsed"

VERB_DISPLAY: dict[str, str] = {
    ANSWERED: "answered",
    ASKED: "asked for a hint on",
    COMPLETED: "completed",
    MASTERED: "mastered",
    REVIEWED: "reviewed",
    SKIPPED: "skipped",
    VIEWED: "viewed",
    LAPSED: "needs to review",
}

# -- activity types ------------------------------------------------------------------------------------

COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
SKILL_TYPE = "http://adlnet.gov/expapi/activities/objective"
ITEM_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
PLACEMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
SOLUTION_TYPE = "http://id.tincanapi.com/activitytype/solution"
HINT_TYPE = f"{PROFILE}/activity-types/hint"
PROFILE_TYPE = "http://adlnet.gov/expapi/activities/profile"

# -- extensions ----------------------------------------------------------------------------------------

EXT_EVENT = f"{PROFILE}/extensions/event-id"
"""Context: the id of the event in learnpath's log the statement was made from (an integer)."""
EXT_VARIANT = f"{PROFILE}/extensions/variant"
"""Context: which variant of a parametric item was shown (an integer seed)."""
EXT_STEP = f"{PROFILE}/extensions/step"
"""Context: the step of a multi-step item the answer or hint was for (absent for a one-part item)."""
EXT_SUGGESTION = f"{PROFILE}/extensions/suggestion"
"""Context: why the question was offered (``review``, ``practice``, ``mastery_check``, ``chosen``...)."""
EXT_SET_BY_TEACHER = f"{PROFILE}/extensions/set-by-teacher"
"""Context: ``true`` on a mastery change a teacher made (an override), not the learner's answer."""
EXT_CONFIDENCE = f"{PROFILE}/extensions/confidence"
"""Result: how sure the learner said they were (``low``, ``medium``, ``high``)."""
EXT_NOT_LEARNED = f"{PROFILE}/extensions/not-learned"
"""Result: ``true`` when a placement question was answered "I haven't learned this yet"."""
EXT_PLACED_KNOWN = f"{PROFILE}/extensions/placed-known"
"""Result: the skill IRIs placement concluded the learner knows."""
EXT_PLACED_NOT_KNOWN = f"{PROFILE}/extensions/placed-not-known"
"""Result: the skill IRIs placement concluded the learner does not know yet."""
EXT_QUESTIONS = f"{PROFILE}/extensions/questions"
"""Result: how many questions placement asked."""

EXTENSIONS = (
    EXT_EVENT,
    EXT_VARIANT,
    EXT_STEP,
    EXT_SUGGESTION,
    EXT_SET_BY_TEACHER,
    EXT_CONFIDENCE,
    EXT_NOT_LEARNED,
    EXT_PLACED_KNOWN,
    EXT_PLACED_NOT_KNOWN,
    EXT_QUESTIONS,
)
ACTIVITY_TYPES = (COURSE_TYPE, SKILL_TYPE, ITEM_TYPE, PLACEMENT_TYPE, SOLUTION_TYPE, HINT_TYPE, PROFILE_TYPE)


# -- IRIs and ids --------------------------------------------------------------------------------------


def _segment(value: str) -> str:
    # Pack ids are slugs; quoting keeps any other character from making an invalid IRI.
    return quote(value, safe="")


def course_iri(base: str, course_id: str) -> str:
    """The course's activity IRI: ``<base>/courses/<course>``."""
    return f"{base.rstrip('/')}/courses/{_segment(course_id)}"


def skill_iri(base: str, course_id: str, skill_id: str) -> str:
    """A skill's activity IRI: ``<base>/courses/<course>/skills/<skill>``."""
    return f"{course_iri(base, course_id)}/skills/{_segment(skill_id)}"


def item_iri(base: str, course_id: str, item_id: str) -> str:
    """An item's (question's) activity IRI: ``<base>/courses/<course>/items/<item>``."""
    return f"{course_iri(base, course_id)}/items/{_segment(item_id)}"


def placement_iri(base: str, course_id: str) -> str:
    """The course's placement activity IRI: ``<base>/courses/<course>/placement``."""
    return f"{course_iri(base, course_id)}/placement"


def namespace(base: str) -> uuid.UUID:
    """The UUID namespace of one installation's statements: UUID5 of its base IRI in the URL namespace, so
    two schools' statements never share an id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, base.rstrip("/"))


def statement_id(base: str, event_id: int, role: str) -> str:
    """The id of the statement made from event ``event_id`` in role ``role`` (``answered``,
    ``mastered/<skill>``...): UUID5, the same every time the event is sent (RFC 9562, section 5.5)."""
    return str(uuid.uuid5(namespace(base), f"event/{event_id}/{role}"))


def registration(base: str, actor_name: str, course_id: str) -> str:
    """The registration (one learner in one course) as a UUID5 of the actor's account name and the course:
    never of the user id itself, so an anonymous actor's registration does not reveal them."""
    return str(uuid.uuid5(namespace(base), f"registration/{actor_name}/{course_id}"))
