"""OATutor answers as learnpath answer fields: what an ``arithmetic`` or ``string`` answer becomes.

- ``TextBox`` + ``arithmetic`` -> ``numeric`` for a plain integer, decimal or scientific number (°, % and
  $ kept as the unit, ``a ± b`` as a tolerance), else ``expression`` (fractions, roots, pi and letters
  stay exact) with the letters it uses as variables. ``name = expression`` asks for the right-hand side;
  an answer in words ("No solution") is ``short_text``; anything the checker cannot read is refused
  with ``Unconvertible`` and the checker's reason.
- ``TextBox`` + ``string`` -> ``short_text``; the answer without spaces is accepted too.

A few rewrites keep OATutor's meaning in the checker's dialect: ``\\log_{b}(x)`` -> ``log(x, b)``,
``\\log(x)`` -> ``log(x, 10)`` (OATutor's log is the common logarithm, the checker's the natural one),
``sin^2(x)`` -> ``(sin(x))^2``, ``\\theta`` -> ``theta``, ``v_{0}`` -> ``v_0``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from learnpath.content.importers.oatutor_text import strip_math
from learnpath.content.mathexpr import CONSTANTS, FUNCTIONS, UnreadableExpression, parse_expression

_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")
_THOUSANDS_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"[A-Za-z]+")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\{[^{}]*\}")
_RELATION = re.compile(r"[=<>≤≥≠]|\\(?:leq?|geq?|lt|gt|neq?)(?![A-Za-z])")
_VOWEL = re.compile(r"[aeiouAEIOU]")
_SHORT_WORDS = frozenset(
    {"no", "yes", "or", "and", "not", "to", "of", "is", "all", "any", "none", "na", "dne"}
)
_UNKNOWN_CALL = re.compile(r"(?<![A-Za-z])([A-Za-z]{2,})\s*\(")
_NAME_WORD = re.compile(r"[A-Za-z]+(?:_[A-Za-z0-9]+)?|(?<![A-Za-z0-9])_[A-Za-z0-9]+")
_GREEK = frozenset(
    {"alpha", "beta", "gamma", "delta", "theta", "lambda", "mu", "rho", "sigma", "phi", "omega"}
)
_GREEK_COMMAND = re.compile(r"\\(" + "|".join(sorted(_GREEK)) + r")(?![A-Za-z])")
_BRACED_SUBSCRIPT = re.compile(r"([A-Za-z])_\{([A-Za-z0-9]+)\}")
_EQUATION_NAME = re.compile(
    r"[A-Za-z]{1,2}(?:_\{?[A-Za-z0-9]\}?)?(?:\s*(?:\(|\\left\()\s*[A-Za-z]\s*(?:\)|\\right\)))?"
)
_UNITS = (
    (re.compile(r"(.+?)\s*(?:(?:\^|\*\*)\s*\{?\s*\\circ\s*\}?|\\degree|°)"), "°"),
    (re.compile(r"(.+?)\s*\\?%"), "%"),
    (re.compile(r"\\?\$\s*(.+)"), "$"),
)
# log with a base (log_{b}, log_b) and, in OATutor as in school algebra, log without one: base 10.
_LOG_BASE = re.compile(r"(?<![A-Za-z])\\?log(?:_(?:\{([^{}]+)\}|([0-9A-Za-z]))|(?![A-Za-z_]))")
_FUNCTION_POWER = re.compile(r"(?<![A-Za-z])\\?(sin|cos|tan)\s*\^\s*\{?\s*(\d)\s*\}?")
_PLUS_MINUS = re.compile(r"(.+?)\s*(?:±|\\pm)\s*(.+)")
_TOKEN_ARGUMENT = re.compile(r"\\?[A-Za-z]+|\d+(?:\.\d+)?")
# Letters that are never variables in OATutor answers: e is Euler's number, as in OATutor's own checker.
_NOT_VARIABLES = frozenset({"e"})


class Unconvertible(ValueError):
    """A step or scaffold learnpath cannot represent or check; the message is the reason."""

    def __init__(self, reason: str, category: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.category = category


def answers_of(document: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = document.get(key)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value:
        raise Unconvertible(f"{where} has no answer", "no-answer")
    answers = [str(v) for v in value if isinstance(v, str | int | float) and not isinstance(v, bool)]
    if not answers or not strip_math(answers[0]):
        raise Unconvertible(f"{where} has no answer", "no-answer")
    return answers


@dataclass(frozen=True)
class Answer:
    """A step's answer fields, the response that must grade correct, and a line for the prompt when
    the answer's form has to be explained (``y = ...`` answers ask only for the right-hand side)."""

    fields: dict[str, Any]
    response: str
    prompt_note: str = ""


