"""Who else hears of a recorded event: a signal sent after the event's transaction commits.

Apps above learning (the LTI grade passback, xAPI delivery) must react to what a learner did, and learning
may not import them (decision 0079). They connect a receiver to ``event_recorded`` in their ``ready()``;
learning sends it once the event is safely stored. A receiver should only queue work (it runs inside the
learner's request); one that fails is logged, and the learner's answer stands. Receivers that must never
miss an event also read the log itself (``api.events_after``): the signal only makes them prompt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.dispatch import Signal

log = logging.getLogger(__name__)

# Sent with ``note=EventNote(...)`` after commit.
event_recorded = Signal()


@dataclass(frozen=True)
class EventNote:
    """What was recorded: the event's id, whose it is, in which course, its kind, and the skills it
    mastered or lapsed (empty for events that change no mastery)."""

    event_id: int
    learner_id: int
    course_id: str
    kind: str
    mastered: tuple[str, ...]
    lapsed: tuple[str, ...]


def event_recorded_send(note: EventNote) -> None:
    """Tell every receiver; a receiver's failure is logged, never raised into the learner's request."""
    for receiver, outcome in event_recorded.send_robust(sender=EventNote, note=note):
        if isinstance(outcome, Exception):
            log.error(
                "A receiver of event %s failed: %s",
                note.event_id,
                receiver,
                exc_info=(type(outcome), outcome, outcome.__traceback__),
            )
