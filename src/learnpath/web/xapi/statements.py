"""xAPI statements from events of learning's log: a pure function of the event and a few facts.

``statements_for(event, site=..., facts=...)`` makes the statements of one ``learning.api.LoggedEvent``
(docs/xapi-profile.md says which, with every field): no database, no clock, no settings. The caller
(``delivery``) looks up the facts (the actor, as the learner's consent allows; the question the event
belongs to) and validates what comes out before sending it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnpath.web.learning.api import LoggedEvent
from learnpath.web.xapi import profile as p

MAIN_STEP = "main"
"""The step id of a one-part question (``engine.learner_loop.MAIN_PART``): not sent as a step."""
SENT_KINDS = frozenset({"answer", "skip", "hint", "solution", "override", "placement_answer", "placement"})
"""Event kinds that make statements; starts, skill choices and opened resources make none."""
MAX_RESPONSE = 200


@dataclass(frozen=True)
class Site:
    """Where the statements come from: the activities' base IRI, the actors' account home page, the
    language of the platform, and whether learners' typed responses are sent."""

    base_iri: str
    home_page: str
    language: str = "en"
    send_responses: bool = True


@dataclass(frozen=True)
class EventFacts:
    """What the event alone does not say: the actor (an Agent with an ``account``, as consent allows) and,
    for an answer or skip that closed a question, why that question was offered and for which skill."""

    actor: dict[str, Any]
    question_kind: str = ""
    question_skill: str = ""


def _verb(iri: str) -> dict[str, Any]:
    return {"id": iri, "display": {"en-US": p.VERB_DISPLAY[iri]}}


def _activity(iri: str, kind: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri, "definition": {"type": kind}}


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an event's time must be timezone-aware")  # English: for programmers
    return moment.isoformat()


def _response(event: LoggedEvent) -> str:
    text = event.result.get("response_text") if isinstance(event.result, dict) else None
    if not text:
        value = event.response
        if isinstance(value, list):
            text = ", ".join(str(part) for part in value)
        elif value is not None:
            text = str(value)
    return str(text or "")[:MAX_RESPONSE]


