"""Golden examples of ``check_response`` for every item type."""

from __future__ import annotations

import pytest

from learnpath.content.checking import AuthoringError, Verdict, check_response
from learnpath.content.model import Choice, Pack, Step, WrongAnswerFeedback


def _status(step: Step, response: str | list[str]) -> str:
    return check_response(step, response).status


CHOICES = (Choice("a", "4/6"), Choice("b", "3/4"), Choice("c", "2/6"))


def test_verdict_is_a_frozen_value_with_a_correct_property() -> None:
    verdict = Verdict("correct", "Correct.", normalized="a")
    assert verdict.correct
    assert not Verdict("invalid", "Type an answer first.").correct
    with pytest.raises(AttributeError):
        verdict.status = "incorrect"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("response", "status"),
    [
        ("a", "correct"),
        (" A ", "correct"),
        ("b", "incorrect"),
        ("z", "invalid"),
        ("", "invalid"),
        (["a"], "correct"),
    ],
)
def test_single_choice(response: str, status: str) -> None:
    step = Step(id="s", type="single_choice", prompt="p", choices=CHOICES, answer="a")
    assert _status(step, response) == status


def test_single_choice_feedback_and_normalized(basics: Pack) -> None:
    step = basics.item("frac-eq-1").main
    verdict = check_response(step, "c")
    assert verdict == Verdict(
        "incorrect", "Not quite.", feedback="You changed only the bottom number; change both.", normalized="c"
    )


@pytest.mark.parametrize(
    ("response", "status", "normalized"),
    [
        ("a, b", "correct", "a,b"),
        ("b a", "correct", "a,b"),
        (["b", "a", "a"], "correct", "a,b"),
        ("a", "incorrect", "a"),
        ("a,b,c", "incorrect", "a,b,c"),
        ("a,q", "invalid", ""),
        (" , ", "invalid", ""),
        ([], "invalid", ""),
    ],
)
def test_multiple_choice(response: str | list[str], status: str, normalized: str) -> None:
    step = Step(id="m", type="multiple_choice", prompt="p", choices=CHOICES, answer=("a", "b"))
    verdict = check_response(step, response)
    assert (verdict.status, verdict.normalized) == (status, normalized)


def test_multiple_choice_feedback_matches_the_set(basics: Pack) -> None:
    step = basics.item("frac-eq-many").main
    assert check_response(step, "a").feedback == "3/6 is one half too."
    assert check_response(step, "a,c").feedback is None


@pytest.mark.parametrize(
    "response",
    ["0.75", "3/4", "6/8", ".75", "75e-2", "7.5 × 10^-1", "0.750", "+3/4", "  3/4  ", "３/４"],
)
def test_numeric_accepts_every_way_of_writing_the_number(response: str) -> None:
    step = Step(id="n", type="numeric", prompt="p", answer="3/4")
    verdict = check_response(step, response)
    assert verdict.correct, verdict
    assert verdict.normalized == "3/4"


@pytest.mark.parametrize(
    ("answer", "response"),
    [
        (1234567, "1,234,567"),
        (1234567, "1 234 567"),
        (-4, "−4"),
        (1.5, "1 1/2"),
        (-1.5, "-1 1/2"),
        (1500, "1.5e3"),
        (1500, "1.5·10³"),
        ("1/2", "½"),
        (0.1, "1/10"),
    ],
)
def test_numeric_forms(answer: object, response: str) -> None:
    assert _status(Step(id="n", type="numeric", prompt="p", answer=answer), response) == "correct"


@pytest.mark.parametrize(
    ("response", "status"),
    [("3.14", "correct"), ("3.15", "correct"), ("3.16", "incorrect"), ("22/7", "correct"), ("pi", "invalid")],
)
def test_numeric_absolute_tolerance(response: str, status: str) -> None:
    step = Step(id="n", type="numeric", prompt="p", answer=3.14159, tolerance=0.01)
    assert _status(step, response) == status


