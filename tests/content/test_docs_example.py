"""The examples in docs/content-packs.md form one valid pack: collect, write and load them."""

from __future__ import annotations

import re
from pathlib import Path

from learnpath.content.checking import check_response
from learnpath.content.pack import dump_pack, load_pack
from learnpath.content.templates import instantiate

DOC = Path(__file__).parents[2] / "docs" / "content-packs.md"
_BLOCK = re.compile(r"```yaml\n# (?P<file>[\w./-]+\.yaml)\n(?P<body>.*?)```", re.DOTALL)


def _write_example(folder: Path) -> None:
    files: dict[str, str] = {}
    for match in _BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        files[match["file"]] = files.get(match["file"], "") + match["body"]
    assert {"course.yaml", "skills.yaml", "resources.yaml", "projects.yaml"} <= set(files)
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def test_the_documented_example_pack_loads(tmp_path: Path) -> None:
    _write_example(tmp_path)
    pack = load_pack(tmp_path)
    assert pack.meta.id == "numbers-to-equations"
    assert {item.type for item in pack.items} == {
        "single_choice",
        "multiple_choice",
        "numeric",
        "expression",
        "short_text",
        "multi_step",
    }
    assert check_response(pack.item("frac-of-length").main, "7.5 cm").correct
    assert check_response(pack.item("frac-of-length").main, "2.5").feedback
    template = instantiate(pack.item("add-fractions-like"), seed=4)
    assert "\\frac{" in template.prompt
    assert check_response(template.main, str(template.main.answer)).correct


def test_the_documented_example_round_trips(tmp_path: Path) -> None:
    _write_example(tmp_path / "authored")
    pack = load_pack(tmp_path / "authored")
    dump_pack(pack, tmp_path / "canonical")
    again = load_pack(tmp_path / "canonical")
    assert again == pack
    assert again.checksum() == pack.checksum()