def arithmetic_fields(raw: str, where: str) -> Answer:
    """``numeric`` for a plain number (with a unit for °, % and $), ``expression`` for anything else
    the checker can read; ``name = expression`` answers ask for the right-hand side. An answer in words
    ("No solution") is ``short_text``, as OATutor falls back to comparing text."""
    text = strip_math(raw)
    if _reads_as_words(text):
        if "\\" in text:
            reason = (
                f"{where}: answer {raw!r} mixes words and LaTeX, which learnpath can check neither as text "
                "nor as maths"
            )
            raise Unconvertible(reason, "unreadable-answer")
        return text_fields([raw])
    unknown = _UNKNOWN_CALL.search(_LATEX_COMMAND.sub(" ", text))
    if unknown and unknown.group(1) not in FUNCTIONS and unknown.group(1) not in _GREEK:
        reason = (
            f"{where}: answer {raw!r} uses the function {unknown.group(1)!r}, which learnpath's expression "
            "checker does not know"
        )
        raise Unconvertible(reason, "unreadable-answer")
    lead = ""
    if _RELATION.search(text):
        lead, text = _equation_sides(text, raw, where)
    note = f"Answer with the right-hand side only: ${lead} = \\dots$" if lead else ""
    number = _plain_number(text)
    if number is not None:
        return Answer({"type": "numeric", "answer": number}, text, note)
    tolerance = _PLUS_MINUS.fullmatch(text)
    if tolerance and _plain_number(tolerance.group(1)) is not None and _plain_number(tolerance.group(2)):
        within = {"type": "numeric", "answer": _plain_number(tolerance.group(1))}
        within["tolerance"] = _plain_number(tolerance.group(2))
        return Answer(within, tolerance.group(1), note)
    for pattern, unit in _UNITS:
        match = pattern.fullmatch(text)
        number = _plain_number(match.group(1)) if match else None
        if match and number is not None:
            return Answer({"type": "numeric", "answer": number, "unit": unit}, match.group(1), note)
    text = _plain_names(_function_powers(_log_bases(text))).strip()
    variables = guess_variables(text)
    try:
        parse_expression(text, variables)
    except UnreadableExpression as error:
        reason = f"{where}: answer {raw!r} is not a number or expression learnpath can check ({error})"
        raise Unconvertible(reason, "unreadable-answer") from None
    fields: dict[str, Any] = {"type": "expression", "answer": text}
    if variables:
        fields["variables"] = list(variables)
    return Answer(fields, text, note)


def _reads_as_words(text: str) -> bool:
    """Whether an arithmetic answer is really words: a run of four or more letters with a vowel that is
    no function, constant or Greek letter (``solution``, ``degrees``), or a short English word (``no``)."""
    for word in _WORD.findall(_LATEX_COMMAND.sub(" ", _ENVIRONMENT.sub(" ", text))):
        known = word in FUNCTIONS or word in CONSTANTS or word in _GREEK
        if word.lower() in _SHORT_WORDS or (not known and len(word) >= 4 and _VOWEL.search(word)):
            return True
    return False


def _plain_number(text: str) -> int | float | None:
    """An integer or a decimal that a float holds exactly as written, else None."""
    text = text.strip()
    if not (_PLAIN_NUMBER.fullmatch(text) or _THOUSANDS_NUMBER.fullmatch(text)):
        return None
    plain = text.replace(",", "")
    if plain.lstrip("+-").isdigit():
        return int(plain)
    value = float(plain)
    if Fraction(repr(value)) != Fraction(plain):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _equation_sides(text: str, raw: str, where: str) -> tuple[str, str]:
    """Split ``y = 2x + 1`` (or ``f(x) = ...``) into its name and right-hand side; refuse other
    equations and inequalities, which learnpath's expression checker does not compare."""
    left, _, right = text.partition("=")
    if _RELATION.search(right) or _RELATION.search(left) or not _EQUATION_NAME.fullmatch(left.strip()):
        reason = (
            f"{where}: answer {raw!r} is an equation or inequality; learnpath checks expressions, and "
            "only answers of the form 'name = expression' are converted"
        )
        raise Unconvertible(reason, "equation-answer")
    return left.strip(), right.strip()


