"""What the validator reports: one ``Problem`` per thing wrong, all of them raised together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack: the file, where in it (``[3].choices[1].id``), and why.

    ``path`` is empty for problems about a whole file (a missing file, a YAML syntax error, a cycle).
    ``line`` is the 1-based line of the YAML node when it is known; it is not part of the text form.
    """

    file: str
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        if self.path:
            return f"{self.file}: {self.path}: {self.reason}"
        return f"{self.file}: {self.reason}"


class PackValidationError(ValueError):
    """A pack was refused; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"the content pack has {count} problem(s):\n{lines}")


PathKey = tuple[str | int, ...]

#: The file each top-level part of a pack lives in (items are keyed by their own file name).
FILE_OF_KIND = {
    "course": "course.yaml",
    "skills": "skills.yaml",
    "resources": "resources.yaml",
    "projects": "projects.yaml",
}


def format_path(keys: PathKey) -> str:
    """Write a path inside one file the way problems show it: ``[3].choices[1].id``."""
    text = ""
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        elif key.isidentifier() or key.replace("-", "_").isidentifier():
            text += f".{key}" if text else key
        else:
            text += f"[{key!r}]"
    return text


def split_pack_path(keys: PathKey) -> tuple[str, PathKey]:
    """Split a path in the whole-pack document into the file and the path inside that file."""
    if not keys:
        return "(pack)", ()
    kind = keys[0]
    if kind == "items":
        if len(keys) >= 2:
            return f"items/{keys[1]}", keys[2:]
        return "items/", ()
    if kind == "media":
        if len(keys) >= 2:
            return f"media/{keys[1]}", keys[2:]
        return "media/", ()
    return FILE_OF_KIND.get(str(kind), str(kind)), keys[1:]


def pack_problem(keys: PathKey, reason: str, line: int | None = None) -> Problem:
    """A problem located by its path in the whole-pack document (``("items", "a.yaml", 3, "answer")``)."""
    file, inner = split_pack_path(keys)
    return Problem(file, format_path(inner), reason, line)
