"""Issue 11, a daily goal and practice days that never punish, and a reflection prompt at the natural end of
a session, on the real pages. Time moves with the learning clock and the events' own times (no sleeping)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from learnpath.engine.policy import Suggestion
from learnpath.web.accounts.models import User
from learnpath.web.learning import selectors, services
from learnpath.web.learning.clock import now as clock_now

ANSWERS = {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2", "add-1": "3/5"}
WRONG = {"meaning-1": "b", "equivalent-1": "b", "equivalent-2": "3", "add-1": "4/5"}
WELCOME = "/me/welcome/"
FIVE_DAYS_IN_A_RUN = (
    "You have practised on 5 days so far. This run: 5 practice days (a single missed day never breaks it)."
)


@pytest.fixture
def client(client_of: Callable[[User], Client], learner: User) -> Client:
    return client_of(learner)


@pytest.fixture(autouse=True)
def _clock(settings: Any, tmp_path: Path) -> None:
    """The learning clock at its real time (no offset file from anywhere else)."""
    settings.DATA_DIR = tmp_path
    settings.LEARNPATH_CLOCK_OFFSET_DAYS = 0


def answer_question(
    learner: User, course: str, key: str, *, now: datetime | None = None, right: bool = True, tries: int = 1
) -> dict[str, Any]:
    """Start the next question and answer it ``tries`` times (each answer right or wrong), then skip it
    if it is still open."""
    activity = services.activity_start(learner=learner, course_id=course, idempotency_key=key, now=now)
    result: dict[str, Any] = {}
    for n in range(tries):
        result = services.attempt_record(
            learner=learner,
            course_id=course,
            item_id=activity["item_id"],
            seed=activity["seed"],
            step_id="",
            response=(ANSWERS if right else WRONG)[activity["item_id"]],
            idempotency_key=f"{key}-a{n}",
            now=now,
        )
    if not right:
        services.attempt_skip(
            learner=learner,
            course_id=course,
            item_id=activity["item_id"],
            seed=activity["seed"],
            idempotency_key=f"{key}-skip",
            now=now,
        )
    return result


def said(page: str, testid: str) -> str:
    """The text of the element with ``data-testid=testid`` (tags removed, spaces collapsed)."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match is not None, f"no {testid} on the page"
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(2)))).strip()


def home(client: Client, course: str) -> str:
    response = client.get(f"/learn/{course}/")
    assert response.status_code == 200
    return response.content.decode()


def never_punishing(page: str) -> None:
    words = html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).lower()
    assert "streak" not in words
    assert "lost" not in words
    habits = re.search(r'<section class="habits".*?</section>', page, re.S)
    assert habits is not None
    assert not re.search(r"\b0\b", re.sub(r"<[^>]+>", " ", habits.group(0)))


def test_todays_questions_towards_the_daily_goal(client: Client, learner: User, course: str) -> None:
    page = home(client, course)
    assert said(page, "daily-goal") == "Today's goal: 10 questions."
    answer_question(learner, course, "q1", right=False, tries=2)  # two tries at one question: one question
    answer_question(learner, course, "q2")
    answer_question(learner, course, "q3")
    answer_question(learner, course, "q4", right=False)
    page = home(client, course)
    assert said(page, "daily-goal") == "4 of 10 questions today"
    assert re.search(r'<progress[^>]*max="10"[^>]*value="4"', page)
    client.post(WELCOME, {"daily_goal": "none"})
    assert 'data-testid="daily-goal"' not in home(client, course)


def test_yesterdays_questions_do_not_count_today(client: Client, learner: User, course: str) -> None:
    yesterday = clock_now() - timedelta(days=1)
    answer_question(learner, course, "y1", now=yesterday)
    answer_question(learner, course, "y2", now=yesterday)
    page = home(client, course)
    assert said(page, "daily-goal") == "Today's goal: 10 questions."


def test_practice_days_forgive_one_missed_day_and_welcome_back_after_two(
    client: Client, learner: User, course: str, settings: Any
) -> None:
    today = clock_now()
    # Practised 5 and 4 days ago, missed 3 days ago (forgiven), then 2 days ago, yesterday and today.
    for n, days_ago in enumerate((5, 4, 2, 1, 0)):
        answer_question(learner, course, f"d{n}", now=today - timedelta(days=days_ago))
    page = home(client, course)
    assert said(page, "practice-days") == FIVE_DAYS_IN_A_RUN
    never_punishing(page)

    # Two days later (one missed day): the run waits.
    settings.LEARNPATH_CLOCK_OFFSET_DAYS = 2
    page = home(client, course)
    assert said(page, "practice-days") == FIVE_DAYS_IN_A_RUN

    # Three days later (two missed days): the run ended silently; welcome back, the total stays.
    settings.LEARNPATH_CLOCK_OFFSET_DAYS = 3
    page = home(client, course)
    assert said(page, "practice-days") == "Welcome back! You have practised on 5 days so far."
    never_punishing(page)

    # Practising that day: a new day in the total, still welcome back.
    answer_question(learner, course, "back")
    page = home(client, course)
    assert said(page, "practice-days") == "Welcome back! You have practised on 6 days so far."
    never_punishing(page)


def test_a_new_learner_is_told_how_days_count(client: Client, course: str) -> None:
    page = home(client, course)
    assert said(page, "practice-days") == "Every day you answer a question counts as a practice day."
    never_punishing(page)