def _rewrite_calls(
    text: str, pattern: re.Pattern[str], render: Callable[[re.Match[str], str], str | None]
) -> str:
    """Replace each match of ``pattern`` and the argument after it by ``render(match, argument)``
    (kept as written where the argument cannot be found or ``render`` gives None)."""
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() < position:
            continue
        argument, end = _latex_argument(text, match.end())
        replacement = render(match, argument) if argument is not None else None
        if replacement is None:
            continue
        out.append(text[position : match.start()])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


def _log_bases(text: str) -> str:
    """``\\log_{b}(x)`` / ``\\log_b x`` as ``log(x, b)``, the checker's two-argument logarithm, and
    ``\\log(x)`` as ``log(x, 10)``: OATutor's log is the common logarithm, the checker's the natural one."""

    def render(match: re.Match[str], argument: str) -> str | None:
        base = match.group(1) or match.group(2)
        if base is None and "," in argument:  # log(x, b) is already written out
            return None
        return f"log({argument}, {base or 10})"

    return _rewrite_calls(text, _LOG_BASE, render)


def _function_powers(text: str) -> str:
    """``sin^2(x)`` (and ``\\cos^{2}\\left(x\\right)``) as ``(sin(x))^2``, the form the checker reads."""
    return _rewrite_calls(
        text, _FUNCTION_POWER, lambda match, argument: f"({match.group(1)}({argument}))^{match.group(2)}"
    )


def _latex_argument(text: str, start: int) -> tuple[str | None, int]:
    """The argument starting at ``start``: ``\\left(..\\right)``, ``(..)``, ``{..}`` or one token."""
    position = start
    while position < len(text) and text[position] == " ":
        position += 1
    pairs = (("\\left(", "\\right)"), ("(", ")"), ("{", "}"))
    for opening, closing in pairs:
        if text.startswith(opening, position):
            depth = 0
            index = position
            while index < len(text):
                if text.startswith(opening, index):
                    depth += 1
                    index += len(opening)
                elif text.startswith(closing, index):
                    depth -= 1
                    index += len(closing)
                    if depth == 0:
                        return text[position + len(opening) : index - len(closing)], index
                else:
                    index += 1
            return None, start
    match = _TOKEN_ARGUMENT.match(text, position)
    return (match.group(), match.end()) if match else (None, start)


def guess_variables(text: str) -> tuple[str, ...]:
    """The names an answer uses as variables: every letter outside LaTeX commands, function names,
    ``pi`` and ``e``, as in OATutor (``xy`` is x times y); Greek letters and subscripted names
    (``theta``, ``v_0``) are one variable each. Expects ``_plain_names`` to have run."""
    rest = _LATEX_COMMAND.sub(" ", text)
    names: set[str] = set()
    for word in _NAME_WORD.findall(rest):
        if word in FUNCTIONS or word in CONSTANTS:
            continue
        if word in _GREEK or "_" in word:
            names.add(word)
        else:
            names.update(char for char in word if char not in _NOT_VARIABLES)
    return tuple(sorted(names))


def _plain_names(text: str) -> str:
    """``\\theta`` as ``theta`` and ``v_{0}`` as ``v_0``: names the checker reads as one variable."""
    text = _GREEK_COMMAND.sub(lambda match: f" {match.group(1)}", text)
    return _BRACED_SUBSCRIPT.sub(r"\1_\2", text)


def text_fields(answers: Sequence[str]) -> Answer:
    answer = strip_math(answers[0])
    alternatives: list[str] = []
    for candidate in [*(strip_math(a) for a in answers[1:]), *(re.sub(r"\s+", "", a) for a in answers)]:
        candidate = strip_math(candidate)
        if candidate and candidate != answer and candidate not in alternatives:
            alternatives.append(candidate)
    fields: dict[str, Any] = {"type": "short_text", "answer": answer}
    if alternatives:
        fields["alternatives"] = alternatives
    return Answer(fields, answer)
