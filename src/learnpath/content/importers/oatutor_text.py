"""OATutor's text conventions, turned into learnpath markdown.

OATutor writes maths between double dollars (``$$\\frac{1}{2}$$``, rendered inline), literal dollars as a
single ``$`` (``$25,000``), a new line as the two characters ``\\n`` (a spreadsheet export artefact) and
an image as ``##figure1.gif##`` (or ``##figure1.gif`` at the end of a text), the file being
``content-pool/<problem>/figures/figure1.gif``. learnpath markdown writes maths between single dollars, so
a literal dollar must be escaped as ``\\$``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MATH_DELIMITER = "$$"
IMAGE_RE = re.compile(r"##([^#\s]+?\.(?:gif|png|jpe?g|svg|webp|bmp))(?:##)?", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def images_in(text: str) -> list[str]:
    """The image file names a text refers to, in order of appearance."""
    return [match.group(1) for match in IMAGE_RE.finditer(text)]


def to_markdown(text: str, image: Callable[[str], str] | None = None) -> str:
    """OATutor text as learnpath markdown.

    ``image`` gives the markdown that replaces each ``##name##`` reference (by default, nothing). Maths is
    kept verbatim between single dollars; an unmatched ``$$`` is kept as two escaped dollars.
    """
    pieces = text.split(MATH_DELIMITER)
    if len(pieces) % 2 == 0:  # an odd number of $$: the last one opens nothing
        pieces[-2:] = [pieces[-2] + "\\$\\$" + pieces[-1]]
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            maths = piece.strip()
            if maths:
                out.append(f"${maths}$")
        else:
            out.append(_prose(piece, image))
    return _BLANK_RUNS.sub("\n\n", "".join(out)).strip()


def _prose(text: str, image: Callable[[str], str] | None) -> str:
    replace = image or (lambda _name: "")
    text = IMAGE_RE.sub(lambda match: replace(match.group(1)), text)
    # Outside maths a backslash-n is never LaTeX that renders, so it is the exported line break.
    text = text.replace("\\n", "\n")
    return _escape_dollars(text)


def _escape_dollars(text: str) -> str:
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "$" and (index == 0 or text[index - 1] != "\\"):
            out.append("\\$")
        else:
            out.append(char)
    return "".join(out)


def strip_math(answer: str) -> str:
    """An answer as a learner would type it: the ``$$`` (or single ``$``) delimiters and the surrounding
    space removed."""
    text = answer.replace(MATH_DELIMITER, "").strip()
    if len(text) > 1 and text.startswith("$") and text.endswith("$") and text.count("$") == 2:
        text = text[1:-1].strip()
    return text


def named_link(text: str) -> str:
    """``https://x <Name>`` (OATutor's way of writing a named link) as ``Name (https://x)``."""
    match = re.fullmatch(r"\s*(\S+)\s*<([^>]*)>\s*", text)
    if match:
        return f"{match.group(2).strip()} ({match.group(1)})"
    return text
