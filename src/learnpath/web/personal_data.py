"""How an app says what personal data it holds: the shape every app's ``privacy.py`` declares.

Each app of ``learnpath.web`` has a ``privacy.py`` (exposed as ``privacy_provider`` in its ``api.py``) with
``PERSONAL_DATA`` (what it holds about people, why, and who sees it), ``export(user_id=...)`` and
``erase(user_id=..., keep_research=...)``; the privacy app calls them (decision 0076, docs/privacy.md).
This module is shared by all of them, so it holds only the declaration and the helpers that turn rows into
plain, JSON-ready data; it imports no app.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model


@dataclass(frozen=True)
class PersonalData:
    """One model's personal data: ``model`` as ``"app_label.ModelName"``, the ``fields`` that hold or point
    to a person, the ``purpose`` they serve, who sees them (``seen_by``) and how long they are kept."""

    model: str
    fields: tuple[str, ...]
    purpose: str
    seen_by: str
    kept: str


def plain(value: Any) -> Any:
    """A value as JSON can carry it: datetimes and dates in ISO 8601, bytes in base64."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def plain_rows(rows: Iterable[Model], fields: Iterable[str]) -> list[dict[str, Any]]:
    """Each row as ``{field: plain value}``; a foreign key as its id (``learner`` gives ``learner_id``)."""
    names = list(fields)
    out = []
    for row in rows:
        record: dict[str, Any] = {"id": row.pk}
        for name in names:
            field = row._meta.get_field(name)
            attname = getattr(field, "attname", name)
            record[attname] = plain(getattr(row, attname))
        out.append(record)
    return out


@dataclass(frozen=True)
class StoredFile:
    """A stored file in an export: its bytes are read by ``load`` only when the JSON download is written, one
    file at a time, and never for the readable page (which shows that the file is in the download)."""

    load: Callable[[], bytes | None]


class ExportEncoder(DjangoJSONEncoder):
    """JSON for an export: a ``StoredFile`` is written as its bytes in base64 (``null`` once removed)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, StoredFile):
            return plain(o.load())
        return super().default(o)


def export_json_chunks(data: dict[str, Any]) -> Iterator[str]:
    """An export as JSON, in pieces: at most one stored file is in memory at a time."""
    return ExportEncoder(indent=2, ensure_ascii=False).iterencode(data)
