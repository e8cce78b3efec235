"""Deciding whether two sympy expressions are mathematically equal, in bounded time.

Numbers first: both sides are evaluated at 12 seeded random real points (half negative, half
positive) in plain complex floats (``numeric_eval``: linear time, overflow means "undefined"). A
point where both values are real and clearly differ settles the question: not equal. Points where
either side is undefined or not real (``log`` of a negative, a division by zero) are skipped, so
``2*log(x)`` and ``log(x^2)`` agree where both are defined for real x. Agreement at random points is
the classic identity test (Schwartz 1980, Zippel 1979): distinct expressions almost never agree at
several random points.

Then exactness for rational functions (symbols, rationals, sums, products, integer powers: most
school algebra): both sides are evaluated exactly, as fractions, at random rational points, which
catches differences far too small for floats (``x`` against ``x + 10^-40``, or ``(x+1)^100 + 1``
against ``(x+1)^100``), with intermediate sizes capped so it stays fast. Anything else
rests on the numeric test. sympy's ``simplify`` and ``evalf`` are never called on learner input:
neither has a time bound (``evalf`` of ``exp(exp(exp(exp(exp(x)))))`` does not return).
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import sympy

from learnpath.content.numeric_eval import complex_value, exact_value

_POINTS = 12
_MIN_AGREEING_POINTS = 3
_RELATIVE_TOLERANCE = 1e-9
_EXACT_POINTS = 6


def equivalent(left: Any, right: Any) -> bool | None:
    """True if equal, False if not, None if neither test could decide (e.g. undefined everywhere).

    Both sides are unevaluated trees from ``mathexpr``; no sympy arithmetic is done on them at all.
    """
    if left == right:
        return True
    symbols = sorted(left.free_symbols | right.free_symbols, key=str)
    numeric = _numeric_verdict(left, right, symbols)
    if numeric is False:
        return False
    exact = _exact_verdict(left, right, symbols)
    return numeric if exact is None else exact


def _points(symbols: list[Any]) -> list[dict[Any, complex]]:
    # A fixed seed: the same pair always gets the same verdict.
    rng = random.Random(20_240_601)
    points = []
    for index in range(_POINTS):
        sign = -1 if index % 2 else 1
        points.append({s: complex(sign * rng.uniform(0.1, 2.9)) for s in symbols})
    return points


def _numeric_verdict(left: Any, right: Any, symbols: list[Any]) -> bool | None:
    agreeing = 0
    for point in _points(symbols) if symbols else [{}]:
        a = complex_value(left, point)
        b = complex_value(right, point)
        if a is None or b is None:
            continue
        tolerance = _RELATIVE_TOLERANCE * max(1.0, abs(a), abs(b))
        if abs(a - b) <= tolerance:
            agreeing += 1
        elif (abs(a.imag) <= tolerance and abs(b.imag) <= tolerance) or not symbols:
            return False
    needed = _MIN_AGREEING_POINTS if symbols else 1
    return True if agreeing >= needed else None


def _exact_verdict(left: Any, right: Any, symbols: list[Any]) -> bool | None:
    """For rational functions: compare exact values at random rational points; None otherwise.

    Two different rational functions of degree at most d agree at a random point of a set of size
    N with probability at most about d / N (Schwartz 1980); with N near 10^12 and several points,
    agreement everywhere tested means equal. Disagreement at any defined point is proof.
    """
    if not (_is_rational_function(left) and _is_rational_function(right)):
        return None
    rng = random.Random(19_800_101)
    agreeing = 0
    for _ in range(_EXACT_POINTS):
        point = {s: Fraction(rng.randint(-(10**6), 10**6), rng.randint(1, 10**6)) for s in symbols}
        a = exact_value(left, point)
        b = exact_value(right, point)
        if a is None or b is None:
            continue  # undefined here (a zero denominator) or numbers too large to be quick
        if a != b:
            return False
        agreeing += 1
    return True if agreeing >= _MIN_AGREEING_POINTS else None


def _is_rational_function(expression: Any) -> bool:
    return all(
        node.is_Symbol
        or node.is_Rational
        or node.is_Add
        or node.is_Mul
        or (node.is_Pow and node.exp.is_Integer)
        for node in sympy.preorder_traversal(expression)
    )
