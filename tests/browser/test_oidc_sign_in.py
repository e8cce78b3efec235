"""Sign-in with the school's identity provider in a real browser: an operator adds the test provider
(tests/oidc_provider.py, served from this process on 127.0.0.1) to the demo school with the
`learnpath identity-provider` command and links the demo learner; the learner clicks "Sign in with Demo
School", signs in on the provider's page and lands signed in. Someone the school has not linked is told
so. The accessibility gate checks every page on the way; screenshots at each step."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Person, TestProvider, provider_running

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack

pytestmark = pytest.mark.browser


def _learnpath(data_dir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env["TEST_OIDC_SECRET"] = CLIENT_SECRET
    done = subprocess.run(
        [sys.executable, "-m", "learnpath.cli.main", "identity-provider", *args, "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def school_provider(fresh_demo_server: Any) -> Iterator[tuple[Any, TestProvider]]:
    with provider_running() as provider:
        data_dir = fresh_demo_server.data_dir
        added = _learnpath(
            data_dir,
            "add",
            "--organisation",
            "demo-school",
            "--name",
            "Demo School",
            "--issuer",
            provider.issuer,
            "--client-id",
            CLIENT_ID,
            "--client-secret-env",
            "TEST_OIDC_SECRET",
        )
        assert CLIENT_SECRET not in added
        number = added.split()[2].rstrip(":")
        learner_username, _ = fresh_demo_server.accounts["learner"]
        _learnpath(data_dir, "link", number, "--user", learner_username, "--subject", "sub-demo-learner")
        provider.people["demo.learner@school.example"] = Person(
            subject="sub-demo-learner", name="Demo Learner"
        )
        provider.people["stranger@school.example"] = Person(subject="sub-stranger", name="A Stranger")
        yield fresh_demo_server, provider


def test_a_learner_signs_in_with_the_school_account(
    page: Page, school_provider: tuple[Any, TestProvider], shot: Callable[[str], Path]
) -> None:
    server, provider = school_provider
    pack = load_pack(DEMO_PACK_PATH)
    page.goto(server.url + "/accounts/sign-in/")
    button = page.get_by_role("link", name="Sign in with Demo School")
    expect(button).to_be_visible()
    expect(page.get_by_role("heading", name="With your school account")).to_be_visible()
    shot("oidc-01-sign-in-page")

    button.click()
    expect(page.get_by_role("heading", name="Test school sign-in")).to_be_visible()
    assert page.url.startswith(provider.issuer + "/authorize?")
    page.get_by_label("School account").fill("demo.learner@school.example")
    shot("oidc-02-provider-page")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(server.url + "/**")
    expect(page.get_by_role("link", name=pack.meta.title)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    shot("oidc-03-signed-in")


def test_a_school_account_nobody_linked_is_told_what_to_do(
    page: Page, school_provider: tuple[Any, TestProvider], shot: Callable[[str], Path]
) -> None:
    server, _ = school_provider
    page.goto(server.url + "/accounts/sign-in/")
    page.get_by_role("link", name="Sign in with Demo School").click()
    page.get_by_label("School account").fill("stranger@school.example")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Your school account is not linked to learnpath")
    expect(page.get_by_test_id("oidc-subject")).to_have_text("sub-stranger")
    shot("oidc-04-not-linked")
    page.get_by_role("link", name="Back to the sign-in page").click()
    expect(page.get_by_role("link", name="Sign in with Demo School")).to_be_visible()
