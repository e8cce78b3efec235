"""Readable evidence in Chromium: after the demo learner answers a question, the teacher's page for that
learner names the question and what the learner answered, never the item's or the choice's id."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack

pytestmark = pytest.mark.browser

PACK = load_pack(DEMO_PACK_PATH)
COURSE = PACK.meta.id
FIRST_SKILL = "place-value"


def answer_wrong(page: Page) -> tuple[str, str]:
    """Answer the visible part of the open question wrong; returns (item id, what was answered)."""
    form = page.locator("form.answer-form:visible").first
    item_id = form.locator("input[name=item_id]").get_attribute("value") or ""
    item = PACK.item(item_id)
    if item.main.type in ("single_choice", "multiple_choice"):
        right = set(item.main.answer) if item.main.type == "multiple_choice" else {item.main.answer}
        choice = next(c for c in item.main.choices if c.id not in right)
        form.locator(f"input[name=response][value='{choice.id}']").check()
        answered = choice.text
    else:
        answered = "987654321"
        form.locator("input[name=response]").fill(answered)
    with page.expect_navigation():
        form.get_by_role("button", name="Check my answer").click()
    return item_id, answered


def test_teacher_reads_the_question_and_answer_of_an_attempt(
    page: Page, fresh_demo_server: Any, sign_in_as: Any, tmp_path: Path
) -> None:
    sign_in_as(page, fresh_demo_server, "learner")
    page.get_by_test_id(f"practise-{COURSE}").click()
    page.get_by_test_id(f"choose-{FIRST_SKILL}").click()
    expect(page.get_by_test_id("prompt")).to_be_visible()
    item_id, answered = answer_wrong(page)
    expect(page.get_by_test_id("feedback")).to_be_visible()

    page.context.clear_cookies()
    sign_in_as(page, fresh_demo_server, "teacher")
    page.get_by_role("link", name="My classes").click()
    page.get_by_role("link", name="Demo class 7B").click()
    page.get_by_role("link", name="Dana Learner").first.click()
    expect(page.get_by_role("heading", name="Dana Learner")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    latest = timeline.locator("li").first
    expect(latest).to_contain_text("Answered")
    expect(latest).to_contain_text(answered)
    expect(latest.locator(".evidence-question")).not_to_be_empty()
    expect(timeline).not_to_contain_text(item_id)
    expect(timeline).not_to_contain_text(re.compile(r"“[a-d]”"))
    page.screenshot(path=str(tmp_path / "teacher-learner-timeline.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'teacher-learner-timeline.png'}")