class _Builder:
    """The statements of one event (private: ``statements_for`` is the entry point)."""

    def __init__(self, event: LoggedEvent, site: Site, facts: EventFacts) -> None:
        self.event = event
        self.site = site
        self.facts = facts
        self.base = site.base_iri.rstrip("/")
        self.course = p.course_iri(self.base, event.course_id)
        self.out: list[dict[str, Any]] = []

    def add(
        self,
        role: str,
        verb: str,
        obj: dict[str, Any],
        *,
        result: dict[str, Any] | None = None,
        parent: list[dict[str, Any]] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        event = self.event
        context_extensions: dict[str, Any] = {p.EXT_EVENT: event.id}
        context_extensions.update(extensions or {})
        activities: dict[str, Any] = {
            "grouping": [_activity(self.course, p.COURSE_TYPE)],
            "category": [_activity(p.PROFILE, p.PROFILE_TYPE)],
        }
        if parent:
            activities["parent"] = parent
        actor_name = str(self.facts.actor.get("account", {}).get("name", ""))
        context: dict[str, Any] = {
            "registration": p.registration(self.base, actor_name, event.course_id),
            "platform": "learnpath",
            "language": self.site.language,
            "contextActivities": activities,
            "extensions": context_extensions,
        }
        statement: dict[str, Any] = {
            "id": p.statement_id(self.base, event.id, role),
            "actor": self.facts.actor,
            "verb": _verb(verb),
            "object": obj,
            "context": context,
            "timestamp": _timestamp(event.occurred_at),
            "version": "1.0.3",
        }
        if result:
            statement["result"] = result
        self.out.append(statement)

    # -- the parts --------------------------------------------------------------------------------------

    def item(self) -> dict[str, Any]:
        return _activity(p.item_iri(self.base, self.event.course_id, self.event.item_id), p.ITEM_TYPE)

    def skill(self, skill_id: str) -> dict[str, Any]:
        return _activity(p.skill_iri(self.base, self.event.course_id, skill_id), p.SKILL_TYPE)

    def question_extensions(self) -> dict[str, Any]:
        event = self.event
        extensions: dict[str, Any] = {}
        if event.seed is not None:
            extensions[p.EXT_VARIANT] = event.seed
        if event.step_id and event.step_id != MAIN_STEP:
            extensions[p.EXT_STEP] = event.step_id
        if self.facts.question_kind:
            extensions[p.EXT_SUGGESTION] = self.facts.question_kind
        return extensions

    def answer_result(self, *, success: bool, finished: bool | None) -> dict[str, Any]:
        result: dict[str, Any] = {"success": success}
        if finished is not None:
            result["completion"] = finished
        response = _response(self.event) if self.site.send_responses else ""
        if response:
            result["response"] = response
        if self.event.confidence:
            result["extensions"] = {p.EXT_CONFIDENCE: self.event.confidence}
        return result

    def mastery_changes(self, *, by_teacher: bool) -> None:
        extensions = {p.EXT_SET_BY_TEACHER: True} if by_teacher else {}
        course = [_activity(self.course, p.COURSE_TYPE)]
        for skill in self.event.result.get("mastered", ()) or ():
            self.add(
                f"mastered/{skill}",
                p.MASTERED,
                self.skill(str(skill)),
                result={"success": True, "completion": True},
                parent=course,
                extensions=extensions,
            )
        for skill in self.event.result.get("lapsed", ()) or ():
            self.add(
                f"lapsed/{skill}",
                p.LAPSED,
                self.skill(str(skill)),
                result={"success": False},
                parent=course,
                extensions=extensions,
            )

    def review(self, *, success: bool) -> None:
        finished = bool(self.event.result.get("finished"))
        if finished and self.facts.question_kind == "review" and self.facts.question_skill:
            self.add(
                "reviewed",
                p.REVIEWED,
                self.skill(self.facts.question_skill),
                result={"success": success, "completion": True},
                parent=[_activity(self.course, p.COURSE_TYPE)],
                extensions=self.question_extensions(),
            )

    # -- per kind ---------------------------------------------------------------------------------------

    def build(self) -> list[dict[str, Any]]:
        event = self.event
        kind = event.kind
        course = [_activity(self.course, p.COURSE_TYPE)]
        if kind == "answer":
            success = event.verdict == "correct"
            finished = event.result.get("finished")
            self.add(
                "answered",
                p.ANSWERED,
                self.item(),
                result=self.answer_result(
                    success=success, finished=finished if isinstance(finished, bool) else None
                ),
                parent=course,
                extensions=self.question_extensions(),
            )
            self.review(success=success)
            self.mastery_changes(by_teacher=False)
        elif kind == "skip":
            self.add(
                "skipped",
                p.SKIPPED,
                self.item(),
                result={"success": False, "completion": True},
                parent=course,
                extensions=self.question_extensions(),
            )
            self.review(success=False)
            self.mastery_changes(by_teacher=False)
        elif kind == "hint":
            item = p.item_iri(self.base, event.course_id, event.item_id)
            self.add(
                "asked",
                p.ASKED,
                _activity(f"{item}/hint", p.HINT_TYPE),
                parent=[self.item()],
                extensions=self.question_extensions(),
            )
        elif kind == "solution":
            item = p.item_iri(self.base, event.course_id, event.item_id)
            self.add(
                "viewed",
                p.VIEWED,
                _activity(f"{item}/solution", p.SOLUTION_TYPE),
                parent=[self.item()],
                extensions=self.question_extensions(),
            )
        elif kind == "override":
            self.mastery_changes(by_teacher=True)
        elif kind == "placement_answer":
            outcome = str(event.result.get("outcome", event.verdict))
            result = self.answer_result(success=outcome == "correct", finished=None)
            if outcome == "not_learned":
                result.setdefault("extensions", {})[p.EXT_NOT_LEARNED] = True
            self.add(
                "answered",
                p.ANSWERED,
                self.item(),
                result=result,
                parent=[_activity(p.placement_iri(self.base, event.course_id), p.PLACEMENT_TYPE)],
                extensions=self.question_extensions(),
            )
        elif kind == "placement":
            document = event.result.get("placement") or {}
            result_extensions = {
                p.EXT_PLACED_KNOWN: [
                    p.skill_iri(self.base, event.course_id, s) for s in document.get("placed_known", ())
                ],
                p.EXT_PLACED_NOT_KNOWN: [
                    p.skill_iri(self.base, event.course_id, s) for s in document.get("placed_not_known", ())
                ],
                p.EXT_QUESTIONS: int(document.get("questions", 0) or 0),
            }
            self.add(
                "completed",
                p.COMPLETED,
                _activity(p.placement_iri(self.base, event.course_id), p.PLACEMENT_TYPE),
                result={"completion": True, "extensions": result_extensions},
                parent=course,
            )
        return self.out


def statements_for(event: LoggedEvent, *, site: Site, facts: EventFacts) -> list[dict[str, Any]]:
    """The xAPI 1.0.3 statements of one logged event, in a fixed order (docs/xapi-profile.md): an answer
    makes ``answered`` (+ ``reviewed`` when it closed a review question) + one ``mastered`` or ``lapsed``
    per skill it changed; a skip the same with ``skipped``; a hint ``asked``; a worked solution
    ``viewed``; a teacher's override its ``mastered``/``lapsed``; a placement answer ``answered``; a
    finished placement ``completed``. Other kinds make none. Deterministic: the same event and facts make
    the same statements, ids included."""
    if event.kind not in SENT_KINDS:
        return []
    return _Builder(event, site, facts).build()
