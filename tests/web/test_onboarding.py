"""Issue 11, a short onboarding: interests, preferred formats, a daily goal and an optional goal, asked once
at /me/welcome/ (and editable later as "About me"); a welcome card on the course home until it is answered
or put off; preferred formats first on the practice page; topics matching interests first on projects."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.content.model import MODALITIES
from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import Organisation, Role, User
from learnpath.web.agency.models import Goal
from learnpath.web.coaching import services as coaching_services
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api
from learnpath.web.learning import services as learning_services
from learnpath.web.learning.models import LearnerProfile

WELCOME = "/me/welcome/"


@pytest.fixture
def client(client_of: Callable[[User], Client], learner: User) -> Client:
    return client_of(learner)


def checked_values(page: str, name: str) -> list[str]:
    """The values of the checked inputs named ``name``."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return [re.search(r'value="([^"]*)"', i).group(1) for i in inputs if " checked" in i]  # type: ignore[union-attr]


def text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


def test_the_welcome_page_asks_three_short_questions_with_labels(client: Client) -> None:
    response = client.get(WELCOME)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<fieldset") >= 3
    for legend in ("What are you into?", "How do you like to learn?", "How many questions a day?"):
        assert legend in page
    # Every interest and format is a labelled checkbox; friendly names for the formats.
    for interest in learning_api.INTEREST_AREAS:
        assert f'value="{interest.id}"' in page
        assert interest.title in page
    for name in ("Reading", "Videos", "Interactive", "Projects"):
        assert re.search(rf"<label[^>]*><input[^>]*name=\"format\"[^>]*> {name}</label>", page), name
    assert checked_values(page, "daily_goal") == ["10"]  # the default
    assert re.search(r'<label for="welcome-goal">What do you want to achieve\?', page)
    # The Content-Security-Policy forbids inline style and script.
    assert "style=" not in page
    assert "<script" not in page


def test_saving_the_answers_then_editing_them_as_about_me(client: Client, learner: User) -> None:
    response = client.post(
        WELCOME,
        {
            "interest": ["sport", "music"],
            "format": ["video"],
            "daily_goal": "5",
            "goal": "Get better at fractions for baking",
            "next": "/learn/fractions/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/learn/fractions/"
    profile = LearnerProfile.objects.get(learner=learner)
    assert (profile.interests, profile.formats, profile.daily_goal) == (["sport", "music"], ["video"], 5)
    assert profile.completed_at is not None
    assert profile.skipped_at is None
    goal = Goal.objects.get(learner=learner)
    assert (goal.title, goal.set_by) == ("Get better at fractions for baking", learner)

    page = client.get(WELCOME).content.decode()
    assert "<h1>About me</h1>" in page
    assert sorted(checked_values(page, "interest")) == ["music", "sport"]
    assert checked_values(page, "format") == ["video"]
    assert checked_values(page, "daily_goal") == ["5"]

    response = client.post(WELCOME, {"interest": ["nature"], "daily_goal": "none"})
    assert response.status_code == 302
    assert response["Location"] == WELCOME
    profile.refresh_from_db()
    assert (profile.interests, profile.formats, profile.daily_goal) == (["nature"], [], None)
    page = client.get(WELCOME).content.decode()
    assert checked_values(page, "daily_goal") == ["none"]
    assert "Saved." in page
    # The same goal sent again (a resent form) is not added twice.
    client.post(WELCOME, {"daily_goal": "10", "goal": "Get better at fractions for baking"})
    assert Goal.objects.filter(learner=learner).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"interest": ["sport", "knitting"], "daily_goal": "10"}, "“knitting” is not one of the interests"),
        ({"format": ["podcast"], "daily_goal": "10"}, "“podcast” is not one of the ways to learn"),
        ({"daily_goal": "7"}, "Choose 5, 10 or 20 questions a day, or no daily goal."),
        ({"daily_goal": "lots"}, "Choose 5, 10 or 20 questions a day, or no daily goal."),
        ({}, "Choose 5, 10 or 20 questions a day, or no daily goal."),
    ],
)
def test_an_unknown_answer_is_a_clear_error_and_nothing_is_saved(
    client: Client, learner: User, data: dict[str, Any], message: str
) -> None:
    response = client.post(WELCOME, {**data, "goal": "Learn to bake"})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in text(page)
    assert 'role="alert"' in page
    assert 'value="Learn to bake"' in page  # what was typed is kept
    assert not LearnerProfile.objects.exists()
    assert not Goal.objects.exists()


