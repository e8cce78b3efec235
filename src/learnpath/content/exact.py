"""Exact arithmetic for template ``constraints`` and ``computed`` values, without ``eval``.

Expressions are parsed with ``ast.parse(mode="eval")`` and walked over a whitelist: numbers, names
(parameters and earlier computed values), ``+ - * / // % **``, unary ``+ -``, comparisons (chained
too), ``and`` / ``or`` / ``not``, and the functions ``abs min max round gcd lcm``. Values are ``int``
or ``fractions.Fraction``: ``/`` is exact division, so ``1/3 + 1/3 + 1/3 == 1`` holds. Floats from
the pack are read at their decimal form (0.1 is exactly 1/10).

``round(x)`` and ``round(x, n)`` round halves away from zero (2.5 -> 3, -2.5 -> -3), as taught in
school, unlike Python's round-half-to-even.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from learnpath.content.limits import MAX_EXPONENT, MAX_NUMBER_BITS, MAX_TREE_DEPTH

Value = int | Fraction | bool | str
_MAX_SOURCE = 500
_NUMBER_THEN_NAME = re.compile(r"(?<![A-Za-z0-9_.])(?>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[A-Za-z_]")
_MAX_NODES = 300


class ExpressionError(ValueError):
    """The expression is not allowed, or cannot be evaluated for these values."""


def _as_number(value: Value) -> int | Fraction:
    if isinstance(value, bool | str):
        raise ExpressionError(f"{value!r} is not a number")
    return value


def _tidy(value: int | Fraction) -> int | Fraction:
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


def _check_size(value: int | Fraction) -> int | Fraction:
    numerator = value.numerator if isinstance(value, Fraction) else value
    denominator = value.denominator if isinstance(value, Fraction) else 1
    if max(abs(numerator).bit_length(), denominator.bit_length()) > MAX_NUMBER_BITS:
        raise ExpressionError("a number grew too large")
    return _tidy(value)


def _power(base: Value, exponent: Value) -> int | Fraction:
    b, e = _as_number(base), _as_number(exponent)
    if isinstance(e, Fraction):
        raise ExpressionError("exponents must be whole numbers")
    if abs(e) > MAX_EXPONENT:
        raise ExpressionError(f"exponents must be between -{MAX_EXPONENT} and {MAX_EXPONENT}")
    size = max(abs(Fraction(b).numerator).bit_length(), Fraction(b).denominator.bit_length())
    if size * abs(e) > MAX_NUMBER_BITS:
        raise ExpressionError("a power grew too large")
    if b == 0 and e < 0:
        raise ExpressionError("division by zero")
    return _check_size(Fraction(b) ** e)


def _divide(a: Value, b: Value) -> int | Fraction:
    x, y = _as_number(a), _as_number(b)
    if y == 0:
        raise ExpressionError("division by zero")
    return _check_size(Fraction(x) / Fraction(y))


def _floor_divide(a: Value, b: Value) -> int | Fraction:
    x, y = _as_number(a), _as_number(b)
    if y == 0:
        raise ExpressionError("division by zero")
    return _check_size(Fraction(x) // Fraction(y))


def _modulo(a: Value, b: Value) -> int | Fraction:
    x, y = _as_number(a), _as_number(b)
    if y == 0:
        raise ExpressionError("division by zero")
    return _check_size(Fraction(x) % Fraction(y))


def _arith(function: Callable[[Any, Any], Any]) -> Callable[[Value, Value], int | Fraction]:
    def apply(a: Value, b: Value) -> int | Fraction:
        return _check_size(function(Fraction(_as_number(a)), Fraction(_as_number(b))))

    return apply


_BINARY: dict[type[ast.operator], Callable[[Value, Value], int | Fraction]] = {
    ast.Add: _arith(operator.add),
    ast.Sub: _arith(operator.sub),
    ast.Mult: _arith(operator.mul),
    ast.Div: _divide,
    ast.FloorDiv: _floor_divide,
    ast.Mod: _modulo,
    ast.Pow: _power,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def round_half_away(value: Value, places: Value = 0) -> int | Fraction:
    """Round to ``places`` decimals, halves away from zero (school rounding)."""
    number = Fraction(_as_number(value))
    digits = _as_number(places)
    if not isinstance(digits, int) or not -20 <= digits <= 20:
        raise ExpressionError("round() takes a whole number of places from -20 to 20")
    scale = Fraction(10) ** digits
    scaled = abs(number) * scale
    rounded = math.floor(scaled + Fraction(1, 2))
    return _tidy(Fraction(rounded if number >= 0 else -rounded) / scale)


def _integers(name: str, args: tuple[Value, ...]) -> list[int]:
    numbers = [_tidy(_as_number(arg)) for arg in args]
    if not all(isinstance(n, int) for n in numbers):
        raise ExpressionError(f"{name}() takes whole numbers")
    return [int(n) for n in numbers]


def _gcd(*args: Value) -> int:
    return math.gcd(*_integers("gcd", args))


def _lcm(*args: Value) -> int:
    return math.lcm(*_integers("lcm", args))


def _abs(value: Value) -> int | Fraction:
    number = _as_number(value)
    return -number if number < 0 else number


def _min(*args: Value) -> int | Fraction:
    return min(_as_number(arg) for arg in args)


def _max(*args: Value) -> int | Fraction:
    return max(_as_number(arg) for arg in args)


FUNCTIONS: dict[str, Callable[..., int | Fraction]] = {
    "abs": _abs,
    "min": _min,
    "max": _max,
    "round": round_half_away,
    "gcd": _gcd,
    "lcm": _lcm,
}


def parse_exact(source: str) -> ast.expr:
    """Parse and vet an expression once; raises ``ExpressionError`` naming what is not allowed."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("the expression is empty")
    if len(source) > _MAX_SOURCE:
        raise ExpressionError(f"the expression is longer than {_MAX_SOURCE} characters")
    # Refused before ast.parse because the parser would warn about them (invalid escapes in text,
    # "1and" as an invalid decimal literal), and warnings are noise at best, errors in tests.
    if any(ch in source for ch in "'\"\\"):
        raise ExpressionError("text, quotes and backslashes are not allowed in template expressions")
    if _NUMBER_THEN_NAME.search(source):
        raise ExpressionError("put a space or an operator between a number and a name")
    depth = 0
    for ch in source:
        depth += ch in "(["
        depth -= ch in ")]"
        if depth > 30:
            raise ExpressionError("too many brackets inside each other")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise ExpressionError(f"cannot read the expression: {getattr(error, 'msg', error)}") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > _MAX_NODES:
        raise ExpressionError("the expression is too long")
    for node in nodes:
        _vet(node)
    return tree.body


