"""Sending the log to the LRS: read from the cursor, build, validate, POST, advance (decision 0090).

One run reads learning's log after the cursor (``learning.api.events_after``), makes each event's
statements (``statements.statements_for``), checks every one (``validation``), POSTs them in batches and
moves the cursor past a batch only once the LRS accepted it. So nothing is lost and nothing is reordered:

- the LRS cannot be reached, or answers 5xx, 408 or 429: the cursor stays, the run ends, and the next
  run waits 1, 2, 4 … 60 minutes (``backoff``) before sending the same batch again;
- the LRS refuses a batch (another 4xx), or a statement is invalid: the events before it are sent, and
  delivery stops at that event with the reason in ``last_error`` until an operator resumes it
  (``learnpath xapi resume``, or ``learnpath xapi skip`` to leave that event out);
- a batch sent again (a crash after the LRS stored it): the statement ids are the same (UUID5 of the
  event), so the LRS keeps one copy; a 409 on one statement means it is stored already (with other
  facts, e.g. before a consent changed): it stays as stored, as xAPI statements never change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from learnpath.web.learning import api as learning_api
from learnpath.web.learning.api import LoggedEvent
from learnpath.web.xapi import consent
from learnpath.web.xapi import profile as p
from learnpath.web.xapi.actors import learner_actor
from learnpath.web.xapi.config import NotConfigured, XapiConfig, xapi_config
from learnpath.web.xapi.lrs import LrsReply, statements_post
from learnpath.web.xapi.models import LrsCursor
from learnpath.web.xapi.statements import SENT_KINDS, EventFacts, statements_for
from learnpath.web.xapi.validation import statement_problems

log = logging.getLogger(__name__)

MAX_BATCHES_PER_RUN = 50
"""A run sends at most this many batches, so one long backlog does not hold the worker."""
MAX_BACKOFF_MINUTES = 60
QUESTION_KINDS = frozenset({"answer", "skip", "hint", "solution"})

Poster = Callable[..., LrsReply]


@dataclass
class DeliveryReport:
    """What one run did: ``outcome`` is ``off``, ``not_configured``, ``up_to_date``, ``sent``, ``waiting``
    (backing off), ``retrying`` (this run failed; next try at ``next_attempt_at``), ``stopped`` (a refused
    or invalid statement waits for an operator)."""

    outcome: str
    events: int = 0
    statements: int = 0
    not_sent: int = 0
    conflicts: int = 0
    last_event_id: int = 0
    message: str = ""
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the worker's task result and the CLI."""
        text = (
            f"xAPI {self.outcome}: {self.statements} statements from {self.events} events sent, "
            f"{self.not_sent} events not sent (no consent), cursor at event {self.last_event_id}"
        )
        if self.conflicts:
            text += f", {self.conflicts} already stored differently"
        return f"{text}. {self.message}".strip()


