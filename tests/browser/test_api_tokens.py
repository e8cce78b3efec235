"""A teacher makes an API token in the browser, copies it once, sees another system use it, and revokes it:
the page is checked by axe-core (the accessibility gate) and screenshotted at each step."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _api_status(url: str, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the local demo
            return response.status, {"courses": json.loads(response.read())}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_teacher_makes_uses_and_revokes_an_api_token(
    page: Page, demo_server: Any, sign_in_as: Any, shot: Callable[[str], Path]
) -> None:
    sign_in_as(page, demo_server, "teacher")
    page.goto(demo_server.url + "/accounts/settings/")
    page.get_by_role("link", name="Tokens that let another system use the API as you").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()

    # Nothing ticked: refused, said why, nothing made, the name kept.
    page.get_by_label("Name").fill("Reading dashboard")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one thing the token may do.")
    expect(page.get_by_label("Name")).to_have_value("Reading dashboard")
    shot("api-tokens-01-refused")

    page.get_by_label("Read the courses and skills you can see").check()
    page.get_by_label("Works for").select_option("30")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_test_id("new-token")).to_contain_text("Copy it now")
    token = page.get_by_label("Token", exact=True).input_value()
    assert token.startswith("lp_")
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    expect(page.get_by_test_id("token-row")).to_contain_text("courses:read")
    expect(page.get_by_test_id("token-row")).to_contain_text("never")
    shot("api-tokens-02-made")

    status, body = _api_status(demo_server.url + "/api/courses", token)
    assert status == 200
    assert body["courses"]
    status, body = _api_status(demo_server.url + "/api/coaching/plan", token)
    assert status == 403
    assert body["scope"] == "coaching:read"

    # The secret is shown once: not after a reload.
    page.goto(demo_server.url + "/accounts/tokens/")
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    assert token not in page.content()
    expect(page.get_by_test_id("token-row")).not_to_contain_text("never")  # used just now

    page.get_by_role("button", name="Revoke Reading dashboard").click()
    expect(page.get_by_role("status")).to_contain_text("Token revoked")
    expect(page.get_by_test_id("token-row")).to_contain_text("revoked")
    shot("api-tokens-03-revoked")
    status, body = _api_status(demo_server.url + "/api/courses", token)
    assert status == 401
    assert "revoked" in body["detail"]
