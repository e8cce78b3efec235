"""A teacher's day on the demo, in a real browser with the accessibility gate: a learner writes a
reflection; the teacher sees it counted in the menu, reads the overview of their classes and the inbox,
marks the inbox seen, opens the learner, overrides a mastery with a reason, and gives a learner a new
password from the class sheet."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

REFLECTION = "Equivalent fractions finally clicked when I drew them"


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile(r"sign out", re.I)).click()
    expect(page.get_by_role("link", name=re.compile(r"sign in", re.I)).first).to_be_visible()


def test_a_teachers_day_overview_inbox_override_and_a_new_password(
    page: Page, fresh_demo_server: Any, sign_in_as: Any, shot: Callable[[str], Path]
) -> None:
    server = fresh_demo_server
    sign_in_as(page, server, "learner")
    page.goto(server.url + "/me/reflections/")
    page.get_by_label("What went well?").fill(REFLECTION)
    page.get_by_label("What will you try next time?").fill("Thirds and sixths")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(REFLECTION)).to_be_visible()
    sign_out(page)

    sign_in_as(page, server, "teacher")
    expect(page.get_by_test_id("inbox-new")).to_have_text("1 new")
    page.get_by_role("link", name="My classes").click()
    overview = page.get_by_test_id("overview")
    expect(overview).to_contain_text("Demo class 7B")
    expect(overview).to_contain_text("1 new piece of work")
    expect(overview.get_by_test_id("needs-help").first).to_be_visible()
    shot("teacher-day-01-overview")

    page.get_by_test_id("inbox-link").click()
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    work = page.get_by_test_id("inbox-work")
    expect(work).to_contain_text(REFLECTION[:40])
    expect(work).to_contain_text("new")
    expect(page.get_by_test_id("inbox-flags")).to_be_visible()
    shot("teacher-day-02-inbox")
    page.get_by_role("button", name=re.compile(r"Mark all as seen")).click()
    expect(page.get_by_role("status")).to_contain_text("marked as seen")
    expect(page.get_by_test_id("inbox-new")).to_have_count(0)

    # From the inbox to the learner: a mastery override with a reason the learner reads.
    work.get_by_role("link", name="Dana Learner").first.click()
    form = page.get_by_test_id("override-form")
    course = form.locator('input[name="course"]').get_attribute("value")
    form.get_by_label("Skill").select_option(index=0)
    form.get_by_label("Mastered", exact=True).check()
    form.get_by_label(re.compile("Reason")).fill("Showed it on the board with three examples.")
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("overrides")).to_contain_text("Showed it on the board with three examples.")
    shot("teacher-day-03-override")

    # A new password for a learner of the demo class, from the printable sheet.
    page.goto(server.url + "/classes/")
    page.get_by_role("link", name="Demo class 7B").first.click()
    page.get_by_role("link", name="Printable sign-in sheet and new passwords").click()
    page.get_by_role("button", name="New password for Amira K.").click()
    expect(page.locator(".sheet-password")).to_have_count(1)
    sign_out(page)

    # The learner reads the reason on their course page: an override is never silent.
    sign_in_as(page, server, "learner")
    page.goto(f"{server.url}/learn/{course}/")
    expect(page.get_by_text("Showed it on the board with three examples.").first).to_be_visible()
    expect(page.get_by_text(re.compile("Your teacher marked it mastered")).first).to_be_visible()
