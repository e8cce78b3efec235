"""Readable evidence (issue 11): the portfolio, the feedback page and the teacher's learner timeline name
the question the learner saw and the text of the choice they picked, never internal item or choice ids;
item texts come from ``curriculum.api.item_texts`` in a fixed number of queries, whatever the rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from learnpath.content.build import build_item
from learnpath.content.templates import instantiate
from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import Organisation, User
from learnpath.web.agency import api as agency_api
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api
from learnpath.web.learning import services as learning_services
from learnpath.web.learning.models import Event

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RIGHT = {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2", "add-1": "3/5"}
WRONG = {"meaning-1": "b", "equivalent-1": "b", "equivalent-2": "7", "add-1": "9/5"}
WRONG_TEXT = {"meaning-1": "Three parts", "equivalent-1": "3/4", "equivalent-2": "7", "add-1": "9/5"}
ONE_HALF = "Two equal parts, one shaded ($\\frac{1}{2}$)"
TEMPLATE = {
    "id": "halves-tpl",
    "type": "numeric",
    "skills": ["fractions-meaning"],
    "params": {"n": {"min": 2, "max": 40, "step": 2}},
    "computed": {"h": "n / 2"},
    "prompt": "What is half of {n}?",
    "answer": "{h}",
}


def answer_next(learner: User, course: str, key: str, *, right: bool = True, now: datetime = T0) -> str:
    """Start (or resume) the open question and answer it; returns its item id."""
    from learnpath.web.learning.store import state_load

    learning_services.activity_start(learner=learner, course_id=course, idempotency_key=f"s-{key}", now=now)
    attempt = state_load(learner_id=learner.pk, course_id=course).open_attempt()
    assert attempt is not None
    learning_services.attempt_record(
        learner=learner,
        course_id=course,
        item_id=attempt.item_id,
        seed=attempt.seed,
        step_id="",
        response=(RIGHT if right else WRONG)[attempt.item_id],
        idempotency_key=f"a-{key}",
        now=now,
    )
    return attempt.item_id


def master_meaning(learner: User, course: str) -> int:
    """Answer right until "What a fraction means" is mastered (only meaning-1 is served until then)."""
    for n in range(12):
        answer_next(learner, course, f"m{n}", now=T0 + timedelta(minutes=n))
        if any(
            row.mastered for row in learning_api.skill_progress_rows(learner_ids=[learner.pk], course_id=None)
        ):
            return n + 1
    raise AssertionError("fractions-meaning was not mastered")


def visible_text(html: str) -> str:
    """The text a person reads: tags (and their attributes, URLs included) removed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def course(organisation: Organisation, documents: Any, build_pack: Any) -> str:
    """The small fractions course, with maths in the right choice of its first question."""
    course_documents = documents()
    course_documents["items"][0]["choices"][0]["text"] = ONE_HALF
    return str(
        curriculum_api.course_import(
            pack=build_pack(course_documents), organisation_id=organisation.pk
        ).course_id
    )


