"""Parametric items: drawing a template's values from a seed and writing the concrete item.

A template (an item with ``params``) becomes a concrete item by ``instantiate(item, seed)``:

* parameters are drawn in the order written, with ``random.Random(seed)`` (never the global RNG), so
  the same seed always gives the same variant, on every machine;
* ``computed`` values are evaluated in order, exactly (see ``learnpath.content.exact``);
* every ``constraints`` expression must be true; otherwise all values are drawn again, up to
  ``MAX_TEMPLATE_DRAWS`` times, after which ``TemplateError`` says the constraints cannot be met;
* ``{name}`` is replaced in every string of the item (prompt, choices, answers, alternatives, hints,
  solution, feedback, steps, scaffolds, units); ``{{`` and ``}}`` write single braces.

How values are written into text: integers as integers (``12``, ``-3``); other computed numbers as
reduced fractions (``7/3``, ``-1/4``), which every checker reads exactly; a parameter drawn from
``choices`` is written exactly as in the pack (``2.5`` stays ``2.5``, ``Ana`` stays ``Ana``).
Draw a numerator and a denominator, or scale to integers, when a decimal should appear in the text.
"""

from __future__ import annotations

import ast
import random
import string
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from learnpath.content.build import build_item
from learnpath.content.exact import ExpressionError, Value, evaluate, names_in, parse_exact
from learnpath.content.limits import MAX_TEMPLATE_DRAWS
from learnpath.content.model import Item, ParamSpec
from learnpath.content.numeric import format_fraction

#: Keys whose strings are never templates: ids, the item type, skill ids, variable names.
NOT_TEMPLATED = frozenset({"id", "type", "skills", "variables", "params", "constraints", "computed"})


