"""Accounts people can live with: change one's password and sign in with the new one; a teacher prints the
class sheet, gives a demo class learner a new password, and that learner signs in with it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

NEW_PASSWORD = "plum-kettle-harbour-42"
READABLE = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$")


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url + "/accounts/sign-in/")
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()
    page.wait_for_load_state()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile(r"sign out", re.I)).click()
    expect(page.get_by_role("link", name=re.compile(r"sign in", re.I)).first).to_be_visible()


def test_change_password_then_sign_in_with_the_new_one_and_a_teacher_reset(
    page: Page, fresh_demo_server: Any, sign_in_as: Any, tmp_path: Path
) -> None:
    server = fresh_demo_server
    username, old_password = server.accounts["learner"]
    sign_in_as(page, server, "learner")
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()

    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("Your current password is not right")
    page.screenshot(path=str(tmp_path / "01-wrong-current-password.png"), full_page=True)

    page.get_by_label("Current password").fill(old_password)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    page.screenshot(path=str(tmp_path / "02-password-changed.png"), full_page=True)
    sign_out(page)

    sign_in(page, server.url, username, old_password)
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    sign_in(page, server.url, username, NEW_PASSWORD)
    expect(page.get_by_role("button", name=re.compile(r"sign out", re.I))).to_be_visible()
    page.screenshot(path=str(tmp_path / "03-signed-in-with-new-password.png"), full_page=True)
    sign_out(page)

    # The teacher prints the class sheet and gives Amira (demo-class-01) a new password, shown once.
    sign_in_as(page, server, "teacher")
    page.get_by_role("link", name="My classes").click()
    page.get_by_role("link", name="Demo class 7B").first.click()
    page.get_by_role("link", name="Printable sign-in sheet and new passwords").click()
    expect(page.get_by_test_id("sign-in-address")).to_have_text(server.url + "/accounts/sign-in/")
    expect(page.get_by_role("cell", name="demo-class-14")).to_be_visible()
    page.get_by_role("button", name="New password for Amira K.").click()
    password = page.locator(".sheet-password").inner_text().strip()
    assert READABLE.match(password), password
    page.screenshot(path=str(tmp_path / "04-class-sheet-new-password.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="New password for Amira K.")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "05-class-sheet-printed.png"), full_page=True)
    page.emulate_media(media="screen")
    page.reload()
    expect(page.locator(".sheet-password")).to_have_count(0)
    sign_out(page)

    sign_in(page, server.url, "demo-class-01", password)
    expect(page.get_by_role("button", name=re.compile(r"sign out", re.I))).to_contain_text("Amira K.")
    # Another demo class learner signs in with the demo password printed by `learnpath demo`.
    sign_out(page)
    sign_in(page, server.url, "demo-class-02", old_password)
    expect(page.get_by_role("button", name=re.compile(r"sign out", re.I))).to_contain_text("Ben O.")
