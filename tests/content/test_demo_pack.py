"""The demo course (learnpath.content.demo) is a complete, valid pack that a learner can use end to end."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from learnpath.content.checking import check_response
from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.model import ITEM_TYPES, Item, Pack, Step
from learnpath.content.pack import dump_pack, load_pack, validate_pack
from learnpath.content.templates import instantiate

SEEDS = range(50)


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(DEMO_PACK_PATH)


def _answerable_steps(item: Item) -> Iterator[Step]:
    """Every part a learner answers: the item itself, or its steps, and every scaffold."""
    parts = item.steps if item.type == "multi_step" else (item.main,)
    for part in parts:
        yield part
        yield from part.scaffolds


def _correct_response(step: Step) -> str | list[str]:
    if step.type == "multiple_choice":
        return list(step.answer) if not isinstance(step.answer, str) else [step.answer]
    return str(step.answer)


def _wrong_choices(step: Step) -> list[str | list[str]]:
    if step.type == "single_choice":
        return [choice.id for choice in step.choices if choice.id != step.answer]
    if step.type == "multiple_choice":
        answer = {step.answer} if isinstance(step.answer, str) else set(step.answer)
        wrong: list[str | list[str]] = []
        for choice in step.choices:
            flipped = answer ^ {choice.id}
            if flipped:
                wrong.append(sorted(flipped))
        return wrong
    return []


def _assert_checks(item: Item, label: str) -> None:
    for step in _answerable_steps(item):
        verdict = check_response(step, _correct_response(step))
        assert verdict.correct, f"{label} {step.id}: its own answer {step.answer!r} is graded {verdict}"
        for wrong in _wrong_choices(step):
            assert check_response(step, wrong).status == "incorrect", f"{label} {step.id}: {wrong!r}"
        for entry in step.feedback:
            response: str | list[str] = entry.answer
            if step.type == "multiple_choice":
                response = re.split(r"[,\s]+", str(entry.answer).strip())
            verdict = check_response(step, response)
            assert verdict.status == "incorrect", f"{label} {step.id}: feedback for {entry.answer!r}"
            assert verdict.feedback == entry.message, f"{label} {step.id}: feedback not shown"


def _depths(pack: Pack) -> dict[str, int]:
    prerequisites = {skill.id: skill.prerequisites for skill in pack.skills}
    depths: dict[str, int] = {}

    def depth(skill_id: str, seen: frozenset[str] = frozenset()) -> int:
        assert skill_id not in seen, f"cycle through {skill_id}"
        if skill_id not in depths:
            depths[skill_id] = 1 + max(
                (depth(p, seen | {skill_id}) for p in prerequisites[skill_id]), default=0
            )
        return depths[skill_id]

    for skill_id in prerequisites:
        depth(skill_id)
    return depths


def test_demo_pack_path_is_the_pack_folder() -> None:
    assert isinstance(DEMO_PACK_PATH, Path)
    assert (DEMO_PACK_PATH / "course.yaml").is_file()
    assert (DEMO_PACK_PATH / "skills.yaml").is_file()


def test_pack_validates_with_no_problems() -> None:
    assert [str(problem) for problem in validate_pack(DEMO_PACK_PATH)] == []


def test_course_metadata(pack: Pack) -> None:
    assert pack.meta.id == "numbers-to-equations"
    assert pack.meta.title
    assert pack.meta.license == "CC-BY-4.0"


def test_at_least_32_skills_each_described(pack: Pack) -> None:
    assert len(pack.skills) >= 32
    for skill in pack.skills:
        assert skill.name, skill.id
        assert skill.description, skill.id


def test_standards_are_ccss_codes(pack: Pack) -> None:
    code = re.compile(r"^[3-8]\.(OA|NBT|NF|RP|NS|EE)\.[A-C]\.\d+(\.[a-d])?$")
    aligned = [skill for skill in pack.skills if skill.standards]
    assert len(aligned) >= 30
    for skill in aligned:
        for standard in skill.standards:
            assert standard.framework == "CCSS.Math", skill.id
            assert code.match(standard.code), (skill.id, standard.code)


def test_prerequisites_form_a_connected_dag_of_depth_at_least_8(pack: Pack) -> None:
    ids = {skill.id for skill in pack.skills}
    depths = _depths(pack)
    assert max(depths.values()) >= 8
    assert sum(1 for skill in pack.skills if len(skill.prerequisites) >= 2) >= 8
    # Connected when edges are taken in both directions.
    neighbours: dict[str, set[str]] = {skill_id: set() for skill_id in ids}
    for skill in pack.skills:
        for prerequisite in skill.prerequisites:
            assert prerequisite in ids
            neighbours[skill.id].add(prerequisite)
            neighbours[prerequisite].add(skill.id)
    start = next(iter(ids))
    reached, frontier = {start}, [start]
    while frontier:
        for other in neighbours[frontier.pop()] - reached:
            reached.add(other)
            frontier.append(other)
    assert reached == ids


def test_every_skill_has_enough_items_and_templates(pack: Pack) -> None:
    items = Counter(skill for item in pack.items for skill in item.skills)
    templates = Counter(skill for item in pack.items if item.is_template for skill in item.skills)
    for skill in pack.skills:
        assert items[skill.id] >= 5, f"{skill.id} has {items[skill.id]} items"
        assert templates[skill.id] >= 2, f"{skill.id} has {templates[skill.id]} templates"


def test_every_item_has_hints_a_solution_and_a_difficulty(pack: Pack) -> None:
    for item in pack.items:
        assert 2 <= len(item.hints) <= 3, f"{item.id} has {len(item.hints)} hints"
        assert item.solution.strip(), item.id
        assert item.difficulty is not None, item.id
        assert -2.5 <= item.difficulty <= 2.5, item.id
        for step in item.steps:
            assert step.hints, f"{item.id} step {step.id} has no hints"


def test_every_item_type_is_used(pack: Pack) -> None:
    used = {item.type for item in pack.items}
    assert used == set(ITEM_TYPES)
    assert any(item.main.tolerance for item in pack.items)
    assert any(item.main.unit for item in pack.items)
    assert any(step.scaffolds for item in pack.items for step in item.steps)
    assert sum(1 for item in pack.items for step in _answerable_steps(item) if step.feedback) >= 100


def test_fixed_items_grade_their_own_answers(pack: Pack) -> None:
    for item in pack.items:
        if not item.is_template:
            _assert_checks(item, item.id)


def test_templates_instantiate_and_grade_for_50_seeds(pack: Pack) -> None:
    templates = [item for item in pack.items if item.is_template]
    assert len(templates) >= 2 * len(pack.skills)
    for template in templates:
        variants = set()
        for seed in SEEDS:
            variant = instantiate(template, seed)
            assert not variant.is_template
            leftover = re.search(r"\{[A-Za-z_]\w*\}", variant.prompt)
            assert leftover is None, f"{template.id} seed {seed}: {variant.prompt}"
            _assert_checks(variant, f"{template.id} seed {seed}")
            variants.add(variant.prompt)
        assert len(variants) >= 5, f"{template.id} gives only {len(variants)} different prompts"


def test_templates_keep_numbers_friendly(pack: Pack) -> None:
    number = re.compile(r"-?\d+(?:\.\d+)?")
    for template in (item for item in pack.items if item.is_template):
        for seed in SEEDS:
            variant = instantiate(template, seed)
            for text in [variant.prompt, *(step.prompt for step in variant.steps)]:
                for match in number.findall(text.replace(",", "")):
                    assert abs(float(match)) <= 10_000, f"{template.id} seed {seed}: {text}"


def test_resources_cover_three_modalities_and_every_skill(pack: Pack) -> None:
    modalities = Counter(resource.modality for resource in pack.resources)
    assert len(modalities) >= 3
    assert modalities["interactive"] >= 4
    assert modalities["project"] >= 1
    text_skills = {skill for r in pack.resources if r.modality == "text" for skill in r.skills}
    assert text_skills == {skill.id for skill in pack.skills}
    for resource in pack.resources:
        if resource.modality in ("text", "project"):
            assert len(resource.body.split()) >= 40, resource.id


def test_referenced_media_exist_and_are_self_contained(pack: Pack) -> None:
    referenced = {r.url.removeprefix("media/") for r in pack.resources if r.url.startswith("media/")}
    assert len(referenced) >= 4
    for resource in pack.resources:
        if resource.modality in ("interactive", "video"):
            assert resource.url.startswith("media/"), resource.id
    for name in referenced:
        path = DEMO_PACK_PATH / "media" / name
        assert path.is_file(), name
        assert name in pack.media
        html = path.read_text(encoding="utf-8")
        assert "<script" in html, name
        assert "<style" in html, name
        assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html), name
        assert "http://" not in html, name
        assert "https://" not in html, name
        assert len(html) < 20_000, name
    for name in pack.media:
        assert name in referenced, f"media/{name} is not used by any resource"


def test_project_board(pack: Pack) -> None:
    assert len(pack.projects) >= 4
    skill_ids = {skill.id for skill in pack.skills}
    for project in pack.projects:
        assert project.skills, project.id
        assert set(project.skills) <= skill_ids, project.id
        assert len(project.brief.split()) >= 40, project.id
        assert len(project.topics) >= 2, project.id
        assert len(project.formats) >= 2, project.id
        assert len(project.rubric) >= 3, project.id


@pytest.mark.browser
def test_widgets_run_in_a_browser_without_errors_or_network(browser: Browser) -> None:
    errors: list[str] = []
    requests: list[str] = []
    page = browser.new_page()
    try:
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("request", lambda request: requests.append(request.url))
        media = DEMO_PACK_PATH / "media"
        page.goto((media / "balance-scale.html").as_uri())
        page.select_option("#puzzle", "3,2,1,8")
        for button in ("#minus-x", "#minus-one", "#minus-one", "#share"):
            page.click(button)
        assert page.inner_text("#equation") == "x = 3"
        page.goto((media / "fraction-bars.html").as_uri())
        assert page.inner_text("#verdict").startswith("2/3 = 4/6")
        page.goto((media / "integer-number-line.html").as_uri())
        page.select_option("#op", "-")
        page.fill("#amount", "-4")
        assert page.inner_text("#sentence") == "-5 − (-4) = -1"
        page.goto((media / "percent-grid.html").as_uri())
        page.click("button[data-n='25']")
        assert page.inner_text("#readout") == "25 out of 100 = 25/100 = 1/4 = 0.25 = 25%"
        page.goto((media / "place-value-chart.html").as_uri())
        page.click("button[aria-label='add one tens']")
        assert page.inner_text("#number") == "The number is 4,093"
    finally:
        page.close()
    assert errors == []
    assert [url for url in requests if not url.startswith("file:")] == []


def test_pack_round_trips_through_dump(pack: Pack, tmp_path: Path) -> None:
    dump_pack(pack, tmp_path / "copy")
    assert load_pack(tmp_path / "copy").checksum() == pack.checksum()
