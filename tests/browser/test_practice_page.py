"""The practice page on a phone (390 x 844), in Chromium: a wrong answer stays in the box (or stays chosen)
and the focus is on the feedback, without any script. A screenshot goes to pytest's temporary folder (the
test prints its path)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack

from .conftest import give_wrong_answer, open_step

pytestmark = pytest.mark.browser

PACK = load_pack(DEMO_PACK_PATH)
COURSE = PACK.meta.id
FIRST_SKILL = "place-value"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_wrong_answer_is_kept_and_the_feedback_has_the_focus(
    phone: Page, fresh_demo_server: Any, sign_in_as: Any, tmp_path: Path
) -> None:
    page = phone
    sign_in_as(page, fresh_demo_server, "learner")
    page.goto(f"{fresh_demo_server.url}/learn/{COURSE}/")
    page.get_by_test_id(f"choose-{FIRST_SKILL}").click()
    expect(page.get_by_test_id("prompt")).to_be_visible()

    form, step = open_step(page)
    if step.type == "numeric":
        assert form.locator("input[name=response]").get_attribute("inputmode") in ("numeric", "decimal", None)
    given = give_wrong_answer(form, step)
    with page.expect_navigation():
        form.get_by_role("button", name="Check my answer").click()

    feedback = page.get_by_test_id("feedback")
    expect(feedback).to_contain_text("Not quite")
    # the focus is on the feedback, so a screen reader reads it and Tab goes on to the answer box
    assert page.evaluate("document.activeElement && document.activeElement.id") == "feedback"
    expect(feedback).to_be_focused()
    # the wrong answer is still there for the next try
    form = page.locator("form.answer-form:visible").first
    if step.type in ("single_choice", "multiple_choice"):
        expect(form.locator(f"input[name=response][value='{given}']")).to_be_checked()
        assert "you answered" not in (feedback.text_content() or "")
    else:
        expect(form.locator("input[name=response]")).to_have_value(given)
    # nothing sticks out sideways on the phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width

    path = tmp_path / "practice-wrong-answer-phone.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
