"""Errors of the practice services: each carries the HTTP status the pages and the API answer with."""

from __future__ import annotations


class LearningError(Exception):
    """A request that changed nothing; ``detail`` says what to do instead."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(LearningError):
    status = 404


class OutOfOrder(LearningError):
    """The request does not fit where the learner is (a hint for a question not shown, ...)."""

    status = 409


class KeyReused(LearningError):
    """An idempotency key already used for a different request."""

    status = 409


class Unreadable(LearningError):
    """The answer could not be read (not a wrong answer); the message says what to fix."""

    status = 422