def backoff(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failures in a row: 1, 2, 4, … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


@dataclass(frozen=True)
class Prepared:
    """One event's statements, or why they cannot be sent (``problems``), or None: not sent (consent)."""

    event: LoggedEvent
    statements: list[dict[str, Any]] | None
    problems: list[str]


def prepare(events: list[LoggedEvent], config: XapiConfig) -> list[Prepared]:
    """Each event's statements, validated; events in log order. Queries: one for consent, and one per
    learner and course whose question started before this batch."""
    learners = sorted({e.learner_id for e in events if e.kind in SENT_KINDS})
    consented = consent.research_consented(learner_ids=learners)
    questions: dict[tuple[int, str], tuple[str, str]] = {}
    prepared = []
    for event in events:
        key = (event.learner_id, event.course_id)
        if event.kind == "start":
            questions[key] = (str(event.result.get("suggestion", "")), str(event.result.get("skill_id", "")))
            continue
        if event.kind not in SENT_KINDS:
            continue
        actor = learner_actor(
            user_id=event.learner_id,
            consented=event.learner_id in consented,
            without_consent=config.without_consent,
            home_page=config.site.home_page,
            key=config.pseudonym_key,
        )
        if actor is None:
            prepared.append(Prepared(event, None, []))
            continue
        if event.kind in QUESTION_KINDS and key not in questions:
            start = learning_api.question_start_before(
                learner_id=event.learner_id, course_id=event.course_id, before_id=event.id
            )
            questions[key] = (
                (str(start.result.get("suggestion", "")), str(start.result.get("skill_id", "")))
                if start is not None
                else ("", "")
            )
        kind, skill = questions.get(key, ("", "")) if event.kind in QUESTION_KINDS else ("", "")
        facts = EventFacts(actor=actor, question_kind=kind, question_skill=skill)
        try:
            statements = statements_for(event, site=config.site, facts=facts)
        except (TypeError, ValueError, AttributeError) as error:
            prepared.append(Prepared(event, [], [f"building: {error}"]))
            continue
        problems = [f"{s['id']} {problem}" for s in statements for problem in statement_problems(s)]
        prepared.append(Prepared(event, statements, problems))
    return prepared


def _event_of(statement: dict[str, Any]) -> int:
    return int(statement["context"]["extensions"][p.EXT_EVENT])


@dataclass(frozen=True)
class Sent:
    """How a batch went: the reply that decides it; the statement the LRS refused (when it refused one
    alone); how many were stored already with other facts (409)."""

    reply: LrsReply
    refused: dict[str, Any] | None = None
    conflicts: int = 0


def _send(config: XapiConfig, batch: list[dict[str, Any]], post: Poster) -> Sent:
    """POST the batch; when the LRS refuses it (4xx), statement by statement in order, to find the one it
    refuses (a 409 alone means stored already: kept as stored)."""
    kwargs = {"username": config.username, "password": config.password, "timeout": config.timeout_seconds}
    reply = post(config.statements_url, batch, **kwargs)
    if reply.accepted or reply.transient:
        return Sent(reply)
    if len(batch) == 1:
        if reply.conflict:
            return Sent(_STORED, conflicts=1)
        return Sent(reply, refused=batch[0])
    conflicts = 0
    for statement in batch:
        single = post(config.statements_url, [statement], **kwargs)
        if single.conflict:
            conflicts += 1
            log.warning("xAPI statement %s is stored in the LRS with other facts; kept", statement["id"])
        elif not single.accepted:
            return Sent(single, refused=None if single.transient else statement, conflicts=conflicts)
    return Sent(_STORED, conflicts=conflicts)


_STORED = LrsReply(accepted=True, transient=False, status=200, message="")


def _advance(cursor: LrsCursor, *, to: int, statements: int, now: datetime) -> None:
    LrsCursor.objects.filter(pk=cursor.pk).update(
        last_event_id=to,
        statements_sent=F("statements_sent") + statements,
        attempts=0,
        next_attempt_at=None,
        last_error="",
        last_error_at=None,
        last_success_at=now,
    )
    cursor.refresh_from_db()


def _failed(cursor: LrsCursor, *, message: str, now: datetime, stop_at: int | None) -> None:
    cursor.last_error = message
    cursor.last_error_at = now
    if stop_at is not None:
        cursor.stopped_at_event_id = stop_at
    else:
        cursor.attempts += 1
        cursor.next_attempt_at = now + backoff(cursor.attempts)
    cursor.save()
    log.error("xAPI delivery to %s: %s", cursor.endpoint, message)


def deliver(*, now: datetime | None = None, post: Poster = statements_post) -> DeliveryReport:
    """Send what the LRS has not had yet (see the module's doc); returns what was done. ``post`` is the
    HTTP call (``lrs.statements_post``), replaceable in tests."""
    try:
        config = xapi_config()
    except NotConfigured as problem:
        return DeliveryReport("not_configured", message=str(problem))
    if config is None:
        return DeliveryReport("off", message=gettext("LEARNPATH_XAPI_ENDPOINT is not set."))
    now = now or timezone.now()
    cursor, _ = LrsCursor.objects.get_or_create(endpoint=config.endpoint)
    report = DeliveryReport("up_to_date", last_event_id=cursor.last_event_id)
    if cursor.stopped_at_event_id is not None:
        report.outcome, report.message = "stopped", cursor.last_error
        return report
    if cursor.next_attempt_at is not None and cursor.next_attempt_at > now:
        report.outcome = "waiting"
        report.message = gettext("Waiting until {when} after: {error}").format(
            when=cursor.next_attempt_at.isoformat(timespec="seconds"), error=cursor.last_error
        )
        return report
    for _ in range(MAX_BATCHES_PER_RUN):
        events = learning_api.events_after(after_id=cursor.last_event_id, limit=config.batch)
        if not events:
            break
        batch: list[dict[str, Any]] = []
        upto = cursor.last_event_id
        invalid: Prepared | None = None
        not_sent = 0
        by_id = {p.event.id: p for p in prepare(events, config)}
        for event in events:
            item = by_id.get(event.id)
            if item is not None and item.problems:
                invalid = item
                break
            if item is not None and item.statements is None:
                not_sent += 1
            elif item is not None:
                batch.extend(item.statements or [])
            upto = event.id
        if batch:
            sent = _send(config, batch, post)
            report.conflicts += sent.conflicts
            if not sent.reply.accepted:
                reply = sent.reply
                span = f"{_event_of(batch[0])}–{_event_of(batch[-1])}"
                if sent.refused is None:
                    what = gettext("no answer") if reply.status == 0 else f"HTTP {reply.status}"
                    message = gettext(
                        "The LRS did not take the statements of events {span} ({what}: {reason}); "
                        "trying again later, nothing is lost."
                    ).format(span=span, what=what, reason=reply.message)
                    _failed(cursor, message=message, now=now, stop_at=None)
                    report.outcome = "retrying"
                else:
                    event_id = _event_of(sent.refused)
                    if event_id - 1 > cursor.last_event_id:
                        # the statements before it were stored one by one, in order
                        _advance(cursor, to=event_id - 1, statements=batch.index(sent.refused), now=now)
                    message = gettext(
                        "The LRS refused statement {id} of event {event} (HTTP {status}: {reason}). Delivery "
                        "stops at that event until `learnpath xapi resume` (after fixing the cause) or "
                        "`learnpath xapi skip`."
                    ).format(id=sent.refused["id"], event=event_id, status=reply.status, reason=reply.message)
                    _failed(cursor, message=message, now=now, stop_at=event_id)
                    report.outcome = "stopped"
                report.message = message
                report.last_event_id = cursor.last_event_id
                return report
        if upto > cursor.last_event_id or batch:
            _advance(cursor, to=upto, statements=len(batch), now=now)
        report.outcome = "sent"
        report.events += sum(1 for e in events if e.id <= upto)
        report.statements += len(batch)
        report.not_sent += not_sent
        report.last_event_id = cursor.last_event_id
        if invalid is not None:
            message = gettext(
                "A statement of event {event} is not valid xAPI, so it was not sent: {problems}. Delivery "
                "stops there until `learnpath xapi resume` (after an upgrade that fixes it) or "
                "`learnpath xapi skip`."
            ).format(event=invalid.event.id, problems="; ".join(invalid.problems))
            _failed(cursor, message=message, now=now, stop_at=invalid.event.id)
            report.outcome, report.message, report.problems = "stopped", message, invalid.problems
            return report
        if len(events) < config.batch:
            break
    return report


def resume(*, skip: bool = False) -> str:
    """Clear a stop (after the cause was fixed); with ``skip``, also leave the stopped event out, moving the
    cursor past it. Also ends a back-off, so the next run tries at once."""
    config = xapi_config()
    if config is None:
        return gettext("xAPI delivery is off (LEARNPATH_XAPI_ENDPOINT is not set).")
    cursor, _ = LrsCursor.objects.get_or_create(endpoint=config.endpoint)
    stopped = cursor.stopped_at_event_id
    if skip:
        if stopped is None:
            return gettext("Delivery is not stopped at any event: nothing to skip.")
        cursor.last_event_id = max(cursor.last_event_id, stopped)
    cursor.stopped_at_event_id = None
    cursor.attempts = 0
    cursor.next_attempt_at = None
    cursor.save()
    if skip:
        log.warning("xAPI delivery to %s: event %s skipped by an operator", cursor.endpoint, stopped)
        return gettext("Event {event} skipped; delivery resumes after it.").format(event=stopped)
    return gettext("Delivery resumes at event {event}.").format(event=cursor.last_event_id + 1)
