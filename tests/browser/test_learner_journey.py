"""A whole learner journey on the demo course, in Chromium: sign in, see the map, choose a ready skill,
answer wrong, take a hint, answer right, reach mastery, see a new skill unlock, and, with the clock moved
forward 30 days, get a review. Screenshots of every stage go to artifacts/screenshots/ (docs/learners.md
shows them).

The clock is moved with the demo's test-only switch: a ``clock-offset-days`` file in the data folder,
read only in demo, debug and test mode (learnpath.web.learning.clock).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.model import Item, Step
from learnpath.content.pack import load_pack
from learnpath.content.templates import instantiate

pytestmark = pytest.mark.browser

PACK = load_pack(DEMO_PACK_PATH)
COURSE = PACK.meta.id
FIRST_SKILL = "place-value"
UNLOCKED = "add-subtract-regrouping"


def sign_in(page: Page, server: Any) -> None:
    username, password = server.accounts["learner"]
    page.goto(server.url + "/accounts/sign-in/")
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.get_by_label(re.compile("password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()


def variant(form: Locator) -> tuple[Item, Step]:
    """The item and part that a visible answer form is for, as the server made them (same seed)."""
    item_id = form.locator("input[name=item_id]").get_attribute("value") or ""
    seed = int(form.locator("input[name=seed]").get_attribute("value") or 0)
    step_id = form.locator("input[name=step_id]").get_attribute("value") or ""
    item = PACK.item(item_id)
    item = instantiate(item, seed) if item.is_template else item
    return item, (item.find_step(step_id) if step_id else item.main)


def answer_visible_part(page: Page, *, right: bool) -> None:
    form = page.locator("form.answer-form:visible").first
    _item, step = variant(form)
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


def answer_question_right(page: Page) -> None:
    """Answer every part of the open question right (a multi-step question part after part)."""
    for _ in range(10):
        if page.get_by_test_id("next").count():
            return
        answer_visible_part(page, right=True)
    raise AssertionError("the question did not finish")


def map_state(page: Page, skill_id: str) -> str:
    return page.locator(f"#map-{skill_id}").get_attribute("data-state") or ""


def test_learner_journey(page: Page, fresh_demo_server: Any, shot: Callable[[str], Path]) -> None:
    offset_file = fresh_demo_server.data_dir / "clock-offset-days"
    try:
        journey(page, fresh_demo_server, shot, offset_file)
    finally:
        offset_file.unlink(missing_ok=True)


def journey(page: Page, server: Any, shot: Callable[[str], Path], offset_file: Path) -> None:
    sign_in(page, server)
    page.get_by_test_id(f"practise-{COURSE}").click()

    # The map: one ready skill to start with, the rest not yet, each with its reason.
    expect(page.get_by_role("heading", name="My skill map")).to_be_visible()
    assert map_state(page, FIRST_SKILL) == "ready"
    assert map_state(page, UNLOCKED) == "not_yet"
    locked = page.locator(f"#map-{UNLOCKED}")
    assert "Place value" in (locked.get_attribute("title") or "")
    locked.locator("summary").click()  # tap: the reason shows
    expect(locked.locator(".why")).to_be_visible()
    expect(page.get_by_test_id("continue-reason")).to_contain_text("Place value")
    shot("journey-01-map")
    shot("readme-course-page")

    # Choose the ready skill from the board.
    page.get_by_test_id(f"choose-{FIRST_SKILL}").click()
    expect(page.get_by_test_id("prompt")).to_be_visible()
    expect(page.get_by_test_id("question-reason")).to_contain_text("You chose Place value")
    shot("journey-02-question")

    # Wrong, then a hint, then right.
    answer_visible_part(page, right=False)
    expect(page.get_by_test_id("feedback")).to_contain_text("Not quite")
    shot("journey-03-wrong")
    page.locator("button[data-testid^=hint-]:visible").first.click()
    expect(page.get_by_test_id("hint").first).to_be_visible()
    shot("journey-04-hint")
    answer_question_right(page)
    expect(page.get_by_test_id("feedback")).to_contain_text("Correct")
    shot("journey-05-right")

    # Keep going until Place value is mastered, and a new skill unlocks.
    for _ in range(12):
        if page.get_by_test_id("mastery-message").count():
            break
        with page.expect_navigation():
            page.get_by_test_id("next").click()
        answer_question_right(page)
    expect(page.get_by_test_id("mastery-message").first).to_contain_text("You mastered Place value")
    expect(page.get_by_text(re.compile("New skill unlocked: Adding and subtracting"))).to_be_visible()
    shot("journey-06-mastered")

    page.get_by_test_id("back-to-map").click()
    assert map_state(page, FIRST_SKILL) == "mastered"
    assert map_state(page, UNLOCKED) in ("ready", "in_progress")
    shot("journey-07-unlocked")

    # A month later: Place value is due for review, and Continue brings it back with the reason.
    offset_file.write_text("30\n", encoding="utf-8")
    page.reload()
    assert map_state(page, FIRST_SKILL) == "review_due"
    expect(page.get_by_test_id("continue-reason")).to_contain_text("Review")
    shot("journey-08-review-due")
    page.get_by_test_id("continue").click()
    expect(page.get_by_test_id("question-reason")).to_contain_text("Place value")
    answer_question_right(page)
    shot("journey-09-review")
