"""Importing QTI 3.0 items and packages, and exporting a course's items as QTI 3.0.

The published samples in ../shared/data/interop/qti/ each import or are refused with a reason per item (the
counts below are what the samples hold); QTI 1.2 and 2.2 sources are refused as such; XML with a DTD or
entities is never expanded; the demo course exported as QTI 3.0 is a well-formed, structurally checked
content package that imports back as the same items.

The official QTI 3.0 XSD is not available offline (no PyPI or npm package found ships it; see decision
0089), so ``assert_structurally_valid`` checks what the schema would: namespaces, the root element and its
required attributes, the order of an item's parts, identifiers, the manifest's resources and their files.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.importers.qti3 import QtiConversion, QtiSourceError, convert_qti3, write_skip_list
from learnpath.content.importers.qti3_export import export_qti3
from learnpath.content.importers.qti3_source import CP_NAMESPACES, QTI3_NS
from learnpath.content.importers.qti3_text import unescape
from learnpath.content.pack import load_pack

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "interop" / "qti"
MATHML = "http://www.w3.org/1998/Math/MathML"


def sample(relative: str) -> Path:
    path = SAMPLES / relative
    if not path.exists():
        pytest.skip(f"the QTI samples are not at {path} (../shared/data/interop/qti, see PROVENANCE.md)")
    return path


def item_xml(body: str, *, declarations: str = "", processing: str = "", extra: str = "") -> str:
    """A QTI 3.0 item around ``body``; a single-choice RESPONSE and match_correct unless given."""
    declarations = declarations or (
        '<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">'
        "<qti-correct-response><qti-value>A</qti-value></qti-correct-response></qti-response-declaration>"
    )
    processing = processing or (
        '<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/'
        'match_correct.xml"/>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{extra}<qti-assessment-item xmlns="{QTI3_NS}" '
        'identifier="T1" title="Test" adaptive="false" time-dependent="false" xml:lang="en">'
        f"{declarations}"
        '<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>'
        f"<qti-item-body>{body}</qti-item-body>{processing}</qti-assessment-item>"
    )


CHOICES = (
    '<qti-choice-interaction response-identifier="RESPONSE" max-choices="1">'
    "<qti-prompt>Pick A.</qti-prompt>"
    '<qti-simple-choice identifier="A">First</qti-simple-choice>'
    '<qti-simple-choice identifier="B">Second</qti-simple-choice></qti-choice-interaction>'
)


def reasons_by_file(conversion: QtiConversion) -> dict[str, str]:
    return {skip.file: skip.category for skip in conversion.skipped}


# --- the published samples -----------------------------------------------------------------------


@pytest.mark.shared_data
def test_citolab_package_1_imports_its_one_choice_item_and_says_why_for_the_other_nine() -> None:
    conversion = convert_qti3(sample("v3p0/citolab_kennisnet-1"))
    assert conversion.item_types == {"ITEM007.xml": "multiple_choice"}
    assert reasons_by_file(conversion) == {
        "INTRODUCTION.xml": "no-interaction",
        "ITEM001.xml": "interaction:qti-hottext-interaction",
        "ITEM002.xml": "interaction:qti-match-interaction",
        "ITEM003.xml": "interaction:qti-match-interaction",
        "ITEM004.xml": "interaction:qti-gap-match-interaction",
        "ITEM005.xml": "interaction:qti-select-point-interaction",
        "ITEM006.xml": "several-interactions",
        "ITEM008.xml": "extended-text",
        "ITEM009.xml": "interaction:qti-order-interaction",
    }
    pack = conversion.pack
    assert pack is not None
    assert (pack.meta.id, pack.meta.title, pack.meta.language) == ("qti-demotoets", "Demotoets", "nl-NL")
    item = pack.item("item007")
    assert item.prompt == "Welke letters worden gebruikt in Romeinse cijfers?"
    assert [choice.text for choice in item.main.choices] == ["L", "C", "A", "M", "K", "G"]
    assert item.main.answer == ("choice1", "choice2", "choice4")
    assert item.document["x-qti"]["response_processing"] == "match_correct"  # written out, not by URI
    assert conversion.ignored_files == [("AssessmentTest.xml", "not an item resource of the manifest")]


@pytest.mark.shared_data
def test_citolab_package_2_imports_three_choice_items_and_refuses_six_essays() -> None:
    conversion = convert_qti3(sample("v3p0/citolab_kennisnet-2"))
    assert conversion.item_types == {
        "ITEM011.xml": "single_choice",
        "ITEM012.xml": "multiple_choice",
        "ITEM013.xml": "multiple_choice",
    }
    assert conversion.skip_counts() == Counter(
        {
            "extended-text": 6,
            "interaction:qti-match-interaction": 2,
            "interaction:qti-order-interaction": 1,
            "several-interactions": 1,
            "no-interaction": 1,
        }
    )
    essay = next(skip for skip in conversion.skipped if skip.file == "ITEM005.xml")
    assert "learnpath grades every practice answer" in essay.reason
    assert conversion.pack is not None
    assert conversion.pack.item("item011").main.answer == "choice1"


@pytest.mark.shared_data
def test_kennisnet_fixtures_import_standard_processing_and_refuse_broken_and_custom_items() -> None:
    conversion = convert_qti3(sample("v3p0/kennisnet_php_qti3"))
    assert sorted(conversion.item_types.items()) == [
        ("package_model/item.xml", "single_choice"),
        ("response_processing/default-value-empty-value.xml", "single_choice"),
        ("response_processing/missing-outcome-declaration-maxscore.xml", "single_choice"),
        ("response_processing/outcome-declaration-without-default.xml", "single_choice"),
        ("response_processing/simple-choice-processing.xml", "single_choice"),
    ]
    reasons = {skip.file.removeprefix("response_processing/"): skip.reason for skip in conversion.skipped}
    assert reasons["wrong-processing-element.xml"] == (
        "is broken: its response processing holds <qti-wrong-element>, which QTI 3.0 does not have"
    )
    assert reasons["wrong-expression-element.xml"].startswith("is broken: its response processing holds")
    assert (
        reasons["else-if-after-else.xml"] == "is broken: a qti-response-else-if comes after qti-response-else"
    )
    assert reasons["non-existing-outcome.xml"] == (
        "is broken: its response processing sets the outcome 'NON-EXISTING', which is not declared"
    )
    assert reasons["default-value-wrong-tag.xml"] == (
        "is broken: the <qti-default-value> of MAXSCORE holds <qti-wrong-tag>, not <qti-value>"
    )
    assert "custom response processing" in reasons["number-comparison-expressions.xml"]
    # Only a blank to fill, or only choices: no question to show.
    assert reasons["match-correct-template.xml"] == "has no text to show the learner"
    assert conversion.skip_counts() == Counter(
        {
            "broken": 7,
            "interaction:qti-match-interaction": 7,
            "empty-text": 3,
            "extended-text": 2,
            "interaction:qti-select-point-interaction": 2,
            "interaction:qti-inline-choice-interaction": 1,
            "custom-processing": 1,
        }
    )
    # Files that share an identifier become items named by their path, never one overwriting another.
    assert conversion.pack is not None
    assert len({item.id for item in conversion.pack.items}) == 5
    assert (
        "package_model/metadata.xml",
        "not a QTI 3.0 item (its root is <lom>)",
    ) in conversion.ignored_files


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "version"),
    [
        ("v2p2/onyx_interactionmix_saxony", "QTI 2.2"),
        ("v1p2/canvas_quiz_export", "QTI 1.2"),
        ("v1p2/items", "QTI 1.2"),
        ("v2p2/onyx_interactionmix_saxony/Choicesingle_853928446.xml", "QTI 2.2"),
        ("v1p2/items/choice.xml", "QTI 1.2"),
    ],
)
def test_older_qti_is_refused_as_such(relative: str, version: str) -> None:
    with pytest.raises(QtiSourceError, match=rf"{version}.*not QTI 3\.0"):
        convert_qti3(sample(relative))


@pytest.mark.shared_data
def test_a_zipped_package_imports_like_its_folder(tmp_path: Path) -> None:
    folder = sample("v3p0/citolab_kennisnet-2")
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(folder).as_posix())
    from_zip, from_folder = convert_qti3(archive), convert_qti3(folder)
    assert from_zip.pack is not None
    assert from_folder.pack is not None
    # The same items; only the course's source names the zip instead of the folder.
    assert [i.document for i in from_zip.pack.items] == [i.document for i in from_folder.pack.items]
    assert from_zip.skipped == from_folder.skipped


@pytest.mark.shared_data
def test_the_skip_list_has_one_row_per_refused_item(tmp_path: Path) -> None:
    conversion = convert_qti3(sample("v3p0/citolab_kennisnet-1"))
    write_skip_list(conversion, tmp_path / "skipped.csv")
    rows = (tmp_path / "skipped.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "file,identifier,reason"
    assert len(rows) == 1 + 9
    assert rows[1].startswith("INTRODUCTION.xml,INTRODUCTION,")


# --- mapping, one item at a time -----------------------------------------------------------------


def convert_one(tmp_path: Path, xml: str, files: dict[str, bytes] | None = None) -> QtiConversion:
    (tmp_path / "item.xml").write_text(xml, encoding="utf-8")
    for name, data in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return convert_qti3(tmp_path)


def test_a_numeric_text_entry_becomes_a_numeric_item(tmp_path: Path) -> None:
    conversion = convert_one(
        tmp_path,
        item_xml(
            "<p>Half of 7 is <qti-text-entry-interaction response-identifier='RESPONSE'/>.</p>",
            declarations='<qti-response-declaration identifier="RESPONSE" cardinality="single" '
            'base-type="float"><qti-correct-response><qti-value>3.5</qti-value></qti-correct-response>'
            "</qti-response-declaration>",
        ),
    )
    assert conversion.pack is not None
    item = conversion.pack.items[0]
    assert (item.type, item.main.answer, item.prompt) == ("numeric", "3.5", r"Half of 7 is \_\_\_\_\_\_.")


def test_map_response_text_entry_keeps_full_credit_alternatives(tmp_path: Path) -> None:
    conversion = convert_one(
        tmp_path,
        item_xml(
            "<p>Name the bottom of a fraction: "
            "<qti-text-entry-interaction response-identifier='RESPONSE'/></p>",
            declarations='<qti-response-declaration identifier="RESPONSE" cardinality="single" '
            'base-type="string"><qti-correct-response><qti-value>denominator</qti-value>'
            '</qti-correct-response><qti-mapping default-value="0">'
            '<qti-map-entry map-key="denominator" mapped-value="1" case-sensitive="false"/>'
            '<qti-map-entry map-key="the denominator" mapped-value="1" case-sensitive="false"/>'
            '<qti-map-entry map-key="divisor" mapped-value="0.5" case-sensitive="false"/>'
            "</qti-mapping></qti-response-declaration>",
            processing='<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/'
            'rptemplates/map_response"/>',
        ),
    )
    assert conversion.pack is not None
    item = conversion.pack.items[0]
    assert (item.type, item.main.answer, item.main.alternatives) == (
        "short_text",
        "denominator",
        ("the denominator",),
    )
    assert item.main.case_sensitive is False


def test_images_travel_into_the_pack_and_missing_ones_refuse_the_item(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    body = '<p>Look: <img src="img/Cat 1.png" alt="a cat"/></p>' + CHOICES
    conversion = convert_one(tmp_path, item_xml(body), {"img/Cat 1.png": png})
    pack = conversion.pack
    assert pack is not None
    assert pack.items[0].prompt == "Look: ![a cat](media/t1/cat-1.png)\n\nPick A."
    assert pack.media == {"t1/cat-1.png": png}
    (tmp_path / "img" / "Cat 1.png").unlink()
    refused = convert_one(tmp_path, item_xml(body))
    assert refused.skipped[0].category == "missing-image"


@pytest.mark.parametrize(
    ("body", "processing", "category"),
    [
        ("<p><audio src='a.mp3'/></p>" + CHOICES, "", "media"),
        (f"<p><math xmlns='{MATHML}'><mn>1</mn></math></p>" + CHOICES, "", "mathml"),
        (CHOICES, "<qti-response-processing/>", "custom-processing"),
        (CHOICES, " ", "no-processing"),
        (
            CHOICES,
            '<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/'
            'map_response_point"/>',
            "custom-processing",
        ),
    ],
)
def test_items_that_cannot_be_converted_are_skipped_with_their_reason(
    tmp_path: Path, body: str, processing: str, category: str
) -> None:
    conversion = convert_one(tmp_path, item_xml(body, processing=processing))
    assert [skip.category for skip in conversion.skipped] == [category]
    assert conversion.pack is None


# --- hostile XML ---------------------------------------------------------------------------------

BOMB = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("doctype", [BOMB, EXTERNAL])
def test_an_item_with_a_dtd_or_entities_is_refused_unexpanded(tmp_path: Path, doctype: str) -> None:
    (tmp_path / "good.xml").write_text(item_xml(CHOICES), encoding="utf-8")
    (tmp_path / "bad.xml").write_text(
        item_xml("<p>&lol3;</p>" + CHOICES, extra=doctype).replace(
            '<?xml version="1.0" encoding="UTF-8"?>', ""
        ),
        encoding="utf-8",
    )
    conversion = convert_qti3(tmp_path)
    (skip,) = conversion.skipped
    assert (skip.file, skip.category) == ("bad.xml", "unsafe-xml")
    assert "declares a DTD, entities or external references" in skip.reason
    assert conversion.imported_items == 1


def test_a_manifest_with_an_external_entity_refuses_the_package(tmp_path: Path) -> None:
    (tmp_path / "imsmanifest.xml").write_text(
        f'<?xml version="1.0"?>{EXTERNAL}<manifest xmlns="{CP_NAMESPACES[0]}">&secret;</manifest>',
        encoding="utf-8",
    )
    with pytest.raises(QtiSourceError, match=r"declares a DTD, entities or external references"):
        convert_qti3(tmp_path)


def test_a_manifest_cannot_point_outside_the_package(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "outside.xml").write_text(item_xml(CHOICES), encoding="utf-8")
    (tmp_path / "pkg" / "imsmanifest.xml").write_text(
        f'<manifest xmlns="{CP_NAMESPACES[0]}"><resources><resource identifier="X" '
        'type="imsqti_item_xmlv3p0" href="../outside.xml"/></resources></manifest>',
        encoding="utf-8",
    )
    conversion = convert_qti3(tmp_path / "pkg")
    assert [(s.file, s.category) for s in conversion.skipped] == [("../outside.xml", "missing-file")]
    assert conversion.pack is None


def test_something_that_is_not_qti_is_a_source_error(tmp_path: Path) -> None:
    (tmp_path / "notes.xml").write_text("<notes/>", encoding="utf-8")
    with pytest.raises(QtiSourceError, match=r"holds no QTI 3\.0 item"):
        convert_qti3(tmp_path)


# --- export --------------------------------------------------------------------------------------

_ITEM_ORDER = [
    "qti-context-declaration",
    "qti-response-declaration",
    "qti-outcome-declaration",
    "qti-template-declaration",
    "qti-template-processing",
    "qti-assessment-stimulus-ref",
    "qti-companion-materials-info",
    "qti-stylesheet",
    "qti-item-body",
    "qti-catalog-info",
    "qti-response-processing",
    "qti-modal-feedback",
]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _local(tag: str) -> tuple[str, str]:
    namespace, _, name = tag[1:].partition("}")
    return namespace, name


def assert_structurally_valid(data: bytes) -> dict[str, bytes]:
    """What the QTI 3.0 and IMS CP schemas would check of an exported package, checked by hand."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = {name: archive.read(name) for name in archive.namelist()}
    manifest = fromstring(files["imsmanifest.xml"], forbid_dtd=True)
    assert _local(manifest.tag) == (CP_NAMESPACES[0], "manifest")
    assert _IDENTIFIER.match(manifest.get("identifier", ""))
    assert [_local(child.tag)[1] for child in manifest] == ["metadata", "organizations", "resources"]
    resources = manifest[2]
    ids = [resource.get("identifier", "") for resource in resources]
    assert len(ids) == len(set(ids))
    assert all(_IDENTIFIER.match(i) for i in ids)
    for resource in resources:
        href = resource.get("href", "")
        assert href in files, href
        assert [f.get("href") for f in resource if _local(f.tag)[1] == "file"] == [href]
        for dependency in (d for d in resource if _local(d.tag)[1] == "dependency"):
            assert dependency.get("identifierref") in ids
        if resource.get("type") != "imsqti_item_xmlv3p0":
            assert resource.get("type") == "webcontent"
            continue
        item = fromstring(files[href], forbid_dtd=True)
        assert _local(item.tag) == (QTI3_NS, "qti-assessment-item")
        for attribute in ("identifier", "title", "time-dependent"):
            assert item.get(attribute), attribute
        assert item.get("identifier") == resource.get("identifier")
        parts = [_local(child.tag)[1] for child in item]
        assert parts == sorted(parts, key=_ITEM_ORDER.index), parts
        body = item.find(f"{{{QTI3_NS}}}qti-item-body")
        assert body is not None
        for element in body.iter():
            assert _local(element.tag)[0] in (QTI3_NS, MATHML), element.tag
        # img and inline interactions are not allowed directly in the item body
        assert all(_local(child.tag)[1] not in ("img", "qti-text-entry-interaction") for child in body)
        declared = {d.get("identifier") for d in item if _local(d.tag)[1] == "qti-response-declaration"}
        for interaction in body.iter():
            if _local(interaction.tag)[1].endswith("-interaction"):
                assert interaction.get("response-identifier") in declared
        for choice in body.iter(f"{{{QTI3_NS}}}qti-simple-choice"):
            assert _IDENTIFIER.match(choice.get("identifier", ""))
    return files


