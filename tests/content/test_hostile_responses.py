"""Hostile learner input: each gets a verdict (usually "invalid" with a clear message), never an
exception or a hang. Bounds are structural (length, tokens, depth, exponent size), so these tests
assert verdicts only; pytest's own run time shows nothing here can take long."""

from __future__ import annotations

import pytest

from learnpath.content.checking import check_response
from learnpath.content.limits import MAX_MATH_RESPONSE_CHARS
from learnpath.content.mathexpr import UnreadableExpression, parse_expression
from learnpath.content.model import Choice, Step

EXPRESSION = Step(id="e", type="expression", prompt="p", answer="2*x + 3", variables=("x",))
NUMERIC = Step(id="n", type="numeric", prompt="p", answer="3/4")
TEXT = Step(id="t", type="short_text", prompt="p", answer="denominator")
CHOICE = Step(
    id="c", type="single_choice", prompt="p", choices=(Choice("a", "A"), Choice("b", "B")), answer="a"
)
MULTI = Step(
    id="m", type="multiple_choice", prompt="p", choices=(Choice("a", "A"), Choice("b", "B")), answer=("a",)
)
ALL_STEPS = [EXPRESSION, NUMERIC, TEXT, CHOICE, MULTI]

HOSTILE = [
    "",
    " ",
    "x" * 1_000_000,
    "\x00",
    "2x\x00+3",
    "\u202e3 + x2",
    "__import__('os').system('x')",
    "lambda: 1",
    "(lambda: 1)()",
    "x.__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "[x for x in ()]",
    "9**9**9",
    "10^10^10",
    "2^2^2^2^2^2",
    "(10^100)^(10^100)",
    "1e999999",
    "10" * 250,
    "NaN",
    "nan",
    "inf",
    "-inf",
    "∞",
    "1/0",
    "0^0",
    "0^-1",
    "(" * 1000 + "x" + ")" * 1000,
    "(" * 25 + "x" + ")" * 25,
    "-" * 400 + "x",
    "x" + "^x" * 120,
    "sqrt(" * 20 + "x" + ")" * 20,
    "\\frac{" * 20 + "1}{2}" * 20,
    "\\frac{1}",
    "\\input{/etc/passwd}",
    "{",
    "}",
    "|x",
    "x||",
    "sin",
    "log(x, 2, 3)",
    "f(x)",
    "x,y",
    "x; import os",
    "x\ny",
    "🙂",
    "x" * (MAX_MATH_RESPONSE_CHARS + 1),
    "1" * 400,
    "1." + "0" * 300,
    "x = 2x + 3",
    "2 3",
    # Each of these once hung or crashed sympy's automatic evaluation, printing or evalf.
    "exp(exp(exp(exp(exp(exp(x))))))",
    "|exp(exp(exp(100)))-3|",
    "sqrt(exp(exp(exp(100)))-3)",
    "abs(sin(exp(exp(exp(9)))))",
    "sqrt(abs(log((sqrt(-1)^0.5)-(-1))^100))",
    "(cos(y*100))*((1/3^100)^(abs(99)))",
    "cos((sqrt((exp(abs(100)))/(y^100)))-(pi))",
    "(x+1)^12*(x+1)^12*(x+1)^12*(x+1)^12",
]


@pytest.mark.parametrize("response", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("step", ALL_STEPS, ids=[s.type for s in ALL_STEPS])
def test_hostile_responses_get_a_verdict(step: Step, response: str) -> None:
    verdict = check_response(step, response)
    assert verdict.status in ("correct", "incorrect", "invalid")
    assert verdict.message
    if verdict.status == "invalid":
        assert verdict.normalized == ""


@pytest.mark.parametrize(
    "response",
    [
        "__import__('os').system('x')",
        "x.__class__",
        "lambda: 1",
        "9**9**9",
        "10^10^10",
        "1e999999",
        "(" * 1000 + "x" + ")" * 1000,
        "x" * 1_000_000,
        "\x00",
        "2^2^2^2^2^2",
    ],
)
def test_dangerous_expressions_are_invalid_with_a_message(response: str) -> None:
    verdict = check_response(EXPRESSION, response)
    assert verdict.status == "invalid"
    assert len(verdict.message) > 10


def test_the_expression_reader_never_evaluates_python() -> None:
    with pytest.raises(UnreadableExpression):
        parse_expression("__import__('os')", ["x"])
    with pytest.raises(UnreadableExpression, match="Unknown name 'exec'"):
        parse_expression("exec", ["x"])


def test_a_right_to_left_override_is_ignored_not_obeyed() -> None:
    assert check_response(EXPRESSION, "2x\u202e+3").correct
    assert check_response(TEXT, "denomi\u202enator").correct


def test_non_text_responses_are_invalid() -> None:
    assert check_response(NUMERIC, None).status == "invalid"  # type: ignore[arg-type]
    assert check_response(NUMERIC, ["1", "2"]).status == "invalid"
    assert check_response(MULTI, [1, 2]).status == "invalid"  # type: ignore[list-item]
    assert check_response(MULTI, ["a"] * 10_000).status == "invalid"
