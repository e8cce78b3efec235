"""Data rights on the demo (decision 0076): a guardian exports their child's data, as a page and as a JSON
download, then deletes it; afterwards no model holds anything of the child's and the audit log shows both
actions."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

# Run in a separate process on the demo's own database (the server keeps running): every model scanned by
# the privacy app's registry, and the audit rows about the child.
SCAN = """
import json, sys
from learnpath.web import bootstrap
bootstrap.setup_django()
from learnpath.web.accounts.models import AuditEntry
from learnpath.web.privacy import registry
user_id, needles = int(sys.argv[1]), sys.argv[2:]
left = registry.personal_data_left(user_id=user_id, needles=needles)
audit = AuditEntry.objects.filter(target_type="user", target_id=str(user_id)).order_by("id")
print(json.dumps({
    "left": [[x.model, x.reason, x.rows] for x in left],
    "audit": [[a.action, a.actor.username if a.actor else None] for a in audit],
}))
"""


def scan(server: Any, user_id: int, needles: list[str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(LEARNPATH_DATA_DIR=str(server.data_dir), LEARNPATH_DEMO="1")
    done = subprocess.run(
        [sys.executable, "-c", SCAN, str(user_id), *needles],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_guardian_exports_then_deletes_their_childs_data(
    page: Page, fresh_demo_server: Any, sign_in_as: Any, shot: Callable[[str], Path]
) -> None:
    server = fresh_demo_server
    sign_in_as(page, server, "guardian")
    page.goto(server.url + "/guardian/")
    page.get_by_role("link", name="Dana Learner").click()
    page.get_by_role("link", name=re.compile("Dana Learner’s data")).click()
    expect(page.get_by_role("heading", name="Everything learnpath holds about Dana Learner")).to_be_visible()
    expect(page.get_by_role("heading", name="Practice and progress")).to_be_visible()
    shot("privacy-01-guardian-reads-data")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-json").click()
    exported = json.loads(Path(download_info.value.path()).read_text())
    person = exported["apps"]["accounts"]["person"]
    assert (person["username"], person["display_name"]) == ("demo-learner", "Dana Learner")
    assert exported["apps"]["accounts"]["guardian_links"][0]["guardian"] == "Gita Guardian"
    child_id = int(exported["person_id"])
    before = scan(server, child_id, ["demo-learner", "Dana Learner"])
    assert before["left"]  # the scan does see the child's data while it is there

    page.get_by_role("navigation", name="Data rights").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete Dana Learner’s account and data")).to_be_visible()
    shot("privacy-02-guardian-deletes")
    page.get_by_label(re.compile("to confirm")).fill("dleete")
    page.get_by_role("button", name="Delete everything").click()
    expect(page.get_by_role("alert")).to_contain_text("to confirm")
    page.get_by_label(re.compile("to confirm")).fill("delete")
    page.get_by_role("button", name="Delete everything").click()
    expect(page.get_by_role("heading", name="The data is deleted")).to_be_visible()
    shot("privacy-03-deleted")

    # The child is gone from the guardian's learners, and their data page looks like any missing one.
    page.get_by_role("link", name="Back to data rights").click()
    expect(page.get_by_text("Dana Learner")).to_have_count(0)
    response = page.goto(f"{server.url}/privacy/people/{child_id}/")
    assert response is not None
    assert response.status == 404

    after = scan(server, child_id, ["demo-learner", "Dana Learner"])
    assert after["left"] == []
    actions = [action for action, actor in after["audit"] if actor == "demo-guardian"]
    assert actions.count("privacy.export") == 2  # the page and the download
    assert "privacy.delete_request" in actions
    assert actions[-1] == "privacy.delete"