def test_the_demo_course_exports_as_a_valid_package_that_imports_back_the_same(tmp_path: Path) -> None:
    pack = load_pack(DEMO_PACK_PATH)
    result = export_qti3(pack)
    assert result.data == export_qti3(pack).data  # deterministic
    assert len(result.exported) == 109
    assert Counter(reason.split(" (")[0].split(",")[0] for _, reason in result.skipped) == Counter(
        {
            "a template": 76,
            "a multi_step item": 26,
            "a numeric item with a unit": 8,
            "a numeric item with a tolerance": 5,
            "an expression item": 3,
        }
    )
    files = assert_structurally_valid(result.data)
    assert any(b'encoding="application/x-tex"' in data for data in files.values())
    (tmp_path / "demo.zip").write_bytes(result.data)
    back = convert_qti3(tmp_path / "demo.zip")
    assert back.skipped == []
    assert back.pack is not None
    original = {item.id: item for item in pack.items}
    for item in back.pack.items:
        before = original[item.id]
        assert item.type == before.type
        assert unescape(item.prompt) == unescape(before.prompt), item.id
        assert [(c.id, unescape(c.text)) for c in item.main.choices] == [
            (c.id, unescape(c.text)) for c in before.main.choices
        ]
        assert str(item.main.answer) == str(before.main.answer)
        assert (item.main.alternatives, item.main.case_sensitive) == (
            before.main.alternatives,
            before.main.case_sensitive,
        )


@pytest.mark.shared_data
def test_an_imported_package_exports_back(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(sample("v3p0/citolab_kennisnet-2"), folder)
    conversion = convert_qti3(folder)
    assert conversion.pack is not None
    result = export_qti3(conversion.pack)
    assert_structurally_valid(result.data)
    (tmp_path / "again.zip").write_bytes(result.data)
    again = convert_qti3(tmp_path / "again.zip")
    assert again.item_types == {
        "item011.xml": "single_choice",
        "item012.xml": "multiple_choice",
        "item013.xml": "multiple_choice",
    }
