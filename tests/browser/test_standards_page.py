"""A teacher reads the class by standard after an administrator imported the Common Core framework with
`learnpath standards`: codes with their statements, who mastered each, and the heatmap by standard; the
page passes the accessibility gate and is screenshotted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CCSS = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "interop"
    / "case"
    / "ccss_math_opensalt_2017.json"
)


def test_a_teacher_reads_the_class_by_standard(
    page: Page, demo_server: Any, sign_in_as: Any, shot: Callable[[str], Path]
) -> None:
    if not CCSS.exists():
        pytest.skip(f"the CASE samples are not at {CCSS} (see ../shared/data/interop/PROVENANCE.md)")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["LEARNPATH_DEMO"] = "1"
    command = [sys.executable, "-m", "learnpath.cli.main", "standards", str(CCSS)]
    command += ["--course", "numbers-to-equations", "--data-dir", str(demo_server.data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "61 of its skills' standards found" in done.stdout

    sign_in_as(page, demo_server, "teacher")
    page.goto(demo_server.url + "/classes/")
    page.get_by_test_id("overview").get_by_role("link").first.click()
    page.get_by_role("link", name="Standards", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("standards")
    expect(page.get_by_test_id("frameworks")).to_contain_text("Common Core State Standards for Mathematics")
    row = page.get_by_test_id("standard-row").filter(has_text="4.NBT.A.1")
    expect(row).to_contain_text("Recognize that in a multi-digit whole number")
    expect(row).to_contain_text("Place value")
    expect(row).to_contain_text(" of ")
    heatmap = page.get_by_test_id("standards-heatmap")
    header = heatmap.get_by_role("columnheader", name="4.NBT.A.1")
    expect(header).to_have_attribute("title", re.compile(r"^Recognize that in a multi-digit whole number"))
    shot("standards-01-class-by-standard")
