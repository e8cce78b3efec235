"""Shape checks with the published JSON Schema, reported as readable problems."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from learnpath.content.problems import PathKey

SCHEMA_RESOURCE = "pack-v1.schema.json"

_ID_HELP = "an id uses lowercase letters, digits, '.', '_' and '-', starts with a letter or digit, max 80"
_NAME_HELP = "a name uses letters, digits and '_' and starts with a letter (like a Python identifier)"


@cache
def pack_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of a whole pack, as shipped in ``content/schema``."""
    text = resources.files("learnpath.content.schema").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = pack_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_problems(whole: dict[str, Any]) -> Iterator[tuple[PathKey, str]]:
    """Every place the whole-pack document breaks the schema, with a reason a person can act on."""
    for error in _validator().iter_errors(whole):
        yield from _explain(error)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value[:60]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value lines)",
    "null": "nothing",
}


def _explain(error: ValidationError) -> Iterator[tuple[PathKey, str]]:
    path: PathKey = tuple(error.absolute_path)
    validator = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if validator == "additionalProperties" and isinstance(instance, dict) and isinstance(schema, dict):
        known = set(schema.get("properties", {}))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        for key in instance:
            if key in known or any(p.search(key) for p in patterns):
                continue
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(sorted(known))}"
            yield (*path, key), f"unknown field {key!r}{hint}"
        return
    if validator == "required":
        missing = [name for name in value if isinstance(instance, dict) and name not in instance]
        for name in missing:
            yield path, f"{name!r} is required"
        return
    if validator == "type":
        wanted = [value] if isinstance(value, str) else list(value)
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
        hint = ""
        if "string" in wanted and isinstance(instance, int | float | bool):
            hint = " (put it in quotes to make it text)"
        yield path, f"expected {words}, got {_describe(instance)}{hint}"
        return
    if validator == "const":
        if path == ("course", "format_version"):
            yield path, f"format version {instance!r} is not supported; this learnpath reads format version 1"
        else:
            yield path, f"must be {value!r}, got {_describe(instance)}"
        return
    if validator == "enum":
        yield path, f"{instance!r} is not one of: {', '.join(str(v) for v in value)}"
        return
    if validator == "pattern":
        yield path, _pattern_reason(str(value), instance)
        return
    if validator == "propertyNames":
        for inner in error.context or []:
            yield path, _pattern_reason(str(inner.validator_value), inner.instance)
        if not error.context:
            yield path, error.message
        return
    if validator in ("minItems", "minProperties"):
        yield path, f"needs at least {value} {'entry' if value == 1 else 'entries'}"
        return
    if validator == "minLength":
        yield path, "must not be empty"
        return
    if validator == "maxLength":
        yield path, f"must be at most {value} characters"
        return
    if validator == "minimum":
        yield path, f"must be at least {value}, got {_describe(instance)}"
        return
    if validator == "oneOf" and path and "params" in path:
        yield path, "a parameter has either 'min' and 'max' (and optional 'step') or 'choices'"
        return
    yield path, error.message


def _pattern_reason(pattern: str, instance: Any) -> str:
    if "a-z0-9][a-z0-9._-]" in pattern:
        return f"{instance!r} is not a valid id: {_ID_HELP}"
    if "A-Za-z_][A-Za-z0-9_]" in pattern:
        return f"{instance!r} is not a valid name: {_NAME_HELP}"
    if pattern.endswith("\\.yaml$"):
        return (
            f"{instance!r} is not a valid items file name (letters, digits, '.', '_', '-', ending in .yaml)"
        )
    if "A-Za-z]{2,3}" in pattern:
        return f"{instance!r} is not a BCP 47 language tag such as 'en' or 'pt-BR'"
    return f"{instance!r} does not match {pattern}"
