"""Exporting a course's items as a QTI 3.0 content package (a .zip with ``imsmanifest.xml``).

Each exportable item becomes one ``qti-assessment-item`` file at the package root, named by the item's id:

- ``single_choice`` and ``multiple_choice``: a ``qti-choice-interaction`` (max-choices 1, or as many as
  there are choices) scored by the ``match_correct`` template;
- ``short_text``: a ``qti-text-entry-interaction`` scored by ``map_response``, the answer and each
  alternative mapped to full credit (case-insensitive unless the item is case-sensitive);
- ``numeric`` with an exact answer (no tolerance, no unit, a decimal number): a float
  ``qti-text-entry-interaction`` scored by ``match_correct``.

Items of other types (``expression``, ``multi_step``), templates, and numeric items with a tolerance, a unit
or a fraction answer are not exported; ``QtiExport.skipped`` says why for each. Hints, worked solutions and
wrong-answer feedback are not exported (notes say so). Prompts and choices are XHTML; maths is MathML with
its TeX kept as an annotation; images travel in ``media/``. Reading the package back with
``convert_qti3`` gives the same items (same type, prompt, choices and answers).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from learnpath.content.importers.qti3_source import CP_NAMESPACES, QTI3_NS
from learnpath.content.importers.qti3_text import MATHML_NS, markdown_to_xhtml
from learnpath.content.model import Item, Pack

__all__ = ["QtiExport", "export_qti3"]

CP_NS = CP_NAMESPACES[0]
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ITEM_SCHEMA = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
CP_SCHEMA = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
TEMPLATE = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{}.xml"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_MEDIA = re.compile(r"\]\(media/([^)\s]+)\)")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)

register_namespace("m", MATHML_NS)


@dataclass
class QtiExport:
    """The package's bytes, the items in it, and the items left out with the reason for each."""

    data: bytes
    exported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def export_qti3(pack: Pack) -> QtiExport:
    """Write the pack's exportable items as a QTI 3.0 content package (zip bytes, deterministic)."""
    result = QtiExport(b"")
    files: dict[str, bytes] = {}
    resources: list[tuple[str, str, list[str]]] = []
    media_used: dict[str, bytes] = {}
    for item in pack.items:
        reason = _not_exportable(item)
        if reason:
            result.skipped.append((item.id, reason))
            continue
        identifier = qti_identifier(item.id)
        href = f"{item.id}.xml"
        files[href] = _item_xml(item, identifier, pack.meta.language)
        media = sorted(set(_MEDIA.findall(_texts(item))))
        for name in media:
            if name in pack.media:
                media_used[name] = pack.media[name]
        resources.append((identifier, href, [f"media/{name}" for name in media if name in pack.media]))
        result.exported.append(item.id)
        lost = [
            what
            for what, present in (
                ("hints", item.main.hints),
                ("worked solution", item.solution),
                ("wrong-answer feedback", item.main.feedback),
            )
            if present
        ]
        if lost:
            result.notes.append((item.id, "not exported: its " + ", ".join(lost)))
    for name, data in media_used.items():
        files[f"media/{name}"] = data
    manifest = _manifest(pack, resources)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [("imsmanifest.xml", manifest), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    result.data = buffer.getvalue()
    return result


def qti_identifier(value: str) -> str:
    """A learnpath id as a QTI identifier (which must not start with a digit)."""
    return value if _IDENTIFIER.match(value) else f"_{value}"


def _not_exportable(item: Item) -> str:
    if item.is_template:
        return "a template (its values change for each learner); QTI template processing is not exported"
    if item.type in ("expression", "multi_step"):
        words = {"expression": "an algebraic expression", "multi_step": "several steps"}[item.type]
        article = "an" if item.type == "expression" else "a"
        return f"{article} {item.type} item ({words}), which QTI 3.0 cannot score with a standard template"
    if item.type == "numeric":
        step = item.main
        if step.tolerance or step.relative_tolerance:
            return "a numeric item with a tolerance, which the match_correct template cannot score"
        if step.unit:
            return "a numeric item with a unit, which a QTI float response cannot hold"
        if not _DECIMAL.match(str(step.answer).strip()):
            return f"a numeric item whose answer '{step.answer}' is not a decimal number"
    return ""


def _texts(item: Item) -> str:
    return "\n".join([item.prompt, *(choice.text for choice in item.main.choices)])


def _item_xml(item: Item, identifier: str, language: str) -> bytes:
    root = Element(
        "qti-assessment-item",
        {
            "xmlns": QTI3_NS,
            f"{{{XSI_NS}}}schemaLocation": f"{QTI3_NS} {ITEM_SCHEMA}",
            "identifier": identifier,
            "title": str(item.document.get("x-qti", {}).get("title") or item.id),
            "adaptive": "false",
            "time-dependent": "false",
            f"{{{XML_NS}}}lang": language or "en",
        },
    )
    step = item.main
    if item.type in ("single_choice", "multiple_choice"):
        single = item.type == "single_choice"
        answers = [step.answer] if single else list(step.answer)
        _response(
            root, "single" if single else "multiple", "identifier", [qti_identifier(a) for a in answers]
        )
    elif item.type == "numeric":
        _response(root, "single", "float", [str(step.answer).strip()])
    else:
        declaration = _response(root, "single", "string", [str(step.answer)])
        mapping = SubElement(declaration, _q("qti-mapping"), {"default-value": "0"})
        for key in dict.fromkeys([str(step.answer), *step.alternatives]):
            SubElement(
                mapping,
                _q("qti-map-entry"),
                {
                    "map-key": key,
                    "mapped-value": "1",
                    "case-sensitive": "true" if step.case_sensitive else "false",
                },
            )
    outcome = SubElement(
        root,
        _q("qti-outcome-declaration"),
        {"identifier": "SCORE", "cardinality": "single", "base-type": "float"},
    )
    SubElement(SubElement(outcome, _q("qti-default-value")), _q("qti-value")).text = "0"
    body = SubElement(root, _q("qti-item-body"))
    markdown_to_xhtml(item.prompt, body)
    if item.type in ("single_choice", "multiple_choice"):
        interaction = SubElement(
            body,
            _q("qti-choice-interaction"),
            {
                "response-identifier": "RESPONSE",
                "shuffle": "false",
                "max-choices": "1" if item.type == "single_choice" else str(len(step.choices)),
            },
        )
        for choice in step.choices:
            simple = SubElement(
                interaction, _q("qti-simple-choice"), {"identifier": qti_identifier(choice.id)}
            )
            markdown_to_xhtml(choice.text, simple, block=False)
        template = "match_correct"
    else:
        paragraph = SubElement(body, "p")
        SubElement(paragraph, _q("qti-text-entry-interaction"), {"response-identifier": "RESPONSE"})
        template = "map_response" if item.type == "short_text" else "match_correct"
    SubElement(root, _q("qti-response-processing"), {"template": TEMPLATE.format(template)})
    return _serialise(root)


def _response(root: Element, cardinality: str, base_type: str, values: list[str]) -> Element:
    declaration = SubElement(
        root,
        _q("qti-response-declaration"),
        {"identifier": "RESPONSE", "cardinality": cardinality, "base-type": base_type},
    )
    correct = SubElement(declaration, _q("qti-correct-response"))
    for value in values:
        SubElement(correct, _q("qti-value")).text = value
    return declaration


def _q(name: str) -> str:
    """An element of the item: written without a prefix, in the default namespace the root declares
    (ElementTree's ``default_namespace`` cannot be used with unqualified attributes)."""
    return name


def _serialise(root: Element) -> bytes:
    text = tostring(root, encoding="unicode")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + text.encode("utf-8")


def _manifest(pack: Pack, resources: list[tuple[str, str, list[str]]]) -> bytes:
    root = Element(
        "manifest",
        {
            "xmlns": CP_NS,
            f"{{{XSI_NS}}}schemaLocation": f"{CP_NS} {CP_SCHEMA}",
            "identifier": qti_identifier(f"MANIFEST-{pack.meta.id}"),
        },
    )
    metadata = SubElement(root, "metadata")
    SubElement(metadata, "schema").text = "QTI Package"
    SubElement(metadata, "schemaversion").text = "3.0.0"
    SubElement(root, "organizations")
    container = SubElement(root, "resources")
    media_ids: dict[str, str] = {}
    for identifier, href, media in resources:
        resource = SubElement(
            container,
            "resource",
            {"identifier": identifier, "type": "imsqti_item_xmlv3p0", "href": href},
        )
        SubElement(resource, "file", {"href": href})
        for name in media:
            media_id = media_ids.setdefault(name, f"MEDIA-{len(media_ids) + 1}")
            SubElement(resource, "dependency", {"identifierref": media_id})
    for name, media_id in media_ids.items():
        resource = SubElement(
            container, "resource", {"identifier": media_id, "type": "webcontent", "href": name}
        )
        SubElement(resource, "file", {"href": name})
    return _serialise(root)
