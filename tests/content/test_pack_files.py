"""Reading pack folders: malformed and hostile files each give a clear problem, never another error."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from learnpath.content import pack as pack_module
from learnpath.content.pack import PackValidationError, Problem, load_pack, validate_pack

from .conftest import BASICS


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(BASICS, target)
    return target


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_malformed_yaml_gives_the_line_number(folder: Path) -> None:
    (folder / "skills.yaml").write_text("- id: a\n  name: A\n- id: [b\n", encoding="utf-8")
    problem = _only(validate_pack(folder))
    assert problem.file == "skills.yaml"
    assert problem.line == 4
    assert str(problem).startswith("skills.yaml: line 4: YAML syntax error:")


def test_aliases_and_anchors_are_refused_billion_laughs(folder: Path) -> None:
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]" for i in range(8)
    ]
    (folder / "course.yaml").write_text("\n".join(laughs) + "\n", encoding="utf-8")
    problem = _only(validate_pack(folder))
    assert problem.file == "course.yaml"
    assert "anchors and aliases" in problem.reason


def test_non_utf8_bytes_are_reported_with_their_line(folder: Path) -> None:
    (folder / "items" / "latin1.yaml").write_bytes(b"- id: caf\xe9\n")
    problem = _only(validate_pack(folder))
    assert str(problem) == "items/latin1.yaml: line 1: not UTF-8 text (byte 0xe9); save the file as UTF-8"


def test_control_characters_are_reported(folder: Path) -> None:
    (folder / "items" / "nul.yaml").write_bytes(b"- id: a\x00b\n")
    problem = _only(validate_pack(folder))
    assert problem.reason.startswith("the character U+0000 is not allowed in YAML")


def test_oversized_files_are_refused_before_reading(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_module, "MAX_YAML_BYTES", 100)
    (folder / "items" / "big.yaml").write_text("- " + "x" * 200 + "\n", encoding="utf-8")
    problems = validate_pack(folder)
    assert Problem("items/big.yaml", "", "larger than the 0 MB limit") in problems


def test_too_many_item_files(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_module, "MAX_ITEM_FILES", 3)
    for index in range(4):
        (folder / "items" / f"extra{index}.yaml").write_text("[]\n", encoding="utf-8")
    assert Problem("items/", "", "more than 3 files") in validate_pack(folder)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symbolic_links_are_refused(folder: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n", encoding="utf-8")
    (folder / "media" / "leak.txt").symlink_to(secret)
    (folder / "items" / "linked.yaml").symlink_to(folder / "items" / "algebra.yaml")
    problems = validate_pack(folder)
    assert Problem("items/linked.yaml", "", "a symbolic link; packs may not contain links") in problems
    assert Problem("media/leak.txt", "", "a symbolic link; packs may not contain links") in problems


def test_hard_links_are_refused(folder: Path, tmp_path: Path) -> None:
    """A hard link to a file outside the pack looks like a regular file; it is refused, so an import
    never copies (and the app never serves) a file the pack's author could not read (issue 12)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n", encoding="utf-8")
    os.link(secret, folder / "media" / "leak.txt")
    outside = tmp_path / "items-copy.yaml"
    shutil.copy(folder / "items" / "algebra.yaml", outside)
    os.link(outside, folder / "items" / "linked.yaml")
    problems = validate_pack(folder)
    assert Problem("items/linked.yaml", "", pack_module.HARD_LINK) in problems
    assert Problem("media/leak.txt", "", pack_module.HARD_LINK) in problems


