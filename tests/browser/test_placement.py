"""Placement in a real browser on the demo: a learner checks what they know (some answers right, some
wrong, one "I haven't learned this yet"), pauses and resumes, reads the summary, and the map shows what
was placed and why; a teacher sets the class's cap. Screenshots go to artifacts/screenshots/
(docs/placement.md shows them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack
from learnpath.content.templates import instantiate
from learnpath.engine.skill_graph import SkillGraph

pytestmark = pytest.mark.browser

PACK = load_pack(DEMO_PACK_PATH)
COURSE = PACK.meta.id
GRAPH = SkillGraph.build(
    [(skill.id, skill.name) for skill in PACK.skills],
    [(prerequisite, skill.id) for skill in PACK.skills for prerequisite in skill.prerequisites],
)


def sign_in(page: Page, server: Any, role: str) -> None:
    username, password = server.accounts[role]
    page.goto(server.url + "/accounts/sign-in/")
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.get_by_label(re.compile("password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()


def answer(page: Page, *, right: bool) -> None:
    """Answer the placement question on screen, right or wrong (the test knows the demo pack)."""
    form = page.locator("form.answer-form")
    item = PACK.item(form.locator("input[name=item_id]").get_attribute("value") or "")
    seed = int(form.locator("input[name=seed]").get_attribute("value") or 0)
    step = (instantiate(item, seed) if item.is_template else item).main
    if step.type in ("single_choice", "multiple_choice"):
        wanted = set(step.answer) if step.type == "multiple_choice" else {step.answer}
        if not right:
            wanted = {next(c.id for c in step.choices if c.id not in wanted)}
        for choice in wanted:
            form.locator(f"input[name=response][value='{choice}']").check()
    else:
        text = str(step.answer) if right else ("no idea" if step.type == "short_text" else "987654321")
        form.locator("input[name=response]").fill(text)
    with page.expect_navigation():  # the form posts; wait for the page it loads
        form.get_by_role("button", name="Check my answer").click()


def asked_skill_depth(page: Page) -> int:
    item = PACK.item(page.locator("form.answer-form input[name=item_id]").get_attribute("value") or "")
    return GRAPH.depth(item.skills[0])


def test_a_learner_takes_placement_and_the_map_reflects_it(
    page: Page, demo_server: Any, shot: Callable[[str], Path]
) -> None:
    sign_in(page, demo_server, "learner")
    page.goto(f"{demo_server.url}/learn/{COURSE}/")
    panel = page.get_by_test_id("placement-panel")
    expect(panel).to_be_visible()
    if page.get_by_test_id("placement-offer-start").count():  # a learner with no history is offered it
        shot("placement-01-offer")
        page.get_by_test_id("placement-offer-start").click()
    else:  # the learner practised already (another browser test ran first): a re-check, on request
        page.get_by_test_id("placement-check").click()
        page.get_by_test_id("placement-start").click()

    expect(page.get_by_test_id("placement-progress")).to_contain_text("Question 1")
    shot("placement-02-question")
    rights = wrongs = 0
    said_not_learned = False
    for number in range(1, 41):
        # The previous answer loads either the next question or the summary: wait for one of them
        # (checking for the summary at once would race the page load).
        progress = page.get_by_test_id("placement-progress")
        summary = page.get_by_test_id("placement-summary")
        expect(progress.filter(has_text=re.compile(rf"Question {number}\b")).or_(summary)).to_be_visible()
        if summary.count():
            break
        if number == 4:  # pause: leave for the map, then resume exactly where it stopped
            page.get_by_test_id("pause").click()
            expect(page.get_by_test_id("placement-resume")).to_be_visible()
            expect(page.get_by_test_id("placement-panel")).to_contain_text("paused after 3 questions")
            shot("placement-03-paused")
            page.get_by_test_id("placement-resume").click()
            expect(page.get_by_test_id("placement-progress")).to_contain_text("Question 4")
        # A learner who knows the first levels of the course and not the later ones, and says so once.
        depth = asked_skill_depth(page)
        if not said_not_learned and (depth > 2 or number == 6):
            said_not_learned = True
            page.get_by_test_id("not-learned").click()
            continue
        right = depth <= 2
        answer(page, right=right)
        rights += right
        wrongs += not right
    else:
        raise AssertionError("placement did not finish within 40 questions")
    assert rights > 0
    assert wrongs > 0
    assert said_not_learned

    summary = page.get_by_test_id("placement-summary")
    expect(summary).to_contain_text(re.compile(r"You already know \d+ skills?; we'll start you at "))
    expect(page.get_by_test_id("placed-known").locator("li").first).to_be_visible()
    expect(page.get_by_test_id("placed-to-learn")).to_contain_text("you said you haven't learned")
    shot("placement-04-summary")

    page.get_by_test_id("to-map").click()
    expect(page.get_by_role("heading", name="My skill map")).to_be_visible()
    mastered = page.locator(".map-skill[data-state=mastered]")
    expect(mastered.first).to_be_visible()
    known = mastered.filter(has=page.locator(".placed", has_text="Placed as known")).first
    known.locator("summary").click()
    expect(known.locator(".placed")).to_be_visible()
    to_learn = page.locator(".map-skill", has=page.locator(".placed", has_text="To learn")).first
    to_learn.locator("summary").click()
    expect(page.get_by_test_id("placement-last")).to_contain_text("You already know")
    shot("placement-05-map")


def test_a_teacher_sets_the_class_cap(page: Page, demo_server: Any, shot: Callable[[str], Path]) -> None:
    sign_in(page, demo_server, "teacher")
    page.get_by_role("link", name="My classes").click()
    page.get_by_role("link", name="Demo class 7B").click()
    class_id = re.search(r"/classes/(\d+)/", page.url)
    assert class_id is not None
    page.goto(f"{demo_server.url}/classes/{class_id.group(1)}/placement/")
    expect(page.get_by_test_id("cap-now")).to_contain_text("at most 20 questions (the default)")
    page.get_by_test_id("cap-input").fill("15")
    page.get_by_test_id("cap-save").click()
    expect(page.get_by_test_id("cap-now")).to_contain_text("at most 15 questions")
    shot("placement-06-teacher-cap")
