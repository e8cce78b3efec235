"""Evaluating a sympy expression at a point with plain complex floats, in time linear in its size.

sympy's own ``evalf`` works in arbitrary precision, which is exactly what makes it dangerous on
learner input: ``exp(exp(exp(exp(exp(x)))))`` asks mpmath for a number with a hundred-million-digit
exponent and never returns. Fixed-size floats overflow instead, which here just means "undefined at
this point". Only the node types the expression reader can build are understood; anything else is
treated as undefined too.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import sympy

_FUNCTIONS: dict[type, Callable[[complex], complex]] = {
    sympy.exp: cmath.exp,
    sympy.log: cmath.log,
    sympy.sin: cmath.sin,
    sympy.cos: cmath.cos,
    sympy.tan: cmath.tan,
    sympy.Abs: lambda z: complex(abs(z)),
}


class _Undefined(Exception):
    """The expression has no finite value at this point."""


def complex_value(expression: Any, point: Mapping[Any, complex]) -> complex | None:
    """The value of ``expression`` with symbols replaced from ``point``; None where undefined."""
    try:
        value = _value(expression, point)
    except (_Undefined, ArithmeticError, ValueError, TypeError):
        return None
    return value if cmath.isfinite(value) else None


def _value(node: Any, point: Mapping[Any, complex]) -> complex:
    if node.is_Symbol:
        if node not in point:
            raise _Undefined
        return point[node]
    if node.is_Integer:
        return complex(int(node))
    if node.is_Rational:
        return complex(int(node.p) / int(node.q))
    if node.is_Float:
        return complex(float(node))
    if node is sympy.pi:
        return complex(math.pi)
    if node is sympy.E:
        return complex(math.e)
    if node is sympy.I:
        return 1j
    if node.is_Add:
        total = 0j
        for term in node.args:
            total += _value(term, point)
        return _finite(total)
    if node.is_Mul:
        product = 1 + 0j
        for factor in node.args:
            product *= _value(factor, point)
        return _finite(product)
    if node.is_Pow:
        return _power(node, point)
    function = _FUNCTIONS.get(type(node))
    if function is not None and len(node.args) == 1:
        return _finite(function(_value(node.args[0], point)))
    raise _Undefined


def _power(node: Any, point: Mapping[Any, complex]) -> complex:
    base = _value(node.base, point)
    exponent_node = node.exp
    if exponent_node.is_Integer:
        exponent = int(exponent_node)
        if base == 0 and exponent < 0:
            raise _Undefined
        return _finite(base**exponent)
    exponent_value = _value(exponent_node, point)
    if base == 0:
        if exponent_value.real > 0:
            return 0j
        raise _Undefined
    return _finite(base**exponent_value)


def _finite(value: complex) -> complex:
    if not cmath.isfinite(value):
        raise _Undefined
    return value


#: Largest exact intermediate (in bits), and the most bits all operations together may produce
#: in one evaluation: together they bound its time (a few milliseconds at worst).
MAX_EXACT_BITS = 50_000
EXACT_BIT_BUDGET = 400_000


def exact_value(expression: Any, point: Mapping[Any, Fraction]) -> Fraction | None:
    """The exact value of a rational function (symbols, rationals, + * and integer powers) at a
    rational point; None where undefined, for any other node, or if the numbers grow too large."""
    try:
        return _Exact(point).value(expression)
    except (_Undefined, ZeroDivisionError):
        return None


class _Exact:
    def __init__(self, point: Mapping[Any, Fraction]) -> None:
        self.point = point
        self.spent = 0

    def value(self, node: Any) -> Fraction:
        if node.is_Symbol:
            if node not in self.point:
                raise _Undefined
            return self.point[node]
        if node.is_Rational:
            return Fraction(int(node.p), int(node.q))
        if node.is_Add:
            total = Fraction(0)
            for term in node.args:
                total = self.sized(total + self.value(term))
            return total
        if node.is_Mul:
            product = Fraction(1)
            for factor in node.args:
                product = self.sized(product * self.value(factor))
            return product
        if node.is_Pow and node.exp.is_Integer:
            base = self.value(node.base)
            exponent = int(node.exp)
            if _bits(base) * abs(exponent) > MAX_EXACT_BITS:
                raise _Undefined
            return self.sized(base**exponent)
        raise _Undefined

    def sized(self, value: Fraction) -> Fraction:
        size = _bits(value)
        self.spent += size
        if size > MAX_EXACT_BITS or self.spent > EXACT_BIT_BUDGET:
            raise _Undefined
        return value


def _bits(value: Fraction) -> int:
    return max(abs(value.numerator).bit_length(), value.denominator.bit_length())
