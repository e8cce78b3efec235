"""Every message a person reads that Python code writes is translatable (issue 11), as the templates' text
is (test_templates_translatable.py).

In the modules whose messages reach a reader (views, forms, access rules and services of the web apps, the
upload and preference checks, and the readers of a learner's typed numbers and expressions), a message
written as a plain string or an f-string must go through ``gettext`` (or ``_``/``ngettext``) where it is
raised or shown: ``raise SomeError("...")``, ``messages.error(request, "...")``, ``form.add_error(field,
"...")``, ``ValidationError("...")``, ``HttpResponseBadRequest("...")`` and a checker's ``_invalid("...")``.

Left out, as no reader meets them: ``Http404`` (every missing page shows the same translated page),
assertions and errors for authors of content (``AuthoringError``), programmers and operators. A message
kept in English on purpose carries ``# English:`` and who reads it, on its line or the line above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "learnpath"
READER_MODULES = sorted(
    {
        *SRC.glob("web/*/views.py"),
        *SRC.glob("web/*/forms.py"),
        *SRC.glob("web/*/access.py"),
        *SRC.glob("web/*/services.py"),
        SRC / "web" / "agency" / "uploads.py",
        SRC / "web" / "learning" / "preferences.py",
        SRC / "content" / "checking.py",
        SRC / "content" / "numeric.py",
        SRC / "content" / "mathexpr.py",
    }
)
NO_READER = {"Http404", "AssertionError", "AuthoringError", "TypeError", "ImproperlyConfigured"}
SHOWN_FIRST_ARG = {"ValidationError", "_invalid", "HttpResponseBadRequest"}


def _is_plain_text(node: ast.expr) -> bool:
    """A string literal, an f-string, or text glued to one with ``+``: a message nobody translated."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp):
        return _is_plain_text(node.left) or _is_plain_text(node.right)
    return False


def _message(node: ast.AST) -> ast.expr | None:
    """The message argument of a call or raise that shows it to a reader, else None."""
    if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
        name = ast.unparse(node.exc.func).split(".")[-1]
        return None if name in NO_READER else node.exc.args[0]
    if isinstance(node, ast.Call):
        called = ast.unparse(node.func)
        if called.startswith("messages.") and len(node.args) >= 2:
            return node.args[1]
        if called.endswith("add_error") and len(node.args) >= 2:
            return node.args[1]
        if called.split(".")[-1] in SHOWN_FIRST_ARG and node.args:
            return node.args[0]
    return None


def untranslated_messages(source: str) -> list[str]:
    """``line: text`` for each message in ``source`` shown to a reader without being translated."""
    lines = source.splitlines()
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        message = _message(node)
        if message is None or not _is_plain_text(message):
            continue
        line = node.lineno  # type: ignore[attr-defined]
        if any("# English:" in text for text in lines[max(0, line - 2) : line]):
            continue
        found.append((line, f"{line}: {lines[line - 1].strip()}"))
    return [text for _line, text in sorted(found)]


@pytest.mark.parametrize("module", READER_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_messages_for_readers_are_translatable(module: Path) -> None:
    found = untranslated_messages(module.read_text(encoding="utf-8"))
    assert not found, f"{module.relative_to(SRC)}: messages not marked for translation:\n" + "\n".join(found)


def test_the_check_finds_each_kind_of_untranslated_message() -> None:
    source = """
def view(request, form, name):
    messages.error(request, "Saved.")
    form.add_error("username", f"{name} is taken.")
    raise PreferenceRejected("Choose one.")
    raise UploadRejected("Too big: " + name)
    return _invalid(f"Write {name}.")
"""
    assert [line.split(":")[0] for line in untranslated_messages(source)] == ["3", "4", "5", "6", "7"]


def test_translated_missing_pages_and_marked_english_pass() -> None:
    source = """
def view(request, name):
    messages.error(request, gettext("Saved."))
    raise Http404(f"No {name}.")
    raise Unreadable(gettext("Write {name}.").format(name=name))
    # English: for operators
    raise CourseImportError(f"no course {name!r}")
    raise ValueError("a learner")  # English: for programs
"""
    assert untranslated_messages(source) == []
