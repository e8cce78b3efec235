"""CASE framework packages: every published sample in ../shared/data/interop/case/ reads; what is not a
CASE package is refused with every reason; a skill's standards find their items by CASE identifier or by
code, whichever way the code is written, and never by a guess between two."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learnpath.content.importers.case import CasePackageError, case_package_read, code_key, standard_match
from learnpath.content.model import Standard
from learnpath.content.pack import load_pack

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "interop" / "case"
CCSS = SAMPLES / "ccss_math_opensalt_2017.json"
DEMO = Path(__file__).resolve().parents[2] / "src" / "learnpath" / "content" / "demo" / "numbers-to-equations"


def sample(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"the CASE samples are not at {path} (../shared/data/interop/case, see PROVENANCE.md)")
    return path


def test_every_published_package_reads() -> None:
    packages = sorted(sample(SAMPLES).rglob("*.json"))
    assert len(packages) == 8
    for path in packages:
        framework, warnings = case_package_read(path)
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert framework.title == raw["CFDocument"]["title"].strip()
        assert len(framework.items) == len(raw["CFItems"]), path.name
        assert warnings == [], (path.name, warnings)


def test_the_common_core_package_has_its_tree_and_codes() -> None:
    framework, _ = case_package_read(sample(CCSS))
    assert framework.title == "Common Core State Standards for Mathematics"
    assert len(framework.items) == 703
    by_code = {item.code: item for item in framework.items if item.code}
    standard = by_code["CCSS.Math.Content.4.NBT.A.1"]
    assert standard.statement.startswith("Recognize that in a multi-digit whole number")
    cluster = framework.by_identifier()[standard.parent]
    assert cluster.code == "CCSS.Math.Content.4.NBT.A"
    assert cluster.item_type == "Cluster"


def test_every_standard_of_the_demo_course_is_in_the_common_core_package() -> None:
    framework, _ = case_package_read(sample(CCSS))
    pack = load_pack(DEMO)
    codes = [(skill.id, s.code) for skill in pack.skills for s in skill.standards]
    assert len(codes) > 50
    missing = [code for code in codes if standard_match(framework, Standard(code=code[1])) is None]
    assert missing == []
    # written the corestandards.org way (4.NF.B.3.a), found as the package writes it (4.NF.B.3a)
    component = standard_match(framework, Standard(code="4.NF.B.3.a"))
    assert component is not None
    assert component.code == "CCSS.Math.Content.4.NF.B.3a"


def test_matching_is_by_identifier_first_and_never_a_guess() -> None:
    framework, _ = case_package_read(sample(CCSS))
    by_code = {item.code: item for item in framework.items if item.code}
    target = by_code["CCSS.Math.Content.6.RP.A.1"]
    # the identifier wins over a code that says something else
    assert standard_match(framework, Standard(code="4.NBT.A.1", case_id=target.identifier)) == target
    assert standard_match(framework, Standard(code="6.RP.A.1", case_id="no-such-id")) is None
    # "1" ends many codes: no single item fits, so none is chosen
    assert standard_match(framework, Standard(code="1")) is None
    assert standard_match(framework, Standard(code="")) is None
    assert code_key("ccss.math.content.4.nf.b.3a") == code_key("CCSS.Math.Content.4.NF.B.3.a")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "a JSON object with CFDocument and CFItems"),
        (b'{"CFItems": []}', "there is no CFDocument"),
        (b'{"CFDocument": {"identifier": "x", "title": "T"}}', "there is no CFItems list"),
        (b'{"CFDocument": {"title": "T"}, "CFItems": []}', "CFDocument has no identifier"),
        (b'{"CFDocument": {"identifier": "x", "title": "T"}, "CFItems": [{"identifier": "a"}]}',
         "no item of CFItems has an identifier and a fullStatement"),
    ],
)  # fmt: skip
def test_what_is_not_a_case_package_is_refused_with_its_reason(content: bytes, says: str) -> None:
    with pytest.raises(CasePackageError) as refused:
        case_package_read(content)
    assert any(says in problem for problem in refused.value.problems), refused.value.problems


def test_items_that_cannot_be_used_are_left_out_and_said() -> None:
    package = {
        "CFDocument": {"identifier": "fw", "title": "Small"},
        "CFItems": [
            {"identifier": "a", "fullStatement": "First", "humanCodingScheme": "S.1"},
            {"identifier": "a", "fullStatement": "Again"},
            {"fullStatement": "No identifier"},
            "not an object",
        ],
        "CFAssociations": [
            {
                "associationType": "isChildOf",
                "originNodeIdentifier": "a",
                "destinationNodeIdentifier": "ghost",
            }
        ],
    }
    framework, warnings = case_package_read(json.dumps(package).encode())
    assert [item.identifier for item in framework.items] == ["a"]
    assert warnings == [
        "CFItems[1]: identifier a appears twice; the first is kept",
        "CFItems[2] has no identifier or no fullStatement; left out",
        "CFItems[3] is not an object; left out",
        "1 item(s) are children of identifiers the package does not have",
    ]
