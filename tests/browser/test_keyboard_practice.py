"""Practice with the keyboard only (issue 11): sign in, open the course, choose a skill, answer, read the
feedback (the focus moves to it) and go on to the next question, with Tab, Shift+Tab, arrows, Space, Enter
and typing, never the mouse. Each stop is checked to be reachable in a sensible number of Tab presses."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack

from .conftest import open_step

pytestmark = pytest.mark.browser

PACK = load_pack(DEMO_PACK_PATH)
COURSE = PACK.meta.id
FIRST_SKILL = "place-value"
MOST_TABS = 40
"""No stop of the journey may be further than this many Tab presses from where the page starts."""


def tab_to(page: Page, test: str, what: str) -> None:
    """Press Tab until ``test`` (JavaScript on ``el``, the focused element) holds; fail after MOST_TABS."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({test}); }})()"):
            return
    raise AssertionError(f"{what} is not reachable with {MOST_TABS} Tab presses on {page.url}")


def test_practice_with_the_keyboard_only(page: Page, fresh_demo_server: Any) -> None:
    server = fresh_demo_server
    username, password = server.accounts["learner"]
    page.goto(server.url + "/accounts/sign-in/")
    tab_to(page, "el.name === 'username'", "the username box")
    page.keyboard.type(username)
    tab_to(page, "el.name === 'password'", "the password box")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.goto(f"{server.url}/learn/{COURSE}/")
    # The skill map is long (a stop per skill); its first link jumps over it to the choices.
    tab_to(page, "el.dataset.testid === 'jump-to-board'", "Jump to what to practise next")
    page.keyboard.press("Enter")
    tab_to(page, f"el.dataset.testid === 'choose-{FIRST_SKILL}'", "the skill's Practise button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("prompt")).to_be_visible()

    for question in range(2):
        form, step = open_step(page)
        if step.type == "single_choice":
            tab_to(page, "el.name === 'response' && el.type === 'radio'", "the choices")
            for _ in range(len(step.choices) + 1):
                if form.locator(f"input[name=response][value='{step.answer}']").is_checked():
                    break
                page.keyboard.press("ArrowDown")
            expect(form.locator(f"input[name=response][value='{step.answer}']")).to_be_checked()
        elif step.type == "multiple_choice":
            right = set(step.answer)
            for _ in step.choices:
                tab_to(page, "el.name === 'response' && el.type === 'checkbox'", "the next choice")
                value = page.evaluate("document.activeElement.value")
                if value in right:
                    page.keyboard.press("Space")
        else:
            tab_to(page, "el.name === 'response'", "the answer box")
            answer = str(step.answer) + (f" {step.unit}" if step.unit_required else "")
            page.keyboard.type(answer)
        tab_to(page, "el.textContent.trim() === 'Check my answer'", "Check my answer")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        feedback = page.get_by_test_id("feedback")
        expect(feedback).to_be_focused()  # a screen reader reads it at once
        expect(feedback).not_to_contain_text("Not quite")
        # Shift+Tab from the feedback goes back up the page; Tab goes on to what comes next.
        tab_to(page, "el.dataset.testid === 'next'", f"Next question after question {question + 1}")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_test_id("prompt")).to_be_visible()
