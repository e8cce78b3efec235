"""Normalising learner text before it is compared: one definition used by every checker."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Bidirectional controls, zero-width spaces and joiners, soft hyphens and other invisible format
# characters (category Cf) change nothing a reader sees, so they must not change a verdict either.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def has_control_characters(text: str) -> bool:
    """True if the text holds control characters other than tab, line feed and carriage return.

    NUL and friends are refused outright: they are never typed on purpose, and some stores (PostgreSQL
    text) cannot even hold them.
    """
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text)


def strip_invisible(text: str) -> str:
    """Drop invisible format characters (bidi overrides, zero-width spaces, soft hyphens)."""
    text = _INVISIBLE.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def normalize_text(text: str, *, case_sensitive: bool = False) -> str:
    """NFKC, invisible characters removed, trimmed, inner whitespace collapsed, case folded.

    Case folding (unless ``case_sensitive``) is done between two NFKC passes because folding can
    produce text that is no longer in NFKC form; the result is a fixed point, so normalising twice
    gives the same text as normalising once.
    """
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    if not case_sensitive:
        text = unicodedata.normalize("NFKC", text.casefold())
    text = strip_invisible(text)
    return _SPACES.sub(" ", text).strip()
