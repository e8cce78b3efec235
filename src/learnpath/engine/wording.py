"""The words the engine says to people (reasons, labels, messages), in their language.

The engine does not depend on Django. Every sentence it writes for a person goes through :func:`_` (one
sentence, with ``{name}`` placeholders filled in afterwards by ``str.format``, so a translation may put them
in any order) or :func:`ngettext` (a sentence with a count). The web app installs Django's ``gettext`` and
``ngettext`` when it starts (``learning/apps.py``), so they come out in the language of the request; the
strings are collected into the web app's catalogue with the rest (``scripts/compile_messages.py``).
Without that (the command line, the simulator, the benchmarks) they are English.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

Translate = Callable[[str], str]
TranslatePlural = Callable[[str, str, int], str]


def _english(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


_translate: Translate = _english
_translate_plural: TranslatePlural = _english_plural


def install(translate: Translate, translate_plural: TranslatePlural) -> None:
    """Make every later :func:`_` and :func:`ngettext` answer in the current language of ``translate``."""
    global _translate, _translate_plural
    _translate, _translate_plural = translate, translate_plural


def _(message: str) -> str:
    """``message`` in the current language (English when no translator is installed)."""
    return _translate(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the current language."""
    return _translate_plural(singular, plural, count)


def and_list(items: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``, in the current language."""
    if len(items) <= 1:
        return "".join(items)
    return _("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it yet (translated where it is used)."""
    return message


WEEKDAYS = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
)
MONTHS = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)


def weekday_name(moment: date) -> str:
    """The day of the week of ``moment`` in the current language ("Friday")."""
    return _(WEEKDAYS[moment.weekday()])


def month_name(moment: date) -> str:
    """The month of ``moment`` in the current language ("December")."""
    return _(MONTHS[moment.month - 1])
