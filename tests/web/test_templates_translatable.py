"""Every interface string of every template is translatable (issue 11): no text a person reads stands
outside `{% translate %}` or `{% blocktranslate %}`.

Text is what lies between HTML tags and template tags; so are the `aria-label`, `title`, `placeholder` and
`alt` attributes. Left out, as they are not interface words: the inside of <code>, <pre>, <script>,
<style>, <svg> and <textarea>, template variables alone (`{{ name }}`: data, or text translated where it is
made), and the product's name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "src" / "learnpath" / "web"
TOKEN = re.compile(r"(\{%.*?%\}|\{#.*?#\}|<[^>]+>)", re.S)
VAR = re.compile(r"\{\{.*?\}\}", re.S)
ATTR = re.compile(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"')
SKIP_OPEN = re.compile(r"<(script|style|code|pre|svg|textarea)\b", re.I)
SKIP_CLOSE = re.compile(r"</(script|style|code|pre|svg|textarea)>", re.I)
NOT_WORDS = {"learnpath", "API", "JSON", "CSV", "UTC", "pts"}


def _words(text: str) -> str:
    """What is left of ``text`` once variables, translation tags, names and symbols are taken out."""
    text = VAR.sub(" ", text)
    text = re.sub(r"\{%\s*(?:translate|blocktranslate).*?%\}", " ", text)
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z']+", text) if w not in NOT_WORDS]
    return " ".join(words)


def untranslated(source: str) -> list[str]:
    found: list[str] = []
    skipping = 0
    in_block = 0
    for part in TOKEN.split(source):
        if not part:
            continue
        if part.startswith("{%"):
            head = (part[2:-2].split() or [""])[0]
            if head in ("blocktranslate", "comment"):
                in_block += 1
            elif head in ("endblocktranslate", "endcomment"):
                in_block -= 1
            continue
        if part.startswith("{#"):
            continue
        if part.startswith("<"):
            if SKIP_OPEN.match(part):
                skipping += 1
            elif SKIP_CLOSE.match(part):
                skipping = max(0, skipping - 1)
            elif not skipping:
                # an attribute's translation tags leave it empty
                tag = re.sub(r"\{%\s*blocktranslate.*?\{%\s*endblocktranslate\s*%\}", "", part, flags=re.S)
                tag = re.sub(r"\{%.*?%\}", "", tag)
                found += [value for value in ATTR.findall(tag) if _words(value)]
            continue
        if not skipping and not in_block and _words(part):
            found.append(part.strip())
    return found


TEMPLATES = sorted([*WEB.glob("**/templates/**/*.html"), *WEB.glob("**/templates/**/*.txt")])


def test_the_check_finds_untranslated_text() -> None:
    assert untranslated('<p>Hello</p><a title="Open it">{% translate "Go" %}</a>') == ["Hello", "Open it"]
    assert untranslated("<p>{% blocktranslate with n=x %}{{ n }} left{% endblocktranslate %}</p>") == []
    assert untranslated("<code>k7dm-f3wa</code><p>{{ name }} · learnpath</p>") == []


@pytest.mark.parametrize("template", TEMPLATES, ids=[str(t.relative_to(WEB)) for t in TEMPLATES])
def test_every_interface_string_is_translatable(template: Path) -> None:
    assert untranslated(template.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(WEB)))
def test_no_template_tag_spans_two_lines(template: Path) -> None:
    """Django reads a tag or variable only within one line: one that spans two is sent to the reader as
    raw text (the server-error page once showed its `{% translate "…` message this way). Longer
    messages use `{% blocktranslate trimmed %}`."""
    source = template.read_text(encoding="utf-8")
    broken = [match.group(0)[:60] for match in re.finditer(r"\{[%{](?:(?![%}]\}).)*\n", source, re.S)]
    assert not broken, f"{template.name}: a tag spans two lines: {broken}"
