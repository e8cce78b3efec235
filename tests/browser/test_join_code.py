"""Joining with a class code on a phone (390×844): the demo teacher shows the class code, a new learner
signs up with it from the sign-in page (no e-mail, a made password shown once) and lands in the course.
Screenshots go to tmp_path."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack

PHONE = {"width": 390, "height": 844}


def fits_the_width(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def test_the_teacher_shows_the_code_and_a_new_learner_signs_up_and_lands_in_the_course(
    browser: Browser, fresh_demo_server: Any, sign_in_as: Any, tmp_path: Path
) -> None:
    server = fresh_demo_server
    course_title = load_pack(DEMO_PACK_PATH).meta.title

    teacher = browser.new_context(viewport=PHONE)
    teacher_page = teacher.new_page()
    sign_in_as(teacher_page, server, "teacher")
    teacher_page.goto(server.url + "/classes/")
    teacher_page.get_by_role("link", name=re.compile("Demo class 7B")).first.click()
    code_box = teacher_page.get_by_test_id("join-code")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    assert re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}", code)
    expect(teacher_page.get_by_test_id("join-address")).to_contain_text("/accounts/join/")
    code_box.scroll_into_view_if_needed()
    teacher_page.screenshot(path=str(tmp_path / "01-teacher-class-code-390x844.png"))
    fits_the_width(teacher_page)

    learner = browser.new_context(viewport=PHONE)
    page = learner.new_page()
    page.goto(server.url + "/accounts/sign-in/")
    page.get_by_role("link", name="Join your class").click()
    expect(page.get_by_role("heading", name="Join your class")).to_be_visible()
    assert page.locator('input[type="email"]').count() == 0
    page.screenshot(path=str(tmp_path / "02-join-form-390x844.png"), full_page=True)
    fits_the_width(page)

    # a mistyped code first: one plain line, nothing made
    page.get_by_label("Class code").fill("k7dm-f3wa")
    page.get_by_label("Your name").fill("Noor B.")
    page.get_by_label("Make a password for me").check()
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_test_id("join-error")).to_have_text(re.compile("No class takes that code"))
    page.screenshot(path=str(tmp_path / "03-join-wrong-code-390x844.png"), full_page=True)

    page.get_by_label("Class code").fill(code.upper())
    page.get_by_label("Make a password for me").check()
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_role("heading", name="Welcome to Demo class 7B")).to_be_visible()
    username = page.get_by_test_id("new-username").inner_text().strip()
    password = page.get_by_test_id("new-password").inner_text().strip()
    assert username == "noor-b"
    assert re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", password)
    page.screenshot(path=str(tmp_path / "04-welcome-once-390x844.png"), full_page=True)
    fits_the_width(page)

    page.get_by_test_id("join-continue").click()
    expect(page.get_by_role("heading", name=course_title).first).to_be_visible()
    page.screenshot(path=str(tmp_path / "05-landed-in-course-390x844.png"))

    # the teacher sees the new learner in the class
    teacher_page.reload()
    expect(teacher_page.get_by_role("link", name="Noor B.")).to_be_visible()

    # and the made password works for signing in again
    third = browser.new_context(viewport=PHONE)
    again = third.new_page()
    again.goto(server.url + "/accounts/sign-in/")
    again.get_by_label("Username").fill(username)
    again.get_by_label("Password").fill(password)
    again.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(again.get_by_role("link", name=course_title).first).to_be_visible()
    for page_ in (again, page, teacher_page):
        page_.wait_for_load_state()
    for context in (third, learner, teacher):
        context.close()