def test_numeric_relative_tolerance_is_relative_to_the_answer() -> None:
    step = Step(id="n", type="numeric", prompt="p", answer=1000, relative_tolerance=0.01)
    assert _status(step, "1010") == "correct"
    assert _status(step, "1011") == "incorrect"


def test_numeric_units() -> None:
    step = Step(id="n", type="numeric", prompt="p", answer=6, unit="cm")
    assert _status(step, "6 cm") == "correct"
    assert _status(step, "6cm") == "correct"
    assert _status(step, "6") == "correct"
    assert check_response(step, "6 m") == Verdict("incorrect", "Not quite. Check the unit.", normalized="6 m")
    required = Step(id="n", type="numeric", prompt="p", answer=6, unit="cm", unit_required=True)
    assert check_response(required, "6") == Verdict("invalid", "Give the unit too (in cm).")
    area = Step(id="n", type="numeric", prompt="p", answer=6, unit="cm²")
    assert _status(area, "6 cm^2") == "correct"
    money = Step(id="n", type="numeric", prompt="p", answer=12, unit="$")
    assert _status(money, "$12") == "correct"
    plain = Step(id="n", type="numeric", prompt="p", answer=6)
    assert check_response(plain, "6 apples") == Verdict(
        "invalid", "Write just the number, without units or words."
    )


@pytest.mark.parametrize("response", ["2x+2", "2 x + 2", "3(x)", "2x-1", "6 = 6", "2 x 3 cm"])
def test_an_expression_after_a_number_is_refused_not_graded_as_a_wrong_unit(response: str) -> None:
    """ "2x+2" on a question with a unit is not a number: refused with a plain message, not counted
    against the learner as "check the unit" (issue 12)."""
    step = Step(id="n", type="numeric", prompt="p", answer=6, unit="cm")
    verdict = check_response(step, response)
    assert verdict.status == "invalid", verdict
    assert "Write a number" in verdict.message
    assert "(cm)" in verdict.message
    plain = Step(id="n", type="numeric", prompt="p", answer=6)
    assert check_response(plain, response).status == "invalid"


@pytest.mark.parametrize("response", ["6 cm", "6cm", "6 cm^2", "6 km/h", "6 m/s²", "6 cm.", "6 m2"])
def test_real_units_are_still_units(response: str) -> None:
    step = Step(id="n", type="numeric", prompt="p", answer=6, unit="cm")
    assert check_response(step, response).status in ("correct", "incorrect")


def test_numeric_decimal_comma_gets_a_hint() -> None:
    verdict = check_response(Step(id="n", type="numeric", prompt="p", answer=3.5), "3,5")
    assert verdict.status == "invalid"
    assert "point" in verdict.message


def test_numeric_feedback_matches_equal_values(basics: Pack) -> None:
    step = basics.item("frac-add-like").main
    assert check_response(step, "0.375").feedback == "Add the numerators only; the denominator stays 4."
    assert check_response(step, "6/16").feedback == "Add the numerators only; the denominator stays 4."


@pytest.mark.parametrize(
    ("response", "status"),
    [
        ("2x + 3", "correct"),
        ("3 + 2*x", "correct"),
        ("x + x + 3", "correct"),
        ("2(x + 1.5)", "correct"),
        ("\\frac{4x + 6}{2}", "correct"),
        ("$2x+3$", "correct"),
        ("2x + 4", "incorrect"),
        ("2(x + 3)", "incorrect"),
        ("2y + 3", "invalid"),
        ("2x +", "invalid"),
        ("2x = 3", "invalid"),
    ],
)
def test_expression(response: str, status: str) -> None:
    step = Step(id="e", type="expression", prompt="p", answer="2*x + 3", variables=("x",))
    assert _status(step, response) == status


