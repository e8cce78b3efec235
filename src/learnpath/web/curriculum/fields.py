"""A JSON field that keeps key order on every database."""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class OrderedJSONField(models.TextField):
    """JSON kept as text, so key order survives.

    PostgreSQL's ``jsonb`` (behind ``JSONField``) reorders keys, but some pack documents give key order
    a meaning (an item's ``params`` are drawn and its ``computed`` values evaluated in order), and export
    must give back what the author wrote.
    """

    description = "JSON text with its key order kept"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value)
        return value

    def get_prep_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, indent=2)
