"""Issue 11, a learner's progress made visible and honest, on the course home (the map): how sure the model
is, as words and a labelled bar; how many right answers are still needed (a range where it depends on the
model); when a mastered skill comes back for review; and a review chosen from the board named a review."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from learnpath.web.accounts.models import User
from learnpath.web.learning import services
from learnpath.web.learning.models import SkillState

ANSWERS = {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2", "add-1": "3/5"}
SKILL = "fractions-meaning"


@pytest.fixture
def page_client(client_of: Callable[[User], Client], learner: User) -> Client:
    return client_of(learner)


@pytest.fixture(autouse=True)
def _clock(settings: Any, tmp_path: Path) -> None:
    """The learning clock at its real time (no offset file from anywhere else)."""
    settings.DATA_DIR = tmp_path
    settings.LEARNPATH_CLOCK_OFFSET_DAYS = 0


def home(client: Client, course: str) -> str:
    response = client.get(f"/learn/{course}/")
    assert response.status_code == 200
    return response.content.decode()


def text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>(.*?)</', page, re.S)
    assert match is not None, f"no {testid} on the page"
    return html_lib.unescape(re.sub(r"\s+", " ", match.group(1)).strip())


def progress_bar(page: str, skill_id: str) -> str:
    block = re.search(rf'data-testid="progress-{re.escape(skill_id)}".*?(<progress[^>]*>)', page, re.S)
    assert block is not None, f"no progress bar for {skill_id}"
    return block.group(1)


def answer_right(learner: User, course: str, key: str) -> dict[str, Any]:
    activity = services.skill_choose(learner=learner, course_id=course, skill_id=SKILL, idempotency_key=key)
    return services.attempt_record(
        learner=learner,
        course_id=course,
        item_id=activity["item_id"],
        seed=activity["seed"],
        step_id="",
        response=ANSWERS[activity["item_id"]],
        idempotency_key=f"{key}-answer",
    )


def master(learner: User, course: str) -> None:
    for n in range(10):
        if answer_right(learner, course, f"k{n}")["mastered"]:
            return
    raise AssertionError("the skill was not mastered in 10 right answers")


def test_a_new_learner_sees_an_honest_bar_and_a_range_of_answers_to_master(
    page_client: Client, course: str
) -> None:
    page = home(page_client, course)
    bar = progress_bar(page, SKILL)
    assert 'max="100"' in bar
    assert 'value="0"' in bar
    assert 'aria-label="What a fraction means: how sure learnpath is that you know it"' in bar
    assert "An estimate, not a mark" in bar  # the tooltip says it is the model's certainty
    assert 'aria-describedby="sure-help"' in bar
    assert "at least 95 % sure" in text_of(page, "sure-help")
    assert text_of(page, f"sure-{SKILL}") == "No answers yet"
    # Not known yet: 3 right answers may do if learnpath becomes sure; 10 in a row (the long run) always do.
    assert text_of(page, f"to-master-{SKILL}") == "3 to 10 more right answers in a row to master it"
    assert f'data-testid="next-review-{SKILL}"' not in page
    # A locked skill never answered: its bar and "No answers yet", but no count (its reason says what first).
    assert 'value="0"' in progress_bar(page, "fractions-equivalent")
    assert 'data-testid="to-master-fractions-equivalent"' not in page


def test_after_answers_the_map_shows_the_percentage_and_what_is_still_needed(
    page_client: Client, learner: User, course: str
) -> None:
    answer_right(learner, course, "first")
    row = SkillState.objects.get(learner=learner, skill_id=SKILL)
    percent = int(row.p_mastered * 100 + 1e-9)
    page = home(page_client, course)
    assert f'value="{percent}"' in progress_bar(page, SKILL)
    assert text_of(page, f"sure-{SKILL}") == f"learnpath is {percent} % sure you know it so far"
    needed = text_of(page, f"to-master-{SKILL}")
    if row.p_mastered >= 0.95:  # the model is sure: only the evidence is short, and that is exact
        assert needed == "2 more right answers in a row to master it"
    else:  # it depends on the model: a range, up to the long run (10 answers, the last 3 right)
        assert needed == "2 to 9 more right answers in a row to master it"


def test_a_mastered_skill_says_when_its_next_review_is(
    page_client: Client, learner: User, course: str, settings: Any
) -> None:
    master(learner, course)
    page = home(page_client, course)
    assert f'data-testid="to-master-{SKILL}"' not in page
    assert text_of(page, f"next-review-{SKILL}") == "Next review in 2 days"  # FSRS: Good at mastery
    assert text_of(page, f"sure-{SKILL}").startswith("learnpath is ")
    settings.LEARNPATH_CLOCK_OFFSET_DAYS = 30
    page = home(page_client, course)
    assert text_of(page, f"next-review-{SKILL}") == "Review due today"


def test_a_review_chosen_from_the_board_is_called_a_review(
    page_client: Client, learner: User, course: str, settings: Any
) -> None:
    master(learner, course)
    other = services.activity_start(learner=learner, course_id=course, idempotency_key="other")
    assert other["item_id"] != "meaning-1"  # another question in between: the skill's only item is free
    services.attempt_record(
        learner=learner,
        course_id=course,
        item_id=other["item_id"],
        seed=other["seed"],
        step_id="",
        response=ANSWERS[other["item_id"]],
        idempotency_key="other-answer",
    )
    settings.LEARNPATH_CLOCK_OFFSET_DAYS = 30
    page = home(page_client, course)
    forms = re.findall(r"<form[^>]*>.*?</form>", page, re.S)
    form = next(f for f in forms if f'data-testid="choose-{SKILL}"' in f)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    board_reason = re.search(r'data-testid="choose-' + SKILL + r'".*?<p class="reason">(.*?)</p>', page, re.S)
    assert board_reason is not None
    assert board_reason.group(1).startswith("Review:")
    response = page_client.post(f"/learn/{course}/choose", fields)
    assert response.status_code == 302
    practice = page_client.get(f"/learn/{course}/practice/").content.decode()
    reason = text_of(practice, "question-reason")
    assert reason.startswith("Review: it has been 30 days since you practised What a fraction means")
    assert "You chose" not in reason
