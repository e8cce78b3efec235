"""The learner's pages without JavaScript: map, Continue, choice board, practice with every action."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack
from learnpath.web.accounts.models import User
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning.models import Event


@pytest.fixture
def page_client(client_of: Callable[[User], Client], learner: User) -> Client:
    return client_of(learner)


def form_fields(html: str, testid: str) -> dict[str, str]:
    """The hidden fields of the form holding the button with ``data-testid=testid``."""
    forms = re.findall(r"<form[^>]*>.*?</form>", html, re.S)
    form = next(f for f in forms if f'data-testid="{testid}"' in f)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_home_shows_the_map_with_reasons_continue_and_board(page_client: Client, course: str) -> None:
    html = page_client.get(f"/learn/{course}/").content.decode()
    assert 'data-state="ready"' in html
    assert 'data-state="not_yet"' in html
    assert "Not yet: Equivalent fractions builds on What a fraction means. Master it first." in html
    assert 'data-testid="continue"' in html
    assert 'data-testid="choose-fractions-meaning"' in html
    assert "choose-fractions-equivalent" not in html  # locked skills are not on the board


def test_continue_answer_hint_and_feedback(page_client: Client, course: str) -> None:
    home = page_client.get(f"/learn/{course}/").content.decode()
    response = page_client.post(f"/learn/{course}/start", form_fields(home, "continue"))
    assert response.status_code == 302
    practice = page_client.get(response["Location"]).content.decode()
    assert "Which picture shows one half?" in practice
    fields = form_fields(practice, "check-main")
    response = page_client.post(f"/learn/{course}/answer", {**fields, "response": "b", "confidence": "low"})
    assert response.status_code == 302
    practice = page_client.get(f"/learn/{course}/practice/").content.decode()
    assert "Not quite." in practice
    # the same form sent twice (a double click) is recorded once
    page_client.post(f"/learn/{course}/answer", {**fields, "response": "b", "confidence": "low"})
    assert Event.objects.filter(kind="answer").count() == 1
    response = page_client.post(
        f"/learn/{course}/answer", {**form_fields(practice, "check-main"), "response": "a"}
    )
    practice = page_client.get(f"/learn/{course}/practice/").content.decode()
    assert "Correct." in practice
    assert 'data-testid="next"' in practice


def test_an_unreadable_answer_is_a_422_page_and_changes_nothing(page_client: Client, course: str) -> None:
    home = page_client.get(f"/learn/{course}/").content.decode()
    page_client.post(f"/learn/{course}/start", form_fields(home, "continue"))
    practice = page_client.get(f"/learn/{course}/practice/").content.decode()
    count = Event.objects.count()
    response = page_client.post(
        f"/learn/{course}/answer", {**form_fields(practice, "check-main"), "response": "q"}
    )
    assert response.status_code == 422
    assert 'data-testid="error"' in response.content.decode()
    assert Event.objects.count() == count
    response = page_client.post(
        f"/learn/{course}/hint", {"item_id": "meaning-1", "seed": "x", "idempotency_key": "k"}
    )
    assert response.status_code == 409
    assert Event.objects.count() == count


@pytest.fixture
def demo_course(organisation: Any) -> str:
    pack = load_pack(DEMO_PACK_PATH)
    return curriculum_api.course_import(pack=pack, organisation_id=organisation.pk).course_id


def test_demo_course_hints_solution_resources_and_skip(page_client: Client, demo_course: str) -> None:
    home = page_client.get(f"/learn/{demo_course}/").content.decode()
    page_client.post(f"/learn/{demo_course}/start", form_fields(home, "continue"))
    practice = page_client.get(f"/learn/{demo_course}/practice/").content.decode()
    page_client.post(f"/learn/{demo_course}/hint", form_fields(practice, "hint-main"))
    practice = page_client.get(f"/learn/{demo_course}/practice/").content.decode()
    assert practice.count('data-testid="hint"') == 1
    page_client.post(f"/learn/{demo_course}/solution", form_fields(practice, "show-solution"))
    practice = page_client.get(f"/learn/{demo_course}/practice/").content.decode()
    assert 'data-testid="solution"' in practice
    resource = re.search(rf'action="(/learn/{demo_course}/resources/[^"]+)"', practice)
    assert resource is not None
    page_client.post(resource.group(1), {"idempotency_key": "r1"})
    page_client.post(f"/learn/{demo_course}/skip", form_fields(practice, "skip"))
    practice = page_client.get(f"/learn/{demo_course}/practice/").content.decode()
    assert 'data-testid="next"' in practice
    kinds = list(Event.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["start", "hint", "solution", "resource", "skip"]


def test_other_organisations_course_is_404(
    client_of: Callable[[User], Client], outsider: User, course: str
) -> None:
    other = client_of(outsider)
    assert other.get(f"/learn/{course}/").status_code == 404
    assert other.post(f"/learn/{course}/start", {"idempotency_key": "k"}).status_code == 404
    assert Event.objects.count() == 0
