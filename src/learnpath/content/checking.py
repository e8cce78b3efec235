"""Answer checking: one ``check_response`` for every item type (docs/content-packs.md, "items").

A verdict is ``correct``, ``incorrect`` or ``invalid``. Invalid means the response could not be read
(empty, too long, not a number, an unknown name, brackets that do not match); it is not a wrong
answer, and its message tells the learner what to fix. Checking never raises for anything a learner
can send and always finishes quickly: every reader below is bounded (see ``limits``).

Responses are text. A multiple-choice response is the chosen ids, either as one string separated by
commas or spaces (``"a, c"``) or as a sequence of ids (``["a", "c"]``); order and repeats do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

from learnpath.content.equivalence import equivalent
from learnpath.content.limits import MAX_MATH_RESPONSE_CHARS, MAX_TEXT_RESPONSE_CHARS
from learnpath.content.mathexpr import UnreadableExpression, parse_expression, render
from learnpath.content.model import Step
from learnpath.content.numeric import (
    UnreadableNumber,
    format_fraction,
    normalize_unit,
    number_value,
    read_number,
)
from learnpath.content.text import has_control_characters, normalize_text
from learnpath.engine.wording import _, gettext_noop

VerdictStatus = Literal["correct", "incorrect", "invalid"]
Response = str | Sequence[str]

# Kept with each answer in English and translated where they are shown (``{% translate %}``).
CORRECT_MESSAGE = gettext_noop("Correct.")
INCORRECT_MESSAGE = gettext_noop("Not quite.")
WRONG_UNIT_MESSAGE = gettext_noop("Not quite. Check the unit.")


@dataclass(frozen=True)
class Verdict:
    """The result of checking one response.

    ``message`` is short text for the learner; ``feedback`` is the authored message for this
    particular wrong answer, if any; ``normalized`` is the response in a canonical form (``3/4`` for
    ``0.75``; sorted ids for choices) so equal answers can be counted together. It is empty for
    invalid responses.
    """

    status: VerdictStatus
    message: str
    feedback: str | None = None
    normalized: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correct"


class AuthoringError(ValueError):
    """The step itself cannot be checked (its answer is unreadable): a bug in the pack, not the learner."""


def _invalid(message: str) -> Verdict:
    return Verdict("invalid", message)


def _judged(correct: bool, normalized: str) -> Verdict:
    if correct:
        return Verdict("correct", CORRECT_MESSAGE, normalized=normalized)
    return Verdict("incorrect", INCORRECT_MESSAGE, normalized=normalized)


def check_response(step: Step, response: Response) -> Verdict:
    """Check ``response`` against ``step`` (an item's ``main`` step, a step, or a scaffold).

    Wrong answers that match authored feedback (under this same checker, so ``0.5`` matches feedback
    written for ``1/2``) carry that feedback. Raises ``AuthoringError`` only for a step that cannot be
    checked at all (a multi-step item's main part, or an answer that is itself unreadable).
    """
    if step.type == "multi_step":
        raise AuthoringError(f"{step.id}: a multi_step item is checked one step at a time")
    verdict = _check_plain(step, response)
    if verdict.status != "incorrect" or not step.feedback:
        return verdict
    for entry in step.feedback:
        target = replace(step, answer=feedback_answer(step, entry.answer), feedback=())
        try:
            matches = _check_plain(target, response).correct
        except AuthoringError:
            # Feedback the checker cannot read is reported by the validator; a learner still gets a verdict.
            continue
        if matches:
            return replace(verdict, feedback=entry.message)
    return verdict


def feedback_answer(step: Step, answer: str) -> Any:
    """The authored feedback's ``answer`` in the form the step's checker expects."""
    if step.type == "multiple_choice":
        return tuple(_split_ids(answer))
    return answer


def _split_ids(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def _check_plain(step: Step, response: Response) -> Verdict:
    if step.type == "multiple_choice":
        return _check_multiple_choice(step, response)
    if not isinstance(response, str):
        if isinstance(response, Sequence) and len(response) == 1 and isinstance(response[0], str):
            response = response[0]
        else:
            return _invalid(_("Give one answer."))
    limit = (
        MAX_TEXT_RESPONSE_CHARS if step.type in ("short_text", "single_choice") else MAX_MATH_RESPONSE_CHARS
    )
    if len(response) > limit:
        return _invalid(_("That answer is too long; use at most {limit} characters.").format(limit=limit))
    if has_control_characters(response):
        return _invalid(_("The answer contains control characters; type it again."))
    if not response.strip():
        return _invalid(_("Type an answer first."))
    if step.type == "single_choice":
        return _check_single_choice(step, response)
    if step.type == "numeric":
        return _check_numeric(step, response)
    if step.type == "expression":
        return _check_expression(step, response)
    if step.type == "short_text":
        return _check_short_text(step, response)
    raise AuthoringError(f"{step.id}: unknown item type {step.type!r}")


def _choice_ids(step: Step) -> list[str]:
    return [choice.id for choice in step.choices]


def _options_hint(step: Step) -> str:
    return ", ".join(_choice_ids(step))


def _check_single_choice(step: Step, response: str) -> Verdict:
    chosen = normalize_text(response)
    if chosen not in _choice_ids(step):
        return _invalid(_("Choose one of the options: {options}.").format(options=_options_hint(step)))
    return _judged(chosen == step.answer, chosen)


def _check_multiple_choice(step: Step, response: object) -> Verdict:
    if isinstance(response, str):
        if len(response) > MAX_TEXT_RESPONSE_CHARS:
            return _invalid(_("That answer is too long."))
        parts = _split_ids(normalize_text(response))
    elif isinstance(response, Sequence):
        if len(response) > len(step.choices) * 4:
            return _invalid(_("That answer is too long."))
        if not all(isinstance(part, str) for part in response):
            return _invalid(_("Choose the options by their ids."))
        if sum(len(part) for part in response) > MAX_TEXT_RESPONSE_CHARS:
            return _invalid(_("That answer is too long."))
        parts = [normalize_text(part) for part in response if part.strip()]
    else:
        return _invalid(_("Choose the options by their ids."))
    if not parts:
        return _invalid(_("Choose at least one option."))
    unknown = [part for part in parts if part not in _choice_ids(step)]
    if unknown:
        return _invalid(
            _("{answer} is not one of the options: {options}.").format(
                answer=repr(unknown[0]), options=_options_hint(step)
            )
        )
    chosen = set(parts)
    normalized = ",".join(choice for choice in _choice_ids(step) if choice in chosen)
    answer = {step.answer} if isinstance(step.answer, str) else set(step.answer or ())
    return _judged(chosen == answer, normalized)


def _author_number(step: Step) -> Fraction:
    try:
        return number_value(step.answer)
    except UnreadableNumber as error:
        raise AuthoringError(f"{step.id}: the answer {step.answer!r} is not a number ({error})") from None


_POWER = re.compile(r"\^\(?\d+\)?")
_NOT_A_UNIT = re.compile(r"[+*=<>()\[\]{}]|[^\W\d_]\s*-|[^\W\d_]\s+\d")
"""Text after a number that is an expression, not a unit (once powers such as ``^2`` are set aside): an
operator or bracket ("x+2", "(x)"), a minus after a letter ("x-1"), or a number after a word ("x 3")."""


def _check_numeric(step: Step, response: str) -> Verdict:
    expected = _author_number(step)
    try:
        reading = read_number(response, unit=step.unit)
    except UnreadableNumber as error:
        return _invalid(str(error))
    unit = normalize_unit(reading.unit)
    if _NOT_A_UNIT.search(_POWER.sub("", reading.unit)):
        # "2x+2": a number followed by an expression is not a number with a wrong unit
        if step.unit:
            return _invalid(
                _("Write a number, such as 12, -3.5, 3/4 or 1 1/2, then its unit ({unit}).").format(
                    unit=step.unit
                )
            )
        return _invalid(_("Write a number, such as 12, -3.5, 3/4 or 1 1/2."))
    if unit and not step.unit:
        return _invalid(_("Write just the number, without units or words."))
    if step.unit and unit and unit != normalize_unit(step.unit):
        normalized = f"{format_fraction(reading.value)} {reading.unit}"
        return Verdict("incorrect", WRONG_UNIT_MESSAGE, normalized=normalized)
    if step.unit and not unit and step.unit_required:
        return _invalid(_("Give the unit too (in {unit}).").format(unit=step.unit))
    difference = abs(reading.value - expected)
    # The larger of the two tolerances applies: absolute for answers near 0, relative for the rest.
    allowed = max(_fraction(step.tolerance), _fraction(step.relative_tolerance) * abs(expected))
    normalized = format_fraction(reading.value) + (f" {step.unit}" if step.unit else "")
    return _judged(difference <= allowed, normalized)


def _fraction(value: float) -> Fraction:
    return Fraction(repr(float(value)))


def _check_expression(step: Step, response: str) -> Verdict:
    try:
        expected = parse_expression(str(step.answer), step.variables)
    except UnreadableExpression as error:
        raise AuthoringError(f"{step.id}: the answer {step.answer!r} cannot be read ({error})") from None
    try:
        given = parse_expression(response, step.variables)
    except UnreadableExpression as error:
        return _invalid(str(error))
    try:
        verdict = equivalent(given, expected)
        normalized = render(given)
    except Exception:  # the reader's bounds make this unreachable; if sympy still fails, grade, don't crash
        return _invalid(_("That expression could not be checked; try writing it more simply."))
    if verdict is None:
        return _invalid(
            _(
                "That expression could not be checked: its values are undefined or too large. "
                "Try writing it more simply."
            )
        )
    return _judged(verdict, normalized)


#: Marks a sentence may end with; "Carrying!" and "carrying." mean "carrying".
TRAILING_PUNCTUATION = ".,!?;:"


def text_answer_key(text: str, *, case_sensitive: bool = False) -> str:
    """A free-text answer as it is compared: ``normalize_text`` (case, spaces, width, invisible characters),
    then without the punctuation it ends with. An answer that is punctuation alone keeps it."""
    normalized = normalize_text(text, case_sensitive=case_sensitive)
    return normalized.rstrip(TRAILING_PUNCTUATION + " ") or normalized


def _check_short_text(step: Step, response: str) -> Verdict:
    given = text_answer_key(response, case_sensitive=step.case_sensitive)
    accepted = {
        text_answer_key(str(text), case_sensitive=step.case_sensitive)
        for text in (step.answer, *step.alternatives)
    }
    return _judged(given in accepted, given)
