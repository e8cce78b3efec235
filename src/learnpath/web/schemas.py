"""Schemas every REST endpoint shares."""

from ninja import Schema


class ErrorOut(Schema):
    """Every error response: ``detail`` says what went wrong and what to do about it."""

    detail: str
