"""The teacher's flows on the demo: enrol learners from a CSV file (preview, then confirm), read the
cockpit, open a learner's drill-down, assign a skill with a due date, and record an intervention."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

CSV = (
    b"username,display_name\n"
    b"new.amira,Amira New\n"
    b"new.ben,Ben New\n"
    b"new.ben,Ben Again\n"
    b"demo-guardian,Not a learner\n"
    b'new.cleo,=HYPERLINK("x")\n'
)


def sign_in(page: Page, server: Any, role: str) -> None:
    username, password = server.accounts[role]
    page.goto(server.url + "/accounts/sign-in/")
    page.get_by_label(re.compile("username", re.I)).fill(username)
    page.get_by_label(re.compile("password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()


def open_demo_class(page: Page) -> None:
    page.get_by_role("link", name="My classes").click()
    page.get_by_role("link", name="Demo class 7B").click()
    expect(page.get_by_role("heading", name="Demo class 7B")).to_be_visible()


def test_teacher_enrols_learners_from_csv(page: Page, demo_server: Any, shot: Callable[[str], Path]) -> None:
    sign_in(page, demo_server, "teacher")
    open_demo_class(page)
    shot("teacher-01-class")
    page.get_by_role("link", name="Enrol from CSV").click()
    page.get_by_label("Class list (CSV)").set_input_files(
        files=[{"name": "class-list.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("New account")
    expect(preview).to_contain_text("the same username as line 3")
    # A username held by someone who cannot join reads like a free one (decision 0075).
    expect(preview).not_to_contain_text("cannot join")
    expect(preview).to_contain_text("formula")
    expect(page.get_by_text("2 rows with errors will be skipped")).to_be_visible()
    shot("teacher-02-csv-preview")
    page.get_by_role("button", name="Enrol 3 learners").click()
    expect(page.get_by_role("heading", name=re.compile("Enrolled 2 learners"))).to_be_visible()
    expect(page.get_by_test_id("passwords")).to_contain_text("new.amira")
    expect(page.get_by_test_id("taken")).to_contain_text("demo-guardian")
    shot("teacher-03-csv-enrolled")
    page.get_by_role("link", name="Back to the class").click()
    expect(page.get_by_role("link", name="Amira New")).to_be_visible()


def test_teacher_reads_the_cockpit_and_a_learner(
    page: Page, demo_server: Any, shot: Callable[[str], Path]
) -> None:
    sign_in(page, demo_server, "teacher")
    open_demo_class(page)
    page.get_by_role("link", name="Cockpit").first.click()
    expect(page.get_by_role("heading", name=re.compile("cockpit"))).to_be_visible()
    heatmap = page.get_by_test_id("heatmap")
    expect(heatmap).to_be_visible()
    expect(heatmap.locator("td.heat-mastered").first).to_be_visible()
    help_now = page.get_by_test_id("needs-help")
    expect(help_now.locator(".signal").first).to_be_visible()
    expect(help_now.locator(".action").first).to_be_visible()
    shot("teacher-04-cockpit")
    heatmap.get_by_role("link", name="Amira K.").click()
    expect(page.get_by_role("heading", name="Amira K.")).to_be_visible()
    expect(page.locator("svg.mastery-chart polyline").first).to_be_visible()
    expect(page.get_by_test_id("timeline").locator("li").first).to_be_visible()
    shot("teacher-05-drill-down")


def test_teacher_assigns_a_skill_and_shifts_the_date(
    page: Page, demo_server: Any, shot: Callable[[str], Path]
) -> None:
    sign_in(page, demo_server, "teacher")
    open_demo_class(page)
    page.get_by_role("link", name="Pacing guide").click()
    skill = page.get_by_label("Skill", exact=True)
    skill.select_option(index=6)
    chosen = skill.locator("option:checked").inner_text()
    page.get_by_label("Due", exact=True).fill("2030-03-01")
    page.get_by_label("For", exact=True).select_option(label="Whole class")
    page.get_by_role("button", name="Assign").click()
    row = page.get_by_test_id("targets").locator("tr", has_text=chosen)
    expect(row).to_contain_text("01 Mar 2030")
    row.get_by_role("checkbox").check()
    page.get_by_label(re.compile("Move due dates")).fill("7")
    page.get_by_role("button", name="Move dates").click()
    expect(page.get_by_test_id("targets").locator("tr", has_text=chosen)).to_contain_text("08 Mar 2030")
    shot("teacher-06-pacing")


def test_teacher_records_an_intervention(page: Page, demo_server: Any, shot: Callable[[str], Path]) -> None:
    sign_in(page, demo_server, "teacher")
    open_demo_class(page)
    page.get_by_role("link", name="Cockpit").first.click()
    # Ben O. has practised the skill he is behind on (not mastered yet), so "then" and "now" have numbers.
    ben = page.get_by_test_id("needs-help").locator(
        ".flag", has=page.get_by_role("link", name="Ben O.", exact=True)
    )
    behind = ben.locator(".signal", has_text="Behind the pacing guide").first
    behind.get_by_role("link", name="Record what you did").click()
    page.get_by_label("What you did").select_option(label="One-to-one")
    page.get_by_label("Note").fill("Worked through two examples at the board together.")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Intervention recorded")).to_be_visible()
    item = page.get_by_test_id("intervention").first
    expect(item).to_contain_text("Worked through two examples")
    expect(item).to_contain_text("One-to-one")
    expect(item.get_by_role("columnheader", name="P(mastered) then")).to_be_visible()
    shot("teacher-07-intervention")