def _vet(node: ast.AST) -> None:
    allowed = (
        ast.Expression,
        ast.BinOp,
        ast.UnaryOp,
        ast.BoolOp,
        ast.Compare,
        ast.Call,
        ast.Name,
        ast.Constant,
        ast.Load,
        ast.operator,
        ast.unaryop,
        ast.boolop,
        ast.cmpop,
    )
    if not isinstance(node, allowed):
        raise ExpressionError(f"{type(node).__name__} is not allowed in template expressions")
    if isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
        raise ExpressionError(f"the operator {type(node.op).__name__} is not allowed")
    if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.UAdd | ast.USub | ast.Not):
        raise ExpressionError(f"the operator {type(node.op).__name__} is not allowed")
    if isinstance(node, ast.Compare) and not all(type(op) in _COMPARE for op in node.ops):
        raise ExpressionError("only < <= > >= == != comparisons are allowed")
    if isinstance(node, ast.Constant) and (
        isinstance(node.value, bool) or not isinstance(node.value, int | float)
    ):
        raise ExpressionError(f"the constant {node.value!r} is not allowed; use numbers")
    if isinstance(node, ast.Call) and (
        not isinstance(node.func, ast.Name)
        or node.func.id not in FUNCTIONS
        or node.keywords
        or not node.args
        or any(isinstance(arg, ast.Starred) for arg in node.args)
    ):
        raise ExpressionError(
            f"only the functions {', '.join(FUNCTIONS)} can be called, with plain arguments"
        )


def names_in(tree: ast.expr) -> set[str]:
    """The variable names an expression reads (function names excluded)."""
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called}


def evaluate(tree: ast.expr, values: Mapping[str, Value], depth: int = 0) -> Value:
    """Evaluate a vetted tree exactly with the given values; raises ``ExpressionError``."""
    if depth > MAX_TREE_DEPTH:
        raise ExpressionError("the expression is nested too deeply")
    if isinstance(tree, ast.Constant):
        constant = tree.value
        if isinstance(constant, float):
            if not math.isfinite(constant):
                raise ExpressionError(f"the number {tree.value!r} is out of range")
            return _check_size(Fraction(repr(constant)))
        if isinstance(constant, int):
            return constant
        raise ExpressionError(f"the constant {constant!r} is not allowed")
    if isinstance(tree, ast.Name):
        if tree.id not in values:
            raise ExpressionError(f"unknown name {tree.id!r}")
        return values[tree.id]
    if isinstance(tree, ast.UnaryOp):
        operand = evaluate(tree.operand, values, depth + 1)
        if isinstance(tree.op, ast.Not):
            return not _truth(operand)
        number = _as_number(operand)
        return -number if isinstance(tree.op, ast.USub) else number
    if isinstance(tree, ast.BinOp):
        left = evaluate(tree.left, values, depth + 1)
        right = evaluate(tree.right, values, depth + 1)
        return _BINARY[type(tree.op)](left, right)
    if isinstance(tree, ast.BoolOp):
        is_and = isinstance(tree.op, ast.And)
        for part in tree.values:
            truth = _truth(evaluate(part, values, depth + 1))
            if truth != is_and:
                return truth
        return is_and
    if isinstance(tree, ast.Compare):
        left = evaluate(tree.left, values, depth + 1)
        for op, comparator in zip(tree.ops, tree.comparators, strict=True):
            right = evaluate(comparator, values, depth + 1)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name):
        args = tuple(evaluate(arg, values, depth + 1) for arg in tree.args)
        try:
            return FUNCTIONS[tree.func.id](*args)
        except TypeError as error:
            raise ExpressionError(f"{tree.func.id}(): {error}") from None
    raise ExpressionError(f"{type(tree).__name__} is not allowed")


def _compare(op: ast.cmpop, left: Value, right: Value) -> bool:
    if isinstance(left, str) or isinstance(right, str):
        if type(op) not in (ast.Eq, ast.NotEq):
            raise ExpressionError("text can only be compared with == and !=")
        return _COMPARE[type(op)](left, right)
    return _COMPARE[type(op)](_as_number(left), _as_number(right))


def _truth(value: Value) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError("and / or / not need comparisons (true or false), not numbers")
    return value
