"""The newcomer's first minute: README command (a) serves the demo; the demo learner signs in and sees
the demo course's skills."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack


def sign_in(page: Page, server: Any, role: str) -> None:
    username, password = server.accounts[role]
    page.goto(server.url + "/")
    page.get_by_role("link", name=re.compile(r"sign in", re.I)).first.click()
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.get_by_label(re.compile("password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()


def test_demo_learner_signs_in_and_sees_the_course_skills(
    page: Page, demo_server: Any, shot: Callable[[str], Path]
) -> None:
    pack = load_pack(DEMO_PACK_PATH)
    page.goto(demo_server.url + "/")
    shot("01-home-signed-out")

    sign_in(page, demo_server, "learner")
    expect(page.get_by_role("link", name=pack.meta.title)).to_be_visible()
    shot("02-home-signed-in")

    page.get_by_role("link", name=pack.meta.title).click()
    expect(page.get_by_role("heading", name=pack.meta.title)).to_be_visible()
    for skill in pack.skills:
        expect(page.get_by_text(skill.name, exact=True).first).to_be_visible()
    shot("03-course-skills")


def test_wrong_password_is_refused_with_a_message(
    page: Page, demo_server: Any, shot: Callable[[str], Path]
) -> None:
    username, _ = demo_server.accounts["learner"]
    page.goto(demo_server.url + "/")
    page.get_by_role("link", name=re.compile(r"sign in", re.I)).first.click()
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.get_by_label(re.compile("password", re.I)).fill("not-the-password")
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()
    expect(
        page.get_by_text(re.compile(r"(didn't|did not|doesn't|not) match|incorrect|try again", re.I)).first
    ).to_be_visible()
    shot("04-sign-in-refused")


def test_signed_out_visitor_cannot_see_courses(page: Page, demo_server: Any) -> None:
    pack = load_pack(DEMO_PACK_PATH)
    page.goto(f"{demo_server.url}/")
    expect(page.get_by_role("link", name=pack.meta.title)).to_have_count(0)


def test_too_many_wrong_passwords_slow_the_account_and_say_how_long(
    page: Page, demo_server: Any, shot: Callable[[str], Path]
) -> None:
    # an account name of its own, so the demo accounts other tests use are not held
    page.goto(demo_server.url + "/accounts/sign-in/")
    for _ in range(10):
        page.get_by_label(re.compile("username", re.I)).fill("someone-guessing")
        page.get_by_label(re.compile("password", re.I)).fill("not-the-password")
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    page.get_by_label(re.compile("password", re.I)).fill("another-guess")
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()
    held = page.get_by_test_id("sign-in-throttled")
    # a device the account does not know waits, from seconds growing to minutes (decision 0073)
    expect(held).to_contain_text(
        re.compile(r"Too many wrong passwords for this account.*wait \d+ (seconds|minutes?) and try again")
    )
    expect(page.get_by_label(re.compile("username", re.I))).to_have_value("someone-guessing")
    shot("05-sign-in-held")
