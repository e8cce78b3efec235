"""One OATutor step (or scaffold) as a learnpath step document, with its hints and scaffolds.

- ``MultipleChoice`` -> ``single_choice``; choices get ids a, b, c... in a fixed order (OATutor shuffles
  choices when it shows them, so its files list the right answer first about half the time; the
  converter shuffles once, seeded by the step id, keeping "none/all of the above" last, unless the
  lesson says ``keepMCOrder``). Text answers: ``oatutor_answers``.
- The default pathway gives the hints (in order) and the scaffolds; a scaffold's ``subHints`` become its
  hints, and a scaffold nested in a scaffold is written out as a worked hint (learnpath's do not nest).

Every converted answer is graded with ``check_response`` against the answer as written. A step that fails
raises ``Unconvertible`` with the reason, so no broken step is ever imported; a scaffold that fails is
written out as a worked hint instead, and the change is noted.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from learnpath.content.build import build_step
from learnpath.content.checking import AuthoringError, check_response
from learnpath.content.importers.oatutor_answers import (
    Answer,
    Unconvertible,
    answers_of,
    arithmetic_fields,
    text_fields,
)
from learnpath.content.importers.oatutor_text import images_in, to_markdown
from learnpath.content.importers.slugs import slug_base

__all__ = [
    "StepContext",
    "Unconvertible",
    "convert_step",
    "joined",
    "local_id",
    "markdown",
    "text_of",
    "titled",
]

_LAST_CHOICE = re.compile(r"\b(?:none|all|both|neither)\s+of\s+(?:the\s+)?(?:above|these)\b", re.IGNORECASE)


@dataclass
class StepContext:
    """What converting one problem's steps needs from outside: images, choice order, notes."""

    image: Callable[[str], str | None]
    keep_choice_order: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)
    hints: int = 0
    scaffolds: int = 0

    def note(self, message: str, category: str) -> None:
        self.notes.append((message, category))


def text_of(document: Mapping[str, Any], key: str) -> str:
    value = document.get(key, "")
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise Unconvertible(f"'{key}' is not text", "malformed")
    return value


def markdown(text: str, context: StepContext, where: str) -> str:
    """``to_markdown`` that refuses a text whose images the pool does not have."""
    missing = [name for name in images_in(text) if context.image(name) is None]
    if missing:
        raise Unconvertible(
            f"{where} references image {missing[0]}, which the pool does not include", "missing-image"
        )
    return to_markdown(text, lambda name: context.image(name) or "")


