"""Property tests (hypothesis) for the readers and checkers."""

from __future__ import annotations

from fractions import Fraction

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnpath.content.checking import check_response
from learnpath.content.mathexpr import parse_expression
from learnpath.content.model import Choice, Step
from learnpath.content.text import normalize_text
from learnpath.content.yaml_io import YamlDocument, YamlSyntaxError, dump_yaml, read_yaml

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _numeric(answer: object) -> Step:
    return Step(id="n", type="numeric", prompt="p", answer=answer)


@QUICK
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_any_integer_is_accepted_with_or_without_thousands_separators(value: int) -> None:
    step = _numeric(value)
    sign = "-" if value < 0 else ""
    assert check_response(step, str(value)).correct
    assert check_response(step, f"{sign}{abs(value):,}").correct
    assert check_response(step, f"{sign}{abs(value):,}".replace(",", " ")).correct
    assert check_response(step, f"{value}.0").correct
    assert check_response(step, f"{2 * value}/2").correct
    assert check_response(step, str(value).replace("-", "−")).correct


@QUICK
@given(st.fractions(max_denominator=1000).filter(lambda f: abs(f) < 10**6))
def test_any_fraction_is_accepted_as_a_fraction_a_mixed_number_or_a_scaled_fraction(value: Fraction) -> None:
    step = _numeric(f"{value.numerator}/{value.denominator}")
    assert check_response(step, f"{value.numerator}/{value.denominator}").correct
    assert check_response(step, f"{3 * value.numerator}/{3 * value.denominator}").correct
    whole, rest = divmod(abs(value), 1)
    sign = "-" if value < 0 else ""
    if whole and rest:
        assert check_response(step, f"{sign}{whole} {rest.numerator}/{rest.denominator}").correct
    assert check_response(step, f"{value.numerator}/{value.denominator + 1}").correct == (
        Fraction(value.numerator, value.denominator + 1) == value
    )


@QUICK
@given(st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False, allow_infinity=False))
def test_decimals_and_scientific_notation_are_exact(value: object) -> None:
    text = str(value)
    step = _numeric(text)
    assert check_response(step, text).correct
    mantissa = Fraction(text) * 10_000
    assert mantissa.denominator == 1
    assert check_response(step, f"{mantissa.numerator}e-4").correct
    assert check_response(step, f"{mantissa.numerator} × 10^-4").correct


_ATOMS = st.sampled_from(["x", "y", "2", "3", "(x+1)", "(y-2)", "x^2", "1/2"])


def _polynomial() -> st.SearchStrategy[str]:
    return st.recursive(
        _ATOMS,
        lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        max_leaves=6,
    )


@QUICK
@given(_polynomial())
def test_an_expression_and_its_expanded_form_are_equivalent(text: str) -> None:
    expanded = sympy.expand(parse_expression(text, ["x", "y"]))
    step = Step(id="e", type="expression", prompt="p", answer=text, variables=("x", "y"))
    written = sympy.sstr(expanded).replace("**", "^")
    assert check_response(step, written).correct


@QUICK
@given(_polynomial())
def test_adding_one_makes_an_expression_wrong(text: str) -> None:
    step = Step(id="e", type="expression", prompt="p", answer=text, variables=("x", "y"))
    assert check_response(step, f"{text} + 1").status == "incorrect"


TWO = (Choice("a", "A"), Choice("b", "B"))
STEPS = [
    Step(id="e", type="expression", prompt="p", answer="2*x + 3", variables=("x",)),
    _numeric("3/4"),
    Step(id="t", type="short_text", prompt="p", answer="denominator"),
    Step(id="c", type="single_choice", prompt="p", choices=(Choice("a", "A"), Choice("b", "B")), answer="a"),
    Step(
        id="m",
        type="multiple_choice",
        prompt="p",
        choices=(Choice("a", "A"), Choice("b", "B")),
        answer=("a",),
    ),
]
_MATHY = st.lists(
    st.sampled_from(
        [*"0123456789xy+-*/^().,= |\\{}[]eπ√²½−×÷", "\\frac", "\\sqrt", "sqrt", "sin", "log", "**"]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STEPS), st.one_of(st.text(max_size=200), _MATHY))
def test_arbitrary_text_never_raises_and_returns_a_verdict(step: Step, response: str) -> None:
    verdict = check_response(step, response)
    assert verdict.status in ("correct", "incorrect", "invalid")
    assert verdict.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=100), st.booleans())
def test_short_text_normalisation_is_idempotent(text: str, case_sensitive: bool) -> None:
    once = normalize_text(text, case_sensitive=case_sensitive)
    assert normalize_text(once, case_sensitive=case_sensitive) == once


_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_PLAIN)
def test_canonical_yaml_round_trips_and_is_stable(data: object) -> None:
    text = dump_yaml(data)
    again = read_yaml(text).data
    assert again == data
    assert dump_yaml(again) == text


_YAMLISH = st.lists(
    st.sampled_from(
        [
            *"-:[]{},&*!|>'\"#?%@` \n\t\x00\x85",
            "a",
            "1",
            "1.5",
            "true",
            "null",
            "!!binary",
            "!!python/object",
            "&a",
            "*a",
            "<<",
            "---",
            "...",
            "\ufeff",
            "\u2028",
            "key: ",
            "- ",
            "  ",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_YAMLISH, st.text(max_size=80)))
def test_any_text_is_read_as_yaml_or_refused_with_a_line(text: str) -> None:
    outcome = _read_or_refusal(text)
    if isinstance(outcome, YamlSyntaxError):
        assert outcome.reason
        assert outcome.line >= 0
    else:
        assert all(isinstance(reason, str) for _path, _line, reason in outcome.problems)


def _read_or_refusal(text: str) -> YamlDocument | YamlSyntaxError:
    try:
        return read_yaml(text)
    except YamlSyntaxError as error:
        return error
