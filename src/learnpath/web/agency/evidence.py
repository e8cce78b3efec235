"""Readable evidence: a learner's recorded events as people read them (the question, the answer's text).

Pages show the prompt of the variant the learner saw and, for a choice answer, the text of the choice(s)
picked, never internal item or choice ids. Item texts come from ``curriculum.api.item_texts``: one query
for a whole page, however many rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from learnpath.web.curriculum import api as curriculum_api

GONE = "a question no longer in the course"
#: What each kind of event says, as a verb phrase about the question.
ACTIONS = {
    "start": "Saw",
    "answer": "Answered",
    "skip": "Had not learned yet",
    "hint": "Asked for a hint on",
    "solution": "Read the worked solution of",
    "resource": "Opened a resource",
    "choice": "Chose a skill",
    "placement": "Placement",
    "override": "A teacher's mastery decision",
}


@dataclass(frozen=True)
class Evidence:
    """One event made readable. ``prompt`` and ``part`` are course markdown (``course_markdown``)."""

    event: Any
    course_id: str
    action: str
    #: The question's prompt; empty when the event is not about a question or the question is gone.
    prompt: str = ""
    #: The prompt of the part answered, for a step of a multi-step question.
    part: str = ""
    #: The question is not in the course any more (or never was): show ``GONE``.
    gone: bool = False
    #: The texts of the choices picked (course markdown), for a choice answer.
    chosen: tuple[str, ...] = ()
    #: What the learner typed, for any other answer (plain text).
    typed: str = ""
    #: A template question whose variant is not known here: its numbers read "…".
    variant_unknown: bool = False

    @property
    def gone_text(self) -> str:
        return GONE


def _seed(event: Any) -> int | None:
    # The variant a template item was shown with (``EventRow.seed``); None where it is not known.
    seed = getattr(event, "seed", None)
    return None if seed is None else int(seed)


def readable(course_id: str, events: Iterable[Any]) -> list[Evidence]:
    """Events of one course (``learning.api.recent_events`` rows) as ``Evidence``: one query in all."""
    events = list(events)
    texts = curriculum_api.item_texts(
        course_id=course_id, items=[(e.item_id, _seed(e)) for e in events if e.item_id]
    )
    out = []
    for event in events:
        action = ACTIONS.get(event.kind, event.kind.capitalize())
        if not event.item_id:
            out.append(Evidence(event, course_id, action))
            continue
        text = texts.get((event.item_id, _seed(event)))
        if text is None:
            # Without the question its choices are unknown: a response such as "c" would read as an id.
            out.append(Evidence(event, course_id, action, gone=True))
            continue
        step = event.step_id or ""
        part = text.parts.get(step, "") if step else ""
        chosen = text.choice_texts(step, event.response_text) if event.kind == "answer" else None
        out.append(
            Evidence(
                event,
                course_id,
                action,
                prompt=text.prompt,
                part=part,
                chosen=tuple(chosen or ()),
                typed="" if chosen else _typed(event),
                variant_unknown=text.variant_unknown,
            )
        )
    return out


def _typed(event: Any) -> str:
    return str(event.response_text or "") if event.kind == "answer" else ""
