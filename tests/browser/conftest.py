"""Browser tests: README command (a) serves the demo; the fixtures in tests/conftest.py drive Chromium.

Every page a browser test visits goes through the accessibility gate (decision 0071): axe-core runs on each
document before the browser leaves it, and on the pages still open when the test body ends, and the test fails
on any serious or critical violation.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DemoServer:
    url: str
    accounts: dict[str, tuple[str, str]]  # role -> (username, password)
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"learnpath demo exited with {process.returncode} before serving")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"learnpath demo did not answer at {url} within {seconds} s")


def _demo_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}


@contextmanager
def running_demo(data_dir: Path, template: Path | None = None) -> Iterator[DemoServer]:
    """Run `learnpath demo` (README command (a)) on a fresh SQLite data folder and a free port. With
    ``template`` (a data folder `learnpath demo --no-serve` set up), the folder starts as a copy of it: the
    demo then finds its database migrated and its course imported, and only serves."""
    if template is not None:
        for item in template.iterdir():
            if item.is_file():
                shutil.copy2(item, data_dir / item.name)
    port = _free_port()
    env = _demo_env()
    log_path = data_dir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "learnpath.cli.main",
                "demo",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        output = log_path.read_text()
        accounts = {
            m.group(1): (m.group(2), m.group(3))
            for m in re.finditer(r"^\s+(learner|teacher|guardian|admin)\s+(\S+)\s+(\S+)\s*$", output, re.M)
        }
        assert set(accounts) == {"learner", "teacher", "guardian", "admin"}, output
        yield DemoServer(url=url, accounts=accounts, data_dir=data_dir)
    except BaseException:
        print(log_path.read_text(), file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's data folder, set up once per test process with `learnpath demo --no-serve` (migrations,
    the demo course, the demo accounts and histories): every demo server of the tests starts from a copy,
    which saves each one the set-up (about 8 s). The set-up itself is what this runs, once."""
    folder = tmp_path_factory.mktemp("demo-template")
    command = [sys.executable, "-m", "learnpath.cli.main", "demo", "--no-serve", "--data-dir", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, env=_demo_env(), timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[DemoServer]:
    """One demo shared by the tests that do not depend on what other tests did to the demo accounts."""
    with running_demo(tmp_path_factory.mktemp("demo-data"), demo_template) as server:
        yield server


@pytest.fixture
def fresh_demo_server(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[DemoServer]:
    """A demo of its own, for a test that needs the demo learner untouched (no practice, no placement)."""
    with running_demo(tmp_path_factory.mktemp("fresh-demo-data"), demo_template) as server:
        yield server


@pytest.fixture
def sign_in_as() -> Any:
    """``sign_in_as(page, server, role)``: sign in through the sign-in page as a demo account."""

    def sign_in(page: Any, server: DemoServer, role: str) -> None:
        username, password = server.accounts[role]
        page.goto(server.url + "/accounts/sign-in/")
        page.get_by_label(re.compile("username", re.I)).fill(username)
        page.get_by_label(re.compile("password", re.I)).fill(password)
        page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()
        page.wait_for_load_state()

    return sign_in


# ---------------------------------------------------------------------------------------------------------
# The accessibility gate (decision 0071)
# ---------------------------------------------------------------------------------------------------------

AXE = Axe()  # axe-core as bundled by axe-playwright-python: injected from disk, no network
AXE_OPTIONS: dict[str, Any] = {"resultTypes": ["violations"]}
FAILING_IMPACTS = frozenset({"serious", "critical"})

# Serious or critical violations the gate lets through: (page path pattern, axe rule id, element selector
# pattern), each only for that rule on those pages' matching elements, with a comment naming the files and
# the rule. Empty: keep it so.
KNOWN_EXCEPTIONS: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    url: str
    help: str
    help_url: str
    targets: tuple[str, ...]

    def describe(self) -> str:
        lines = [f"- {self.rule} ({self.impact}) on {self.url}: {self.help}", f"    {self.help_url}"]
        lines += [f"    at {target}" for target in self.targets]
        return "\n".join(lines)


class AccessibilityViolations(AssertionError):
    """axe-core found serious or critical violations on pages a test visited."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        pages = len({v.url for v in violations})
        heading = (
            f"accessibility gate: axe-core found {len(violations)} serious or critical violation(s) "
            f"on {pages} page(s) (decision 0071):"
        )
        super().__init__("\n".join([heading, *(v.describe() for v in violations)]))


def _is_known_exception(url: str, rule: str, target: str) -> bool:
    path = urllib.parse.urlsplit(url).path
    return any(
        rule == known_rule and re.fullmatch(page, path) and re.fullmatch(element, target)
        for page, known_rule, element in KNOWN_EXCEPTIONS
    )


def _target(node: dict[str, Any]) -> str:
    """The CSS selector axe gives for an element (a list of selectors where it sits in iframes)."""
    return " >> ".join(str(part) for part in node.get("target", [])) or str(node.get("html", ""))


# The points where the gate checks a page (decision 0071). Before any of these actions the page's current
# document is checked if it is new (so a document is always checked before the test acts on it or leaves it);
# after the navigations the new document is checked at once. What a test has not acted on is checked when the
# test body ends.
CHECK_BEFORE: dict[type, tuple[str, ...]] = {
    Page: (
        "goto", "reload", "go_back", "go_forward", "set_content", "click", "dblclick", "tap", "fill",
        "type", "press", "check", "uncheck", "set_checked", "select_option", "set_input_files",
        "dispatch_event", "hover", "focus",
    ),
    Locator: (
        "click", "dblclick", "tap", "fill", "clear", "type", "press", "press_sequentially", "check",
        "uncheck", "set_checked", "select_option", "set_input_files", "dispatch_event", "hover", "focus",
        "drag_to", "select_text",
    ),
}  # fmt: skip
CHECK_AFTER: dict[type, tuple[str, ...]] = {
    Page: ("goto", "reload", "go_back", "go_forward", "set_content", "wait_for_url", "wait_for_load_state"),
}


class AccessibilityGate:
    """Runs axe-core on every document shown in the gated browser contexts, from the test's own thread.

    Playwright's sync API deadlocks when a page is evaluated from inside a route or event handler while the
    test waits on a navigation, so the only handler here notes that a page shows a new document; the checks
    run at the points in CHECK_BEFORE / CHECK_AFTER and when the test body ends.
    """

    def __init__(self) -> None:
        self.checked_urls: list[str] = []
        self.blocked: list[str] = []  # what the Content-Security-Policy blocked (decision 0072)
        self._pages: list[Page] = []
        self._unchecked: set[Page] = set()
        self._busy = False

    def watch(self, context: BrowserContext) -> None:
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page: Page) -> None:
        self._pages.append(page)

        def new_document(frame: Any) -> None:
            if frame == page.main_frame:
                self._unchecked.add(page)

        page.on("framenavigated", new_document)

        def console(message: Any) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                self.blocked.append(f"{page.url}: {message.text}")

        page.on("console", console)

    def checkpoint(self, page: Page, *, new_document: bool = False) -> None:
        """Check the page's document unless it was checked already; raise at once on a violation."""
        if new_document and page in self._pages:
            self._unchecked.add(page)  # set_content writes a new document without a navigation
        if self._busy or page not in self._unchecked or page.is_closed():
            return
        self._busy = True
        try:
            page.wait_for_load_state()
            self.check(page)
        finally:
            self._busy = False

    def scan(self, page: Page) -> list[Violation]:
        """Run axe on the page's current document; return its serious and critical violations."""
        self._unchecked.discard(page)
        url = page.url
        if url == "about:blank" and page.evaluate("!document.body || !document.body.childElementCount"):
            return []  # the empty page a new tab starts on
        response = AXE.run(page, options=AXE_OPTIONS).response
        self.checked_urls.append(url)
        found = []
        for violation in response["violations"]:
            if violation.get("impact") not in FAILING_IMPACTS:
                continue
            targets = [_target(node) for node in violation.get("nodes", [])]
            targets = [t for t in targets if not _is_known_exception(url, violation["id"], t)]
            if targets:
                found.append(
                    Violation(
                        rule=violation["id"],
                        impact=violation["impact"],
                        url=url,
                        help=violation.get("help", ""),
                        help_url=violation.get("helpUrl", ""),
                        targets=tuple(targets),
                    )
                )
        return found

    def check(self, page: Page) -> None:
        """Check the page now; raise AccessibilityViolations if axe finds any."""
        violations = self.scan(page)
        if violations:
            raise AccessibilityViolations(violations)

    def finish(self) -> None:
        """Check every open page's document not checked yet; raise on all that is found."""
        found: list[Violation] = []
        for page in self._pages:
            if not page.is_closed() and page in self._unchecked:
                page.wait_for_load_state()
                found += self.scan(page)
        if found:
            raise AccessibilityViolations(found)
        # A page that needs what the policy forbids (an inline script or style) is broken for real users.
        assert not self.blocked, "the Content-Security-Policy blocked:\n" + "\n".join(self.blocked)


_ACTIVE_GATE: list[AccessibilityGate] = []  # the running test's gate, while it runs


def _gated(method: Any, *, before: bool, after: bool) -> Any:
    @functools.wraps(method)
    def gated(self: Any, *args: Any, **kwargs: Any) -> Any:
        page = self if isinstance(self, Page) else self.page
        if before and _ACTIVE_GATE:
            _ACTIVE_GATE[-1].checkpoint(page)
        result = method(self, *args, **kwargs)
        if after and _ACTIVE_GATE:
            _ACTIVE_GATE[-1].checkpoint(page, new_document=method.__name__ == "set_content")
        return result

    return gated


class _CheckAfterNavigation:
    """`with page.expect_navigation():` that checks the page it waited for on the way out."""

    def __init__(self, inner: Any, page: Page) -> None:
        self._inner, self._page = inner, page

    def __enter__(self) -> Any:
        return self._inner.__enter__()

    def __exit__(self, *exc_info: Any) -> Any:
        suppress = self._inner.__exit__(*exc_info)
        if exc_info[0] is None and _ACTIVE_GATE:
            _ACTIVE_GATE[-1].checkpoint(self._page)
        return suppress


GATE = pytest.StashKey[AccessibilityGate]()


@pytest.fixture(autouse=True)
def accessibility_gate(
    request: pytest.FixtureRequest, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AccessibilityGate]:
    """Put every browser context a test opens (the `page` fixture's, or its own) behind the gate."""
    gate = AccessibilityGate()
    new_context, new_page = browser.new_context, browser.new_page

    def gated_new_context(*args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(*args, **kwargs)
        gate.watch(context)
        return context

    def gated_new_page(*args: Any, **kwargs: Any) -> Page:
        page = new_page(*args, **kwargs)
        gate.watch(page.context)
        return page

    monkeypatch.setattr(browser, "new_context", gated_new_context)
    monkeypatch.setattr(browser, "new_page", gated_new_page)
    for cls in (Page, Locator):
        for name in set(CHECK_BEFORE.get(cls, ())) | set(CHECK_AFTER.get(cls, ())):
            method = getattr(cls, name)
            wrapped = _gated(
                method, before=name in CHECK_BEFORE.get(cls, ()), after=name in CHECK_AFTER.get(cls, ())
            )
            monkeypatch.setattr(cls, name, wrapped)
    expect_navigation = Page.expect_navigation
    monkeypatch.setattr(
        Page,
        "expect_navigation",
        lambda self, *a, **k: _CheckAfterNavigation(expect_navigation(self, *a, **k), self),
    )
    request.node.stash[GATE] = gate
    _ACTIVE_GATE.append(gate)
    yield gate
    _ACTIVE_GATE.remove(gate)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """When the test body ends, check the pages still showing an unchecked document."""
    gate = item.stash.get(GATE, None)
    try:
        result = yield
    except BaseException:
        if gate is not None:
            try:
                gate.finish()
            except AccessibilityViolations as found:
                item.add_report_section("call", "accessibility gate", str(found))
            except Exception as error:  # the test's own failure is the one to report
                item.add_report_section("call", "accessibility gate", f"not run to the end: {error!r}")
        raise
    if gate is not None:
        gate.finish()
    return result


def open_step(page: Page) -> tuple[Locator, Any]:
    """The practice page's visible answer form and the demo pack's step it asks (the item's variant, or
    the step named by the form), so a test can answer it right or wrong."""
    from learnpath.content.templates import instantiate

    form = page.locator("form.answer-form:visible").first
    item = _demo_pack().item(form.locator("input[name=item_id]").get_attribute("value") or "")
    seed = int(form.locator("input[name=seed]").get_attribute("value") or 0)
    step_id = form.locator("input[name=step_id]").get_attribute("value") or ""
    item = instantiate(item, seed) if item.is_template else item
    return form, (item.find_step(step_id) if step_id else item.main)


@functools.cache
def _demo_pack() -> Any:
    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack

    return load_pack(DEMO_PACK_PATH)


WRONG_TEXT = {"short_text": "no idea", "numeric": "987654321", "expression": "987654321"}


def give_wrong_answer(form: Locator, step: Any) -> str:
    """Answer ``step`` wrong in ``form`` (a wrong choice ticked, or a wrong text typed); returns what was
    given (the choice's id, or the text)."""
    if step.type in ("single_choice", "multiple_choice"):
        right = set(step.answer) if step.type == "multiple_choice" else {step.answer}
        wrong = next(c for c in step.choices if c.id not in right)
        form.locator(f"input[name=response][value='{wrong.id}']").check()
        return str(wrong.id)
    form.locator("input[name=response]").fill(WRONG_TEXT[step.type])
    return WRONG_TEXT[step.type]


def give_right_answer(form: Locator, step: Any) -> None:
    """Answer ``step`` right in ``form`` (its choices ticked, or its answer typed)."""
    if step.type in ("single_choice", "multiple_choice"):
        for choice in set(step.answer) if step.type == "multiple_choice" else {step.answer}:
            form.locator(f"input[name=response][value='{choice}']").check()
        return
    form.locator("input[name=response]").fill(str(step.answer))
