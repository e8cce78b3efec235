"""Issue 14: learnpath inside an LMS, in Chromium. An administrator registers the test LMS with
`learnpath lti add`; the course's instructor, launched from the LMS's "add an activity" screen, deep-links
one skill into the LMS; a learner opens that link, practises to mastery, and the LMS's gradebook receives
the mastery (sent by `learnpath lti send-grades`, the job the worker runs every 5 minutes).

The LMS is a real LTI 1.3 platform implementation (``lti1p3platform``) served from this test process
(tests/web/lti_platform.py); learnpath is the demo server. Every learnpath page passes the accessibility
gate and is screenshotted."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.test_learner_journey import COURSE, FIRST_SKILL, answer_question_right
from tests.conftest import shooter
from tests.web.lti_platform import INSTRUCTOR, LEARNER, Platform

pytestmark = pytest.mark.browser


@pytest.fixture
def lms(fresh_demo_server: Any) -> Iterator[Platform]:
    platform = Platform(tool_base=fresh_demo_server.url)
    platform.user("ines-1", "Ines Ito", [INSTRUCTOR])
    platform.user("lena-1", "Lena Lopez", [LEARNER])
    yield platform
    platform.close()


def learnpath(server: Any, *arguments: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["LEARNPATH_DEMO"] = "1"
    command = [sys.executable, "-m", "learnpath.cli.main", *arguments, "--data-dir", str(server.data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_learner_launched_from_the_lms_practises_to_mastery_and_the_gradebook_gets_it(
    page: Page, browser: Browser, fresh_demo_server: Any, lms: Platform, shot: Callable[[str], Path]
) -> None:
    endpoints = lms.endpoints
    out = learnpath(
        fresh_demo_server,
        "lti",
        "add",
        "--organisation",
        "demo-school",
        "--name",
        "Test LMS",
        "--issuer",
        endpoints["issuer"],
        "--client-id",
        lms.client_id,
        "--auth-login-url",
        endpoints["auth_login_url"],
        "--token-url",
        endpoints["auth_token_url"],
        "--keyset-url",
        endpoints["key_set_url"],
        "--deployment",
        lms.deployment_id,
    )
    assert "Registered Test LMS" in out

    # The instructor adds learnpath to the LMS course, choosing one skill.
    page.goto(lms.launch_url("ines-1", deep_link=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose what the LMS link opens")
    shot("lti-01-deep-link-choice")
    course = page.get_by_test_id("deep-link-course").first
    course.get_by_test_id("deep-link-skill").select_option(FIRST_SKILL)
    course.get_by_role("button", name="Link this skill").click()
    expect(page.locator("#added")).to_contain_text("Place value")
    [link] = [link for link in lms.links.values() if link.custom.get("skill") == FIRST_SKILL]
    assert link.custom == {"course": COURSE, "skill": FIRST_SKILL}

    # A learner opens the link in the LMS: no learnpath sign-in, straight to the skill's questions.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    learner_page = context.new_page()
    learner_page.set_default_timeout(15_000)
    learner_shot = shooter(learner_page)
    learner_page.goto(lms.launch_url("lena-1", link=link))
    expect(learner_page.get_by_test_id("prompt")).to_be_visible()
    expect(learner_page.get_by_test_id("question-reason")).to_contain_text("Place value")
    learner_shot("lti-02-learner-lands-on-the-skill")
    answer_question_right(learner_page)
    for _ in range(12):
        if learner_page.get_by_test_id("mastery-message").count():
            break
        with learner_page.expect_navigation():
            learner_page.get_by_test_id("next").click()
        answer_question_right(learner_page)
    expect(learner_page.get_by_test_id("mastery-message").first).to_contain_text("You mastered Place value")
    learner_shot("lti-03-mastered")

    # The worker's job sends the mastery to the gradebook.
    assert learnpath(fresh_demo_server, "lti", "send-grades").startswith("1 grades sent")
    score = lms.score(link, "lena-1")
    assert score is not None
    assert (score["scoreGiven"], score["scoreMaximum"]) == (1, 1)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert score["comment"] == "Mastered 1 of 1 skills: Place value"
    context.close()

    # The instructor opens the link: the class's LMS page shows the grade sent.
    page.goto(lms.launch_url("ines-1", link=link))
    expect(page.get_by_test_id("lti-links")).to_contain_text("Place value")
    expect(page.get_by_test_id("lti-links").locator("tbody td").nth(2)).to_have_text("1")
    shot("lti-04-class-lms-page")
