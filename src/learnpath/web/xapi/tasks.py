"""Background tasks of the xAPI app, run by the worker (``learnpath worker``, django-q2)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

from learnpath.web.schedules import schedule_ensure
from learnpath.web.xapi.config import delivery_on
from learnpath.web.xapi.delivery import deliver
from learnpath.web.xapi.statements import SENT_KINDS

log = logging.getLogger(__name__)

DELIVERY_SCHEDULE = "learnpath: send xAPI statements to the LRS"
QUEUED_KEY = "xapi:delivery-queued"
QUEUE_DEBOUNCE_SECONDS = 5
"""At most one delivery is queued by new events every few seconds: one run sends all that came."""


def xapi_deliver() -> str:
    """Send the statements the LRS has not had yet (``delivery.deliver``); one line saying what happened."""
    return deliver().line()


def xapi_schedule_ensure() -> None:
    """Run ``xapi_deliver`` every minute while delivery is on; remove the schedule while it is off."""
    if delivery_on():
        schedule_ensure(name=DELIVERY_SCHEDULE, func=f"{__name__}.xapi_deliver", every_minutes=1)
    else:
        from django_q.models import Schedule

        Schedule.objects.filter(name=DELIVERY_SCHEDULE).delete()


def delivery_queue(sender: Any = None, note: Any = None, **kwargs: Any) -> None:
    """Receiver of ``learning.api.event_recorded``: queue a delivery now, so statements reach the LRS in
    seconds rather than at the next minute. Only queues (it runs in the learner's request)."""
    if note is None or not delivery_on() or note.kind not in SENT_KINDS:
        return
    if not cache.add(QUEUED_KEY, True, timeout=QUEUE_DEBOUNCE_SECONDS):
        return
    from django_q.tasks import async_task

    async_task(f"{__name__}.xapi_deliver", task_name="xapi delivery")
