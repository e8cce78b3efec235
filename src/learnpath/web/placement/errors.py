"""Refusals of the placement services: each carries the HTTP status the pages and the API answer with."""

from __future__ import annotations


class PlacementError(Exception):
    """A request that changed nothing; ``detail`` says what to do instead."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NoPlacement(PlacementError):
    status = 404


class NotTheQuestion(PlacementError):
    status = 409


class Unreadable(PlacementError):
    status = 422
