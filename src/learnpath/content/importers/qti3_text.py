"""QTI 3.0 item content (XHTML, with MathML) as learnpath markdown, and learnpath markdown as QTI XHTML.

Import: paragraphs, line breaks, lists, headings, tables (as lines), bold and italic become markdown;
whitespace is collapsed as a browser would; characters markdown would read (``\\ $ * _ ` [ ]``) are
escaped. Images become ``![alt](media/<name>)`` with the image copied into the pack. MathML becomes
``$…$`` when it carries a TeX annotation (``<annotation encoding="application/x-tex">``, as learnpath's
export writes it); other MathML, audio, video and embedded objects make the item unconvertible, with the
reason. Export writes each paragraph as ``<p>``, maths as MathML with its TeX annotation, images as
``<img>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement

from latex2mathml.converter import convert as latex_to_mathml

from learnpath.content.importers.qti3_source import local_name, parse_xml

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
TEX_ENCODINGS = ("application/x-tex", "tex", "latex", "text/x-latex")

_SPACE = re.compile(r"\s+")
_ESCAPE = re.compile(r"([\\$*_`\[\]])")
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "figure"}
_MEDIA = {"audio", "video", "object", "iframe", "embed", "canvas", "svg"}
_DROPPED = {"qti-feedback-block", "qti-feedback-inline", "qti-rubric-block", "qti-stylesheet", "script"}


class Unconvertible(Exception):
    """An item learnpath cannot import; ``reason`` says why in words, ``category`` groups reasons."""

    def __init__(self, reason: str, category: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.category = category


@dataclass
class TextContext:
    """What converting one item's text needs: how to store an image, and the notes it collects."""

    image: Callable[[str, str], str]
    notes: list[str] = field(default_factory=list)
    placeholder: Callable[[Element], str] | None = None


def escape(text: str) -> str:
    """Plain text as markdown that shows exactly that text."""
    return _ESCAPE.sub(r"\\\1", text)


def unescape(text: str) -> str:
    """Undo ``escape`` (for comparing texts)."""
    return re.sub(r"\\([\\$*_`\[\]])", r"\1", text)


def to_markdown(element: Element, context: TextContext) -> str:
    """The content of ``element`` (its text and children, not its own tag) as markdown."""
    blocks: list[str] = []
    line: list[str] = []

    def flush() -> None:
        text = "".join(line).strip()
        text = re.sub(r" *\n *", "\n", text)
        if text:
            blocks.append(text)
        line.clear()

    def inline(text: str | None) -> None:
        if text:
            line.append(escape(_SPACE.sub(" ", text)))

    def walk(node: Element) -> None:
        inline(node.text)
        for child in node:
            visit(child)
            inline(child.tail)

    def visit(node: Element) -> None:
        name = local_name(node)
        if not name:  # a comment or processing instruction
            return
        if context.placeholder is not None and name.endswith("-interaction"):
            line.append(context.placeholder(node))
            return
        if name in _DROPPED:
            if name.startswith("qti-feedback") or name == "qti-rubric-block":
                note = f"its <{name}> was left out (learnpath shows its own feedback)"
                if note not in context.notes:
                    context.notes.append(note)
            return
        if name in _MEDIA:
            raise Unconvertible(
                f"its text holds <{name}> (audio, video or an embedded object), which learnpath items "
                "cannot hold",
                "media",
            )
        if name == "math":
            line.append(_maths(node))
            return
        if name == "img":
            line.append(context.image(node.get("src", ""), node.get("alt", "")))
            return
        if name.startswith("qti-template") or name == "qti-printed-variable":
            raise Unconvertible(
                f"uses <{name}> (template variables), which the importer does not convert", "template"
            )
        if name == "br":
            line.append("\n")
            return
        if name in ("strong", "b", "em", "i"):
            inner = TextContext(context.image, context.notes, context.placeholder)
            text = to_markdown(node, inner).replace("\n\n", " ")
            mark = "**" if name in ("strong", "b") else "*"
            if text:
                line.append(f"{mark}{text}{mark}")
            return
        if name == "li":
            flush()
            line.append("- ")
            walk(node)
            flush()
            return
        if name == "tr":
            flush()
            cells = []
            for cell in node:
                inner = TextContext(context.image, context.notes, context.placeholder)
                cells.append(to_markdown(cell, inner).replace("\n", " "))
            blocks.append(" | ".join(cells))
            return
        if name in _BLOCKS or name.startswith("qti-") or name in ("thead", "tbody", "tfoot", "section"):
            flush()
            walk(node)
            flush()
            return
        walk(node)  # span, sub, sup, a, label, …: their text

    walk(element)
    flush()
    # List items are single lines; keep consecutive ones together.
    out: list[str] = []
    for block in blocks:
        if out and block.startswith("- ") and out[-1].split("\n")[-1].startswith("- "):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return "\n\n".join(out)


def _maths(node: Element) -> str:
    for annotation in node.iter():
        if local_name(annotation) == "annotation" and annotation.get("encoding", "").lower() in TEX_ENCODINGS:
            tex = (annotation.text or "").strip()
            if tex and "$" not in tex:
                return f"${tex}$"
    raise Unconvertible(
        "holds MathML without a TeX annotation; the importer converts maths only from the TeX it carries",
        "mathml",
    )


# --- export --------------------------------------------------------------------------------------

_IMAGE = re.compile(r"!\[([^\]]*)\]\((media/[^)\s]+)\)")
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")


def markdown_to_xhtml(markdown: str, parent: Element, *, block: bool = True) -> None:
    """Append ``markdown`` to ``parent`` as QTI XHTML: a ``<p>`` per paragraph (``block``), or inline."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown) if p.strip()] or [""]
    for text in paragraphs:
        target = SubElement(parent, "p") if block else parent
        _inline(text, target)
        if not block:
            break


def _inline(text: str, target: Element) -> None:
    last: Element | None = None
    position = 0
    pieces = sorted(
        [(m.start(), m.end(), "img", m) for m in _IMAGE.finditer(text)]
        + [(m.start(), m.end(), "math", m) for m in _MATH.finditer(text)],
        key=lambda piece: piece[0],
    )
    for start, end, kind, match in pieces:
        if start < position:
            continue
        _text(target, last, unescape(text[position:start]))
        if kind == "img":
            last = SubElement(target, "img", {"src": match.group(2), "alt": unescape(match.group(1))})
        else:
            last = _mathml(match.group(1))
            target.append(last)
        position = end
    _text(target, last, unescape(text[position:]))


def _text(target: Element, last: Element | None, text: str) -> None:
    if not text:
        return
    if last is None:
        target.text = (target.text or "") + text
    else:
        last.tail = (last.tail or "") + text


def _mathml(tex: str) -> Element:
    """``tex`` as MathML, with the TeX kept as an annotation (which learnpath's import reads back)."""
    math = parse_xml(latex_to_mathml(tex).encode("utf-8"), "MathML")
    semantics = Element(f"{{{MATHML_NS}}}semantics")
    row = Element(f"{{{MATHML_NS}}}mrow")
    row.extend(list(math))
    semantics.append(row)
    annotation = SubElement(semantics, f"{{{MATHML_NS}}}annotation", {"encoding": "application/x-tex"})
    annotation.text = tex
    for child in list(math):
        math.remove(child)
    math.attrib.pop("display", None)
    math.append(semantics)
    return math
