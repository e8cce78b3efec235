"""Free-text answers: case, surrounding spaces and trailing punctuation do not make a right answer wrong.

A learner who writes "Carrying!" or "carrying." means "carrying". Numbers are read by their own reader,
whose meaning does not change here.
"""

from __future__ import annotations

import pytest

from learnpath.content.checking import check_response
from learnpath.content.model import Step, WrongAnswerFeedback

CARRYING = Step(id="t", type="short_text", prompt="p", answer="carrying")


@pytest.mark.parametrize(
    "response",
    [
        "carrying",
        "carrying.",
        "Carrying!",
        "  CARRYING  ",
        "carrying?",
        "carrying;",
        "carrying:",
        "carrying,",
        "carrying...",
        "carrying?!",
        "carrying .",
        "carrying. !",
        " Carrying. ",
        "carrying\uff0e",
    ],
)
def test_trailing_punctuation_case_and_spaces_do_not_matter(response: str) -> None:
    verdict = check_response(CARRYING, response)
    assert verdict.status == "correct", response
    assert verdict.normalized == "carrying"


@pytest.mark.parametrize("response", ["carry", "carrying-over", "not carrying", ".carrying x", "carryings"])
def test_other_words_are_still_wrong(response: str) -> None:
    assert check_response(CARRYING, response).status == "incorrect"


def test_punctuation_inside_the_answer_still_counts() -> None:
    step = Step(id="t", type="short_text", prompt="p", answer="e.g. 3, 4")
    assert check_response(step, "E.g. 3, 4.").status == "correct"
    assert check_response(step, "eg 3 4").status == "incorrect"


def test_an_authored_answer_with_a_trailing_full_stop_accepts_the_bare_word() -> None:
    step = Step(id="t", type="short_text", prompt="p", answer="Regrouping.", alternatives=("Carrying!",))
    assert check_response(step, "regrouping").status == "correct"
    assert check_response(step, "carrying").status == "correct"


def test_case_sensitive_answers_still_ignore_trailing_punctuation_but_not_case() -> None:
    step = Step(id="t", type="short_text", prompt="p", answer="NaCl", case_sensitive=True)
    assert check_response(step, "NaCl.").status == "correct"
    assert check_response(step, "nacl.").status == "incorrect"


def test_an_answer_of_punctuation_alone_is_not_emptied() -> None:
    step = Step(id="t", type="short_text", prompt="p", answer="?")
    assert check_response(step, "?").status == "correct"
    assert check_response(step, "!").status == "incorrect"


def test_authored_feedback_matches_through_the_same_normalisation() -> None:
    step = Step(
        id="t",
        type="short_text",
        prompt="p",
        answer="carrying",
        feedback=(WrongAnswerFeedback(answer="borrowing", message="That is for taking away."),),
    )
    verdict = check_response(step, "Borrowing!")
    assert verdict.status == "incorrect"
    assert verdict.feedback == "That is for taking away."


@pytest.mark.parametrize(
    ("answer", "response", "status"),
    [
        ("3", "3", "correct"),
        ("3", "3.", "correct"),  # unchanged: the number reader already reads "3." as 3
        ("0.5", "1/2", "correct"),
        ("0.5", "0.5!", "invalid"),  # unchanged: a number with stray marks is unreadable, not right
        ("4", "5", "incorrect"),
    ],
)
def test_numeric_grading_is_unchanged(answer: str, response: str, status: str) -> None:
    step = Step(id="n", type="numeric", prompt="p", answer=answer)
    assert check_response(step, response).status == status
