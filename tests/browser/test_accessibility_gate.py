"""The accessibility gate itself (decision 0071): it fails on a page with a known violation, whether the
page was reached by `goto`, by a click, or is still open when the test ends; so it cannot pass silently.
The pages are served by the test (no server, no network)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.browser

SITE = "http://gate.test"
CLEAN = (
    "<!doctype html><html lang='en'><head><title>Clean</title></head>"
    "<body><main><h1>Clean</h1><a href='/unlabelled'>Next page</a></main></body></html>"
)
# one text box without a label: axe rule `label`, impact critical
UNLABELLED = (
    "<!doctype html><html lang='en'><head><title>Unlabelled</title></head>"
    "<body><main><h1>Unlabelled</h1><input id='age' type='text'></main></body></html>"
)


@pytest.fixture
def site(page: Page) -> Page:
    def serve(route: Route) -> None:
        body = UNLABELLED if route.request.url.endswith("/unlabelled") else CLEAN
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    page.route(f"{SITE}/**", serve)
    return page


def test_goto_a_page_with_a_violation_fails_with_rule_impact_page_and_element(site: Page) -> None:
    with pytest.raises(AssertionError) as found:
        site.goto(f"{SITE}/unlabelled")
    message = str(found.value)
    assert "accessibility gate" in message
    assert f"- label (critical) on {SITE}/unlabelled: Form elements must have labels" in message
    assert "at #age" in message


def test_a_page_reached_by_a_click_is_checked_before_the_test_acts_on_it(site: Page) -> None:
    site.goto(f"{SITE}/clean")  # checked: no violation
    site.get_by_role("link", name="Next page").click()
    with pytest.raises(AssertionError, match=r"label \(critical\) on http://gate.test/unlabelled"):
        site.locator("#age").fill("12")


def test_the_last_page_is_checked_when_the_test_ends(site: Page, accessibility_gate: Any) -> None:
    site.goto(f"{SITE}/clean")
    site.get_by_role("link", name="Next page").click()
    expect(site).to_have_url(f"{SITE}/unlabelled")  # an assertion: the test does not act on the page
    with pytest.raises(AssertionError, match=r"label \(critical\)"):
        accessibility_gate.finish()  # what the gate's pytest_runtest_call hook runs after each test body
