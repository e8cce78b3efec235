"""The coaching app's background job, run by the worker (``learnpath worker``, django-q2): each teacher who
asked for it gets one e-mail a day listing the work and reflections new in their inbox."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from learnpath.web.accounts import api as accounts_api
from learnpath.web.coaching import selectors
from learnpath.web.coaching.models import InboxState
from learnpath.web.schedules import schedule_ensure

INBOX_DIGEST_SCHEDULE = "learnpath: teachers' daily inbox e-mail"
logger = logging.getLogger("learnpath.coaching")


def _digest_text(name: str, items: list[selectors.InboxItem]) -> str:
    lines = [
        gettext("Hello {name},").format(name=name),
        "",
        ngettext(
            "New in your learnpath inbox since the last e-mail ({count}):",
            "New in your learnpath inbox since the last e-mail ({count}):",
            len(items),
        ).format(count=len(items)),
        "",
    ]
    for item in items[:30]:
        what = gettext("portfolio") if item.work.kind == "submission" else gettext("reflection")
        lines.append(f"- {item.class_name}: {item.learner_name}, {what}: {item.work.title}")
    if len(items) > 30:
        lines.append(gettext("- and {count} more").format(count=len(items) - 30))
    link = settings.LEARNPATH_SITE_URL.rstrip("/")
    lines += [
        "",
        gettext("Open your inbox: {link}").format(link=f"{link}/classes/inbox/")
        if link
        else gettext("Open your inbox under My classes."),
    ]
    lines += [
        "",
        gettext("You get this e-mail because you switched it on in your inbox; switch it off there."),
    ]
    return "\n".join(lines)


def inbox_digest_run(now: datetime | None = None) -> str:
    """Send each teacher who switched the daily e-mail on, and has an address, the work new since their
    last one; nothing when there is nothing new. A teacher whose mail fails is tried again next run."""
    now = now or timezone.now()
    sent = []
    for state_id in InboxState.objects.filter(email_daily=True).values_list("pk", flat=True):
        with transaction.atomic():
            state = InboxState.objects.select_for_update().select_related("teacher").get(pk=state_id)
            teacher = state.teacher
            address = accounts_api.mail_address(user_id=teacher.pk)
            if not address or not accounts_api.user_is_teacher(teacher):
                continue
            since = state.emailed_until or now
            items = [
                i for i in selectors.inbox_work(teacher=teacher, since=since) if i.work.created_at <= now
            ]
            if not items:
                continue
            try:
                with translation.override(teacher.language or settings.LANGUAGE_CODE):  # the reader's
                    send_mail(
                        subject=ngettext(
                            "learnpath: {count} new in your inbox",
                            "learnpath: {count} new in your inbox",
                            len(items),
                        ).format(count=len(items)),
                        message=_digest_text(str(teacher), items),
                        from_email=None,
                        recipient_list=[address],
                    )
            except OSError as error:
                logger.warning("inbox e-mail to teacher %s not sent: %s", teacher.pk, error)
                continue
            state.emailed_until = now
            state.save(update_fields=["emailed_until"])
            sent.append(f"teacher {teacher.pk}: {len(items)} items")
    return "\n".join(sent) or "no inbox e-mail to send"


def inbox_digest_schedule_ensure(*, every_hours: int = 24) -> None:
    """Create or update the worker's schedule that runs ``inbox_digest_run`` every ``every_hours``."""
    schedule_ensure(
        name=INBOX_DIGEST_SCHEDULE, func=f"{__name__}.inbox_digest_run", every_minutes=every_hours * 60
    )
