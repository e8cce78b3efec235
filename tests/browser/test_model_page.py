"""The admin's learner-model page after a refit: `learnpath fit` on the demo's own answers, then the page
shows the new version, its held-out scores and the calibration plot against the model it replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack


def test_admin_sees_the_model_in_use_after_a_refit(
    page: Page, fresh_demo_server: Any, shot: Callable[[str], Path], sign_in_as: Any
) -> None:
    course = load_pack(DEMO_PACK_PATH).meta.id
    url = f"{fresh_demo_server.url}/learn/{course}/model/"
    sign_in_as(page, fresh_demo_server, "admin")
    page.goto(url)
    expect(page.get_by_text("starting model")).to_be_visible()
    shot("01-model-page-prior")

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["LEARNPATH_DEMO"] = "1"
    command = [sys.executable, "-m", "learnpath.cli.main", "fit", course, "--min-answers", "50"]
    done = subprocess.run(
        [*command, "--data-dir", str(fresh_demo_server.data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "fitted fit-1" in done.stdout, done.stdout
    served = "serving it" in done.stdout

    page.goto(url)
    latest = page.get_by_test_id("latest-refit")
    expect(latest.get_by_role("heading", name="Latest refit: fit-1")).to_be_visible()
    expect(page.get_by_test_id("latest-verdict")).to_contain_text("Served" if served else "Not served")
    expect(page.get_by_test_id("calibration-chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("model-versions").get_by_role("cell", name="fit-1")).to_be_visible()
    if served:
        # the server looks the served model up again within 10 s (course_model.SERVED_VERSION_TTL)
        page.wait_for_timeout(10_500)
        page.goto(url)
        expect(page.get_by_test_id("model-version")).to_have_text("fit-1")
    else:
        expect(page.get_by_test_id("model-version-prior")).to_be_visible()
    shot("02-model-page-after-refit")

    # a learner cannot see it
    page.context.clear_cookies()
    sign_in_as(page, fresh_demo_server, "learner")
    response = page.goto(url)
    assert response is not None
    assert response.status == 404
