"""Open Badges on the demo (decision 0091): the demo learner's teacher marks a skill mastered, the learner
finds it on the Badges page, claims the badge (no name in it unless they tick the box), downloads the
signed file, pastes it into the public verify page and reads "Valid"; once revoked, the same file reads
"Not valid" with the reason. Every page passes the accessibility gate and is screenshotted."""

from __future__ import annotations

import json
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

# Run in a separate process on the demo's own database (the server keeps running): the demo teacher marks
# the learner's first skill of the demo course mastered, through learning's api (a learner event).
MASTER = """
import json, sys
from learnpath.web import bootstrap
bootstrap.setup_django()
from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack
from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import User
from learnpath.web.learning import api as learning_api
course = load_pack(DEMO_PACK_PATH).meta.id
learner = accounts_api.person_by_username(username=sys.argv[1])
teacher = User.objects.get(username=sys.argv[2])
skill_id, name = learning_api.course_skill_names(course_id=course)[0]
learning_api.mastery_override(
    teacher=teacher, learner_id=learner.id, course_id=course, skill_id=skill_id, direction="mastered",
    reason="Shown in class.", idempotency_key="badges-browser-test",
)
print(json.dumps({"skill": name}))
"""


def master_first_skill(server: Any) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(LEARNPATH_DATA_DIR=str(server.data_dir), LEARNPATH_DEMO="1")
    done = subprocess.run(
        [sys.executable, "-c", MASTER, server.accounts["learner"][0], server.accounts["teacher"][0]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    name: str = json.loads(done.stdout.strip().splitlines()[-1])["skill"]
    return name


def test_a_learner_claims_a_badge_and_anyone_verifies_it(
    page: Page, fresh_demo_server: Any, sign_in_as: Any, shot: Callable[[str], Path]
) -> None:
    server = fresh_demo_server
    skill = master_first_skill(server)
    sign_in_as(page, server, "learner")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("header").get_by_role("link", name="Badges").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My badges")
    card = page.get_by_test_id("claimable").filter(has_text=skill)
    expect(card).to_be_visible()
    expect(card.get_by_label("Put my name in the badge")).not_to_be_checked()
    shot("badges-01-claimable")

    card.get_by_role("button", name=f"Claim the badge for {skill}").click()
    expect(page.get_by_role("status")).to_contain_text("is ready to download")
    badge = page.get_by_test_id("credential").filter(has_text=skill)
    expect(badge).to_be_visible()
    shot("badges-02-claimed")

    with page.expect_download() as download_info:
        badge.get_by_role("link", name=re.compile("^Download the badge")).click()
    token = Path(download_info.value.path()).read_text().strip()
    assert token.count(".") == 2
    json_link = badge.get_by_role("link", name=re.compile(r"\(JSON\)$")).get_attribute("href")
    credential = page.request.get(server.url + str(json_link)).json()
    assert credential["credentialSubject"]["achievement"]["name"] == skill
    assert "identifier" not in credential["credentialSubject"]  # no name: the box was not ticked

    # Anyone (signed out) pastes it into the public verify page.
    page.goto(server.url + "/accounts/sign-in/")
    page.context.clear_cookies()
    page.goto(server.url + "/credentials/verify/")
    page.get_by_label("The credential").fill(token)
    page.get_by_role("button", name="Check").click()
    verdict = page.get_by_test_id("verdict")
    expect(verdict.get_by_role("heading", level=2)).to_have_text("Valid")
    expect(verdict.get_by_test_id("checks")).to_contain_text("signature verified")
    shot("badges-03-verified-valid")

    # The learner revokes it; the same file is now refused, and says why.
    sign_in_as(page, server, "learner")
    page.goto(server.url + "/me/badges/")
    page.get_by_role("button", name=f"Revoke the badge {skill}").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    page.goto(server.url + "/credentials/verify/")
    page.get_by_label("The credential").fill(token)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("verdict").get_by_role("heading", level=2)).to_have_text("Not valid")
    expect(page.get_by_test_id("reasons")).to_contain_text("revoked on")
    shot("badges-04-verified-revoked")
