"""The answer box of a question: which phone keyboard it asks for, how long an answer it takes, and the
learner's previous answer shown again. One place for the practice page and the placement page, so a learner
meets the same box in both."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from learnpath.content.limits import MAX_MATH_RESPONSE_CHARS, MAX_TEXT_RESPONSE_CHARS
from learnpath.content.model import Item, Step
from learnpath.content.numeric import UnreadableNumber, number_value
from learnpath.web.learning import selectors
from learnpath.web.learning.course_model import CourseModel

# A minus sign before a number or a bracket, or the word: the question may have a negative answer.
_NEGATIVES = re.compile(r"[-\u2212]\s*[\d(]|negative|minus", re.IGNORECASE)
# A fraction in the question: the learner may need "/".
_FRACTIONS = re.compile(r"\d\s*/\s*\d|\\frac|\\dfrac|fraction", re.IGNORECASE)
TEMPLATE_SAMPLES = 8
"""Variants of a template item read to decide its skill's keyboard (``skill_keyboard``)."""
_SKILL_KEYBOARDS: dict[tuple[str, str, str], str] = {}


def answer_keyboard(step: Step) -> str:
    """The keyboard one numeric answer can be typed on: ``numeric`` (digits) for a whole number of zero
    or more, ``decimal`` (digits and a point) for another number of zero or more, ``""`` (the full
    keyboard) for a fraction, a negative number, a unit or anything unreadable."""
    if step.unit_required or "/" in str(step.answer):
        return ""
    try:
        value = number_value(step.answer)
    except UnreadableNumber:
        return ""
    if value < 0:
        return ""
    whole = value.denominator == 1 and not step.tolerance and not step.relative_tolerance
    return "numeric" if whole else "decimal"


def _numeric_steps(item: Item) -> list[Step]:
    steps = [item.main, *item.steps, *(s for step in item.steps for s in step.scaffolds)]
    return [step for step in steps if step.type == "numeric"]


def skill_keyboard(model: CourseModel, skill_id: str) -> str:
    """The keyboard for every numeric answer of a skill: the widest any of its items needs (template
    items through ``TEMPLATE_SAMPLES`` variants). Decided per skill, not per question, so that the
    keyboard never gives one question's answer away (a whole number, its sign, a fraction)."""
    key = (model.course_id, model.checksum, skill_id)
    found = _SKILL_KEYBOARDS.get(key)
    if found is None:
        kinds = set()
        for item_id in model.skill_items.get(skill_id, ()):
            seeds = range(TEMPLATE_SAMPLES) if model.items[item_id].is_template else (0,)
            for seed in seeds:
                try:
                    shown = selectors.variant(model, item_id, seed)
                except ValueError:
                    kinds.add("")
                    continue
                kinds.update(answer_keyboard(step) for step in _numeric_steps(shown))
        found = "" if "" in kinds else "decimal" if "decimal" in kinds else "numeric"
        _SKILL_KEYBOARDS[key] = found
    return found


def keyboard(step: Step, question: str, widest: str) -> str:
    """The ``inputmode`` of an answer box: ``widest``, the keyboard of the item's skills
    (``item_keyboard``), for a numeric answer; the full keyboard for text, for an answer with a unit,
    and when the question itself shows a minus sign or a fraction (phone number pads have no "-" or
    "/")."""
    if step.type != "numeric" or step.unit_required:
        return ""
    if _NEGATIVES.search(question) or _FRACTIONS.search(question):
        return ""
    return widest


def answer_form(
    step: Step,
    question: str,
    kept: tuple[str, Sequence[str]] | None,
    widest: str,
    step_id: str | None = None,
) -> dict[str, Any]:
    """What the answer form of ``step`` needs beyond the step: its keyboard, its limit (the checker's),
    and the learner's previous response to show again (``kept``: step id and response; the main part's
    step id is ``MAIN_PART``, given as ``step_id``)."""
    step_id = step.id if step_id is None else step_id
    values = list(kept[1]) if kept is not None and kept[0] == step_id else []
    return {
        "inputmode": keyboard(step, question, widest),
        "maxlength": MAX_TEXT_RESPONSE_CHARS if step.type == "short_text" else MAX_MATH_RESPONSE_CHARS,
        "kept": values,
        "kept_text": values[0] if values else "",
    }


def item_keyboard(model: CourseModel, item: Item) -> str:
    """The keyboard of an item's numeric answers: the widest of its skills' keyboards."""
    keyboards = {skill_keyboard(model, skill) for skill in item.skills}
    return "" if "" in keyboards else "decimal" if "decimal" in keyboards else "numeric"
