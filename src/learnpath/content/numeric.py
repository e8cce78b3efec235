"""Reading numbers the way people write them, exactly (as ``fractions.Fraction``).

Accepted: integers, decimals (``.5``, ``5.``), fractions ``3/4``, mixed numbers ``1 1/2`` (the sign
covers the whole number: ``-1 1/2`` is -3/2), thousands separators (``1,234,567`` or ``1 234 567``),
scientific notation (``1.5e3``, ``1.5 × 10^3``, ``1.5·10³``), the Unicode minus and dashes, vulgar
fractions (``½``), full-width digits. A comma followed by other than three digits is refused with a
hint, because ``3,5`` means 3.5 to many learners and 35 to a parser.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from learnpath.content.limits import MAX_NUMBER_DIGITS, MAX_SCIENTIFIC_EXPONENT
from learnpath.content.text import strip_invisible
from learnpath.engine.wording import _

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_SUPERSCRIPT_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻]+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_TIMES = re.compile(r"[×✕⋅·∙*]")

_UNSIGNED = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d{1,3}(?: \d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)"
_EXPONENT = r"(?:[eE](?P<e1>[+-]?\d+)|\s*[xX*]\s*10\s*\^\s*\(?(?P<e2>[+-]?\d+)\)?)"
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)\s*(?:"
    r"(?P<whole>\d+)\s+(?P<mnum>\d+)\s*/\s*(?P<mden>\d+)"
    r"|(?P<num>\d+)\s*/\s*(?P<den>\d+)"
    rf"|(?P<dec>{_UNSIGNED}){_EXPONENT}?"
    r")"
)


class UnreadableNumber(ValueError):
    """The text is not a number; the message says what to write instead."""


@dataclass(frozen=True)
class NumberReading:
    """A number read from text: its exact value and the unit written after (or before) it."""

    value: Fraction
    unit: str = ""


def prepare_math_text(text: str) -> str:
    """Shared clean-up for numbers and expressions: superscripts, NFKC, minus signs, times signs."""
    text = strip_invisible(text)
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^(" + m.group().translate(_SUPERSCRIPTS) + ")", text)
    text = unicodedata.normalize("NFKC", text).replace("\u2044", "/")
    text = _DASHES.sub("-", text)
    return text


def read_number(text: str, *, unit: str = "") -> NumberReading:
    """Read ``text`` as a number with an optional unit; raise ``UnreadableNumber`` if it is not one.

    ``unit`` is the unit the question expects; it may also be written before the number (``$12``).
    """
    text = prepare_math_text(text).strip()
    text = _TIMES.sub("*", text)
    if unit:
        wanted = normalize_unit(unit)
        if wanted and normalize_unit(text[: len(unit)]) == wanted and len(text) > len(unit):
            rest = text[len(unit) :].lstrip()
            if rest[:1].isdigit() or rest[:1] in "+-.":
                text = rest + " " + unit
    match = _NUMBER.match(text)
    if match is None or match.end() == 0:
        raise UnreadableNumber(_("Write a number, such as 12, -3.5, 3/4 or 1 1/2."))
    rest = text[match.end() :].strip()
    if rest.startswith(",") or re.match(r"^\d", rest):
        raise UnreadableNumber(_("Write decimals with a point (3.5) and thousands as 1,234 or 1 234."))
    digits = sum(ch.isdigit() for ch in match.group())
    if digits > MAX_NUMBER_DIGITS:
        raise UnreadableNumber(
            _("That number is too long; use at most {limit} digits.").format(limit=MAX_NUMBER_DIGITS)
        )
    value = _value(match)
    if match.group("sign") == "-":
        value = -value
    return NumberReading(value, rest)


def _value(match: re.Match[str]) -> Fraction:
    if match.group("whole") is not None:
        denominator = int(match.group("mden"))
        if denominator == 0:
            raise UnreadableNumber(_("A fraction cannot have 0 at the bottom."))
        return int(match.group("whole")) + Fraction(int(match.group("mnum")), denominator)
    if match.group("num") is not None:
        denominator = int(match.group("den"))
        if denominator == 0:
            raise UnreadableNumber(_("A fraction cannot have 0 at the bottom."))
        return Fraction(int(match.group("num")), denominator)
    decimal = match.group("dec").replace(",", "").replace(" ", "")
    if decimal.endswith("."):
        decimal = decimal[:-1]
    value = Fraction(decimal)
    exponent_text = match.group("e1") or match.group("e2")
    if exponent_text is not None:
        exponent = int(exponent_text)
        if abs(exponent) > MAX_SCIENTIFIC_EXPONENT:
            raise UnreadableNumber(
                _("That power of ten is out of range (at most {limit}).").format(
                    limit=MAX_SCIENTIFIC_EXPONENT
                )
            )
        value *= Fraction(10) ** exponent
    return value


def normalize_unit(unit: str) -> str:
    """Compare units without spaces or ``^`` and with superscripts as digits: ``cm²`` = ``cm^2``."""
    unit = prepare_math_text(unit)
    return re.sub(r"[\s^()]", "", unit)


def number_value(value: object) -> Fraction:
    """An author's number (int, float or numeric text) as an exact fraction.

    Floats are taken at their shortest decimal form (``0.1`` is exactly 1/10), which is what the author
    typed. Raises ``UnreadableNumber`` for anything else, including NaN and infinities.
    """
    if isinstance(value, bool):
        raise UnreadableNumber("expected a number, got true/false")  # English: for authors (a pack's values)
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise UnreadableNumber("the number must be finite")  # English: for authors
        return Fraction(repr(value))
    if isinstance(value, str):
        reading = read_number(value)
        if reading.unit:
            raise UnreadableNumber(f"{value!r} is not a plain number")  # English: for authors
        return reading.value
    raise UnreadableNumber(f"expected a number, got {type(value).__name__}")  # English: for authors


def format_fraction(value: Fraction) -> str:
    """``7``, ``-3/4``: the one exact text form of a number used in normalised answers."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"