def test_expression_feedback_and_normalized(basics: Pack) -> None:
    step = basics.item("expr-double-plus-three").main
    verdict = check_response(step, "2x + 6")
    assert verdict.feedback == "That adds three before doubling."
    assert verdict.normalized == "2*x + 6"


@pytest.mark.parametrize(
    ("answer", "response", "status"),
    [
        ("(x+1)^2", "x^2 + 2x + 1", "correct"),
        ("(x+1)(x-1)", "x²−1", "correct"),
        ("x/2", "\\frac{x}{2}", "correct"),
        ("x/2", "0.5x", "correct"),
        ("sqrt(2)/2", "1/√2", "correct"),
        ("|x|", "sqrt(x^2)", "correct"),
        ("2*log(x)", "log(x^2)", "correct"),
        ("sin(x)^2 + cos(x)^2", "1", "correct"),
        ("x", "x + 10^(-40)", "incorrect"),
        ("x*y", "yx", "correct"),
        ("pi*r^2", "πr²", "correct"),
        ("e^x", "exp(x)", "correct"),
        ("1/(x-1)", "1/(x-1) + 0", "correct"),
    ],
)
def test_expression_equivalence(answer: str, response: str, status: str) -> None:
    step = Step(id="e", type="expression", prompt="p", answer=answer, variables=("x", "y", "r"))
    assert _status(step, response) == status


@pytest.mark.parametrize(
    ("response", "status"),
    [
        ("denominator", "correct"),
        ("  Denominator ", "correct"),
        ("DENOMINATOR", "correct"),
        ("the   denominator", "correct"),
        ("ｄｅｎｏｍｉｎａｔｏｒ", "correct"),
        ("deno\u200bminator", "correct"),
        ("numerator", "incorrect"),
        ("   ", "invalid"),
    ],
)
def test_short_text(basics: Pack, response: str, status: str) -> None:
    assert _status(basics.item("frac-word").main, response) == status


def test_short_text_case_sensitive() -> None:
    step = Step(id="t", type="short_text", prompt="p", answer="NaCl", case_sensitive=True)
    assert _status(step, "NaCl") == "correct"
    assert _status(step, "nacl") == "incorrect"


def test_multi_step_parts_are_steps_checked_the_same_way(basics: Pack) -> None:
    item = basics.item("frac-steps")
    assert _status(item.find_step("common"), "6") == "correct"
    assert _status(item.find_step("sum"), "3/6") == "correct"
    assert _status(item.find_step("multiples"), "yes") == "correct"
    with pytest.raises(AuthoringError):
        check_response(item.main, "6")


def test_feedback_is_never_given_for_a_correct_or_invalid_response() -> None:
    step = Step(
        id="n",
        type="numeric",
        prompt="p",
        answer=2,
        feedback=(WrongAnswerFeedback("3", "Off by one."), WrongAnswerFeedback("junk", "never")),
    )
    assert check_response(step, "2").feedback is None
    assert check_response(step, "x").feedback is None
    assert check_response(step, "3").feedback == "Off by one."
    assert check_response(step, "4").feedback is None


@pytest.mark.parametrize(
    ("answer", "response", "status"),
    [
        ("(x+1)^100", "(x+1)^100 + 1", "incorrect"),
        ("(x+1)^100 - x^100", "(x+1)^99*(x+1) - x^100", "correct"),
        ("x^2 - 1", "(x - 1)(x + 1) + 10^(-30)", "incorrect"),
        ("1/(x-1) - 1/(x+1)", "2/(x^2 - 1)", "correct"),
        ("(x^100)^100", "x^10000", "invalid"),
        ("3/4", "0.75", "correct"),
        ("3/4", "0.75000000001", "incorrect"),
    ],
)
def test_expression_equivalence_is_exact_for_rational_functions(
    answer: str, response: str, status: str
) -> None:
    step = Step(id="e", type="expression", prompt="p", answer=answer, variables=("x",))
    assert _status(step, response) == status
