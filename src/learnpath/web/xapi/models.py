"""The xAPI app's tables: one delivery cursor per LRS (decision 0090).

Delivery reads learning's append-only log (``learning.api.events_after``) from the cursor on; nothing is
copied into an outbox. The cursor names no person: an LRS address, event ids, counts and the last error
(an event id and our validator's rule, which never quotes a value, or the LRS's reply, cut to 300
characters, which an LRS may make quote part of a statement; cleared by the next success).
"""

from __future__ import annotations

from django.db import models


class LrsCursor(models.Model):
    """How far the log has been delivered to one LRS, and how the last attempt went."""

    endpoint = models.CharField(max_length=500, unique=True, help_text="The LRS's xAPI address.")
    last_event_id = models.BigIntegerField(
        default=0, help_text="Every event up to this id has been delivered (or makes no statement)."
    )
    statements_sent = models.PositiveBigIntegerField(default=0)
    attempts = models.PositiveIntegerField(
        default=0, help_text="Failed attempts in a row (network, 5xx); reset by a success."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="Backing off until then.")
    stopped_at_event_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Delivery waits here: a statement of this event was refused (invalid, or 4xx).",
    )
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "xAPI delivery cursor"

    def __str__(self) -> str:
        return f"{self.endpoint} at event {self.last_event_id}"