class TemplateError(ValueError):
    """A template cannot be instantiated: a bad expression, or constraints that cannot be met.

    ``where`` is the path of the culprit inside the item document, e.g. ``("computed", "total")``.
    """

    def __init__(self, message: str, where: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class Variant:
    """One draw of a template: the exact values, and the text written for each placeholder."""

    values: Mapping[str, Value]
    text: Mapping[str, str]


def placeholders(text: str) -> list[str]:
    """The placeholder names in ``text`` in order; raises ``TemplateError`` if the braces are malformed."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise TemplateError(f"{error}; write {{{{ or }}}} for a literal brace") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if spec or conversion or not field.isidentifier():
            raise TemplateError(
                f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} is not a "
                "placeholder; placeholders are plain names like {a} (write {{ or }} for a literal brace)"
            )
        names.append(field)
    return names


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Replace each ``{name}`` with ``values[name]``; ``{{`` and ``}}`` become single braces."""
    parts: list[str] = []
    for literal, field, _spec, _conversion in string.Formatter().parse(text):
        parts.append(literal)
        if field is not None:
            if field not in values:
                raise TemplateError(f"unknown placeholder {{{field}}}")
            parts.append(values[field])
    return "".join(parts)


def format_value(value: Value) -> str:
    """How a computed value is written into text (see the module docstring)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return format_fraction(Fraction(value))


@dataclass(frozen=True)
class _Compiled:
    computed: tuple[tuple[str, ast.expr], ...]
    constraints: tuple[ast.expr, ...]


@lru_cache(maxsize=2048)
def _compile(
    param_names: tuple[str, ...], computed: tuple[tuple[str, str], ...], constraints: tuple[str, ...]
) -> _Compiled:
    known = set(param_names)
    trees: list[tuple[str, ast.expr]] = []
    for name, source in computed:
        where: tuple[str | int, ...] = ("computed", name)
        tree = _parse(source, f"computed {name!r}", where)
        unknown = names_in(tree) - known
        if unknown:
            raise TemplateError(
                f"computed {name!r} uses {', '.join(sorted(unknown))}, not defined before it", where
            )
        if name in known:
            raise TemplateError(f"computed {name!r} has the name of a parameter or an earlier value", where)
        known.add(name)
        trees.append((name, tree))
    checks: list[ast.expr] = []
    for index, source in enumerate(constraints):
        tree = _parse(source, f"constraint {source!r}", ("constraints", index))
        unknown = names_in(tree) - known
        if unknown:
            raise TemplateError(
                f"constraint {source!r} uses unknown names: {', '.join(sorted(unknown))}",
                ("constraints", index),
            )
        checks.append(tree)
    return _Compiled(tuple(trees), tuple(checks))


def _parse(source: str, what: str, where: tuple[str | int, ...]) -> ast.expr:
    try:
        return parse_exact(source)
    except ExpressionError as error:
        raise TemplateError(f"{what}: {error}", where) from None


def _draw_param(spec: ParamSpec, rng: random.Random) -> tuple[Value, str]:
    if spec.choices:
        choice = rng.choice(spec.choices)
        if isinstance(choice, bool):
            raise TemplateError(
                f"parameter {spec.name!r}: choices must be numbers or text", ("params", spec.name)
            )
        if isinstance(choice, float):
            return Fraction(repr(choice)), repr(choice)
        return choice, str(choice)
    low, high, step = spec.min, spec.max, spec.step
    if low is None or high is None:
        raise TemplateError(
            f"parameter {spec.name!r}: needs min <= max and step >= 1, or choices", ("params", spec.name)
        )
    if any(isinstance(b, bool) or not isinstance(b, int) for b in (low, high, step)):
        raise TemplateError(
            f"parameter {spec.name!r}: min, max and step must be whole numbers (or give choices)",
            ("params", spec.name),
        )
    if low > high or step < 1:
        raise TemplateError(
            f"parameter {spec.name!r}: needs min <= max and step >= 1, or choices", ("params", spec.name)
        )
    value = rng.randrange(low, high + 1, step)
    return value, str(value)


def draw(item: Item, seed: int) -> Variant:
    """Draw the values of a template for ``seed`` (see the module docstring for the rules)."""
    compiled = _compile(tuple(p.name for p in item.params), item.computed, item.constraints)
    rng = random.Random(seed)
    last_failure = "the constraints were false for every draw"
    for _attempt in range(MAX_TEMPLATE_DRAWS):
        values: dict[str, Value] = {}
        text: dict[str, str] = {}
        for spec in item.params:
            values[spec.name], text[spec.name] = _draw_param(spec, rng)
        try:
            for name, tree in compiled.computed:
                value = evaluate(tree, values)
                if isinstance(value, bool):
                    raise TemplateError(
                        f"computed {name!r} is true/false; computed values must be numbers",
                        ("computed", name),
                    )
                values[name] = value
                text[name] = format_value(value)
            satisfied = all(_holds(tree, values) for tree in compiled.constraints)
        except ExpressionError as error:
            last_failure = str(error)
            continue
        if satisfied:
            return Variant(values, text)
    raise TemplateError(
        f"no values met the constraints in {MAX_TEMPLATE_DRAWS} draws (last reason: {last_failure}); "
        "widen the parameter ranges or relax the constraints",
        ("constraints",) if item.constraints else ("params",),
    )


def _holds(tree: ast.expr, values: Mapping[str, Value]) -> bool:
    result = evaluate(tree, values)
    if not isinstance(result, bool):
        raise TemplateError("a constraint must be a comparison (true or false), not a number")
    return result


def _substitute_document(value: Any, text: Mapping[str, str], key: str = "") -> Any:
    if key in NOT_TEMPLATED:
        return value
    if isinstance(value, str):
        return substitute(value, text)
    if isinstance(value, Mapping):
        return {k: _substitute_document(v, text, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_document(v, text) for v in value]
    return value


def instantiate(item: Item, seed: int) -> Item:
    """The concrete item for ``seed``: placeholders replaced everywhere, no params left.

    A non-template item is returned unchanged. The result's ``document`` is the concrete item's
    document (without ``params``, ``constraints`` and ``computed``), so it can be stored or shown as
    is. Raises ``TemplateError`` if the template cannot be instantiated.
    """
    if not item.is_template:
        return item
    variant = draw(item, seed)
    document = {k: v for k, v in item.document.items() if k not in ("params", "constraints", "computed")}
    concrete = _substitute_document(document, variant.text)
    return build_item(concrete, item.source_file)
