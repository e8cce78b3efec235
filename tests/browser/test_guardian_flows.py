"""The guardian's flows on the demo: a guardian links with a one-time code, given by the school (a teacher)
or by the learner, and reads the learner's progress; the learner sees who can see their data."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect


def sign_in(page: Page, server: Any, role: str) -> None:
    username, password = server.accounts[role]
    page.goto(server.url + "/accounts/sign-in/")
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.get_by_label(re.compile("password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Sign out")).click()


def link(page: Page, code: str) -> None:
    page.get_by_role("link", name="My learners").first.click()
    page.get_by_label("Code").fill(code.lower())
    page.get_by_label(re.compile("You are their")).fill("parent")


def test_guardian_links_with_the_schools_code_and_views(
    page: Page, demo_server: Any, shot: Callable[[str], Path]
) -> None:
    sign_in(page, demo_server, "teacher")
    page.get_by_role("link", name="My classes").click()
    page.get_by_role("link", name="Demo class 7B").click()
    page.get_by_role("link", name="Amira K.").click()
    page.get_by_role("button", name=re.compile("one-time code for a guardian")).click()
    code = page.get_by_test_id("guardian-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code)
    sign_out(page)

    sign_in(page, demo_server, "guardian")
    link(page, code)
    shot("guardian-02-link-form")
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("heading", name="Amira K.")).to_be_visible()
    expect(page.get_by_test_id("practise-together")).to_be_visible()
    expect(page.get_by_text(re.compile(r"skills mastered"))).to_be_visible()
    shot("guardian-03-learner-view")

    # A used code does not work again, and a learner this guardian is not linked to is not there.
    link(page, code)
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_text(re.compile("That code does not work"))).to_be_visible()
    response = page.goto(demo_server.url + "/guardian/learners/999999/")
    assert response is not None
    assert response.status == 404


def test_learner_gives_a_code_and_sees_who_can_see_their_data(
    page: Page, demo_server: Any, shot: Callable[[str], Path]
) -> None:
    sign_in(page, demo_server, "learner")
    page.get_by_role("link", name="Who sees my data").first.click()
    page.get_by_role("button", name="Make a code for a guardian").click()
    code = page.get_by_test_id("guardian-code").inner_text().strip()
    shot("guardian-01-learner-code")
    viewers = page.get_by_test_id("viewers")
    expect(viewers).to_contain_text("Tomás Teacher")
    expect(viewers).to_contain_text("Gita Guardian")
    shot("guardian-04-who-sees-my-data")
    sign_out(page)

    sign_in(page, demo_server, "guardian")
    link(page, code)
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("heading", name="Dana Learner")).to_be_visible()
    page.get_by_role("link", name="My learners").first.click()
    expect(page.get_by_role("link", name="Dana Learner")).to_be_visible()