def test_the_portfolio_shows_the_question_and_the_chosen_answer(
    learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    master_meaning(learner, course)
    html = client_of(learner).get("/me/portfolio/").content.decode()
    text = visible_text(html)
    assert "Which picture shows one half?" in text
    assert "Two equal parts, one shaded" in text
    assert "meaning-1" not in html
    assert "“a”" not in text
    assert not re.search(r"\ba\s*✓", text)


def test_the_teachers_timeline_shows_the_question_and_the_chosen_answer(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
    documents: Any,
) -> None:
    n = master_meaning(learner, course)
    item = answer_next(learner, course, "after", right=False, now=T0 + timedelta(minutes=n + 1))
    prompt = {i["id"]: i["prompt"] for i in documents()["items"]}[item]
    page = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/?course={course}")
    assert page.status_code == 200
    html = page.content.decode()
    timeline = html.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    text = visible_text(timeline)
    assert "Which picture shows one half?" in text
    assert "Two equal parts, one shaded" in text
    # the chosen text's maths rendered as MathML
    assert re.search(r'<math [^>]*alttext="\\frac\{1\}\{2\}"', timeline)
    assert prompt.split("?")[0].replace("$", "") in text.replace("$", "")
    assert WRONG_TEXT[item] in text  # what the learner answered, by its text
    for internal in ("meaning-1", item):
        assert internal not in html
    assert "“a”" not in text
    assert "“b”" not in text


def test_the_feedback_page_names_the_question_of_the_attempt(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    answer_next(learner, course, "w", right=False)
    event = Event.objects.get(learner=learner, kind="answer")
    data = {"target_type": "attempt", "target_id": event.pk, "course": course, "body": "Equal parts!"}
    url = f"/classes/{klass.id}/learners/{learner.pk}/feedback/"
    assert client_of(teacher).post(url, data).status_code == 302
    text = visible_text(client_of(learner).get("/me/feedback/").content.decode())
    assert "Equal parts!" in text
    assert "Which picture shows one half?" in text
    assert "Three parts" in text  # what the learner chose


def test_a_question_no_longer_in_the_course_still_reads_sensibly(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    answer_next(learner, course, "first")
    Event.objects.create(
        learner=learner,
        course_id=course,
        kind="answer",
        idempotency_key="gone",
        payload_hash="0" * 64,
        item_id="gone-7",
        step_id="",
        response="c",
        verdict="correct",
        result={"response_text": "c"},
        occurred_at=T0 + timedelta(minutes=5),
    )
    page = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/?course={course}")
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert "a question no longer in the course" in text.lower()
    assert "gone-7" not in text


def test_item_texts_give_the_variant_seen_choice_texts_and_retired_items(
    organisation: Organisation, documents: Any, build_pack: Any
) -> None:
    first = documents()
    first["items"].append(TEMPLATE)
    course = curriculum_api.course_import(pack=build_pack(first), organisation_id=organisation.pk).course_id
    second = documents(version="1.1.0")
    second["items"] = [i for i in second["items"] if i["id"] != "meaning-1"] + [TEMPLATE]
    curriculum_api.course_import(pack=build_pack(second), organisation_id=organisation.pk)
    with CaptureQueriesContext(connection) as queries:
        texts = curriculum_api.item_texts(
            course_id=course,
            items=[("halves-tpl", 12345), ("halves-tpl", 7), ("meaning-1", 0), ("nowhere", None)],
        )
    assert len(queries) == 1
    variant = instantiate(build_item(TEMPLATE), 12345)
    assert texts[("halves-tpl", 12345)].prompt == variant.prompt
    assert "{n}" not in texts[("halves-tpl", 7)].prompt
    retired = texts[("meaning-1", 0)]
    assert retired.prompt == "Which picture shows one half?"
    assert retired.retired
    assert retired.choice_texts("", "a") == ["Two equal parts, one shaded"]
    assert ("nowhere", None) not in texts
    unknown_variant = curriculum_api.item_texts(course_id=course, items=[("halves-tpl", None)])
    assert unknown_variant[("halves-tpl", None)].prompt == "What is half of …?"
    assert unknown_variant[("halves-tpl", None)].variant_unknown
    assert not texts[("halves-tpl", 7)].variant_unknown


def test_evidence_shows_the_variant_of_the_seed_an_event_row_carries(
    organisation: Organisation, documents: Any, build_pack: Any
) -> None:
    course_documents = documents()
    course_documents["items"].append(TEMPLATE)
    course = curriculum_api.course_import(
        pack=build_pack(course_documents), organisation_id=organisation.pk
    ).course_id
    row = SimpleNamespace(
        id=1, kind="answer", item_id="halves-tpl", step_id="", response_text="6", verdict="correct", seed=99
    )
    choice = SimpleNamespace(
        id=2, kind="answer", item_id="meaning-1", step_id="", response_text="b", verdict="incorrect"
    )
    seen, picked = agency_api.readable_events(course_id=course, events=[row, choice])
    assert seen.prompt == instantiate(build_item(TEMPLATE), 99).prompt
    assert not seen.variant_unknown
    assert seen.typed == "6"
    assert picked.chosen == ("Three parts",)
    assert picked.typed == ""


def _count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm the course caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_readable_rows_cost_no_query_per_row(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    course: str,
    client_of: Callable[[User], Client],
) -> None:
    n = master_meaning(learner, course)
    timeline = f"/classes/{klass.id}/learners/{learner.pk}/?course={course}"
    teacher_client, learner_client = client_of(teacher), client_of(learner)
    few = (_count_queries(teacher_client, timeline), _count_queries(learner_client, "/me/portfolio/"))
    for k in range(6):
        answer_next(learner, course, f"more{k}", right=k % 2 == 0, now=T0 + timedelta(minutes=n + k + 1))
    many = (_count_queries(teacher_client, timeline), _count_queries(learner_client, "/me/portfolio/"))
    assert many == few


def test_recent_events_carry_the_variant_the_learner_saw(learner: User, course: str) -> None:
    """``EventRow.seed``: the timeline can show a template question with the numbers the learner saw."""
    answer_next(learner, course, "v1")
    rows = learning_api.recent_events(learner_ids=[learner.pk], course_id=course)[learner.pk]
    stored = dict(Event.objects.filter(learner=learner).values_list("id", "seed"))
    assert rows
    assert all(row.seed == stored[row.id] for row in rows)
    assert any(row.seed is not None for row in rows)
