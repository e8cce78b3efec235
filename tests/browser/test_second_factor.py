"""A teacher sets up an authenticator app and signs in with a code (decision 0080), in a demo started with
enforcement on (LEARNPATH_REQUIRE_SECOND_FACTOR=1; the demo keeps it off by default).

The codes are computed here from the secret the page shows as text, as an app does (RFC 6238), at the
demo server's clock (this machine's): the second sign-in uses the code of the next 30-second step, which
the server accepts (one step either side) and which was never used, so nothing waits.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import hotp
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def code_at(secret: bytes, when: float) -> str:
    return f"{hotp(secret, int(when // 30)):06d}"


@pytest.fixture
def demo_with_second_factor(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Any:
    """A demo of its own whose teachers and admins must set up a second factor."""
    monkeypatch.setenv("LEARNPATH_REQUIRE_SECOND_FACTOR", "1")
    return request.getfixturevalue("fresh_demo_server")


def test_a_teacher_sets_up_an_app_and_signs_in_with_a_code(
    page: Page, demo_with_second_factor: Any, sign_in_as: Any, shot: Callable[[str], Path]
) -> None:
    server = demo_with_second_factor
    sign_in_as(page, server, "teacher")
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    shot("01-enrol")

    # Not past it to a teacher's page.
    page.goto(server.url + "/classes/")
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()

    secret_text = page.get_by_test_id("second-factor-secret").inner_text()
    secret = base64.b32decode(secret_text.replace(" ", ""))
    page.get_by_label("Code from the app").fill(
        "000000" if code_at(secret, time.time()) != "000000" else "111111"
    )
    page.get_by_role("button", name="Check the code and finish").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    page.get_by_label("Code from the app").fill(code_at(secret, time.time()))
    page.get_by_role("button", name="Check the code and finish").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    shot("02-recovery-codes")
    page.get_by_test_id("second-factor-continue").click()
    page.goto(server.url + "/classes/")
    expect(page.get_by_role("link", name="Demo class 7B").first).to_be_visible()

    page.get_by_role("button", name=re.compile(r"sign out", re.I)).click()
    expect(page.get_by_role("link", name=re.compile(r"sign in", re.I)).first).to_be_visible()

    # Next time: the password, then the code the app shows.
    sign_in_as(page, server, "teacher")
    expect(page.get_by_role("heading", name="Code from your app")).to_be_visible()
    shot("03-code")
    page.get_by_label("Code", exact=True).fill(code_at(secret, time.time() + 30))
    page.get_by_role("button", name="Check the code").click()
    page.wait_for_load_state()
    page.goto(server.url + "/classes/")
    expect(page.get_by_role("link", name="Demo class 7B").first).to_be_visible()
    shot("04-signed-in")
