"""Fixtures every test folder may use: a real Chromium driven by Playwright.

Debian's Chromium (/usr/bin/chromium, or $LEARNPATH_CHROMIUM) is launched once per test process; each
test gets a fresh context. Screenshots go to artifacts/screenshots/ (kept by CI as test artifacts).
Where Chromium is missing the browser tests skip with a message saying how to install it, except under
CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path(os.environ.get("LEARNPATH_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Debian's Chromium is not at {CHROMIUM}: install it with `apt-get install chromium`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-final.png"), full_page=True)
    context.close()


DOCS_IMG = ROOT / "docs" / "img"
DOCS_SCREENSHOTS = os.environ.get("LEARNPATH_DOCS_SCREENSHOTS") == "1"
"""Set by scripts/docs_screenshots.py: screenshots that a document shows are written into docs/img/ too."""


def doc_image(name: str) -> Path | None:
    """Where the documentation keeps the screenshot ``name`` (None for one it does not show)."""
    for prefix, folder in (("journey-", "learners/"), ("teacher-", "teachers-"), ("guardian-", "guardians-")):
        if name.startswith(prefix):
            return DOCS_IMG / f"{folder}{name.removeprefix(prefix)}.png"
    if name.startswith("placement-"):
        return DOCS_IMG / f"{name}.png"
    if name == "readme-course-page":
        return DOCS_IMG / "course-page.png"
    return None


# What a person must never read on a page (issue 11): maths or markdown as source, a template's braces, an
# internal id. Checked on the visible text of every named screenshot, so the documentation's pictures and
# the pages behind them are checked on every test run.
RAW_TEXT = {
    "raw LaTeX": re.compile(
        r"\\(?:frac|dfrac|times|div|cdot|sqrt|left|right|text|mathrm|le|ge|neq)\b|\$[^$\s][^$]*\$"
    ),
    "raw markdown": re.compile(r"\*\*\S|(?:^|\n)#{1,6} |\]\(|`"),
    "template braces": re.compile(r"\{\{|\}\}|\{%|%\}|\{[a-z_][a-z0-9_]*\}"),
}


def _internal_ids() -> re.Pattern[str]:
    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack

    pack = load_pack(DEMO_PACK_PATH)
    ids = sorted({i.id for i in pack.items} | {r.id for r in pack.resources} | {p.id for p in pack.projects})
    return re.compile(r"(?<![\w/-])(?:" + "|".join(re.escape(i) for i in ids) + r")(?![\w/-])")


def raw_text_found(text: str) -> list[str]:
    """What in ``text`` a person must never read, one line each (empty when clean)."""
    found = [f"{what}: {m.group(0)!r}" for what, pattern in RAW_TEXT.items() for m in pattern.finditer(text)]
    found += [f"internal id: {m.group(0)!r}" for m in _internal_ids().finditer(text)]
    return found


@pytest.fixture
def shot(page: Page) -> Callable[[str], Path]:
    """Save a named screenshot of the page into the artifacts folder, after checking that its text shows
    no raw LaTeX, markdown, template braces or internal ids; into docs/img/ too when the documentation
    shows it and scripts/docs_screenshots.py is running."""
    return shooter(page)


def shooter(page: Page) -> Callable[[str], Path]:
    """``shot`` for a page a test opened itself (in a browser context of its own)."""

    def take(name: str) -> Path:
        found = raw_text_found(page.inner_text("body"))
        assert not found, f"screenshot {name} of {page.url} shows: {'; '.join(found)}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        target = doc_image(name)
        if DOCS_SCREENSHOTS and target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True)
        return path

    return take