def test_practice_days_follow_the_current_time_zone(learner: User, course: str) -> None:
    """A calendar day is the current time zone's: two UTC days can be one day in Kiritimati (UTC+14)."""
    first = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # 7 December, 10:00 in Kiritimati
    second = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 7 December, 23:00 in Kiritimati
    answer_question(learner, course, "tz1", now=first)
    answer_question(learner, course, "tz2", now=second)
    summary = selectors.habits(learner_id=learner.pk, now=second, daily_goal=10)
    assert (summary.days.total, summary.days.run, summary.today.answered) == (2, 2, 1)
    with timezone.override("Pacific/Kiritimati"):
        summary = selectors.habits(learner_id=learner.pk, now=second, daily_goal=10)
    assert (summary.days.total, summary.days.run, summary.today.answered) == (1, 1, 2)


def practise_on_the_page(client: Client, course: str, *, right: bool = True) -> str:
    """Start the next question from the course home, answer it, and return the practice page after."""
    page = home(client, course)
    client.post(f"/learn/{course}/start", form_fields(page, "continue"))
    practice = client.get(f"/learn/{course}/practice/").content.decode()
    fields = form_fields(practice, "check-main")
    response = (ANSWERS if right else WRONG)[fields["item_id"]]
    client.post(f"/learn/{course}/answer", {**fields, "response": response})
    return client.get(f"/learn/{course}/practice/?answered").content.decode()


def form_fields(html: str, testid: str) -> dict[str, str]:
    """The hidden fields of the form holding the button with ``data-testid=testid``."""
    forms = re.findall(r"<form[^>]*>.*?</form>", html, re.S)
    form = next(f for f in forms if f'data-testid="{testid}"' in f)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def reflect_link(page: str) -> str | None:
    card = re.search(r'data-testid="reflect-prompt".*?href="([^"]+)"', page, re.S)
    return html_lib.unescape(card.group(1)) if card else None


def test_reaching_the_daily_goal_is_celebrated_and_prompts_a_reflection(
    client: Client, learner: User, course: str
) -> None:
    client.post(WELCOME, {"daily_goal": "5"})
    for n in range(4):
        answer_question(learner, course, f"g{n}", right=False)
    page = practise_on_the_page(client, course, right=False)
    assert 'data-testid="goal-reached"' not in page  # the question is still open: not the end yet
    fields = re.findall(r'name="(item_id|seed)" value="([^"]*)"', page)
    item = dict(fields)
    client.post(
        f"/learn/{course}/skip",
        {"item_id": item["item_id"], "seed": item["seed"], "idempotency_key": "skip5"},
    )
    page = client.get(f"/learn/{course}/practice/").content.decode()
    assert said(page, "goal-reached") == "Today's goal reached: 5 questions. Well done!"
    assert said(page, "reflect-prompt").startswith("A good place to stop. What went well today?")
    assert reflect_link(page) == f"/me/reflections/?course={course}"
    reflections = client.get(reflect_link(page) or "").content.decode()
    assert f'<input type="hidden" name="course" value="{course}">' in reflections
    assert said(home(client, course), "daily-goal") == (
        "Today's goal reached: 5 questions today (goal: 5). Well done!"
    )

    # The next question goes past the goal: no second celebration, no prompt.
    page = practise_on_the_page(client, course, right=False)
    client.post(
        f"/learn/{course}/skip",
        {**dict(re.findall(r'name="(item_id|seed)" value="([^"]*)"', page)), "idempotency_key": "skip6"},
    )
    page = client.get(f"/learn/{course}/practice/").content.decode()
    assert 'data-testid="goal-reached"' not in page
    assert reflect_link(page) is None
    assert said(home(client, course), "daily-goal") == (
        "Today's goal reached: 6 questions today (goal: 5). Well done!"
    )


def test_mastering_a_skill_prompts_a_reflection(client: Client, course: str) -> None:
    client.post(WELCOME, {"daily_goal": "20"})
    page = practise_on_the_page(client, course)
    assert 'data-testid="next"' in page  # finished, but no skill mastered yet: no prompt
    assert reflect_link(page) is None
    for _ in range(10):
        page = practise_on_the_page(client, course)
        if 'data-testid="mastery-message"' in page:
            break
    else:
        raise AssertionError("no skill was mastered in 10 right answers")
    assert "You mastered" in page
    assert reflect_link(page) == f"/me/reflections/?course={course}"
    assert 'data-testid="goal-reached"' not in page


def test_nothing_left_to_do_right_now_prompts_a_reflection(
    client: Client, course: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = practise_on_the_page(client, course, right=False)
    item = dict(re.findall(r'name="(item_id|seed)" value="([^"]*)"', page))
    client.post(f"/learn/{course}/skip", {**item, "idempotency_key": "skip1"})
    assert reflect_link(client.get(f"/learn/{course}/practice/").content.decode()) is None

    def nothing(*args: Any, **kwargs: Any) -> tuple[Suggestion, ...]:
        return ()

    monkeypatch.setattr(selectors, "suggestions", nothing)
    page = client.get(f"/learn/{course}/practice/").content.decode()
    assert reflect_link(page) == f"/me/reflections/?course={course}"


def test_a_teacher_practising_is_not_sent_to_the_learners_reflections(
    client_of: Callable[[User], Client], teacher: User, course: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_of(teacher)
    page = practise_on_the_page(client, course, right=False)
    item = dict(re.findall(r'name="(item_id|seed)" value="([^"]*)"', page))
    client.post(f"/learn/{course}/skip", {**item, "idempotency_key": "skip1"})
    monkeypatch.setattr(selectors, "suggestions", lambda *a, **k: ())
    assert reflect_link(client.get(f"/learn/{course}/practice/").content.decode()) is None