def joined(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def answer_fields(
    document: Mapping[str, Any], answer_key: str, step_id: str, where: str, context: StepContext
) -> Answer:
    """The answer fields of a step document and the response that must grade correct."""
    problem_type = text_of(document, "problemType")
    answer_type = text_of(document, "answerType")
    answers = answers_of(document, answer_key, where)
    if problem_type == "MultipleChoice":
        return _choice_fields(document, answers[0], step_id, where, context)
    if problem_type not in ("TextBox", ""):
        raise Unconvertible(f"{where} has problemType {problem_type!r}, which has no learnpath type", "type")
    if answer_type == "arithmetic":
        return arithmetic_fields(answers[0], where)
    if answer_type in ("string", "short-essay", ""):
        return text_fields(answers)
    raise Unconvertible(f"{where} has answerType {answer_type!r}, which has no learnpath type", "type")


def _choice_fields(
    document: Mapping[str, Any], answer: str, step_id: str, where: str, context: StepContext
) -> Answer:
    raw_choices = document.get("choices")
    if not isinstance(raw_choices, list):
        raise Unconvertible(f"{where} is multiple choice but has no choices", "choices")
    texts: list[str] = []
    for choice in raw_choices:
        usable = (
            isinstance(choice, str | int | float) and not isinstance(choice, bool) and str(choice).strip()
        )
        if usable and str(choice) not in texts:
            texts.append(str(choice))
    if len(texts) < 2:
        raise Unconvertible(f"{where} is multiple choice with {len(texts)} distinct choice(s)", "choices")
    correct = _matching_choice(texts, answer)
    if correct is None:
        raise Unconvertible(f"{where}: answer {answer!r} is not among its choices", "answer-not-in-choices")
    if not context.keep_choice_order:
        texts = _fixed_shuffle(texts, step_id)
    choices = []
    answer_id = ""
    for index, text in enumerate(texts):
        choice_id = _choice_id(index)
        rendered = markdown(text, context, f"{where}, choice {choice_id},")
        if not rendered:
            raise Unconvertible(f"{where}: choice {text!r} is empty once converted", "choices")
        choices.append({"id": choice_id, "text": rendered})
        if text == correct:
            answer_id = choice_id
    return Answer({"type": "single_choice", "choices": choices, "answer": answer_id}, answer_id)


def _matching_choice(texts: Sequence[str], answer: str) -> str | None:
    if answer in texts:
        return answer
    squeezed = re.sub(r"\s+", "", answer)
    matches = [text for text in texts if re.sub(r"\s+", "", text) == squeezed]
    return matches[0] if len(matches) == 1 else None


def _fixed_shuffle(texts: list[str], seed_text: str) -> list[str]:
    seed = int.from_bytes(hashlib.sha256(seed_text.encode("utf-8")).digest()[:8], "big")
    movable = [text for text in texts if not _LAST_CHOICE.search(text)]
    last = [text for text in texts if _LAST_CHOICE.search(text)]
    random.Random(seed).shuffle(movable)
    return movable + last


def _choice_id(index: int) -> str:
    return chr(ord("a") + index) if index < 26 else f"c{index + 1}"


def verify(document: Mapping[str, Any], response: str, where: str) -> None:
    """Grade the step's own answer with learnpath's checker; refuse the step unless it is correct."""
    step = build_step(document)
    try:
        verdict = check_response(step, response)
    except AuthoringError as error:
        raise Unconvertible(f"{where}: learnpath cannot check its answer ({error})", "self-check") from None
    if not verdict.correct:
        detail = f": {verdict.message}" if verdict.status == "invalid" else ""
        reason = f"{where}: its own answer {response!r} is graded {verdict.status} by the {step.type} checker"
        raise Unconvertible(reason + detail, "self-check")


def local_id(full_id: str, parent_id: str, fallback: str) -> str:
    """A short slug for a step or hint id, from what follows its parent's id (``a`` of ``P1a``)."""
    rest = full_id[len(parent_id) :] if full_id.startswith(parent_id) else full_id
    base = slug_base(rest.lstrip("-_"), fallback="")
    return base if base and len(base) <= 20 else fallback


def titled(title: str, text: str) -> str:
    """A hint's title (bold) and text, as OATutor shows them; the title alone if there is no text."""
    if title and text and title.strip() != text.strip():
        return f"**{title.strip()}**\n\n{text}"
    return text or title


def convert_step(
    raw: Mapping[str, Any],
    pathway: Sequence[Any],
    step_slug: str,
    where: str,
    context: StepContext,
) -> dict[str, Any]:
    """A learnpath step document (hints and scaffolds included) from an OATutor step and its pathway."""
    step_id = text_of(raw, "id") or step_slug
    prompt = joined(
        markdown(text_of(raw, "stepTitle"), context, where),
        markdown(text_of(raw, "stepBody"), context, where),
    )
    answer = answer_fields(raw, "stepAnswer", step_id, where, context)
    prompt = joined(prompt, answer.prompt_note)
    document: dict[str, Any] = {"id": step_slug, "prompt": prompt, **answer.fields}
    verify({**document, "prompt": prompt or "?"}, answer.response, where)
    hints, scaffolds = _pathway(pathway, step_id, step_slug, where, context)
    if hints:
        document["hints"] = hints
    if scaffolds:
        document["scaffolds"] = scaffolds
    return document


def _pathway(
    entries: Sequence[Any], step_id: str, step_slug: str, where: str, context: StepContext
) -> tuple[list[str], list[dict[str, Any]]]:
    """Hints in pathway order, and scaffolds in pathway order (learnpath keeps the two lists apart)."""
    hints: list[str] = []
    scaffolds: list[dict[str, Any]] = []
    used: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            context.note(f"{where}: pathway entry {position} is not an object; left out", "malformed-hint")
            continue
        entry_id = text_of(entry, "id") or f"{step_id}-h{position}"
        label = f"{where}, hint {entry_id}"
        if entry.get("type") == "scaffold":
            scaffold = _scaffold(entry, step_id, step_slug, position, used, label, context)
            if isinstance(scaffold, dict):
                scaffolds.append(scaffold)
                context.scaffolds += 1
            elif scaffold:
                hints.append(scaffold)
                context.hints += 1
        else:
            text = _hint_text(entry, label, context)
            if text:
                hints.append(text)
                context.hints += 1
            sub_hints = _sub_hints(entry, label, context)
            hints.extend(sub_hints)
            context.hints += len(sub_hints)
    return hints, scaffolds


def _hint_text(entry: Mapping[str, Any], label: str, context: StepContext) -> str:
    """A plain hint as markdown; a hint showing an image the pool lacks is left out (and noted)."""
    try:
        return titled(
            markdown(text_of(entry, "title"), context, label),
            markdown(text_of(entry, "text"), context, label),
        )
    except Unconvertible as error:
        context.note(f"{error.reason}; hint left out", error.category)
        return ""


def _worked(entry: Mapping[str, Any], label: str, context: StepContext) -> str:
    """A scaffold written out as a hint with its answer (for nested scaffolds and uncheckable ones)."""
    text = _hint_text(entry, label, context)
    if not text:
        return ""
    try:
        answers = answers_of(entry, "hintAnswer", label)
        answer = markdown(answers[0], context, label)
    except Unconvertible as error:
        context.note(f"{error.reason}; shown without its answer", error.category)
        return text
    return f"{text}\n\n*Answer:* {answer}"


def _sub_hints(entry: Mapping[str, Any], label: str, context: StepContext) -> list[str]:
    """OATutor's ``subHints`` (help inside a hint or scaffold) as hints; a nested scaffold is written
    out with its answer, because learnpath scaffolds do not nest."""
    texts: list[str] = []
    sub_entries = entry.get("subHints")
    if not isinstance(sub_entries, list):
        return texts
    for sub in sub_entries:
        if not isinstance(sub, Mapping):
            continue
        sub_label = f"{label}, sub-hint {text_of(sub, 'id')}"
        text = (
            _worked(sub, sub_label, context)
            if sub.get("type") == "scaffold"
            else _hint_text(sub, sub_label, context)
        )
        if text:
            texts.append(text)
    return texts


def _scaffold(
    entry: Mapping[str, Any],
    step_id: str,
    step_slug: str,
    position: int,
    used: set[str],
    label: str,
    context: StepContext,
) -> dict[str, Any] | str:
    """A scaffold document; or, when learnpath cannot check the scaffold's answer, the scaffold written
    out as a worked hint (noted), so nothing is lost and nothing unchecked is imported."""
    entry_id = text_of(entry, "id")
    scaffold_slug = f"{step_slug}-{local_id(entry_id, step_id, f'h{position}')}"
    if scaffold_slug in used:
        scaffold_slug = f"{step_slug}-h{position}"
    try:
        prompt = titled(
            markdown(text_of(entry, "title"), context, label),
            markdown(text_of(entry, "text"), context, label),
        )
        if not prompt:
            raise Unconvertible(f"{label}: the scaffold has no text", "empty-text")
        answer = answer_fields(entry, "hintAnswer", entry_id or scaffold_slug, label, context)
        prompt = joined(prompt, answer.prompt_note)
        document: dict[str, Any] = {"id": scaffold_slug, "prompt": prompt, **answer.fields}
        verify(document, answer.response, label)
    except Unconvertible as error:
        if error.category == "missing-image":
            context.note(f"{error.reason}; scaffold left out", error.category)
            return ""
        context.note(f"{error.reason}; scaffold shown as a worked hint", f"scaffold-{error.category}")
        return _worked(entry, label, context)
    used.add(scaffold_slug)
    hints = _sub_hints(entry, label, context)
    if hints:
        document["hints"] = hints
        context.hints += len(hints)
    return document
