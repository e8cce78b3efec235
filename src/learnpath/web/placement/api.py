"""What other apps and templates may use from placement: plain functions returning plain data (OEP-49)."""

from __future__ import annotations

from dataclasses import dataclass

from learnpath.web.placement import selectors

__all__ = ["PlacementOffer", "map_notes", "placement_offer", "privacy_provider"]


@dataclass(frozen=True)
class PlacementOffer:
    """What the learner's course page offers: ``new`` (no history: take it or skip it), ``paused`` (one in
    progress, ``answered`` so far) or ``recheck`` (any time); with the last finished one's headline."""

    kind: str
    answered: int = 0
    max_questions: int = 0
    last_headline: str = ""


def placement_offer(*, learner_id: int, course_id: str) -> PlacementOffer:
    """What to offer this learner about placement on their course page. Two or three queries."""
    from learnpath.web.learning import api as learning_api
    from learnpath.web.placement.services import session_placement

    latest = selectors.latest_session(learner_id=learner_id, course_id=course_id)
    if latest is not None and latest.status == "active":
        return PlacementOffer("paused", answered=latest.answered, max_questions=latest.max_questions)
    finished = selectors.last_finished(learner_id=learner_id, course_id=course_id)
    if finished is not None:
        summary = selectors.summary(finished, session_placement(finished).graph)
        return PlacementOffer("recheck", last_headline=summary.headline if summary else "")
    if latest is None and not learning_api.has_history(learner_id=learner_id, course_id=course_id):
        return PlacementOffer(
            "new", max_questions=selectors.cap_for(learner_id=learner_id, course_id=course_id)
        )
    return PlacementOffer("recheck")


def map_notes(*, learner_id: int, course_id: str) -> dict[str, str]:
    """``{skill id: why placement placed it there}`` from the learner's last finished placement."""
    return selectors.map_notes(learner_id=learner_id, course_id=course_id)


# The app's personal data, for the privacy app (docs/privacy.md): what it holds, export and erase.
from learnpath.web.placement import privacy as privacy_provider  # noqa: E402