def test_the_welcome_page_is_the_learners_own(client_of: Callable[[User], Client], teacher: User) -> None:
    assert client_of(teacher).get(WELCOME).status_code == 404
    assert client_of(teacher).post(WELCOME, {"daily_goal": "10"}).status_code == 404
    assert not LearnerProfile.objects.exists()


def test_a_next_address_elsewhere_is_not_followed(client: Client) -> None:
    response = client.post(WELCOME, {"daily_goal": "10", "next": "https://example.org/"})
    assert response["Location"] == WELCOME
    response = client.post(WELCOME, {"action": "not-now", "next": "//example.org/"})
    assert response["Location"] == "/"


def test_the_course_home_shows_a_welcome_card_until_not_now(
    client: Client, learner: User, course: str
) -> None:
    page = client.get(f"/learn/{course}/").content.decode()
    assert 'data-testid="welcome-card"' in page
    assert f'href="{WELCOME}?next=/learn/{course}/"' in page
    response = client.post(WELCOME, {"action": "not-now", "next": f"/learn/{course}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/learn/{course}/"
    profile = LearnerProfile.objects.get(learner=learner)
    assert profile.skipped_at is not None
    assert profile.completed_at is None
    assert profile.daily_goal == 10
    page = client.get(f"/learn/{course}/").content.decode()
    assert 'data-testid="welcome-card"' not in page
    # Put off, the questions are still there under "About me", not yet answered.
    page = client.get(WELCOME).content.decode()
    assert "<h1>Welcome" in page


def test_the_card_goes_once_the_questions_are_answered(client: Client, course: str) -> None:
    client.post(WELCOME, {"daily_goal": "20"})
    page = client.get(f"/learn/{course}/").content.decode()
    assert 'data-testid="welcome-card"' not in page
    # "Not now" after answering changes nothing.
    client.post(WELCOME, {"action": "not-now"})
    assert LearnerProfile.objects.get().skipped_at is None


def test_a_teacher_practising_sees_no_welcome_card(
    client_of: Callable[[User], Client], teacher: User, course: str
) -> None:
    page = client_of(teacher).get(f"/learn/{course}/").content.decode()
    assert 'data-testid="welcome-card"' not in page


def test_the_learner_menu_has_about_me_and_reflections(client: Client) -> None:
    page = client.get("/").content.decode()
    menu = re.search(r'<details class="site-menu">.*?</details>', page, re.S)
    assert menu is not None
    assert f'<a href="{WELCOME}">About me</a>' in menu.group(0)
    assert '<a href="/me/reflections/">Reflections</a>' in menu.group(0)


# -- preferred formats first on the practice page -----------------------------------------------------


@pytest.fixture
def resource_course(documents: Any, build_pack: Any, organisation: Organisation) -> str:
    """The fractions course with three resources of three formats on its first skill."""
    docs = documents(course_id="fractions-resources")
    meaning = ["fractions-meaning"]
    docs["resources"] = [
        {"id": "r-text", "title": "Read about halves", "modality": "text", "skills": meaning,
         "body": "Halves."},
        {"id": "r-video", "title": "Watch halves", "modality": "video", "skills": meaning,
         "url": "media/clip.mp4", "transcript": "One half is one of two equal parts."},
        {"id": "r-game", "title": "Play with halves", "modality": "interactive", "skills": meaning,
         "url": "media/widget.html"},
    ]  # fmt: skip
    return curriculum_api.course_import(pack=build_pack(docs), organisation_id=organisation.pk).course_id


def resource_titles(page: str) -> list[str]:
    aside = re.search(r'<aside class="resources".*?</aside>', page, re.S)
    assert aside is not None
    return re.findall(r'<button type="submit" class="link-button">([^<]+)</button>', aside.group(0))


def test_preferred_formats_come_first_and_the_page_says_so(
    client: Client, learner: User, resource_course: str
) -> None:
    learning_services.skill_choose(
        learner=learner, course_id=resource_course, skill_id="fractions-meaning", idempotency_key="c1"
    )
    page = client.get(f"/learn/{resource_course}/practice/").content.decode()
    assert resource_titles(page) == ["Read about halves", "Watch halves", "Play with halves"]
    assert 'data-testid="formats-first"' not in page

    client.post(WELCOME, {"format": ["interactive", "video"], "daily_goal": "10"})
    page = client.get(f"/learn/{resource_course}/practice/").content.decode()
    assert resource_titles(page) == ["Watch halves", "Play with halves", "Read about halves"]
    note = re.search(r'data-testid="formats-first">(.*?)</p>', page, re.S)
    assert note is not None
    assert text(note.group(1)).strip() == "Videos and interactive first, as you chose in About me."


# -- topics matching interests first on the projects page ---------------------------------------------


@pytest.fixture
def project_course(
    documents: Any, build_pack: Any, organisation: Organisation, teacher: User, learner: User
) -> str:
    docs = documents(course_id="fractions-projects")
    docs["projects"][0]["topics"] = [
        {"id": "passport", "title": "Passport photos"},
        {"id": "baking", "title": "Baking"},
        {"id": "league", "title": "A results table", "description": "Points in a FOOTBALL league."},
    ]
    course_id = curriculum_api.course_import(pack=build_pack(docs), organisation_id=organisation.pk).course_id
    klass = coaching_services.class_create(teacher=teacher, name="7C maths")
    accounts_api.class_learner_add(class_id=klass.id, learner_id=learner.pk, actor=teacher)
    coaching_services.class_course_attach(class_id=klass.id, course_id=course_id, actor=teacher)
    from learnpath.web.agency import services as agency_services

    agency_services.project_board_set(
        class_id=klass.id,
        course_id=course_id,
        project_id="recipe-scaling",
        topic_ids=["passport", "baking", "league"],
        format_ids=["poster"],
        actor=teacher,
    )
    return course_id


def topic_labels(page: str) -> list[str]:
    legend = page.index("<legend>Topic</legend>")
    fieldset = page[legend : page.index("</fieldset>", legend)]
    return [text(label).strip() for label in re.findall(r"<label>(.*?)</label>", fieldset, re.S)]


def test_topics_matching_interests_come_first_with_the_reason(client: Client, project_course: str) -> None:
    page = client.get("/me/projects/").content.decode()
    assert topic_labels(page) == ["Passport photos", "Baking", "A results table"]
    assert "You said you like" not in page

    # "sport" matches "football" in a description, whole words only: not the "sport" in "Passport".
    client.post(WELCOME, {"interest": ["sport", "food"], "daily_goal": "10"})
    page = client.get("/me/projects/").content.decode()
    assert topic_labels(page) == [
        "Baking (You said you like food and cooking)",
        "A results table (You said you like sport)",
        "Passport photos",
    ]


def test_interest_matching_is_case_insensitive_and_whole_words() -> None:
    match = learning_api.interests_matching
    assert [i.id for i in match(text="SPACE rockets", interest_ids=["space", "sport"])] == ["space"]
    assert match(text="Transport and passports", interest_ids=["sport"]) == []
    assert [i.id for i in match(text="A board game night", interest_ids=["games"])] == ["games"]
    assert match(text="Football", interest_ids=[]) == []


def test_every_content_format_has_a_name_learners_read() -> None:
    assert tuple(learning_api.FORMAT_NAMES) == MODALITIES


def test_the_profile_reads_default_before_any_answer(learner: User, make_user: Callable[..., User]) -> None:
    profile = learning_api.learner_profile(learner_id=learner.pk)
    assert (profile.interests, profile.formats, profile.daily_goal) == ((), (), 10)
    assert profile.onboarding_pending is True
    other = make_user("olaf", Role.LEARNER)
    learning_api.learner_profile_skip(learner=other)
    assert learning_api.learner_profile(learner_id=other.pk).onboarding_pending is False
    assert learning_api.learner_profile(learner_id=learner.pk).onboarding_pending is True
