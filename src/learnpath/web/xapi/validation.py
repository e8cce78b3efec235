"""Every statement is checked against the xAPI 1.0.3 data model before it is sent (decision 0090).

The check is ralph's pydantic model of an xAPI statement (``ralph.models.xapi.base.statements``,
``ralph-malph``, pinned in pyproject.toml): required properties, one identifier per agent, IRIs, UUIDs,
language maps with RFC 5646 tags, the allowed ``interactionType`` values, no empty values outside
extensions, no unknown properties. A statement it refuses is never sent.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import ValidationError

MAX_PROBLEMS = 5


@cache
def _statement_model() -> Any:
    # Imported on first use: ralph's models take most of a second to build, which every process that
    # starts Django (the app, each CLI command) would otherwise pay without sending a statement.
    from ralph.models.xapi.base.statements import BaseXapiStatement

    return BaseXapiStatement


def statement_problems(statement: Any) -> list[str]:
    """Why ``statement`` (parsed JSON) is not a valid xAPI statement: a few lines naming the property and
    the rule, never the values (they may be a learner's answer); empty when it is valid."""
    if not isinstance(statement, dict):
        return ["statement: not a JSON object"]
    try:
        _statement_model().model_validate(statement)
    except ValidationError as error:
        problems = []
        for entry in error.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in entry["loc"]) or "statement"
            problems.append(f"{where}: {entry['msg']}")
        # A union (agent or group, activity or agent...) reports every branch; the first few say enough.
        return problems[:MAX_PROBLEMS]
    except (TypeError, ValueError, AttributeError) as error:  # a part that is not an object, say
        return [f"statement: {type(error).__name__}"]
    return []
