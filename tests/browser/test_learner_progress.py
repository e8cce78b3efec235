"""Issue 11 on a phone: the header stays small (the links sit in a "Menu" disclosure, CSS only), the choice
board is one tap away from the top of the course home, and the map shows a labelled progress bar per skill.
Measured from element boxes at 390x844 (a common phone) and 1280x800; screenshots of both go to tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack

pytestmark = pytest.mark.browser

COURSE = load_pack(DEMO_PACK_PATH).meta.id
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def page_top(page: Page, selector: str) -> float:
    """The element's top from the top of the page (not of the viewport)."""
    return float(box(page, selector)["y"]) + float(page.evaluate("window.scrollY"))


def open_home(page: Page, server: Any, sign_in_as: Any) -> None:
    sign_in_as(page, server, "learner")
    page.goto(f"{server.url}/learn/{COURSE}/")
    expect(page.get_by_role("heading", name="My skill map")).to_be_attached()


def test_on_a_phone_the_header_is_small_and_the_board_is_one_tap_away(
    page: Page, demo_server: Any, sign_in_as: Any, tmp_path: Path
) -> None:
    page.set_viewport_size(PHONE)
    open_home(page, demo_server, sign_in_as)
    page.screenshot(path=str(tmp_path / "home-390x844.png"))
    page.screenshot(path=str(tmp_path / "home-390x844-full.png"), full_page=True)

    # Everything above the page's own content (the demo banner and the header) takes at most 15 %.
    header = box(page, "header.site-header")
    bottom = header["y"] + header["height"]
    assert header["height"] <= 0.15 * PHONE["height"], f"header is {header['height']} px tall on a phone"
    assert bottom <= 0.15 * PHONE["height"], f"banner and header end {bottom} px down a phone's screen"
    # The links are behind "Menu", and open with a tap (no JavaScript: a <details>).
    menu = page.locator("header .site-menu > summary")
    expect(menu).to_be_visible()
    expect(page.locator("header").get_by_role("link", name="My courses")).to_be_hidden()
    menu.click()
    expect(page.locator("header").get_by_role("link", name="My courses")).to_be_visible()
    page.screenshot(path=str(tmp_path / "home-390x844-menu-open.png"))
    menu.click()

    # The choice board starts on the first screen, or a link on the first screen jumps to it.
    board_top = page_top(page, "[data-testid=choice-board]")
    jump = page.get_by_test_id("jump-to-board")
    jump_box = box(page, "[data-testid=jump-to-board]")
    assert board_top < PHONE["height"] or jump_box["y"] + jump_box["height"] <= PHONE["height"]
    expect(jump).to_have_text("Jump to what to practise next")
    jump.click()
    # The board is on screen now (at the top, or as high as the end of the page lets it go).
    expect(page.locator("#board-heading")).to_be_in_viewport()
    expect(page.locator(".choice-board button").first).to_be_in_viewport()
    page.screenshot(path=str(tmp_path / "home-390x844-board.png"))

    # Every skill on the map has a labelled bar that fits the phone's width.
    bars = page.locator(".skill-map progress")
    assert bars.count() == page.locator(".skill-map .map-skill").count() > 0
    first = bars.first
    assert "how sure learnpath is" in (first.get_attribute("aria-label") or "")
    assert float(box(page, ".skill-map progress")["width"]) <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling


def test_on_a_desktop_the_menu_is_always_open(
    page: Page, demo_server: Any, sign_in_as: Any, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    open_home(page, demo_server, sign_in_as)
    page.screenshot(path=str(tmp_path / "home-1280x800.png"))
    page.screenshot(path=str(tmp_path / "home-1280x800-full.png"), full_page=True)
    expect(page.locator("header .site-menu > summary")).to_be_hidden()
    expect(page.locator("header").get_by_role("link", name="My courses")).to_be_visible()
    assert box(page, "header.site-header")["height"] <= 0.15 * DESKTOP["height"]
    expect(page.get_by_test_id("jump-to-board")).to_be_visible()


def test_the_map_as_a_graph_fits_a_phone_and_each_node_leads_to_its_skill(
    page: Page, demo_server: Any, sign_in_as: Any, tmp_path: Path
) -> None:
    page.set_viewport_size(PHONE)
    open_home(page, demo_server, sign_in_as)
    graph = page.get_by_test_id("map-graph")
    graph.locator("summary").click()
    drawing = graph.locator("svg")
    expect(drawing).to_be_visible()
    page.screenshot(path=str(tmp_path / "map-graph-390x844.png"), full_page=True)
    assert float(box(page, ".map-graph svg")["width"]) <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    nodes = drawing.locator("a.map-graph-node")
    assert nodes.count() == page.locator(".skill-map .map-skill").count() > 0
    assert drawing.locator("path").count() > 0
    # Drawn large enough to tap: a node's circle is at least 24 px across on the phone.
    circle = page.locator(".map-graph-node circle").first.bounding_box()
    assert circle is not None
    assert circle["width"] >= 24
    # A node is a link to the skill in the list below (by keyboard too).
    first = nodes.first
    skill_id = first.get_attribute("data-skill")
    first.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{demo_server.url}/learn/{COURSE}/#map-{skill_id}")
    expect(page.locator(f"#map-{skill_id}")).to_be_in_viewport()
