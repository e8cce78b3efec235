"""Schemas and parameters every REST endpoint shares."""

from typing import Annotated

from ninja import Path, Schema

from learnpath.content.importers.slugs import SLUG_RE


class ErrorOut(Schema):
    """Every error response: ``detail`` says what went wrong and what to do about it."""

    detail: str


# A course's id in a path: the content pack's id format, so the document says what an id looks like and
# a malformed one (a NUL byte, which PostgreSQL cannot compare) is a 422 before anything reads the database.
CourseId = Annotated[
    str,
    Path(
        pattern=SLUG_RE.pattern,
        description="The course's id, as GET /api/courses lists it (lower-case letters, digits, . _ -).",
    ),
]