def test_deep_nesting_is_refused(folder: Path) -> None:
    (folder / "items" / "deep.yaml").write_text("[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    problem = _only(validate_pack(folder))
    assert "nested more than" in problem.reason


def test_python_tags_are_refused(folder: Path) -> None:
    (folder / "items" / "tags.yaml").write_text(
        "- !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8"
    )
    problems = validate_pack(folder)
    assert problems
    assert all(p.file == "items/tags.yaml" for p in problems)
    assert "not allowed" in problems[0].reason


def test_duplicate_keys_are_reported_with_their_line(folder: Path) -> None:
    text = (folder / "course.yaml").read_text(encoding="utf-8") + "title: Again\n"
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    problem = _only(validate_pack(folder))
    assert str(problem) == "course.yaml: title: duplicate key 'title'"
    assert problem.line == text.count("\n")


def test_missing_files_and_misnamed_files(folder: Path) -> None:
    (folder / "course.yaml").rename(folder / "course.yml")
    shutil.rmtree(folder / "items")
    problems = validate_pack(folder)
    assert [str(p) for p in problems] == [
        "course.yaml: missing: every pack has one",
        "items/: missing: items/*.yaml holds the items",
        "course.yml: rename it to course.yaml",
    ]


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(PackValidationError) as caught:
        load_pack(tmp_path / "nowhere")
    assert "not a folder" in str(caught.value)


def test_yaml_1_1_surprises_stay_text(folder: Path) -> None:
    (folder / "items" / "norway.yaml").write_text(
        "- id: country-code\n"
        "  type: short_text\n"
        "  skills: [fractions-meaning]\n"
        "  prompt: The two-letter code of Norway, in lower case?\n"
        "  answer: no\n"
        "  alternatives: [1:30, 'on', 2024-01-01]\n",
        encoding="utf-8",
    )
    item = load_pack(folder).item("country-code")
    assert item.main.answer == "no"
    assert item.main.alternatives == ("1:30", "on", "2024-01-01")


def test_a_wrong_top_level_shape_is_a_problem_not_a_crash(folder: Path) -> None:
    (folder / "skills.yaml").write_text("just some text\n", encoding="utf-8")
    (folder / "items" / "mapping.yaml").write_text("a: 1\n", encoding="utf-8")
    (folder / "resources.yaml").write_text("- 1\n- [2]\n", encoding="utf-8")
    texts = [str(p) for p in validate_pack(folder)]
    assert "skills.yaml: expected a list, got the text 'just some text'" in texts
    assert "items/mapping.yaml: expected a list, got a mapping" in texts
    assert "resources.yaml: [0]: expected a mapping (key: value lines), got the number 1" in texts


def test_one_unreadable_items_file_does_not_hide_problems_in_the_others(folder: Path) -> None:
    (folder / "items" / "broken.yaml").write_text("- [\n", encoding="utf-8")
    text = (folder / "items" / "algebra.yaml").read_text(encoding="utf-8")
    (folder / "items" / "algebra.yaml").write_text(
        text.replace("expressions-linear", "nowhere"), encoding="utf-8"
    )
    problems = validate_pack(folder)
    assert [p.file for p in problems] == ["items/algebra.yaml", "items/broken.yaml"]
    assert str(problems[0]) == "items/algebra.yaml: [0].skills[0]: unknown skill 'nowhere'"


def test_semantic_problems_carry_the_line_of_their_value(folder: Path) -> None:
    path = folder / "items" / "fractions.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    answer_line = lines.index("  answer: 3/4") + 1
    path.write_text(
        "\n".join(lines).replace("  answer: 3/4", "  answer: three quarters") + "\n", encoding="utf-8"
    )
    problem = _only(validate_pack(folder))
    assert problem.path == "[3].answer"
    assert problem.line == answer_line


def test_a_folder_with_many_problems_reports_them_all_in_file_order() -> None:
    problems = [str(p) for p in validate_pack(BASICS.parent / "many-problems")]
    assert problems == [
        "course.yaml: format_version: format version 2 is not supported; "
        "this learnpath reads format version 1",
        "course.yaml: id: 'Many Problems' is not a valid id: an id uses lowercase letters, digits, '.', '_' "
        "and '-', starts with a letter or digit, max 80",
        "skills.yaml: prerequisites form a cycle: ratios -> rates -> ratios",
        "skills.yaml: [1].prerequisites[1]: unknown prerequisite 'fractions-basics'",
        "skills.yaml: [2].id: duplicate skill id 'rates' (first used in skills.yaml [1])",
        "items/choices.yaml: [0].answer: 'e' is not among the choices a, b, c",
        "items/choices.yaml: [1].id: duplicate item id 'pick' (first used in items/choices.yaml [0])",
        "items/choices.yaml: [1].tolerance: 'tolerance' is not used by short_text items",
        "items/numbers.yaml: [0].skills[0]: unknown skill 'unknown-skill'",
        "items/numbers.yaml: [0].answer: the answer 'one and a half' is not a number "
        "(Write a number, such as 12, -3.5, 3/4 or 1 1/2.)",
        "items/numbers.yaml: [1].answer: the answer cannot be read: unknown variable: Unknown name 'x'. "
        "The variables are: y. List every variable under 'variables'.",
        "items/numbers.yaml: [2].constraints: no values met the constraints in 1000 draws (last reason: the "
        "constraints were false for every draw); widen the parameter ranges or relax the constraints",
        "items/numbers.yaml: [3].prompt: the placeholder {b} names no parameter or computed value",
        "items/syntax.yaml: line 5: YAML syntax error: while parsing a flow sequence, expected ',' or ']', "
        "but got '<stream end>'",
        "resources.yaml: [0]: a video resource needs 'transcript'",
        "resources.yaml: [0].url: 'media/clip.mp4' is not in the pack's media folder",
    ]


def test_the_yaml_of_a_whole_pack_is_capped(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    total = sum(p.stat().st_size for p in folder.rglob("*.yaml"))
    monkeypatch.setattr(pack_module, "MAX_PACK_YAML_BYTES", total - 1)
    problems = validate_pack(folder)
    assert problems
    assert problems[-1].reason.startswith("not read: the pack's YAML files pass")


@pytest.mark.parametrize("escape", ["\\0", "\\x07", "\\x1b"])
def test_a_control_character_written_as_a_yaml_escape_is_reported(folder: Path, escape: str) -> None:
    """A raw NUL is a YAML error; written as an escape ("\\0") it is valid YAML and used to pass, then
    crash the PostgreSQL import (text cannot hold NUL). It is refused with the field named (issue 12)."""
    course = folder / "course.yaml"
    text = course.read_text(encoding="utf-8")
    course.write_text(text.replace("title: ", f'title: "Bad{escape}" # was: ', 1), encoding="utf-8")
    problem = _only(validate_pack(folder))
    assert problem.file == "course.yaml"
    assert "control character" in problem.reason
    assert "title" in str(problem)
