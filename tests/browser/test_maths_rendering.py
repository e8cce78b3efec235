"""Maths in a real browser: a practice question of the demo course with fractions shows MathML (rendered
on the server, no script), also on a phone-sized screen without sideways scrolling. Screenshots go to
pytest's temporary folder (the test prints their paths)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from learnpath.cli.simulate import demo_graph
from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack
from learnpath.content.templates import instantiate

pytestmark = pytest.mark.browser

PACK = load_pack(DEMO_PACK_PATH)
COURSE = PACK.meta.id
GRAPH = demo_graph()
# Placement: the learner knows the whole-number skills (up to division) and nothing after them, so the
# fraction skills, whose questions are full of maths, are the ones to practise next.
KNOWN_DEPTH = 3
FRACTION_SKILLS = ("fractions-meaning", "fractions-add-like", "fractions-equivalent")


# The elements that stick out to the right of the screen (none on a page that fits).
WIDER_THAN_THE_SCREEN = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
    + " " + Math.round(e.getBoundingClientRect().right))"""


def answer_right(page: Page, form: Locator) -> None:
    item = PACK.item(form.locator("input[name=item_id]").get_attribute("value") or "")
    seed = int(form.locator("input[name=seed]").get_attribute("value") or 0)
    step = (instantiate(item, seed) if item.is_template else item).main
    if step.type in ("single_choice", "multiple_choice"):
        wanted = set(step.answer) if step.type == "multiple_choice" else {step.answer}
        for choice in wanted:
            form.locator(f"input[name=response][value='{choice}']").check()
    else:
        form.locator("input[name=response]").fill(str(step.answer))
    with page.expect_navigation():
        form.get_by_role("button", name="Check my answer").click()


def take_placement(page: Page, server: Any) -> None:
    page.goto(f"{server.url}/learn/{COURSE}/")
    page.get_by_test_id("placement-offer-start").click()
    for number in range(1, 61):
        progress = page.get_by_test_id("placement-progress")
        summary = page.get_by_test_id("placement-summary")
        expect(progress.filter(has_text=re.compile(rf"Question {number}\b")).or_(summary)).to_be_visible()
        if summary.count():
            return
        form = page.locator("form.answer-form")
        item = PACK.item(form.locator("input[name=item_id]").get_attribute("value") or "")
        if GRAPH.depth(item.skills[0]) <= KNOWN_DEPTH:
            answer_right(page, form)
        else:
            with page.expect_navigation():
                page.get_by_test_id("not-learned").click()
    raise AssertionError("placement did not finish within 60 questions")


def practise_until_maths(page: Page, server: Any) -> Locator:
    """Open practice on a fraction skill and skip questions until one shows maths; its first <math>."""
    page.goto(f"{server.url}/learn/{COURSE}/")
    offered = [page.get_by_test_id(f"choose-{s}") for s in FRACTION_SKILLS]
    choose = next((button for button in offered if button.count()), page.get_by_test_id("continue"))
    with page.expect_navigation():
        choose.first.click()
    for _ in range(15):
        maths = page.locator("article.question math")
        if maths.count():
            return maths.first
        with page.expect_navigation():
            page.get_by_test_id("skip").click()
        with page.expect_navigation():
            page.get_by_test_id("next").click()
    raise AssertionError("no practice question with maths came up")


def test_a_practice_question_shows_mathml_on_desktop_and_phone(
    page: Page, fresh_demo_server: Any, sign_in_as: Any, tmp_path: Path
) -> None:
    sign_in_as(page, fresh_demo_server, "learner")
    take_placement(page, fresh_demo_server)
    maths = practise_until_maths(page, fresh_demo_server)
    expect(maths).to_be_visible()
    assert maths.get_attribute("alttext")
    box = maths.bounding_box()
    assert box is not None
    assert box["height"] > 10  # typeset, with a fraction's height, not a line of LaTeX source
    question = page.locator("article.question")
    expect(question).not_to_contain_text("\\frac")
    expect(question).not_to_contain_text("$")
    desktop = tmp_path / "maths-practice-desktop.png"
    page.screenshot(path=str(desktop), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    expect(maths).to_be_visible()
    phone = tmp_path / "maths-practice-phone.png"
    page.screenshot(path=str(phone), full_page=True)
    wide = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert not wide, f"wider than a 390 px phone screen: {wide}"

    # The worked solution (and a hint, where there is one) are maths too, in paragraphs of their own.
    if page.get_by_test_id("hint-main").count():
        with page.expect_navigation():
            page.get_by_test_id("hint-main").click()
    with page.expect_navigation():
        page.get_by_test_id("show-solution").click()
    solution = page.get_by_test_id("solution")
    expect(solution).to_be_visible()
    expect(solution).not_to_contain_text("**")
    expect(question).not_to_contain_text("\\frac")
    solved = tmp_path / "maths-solution-phone.png"
    page.screenshot(path=str(solved), full_page=True)
    wide = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert not wide, f"wider than a 390 px phone screen: {wide}"
    print(f"screenshots: {desktop} {phone} {solved}")
