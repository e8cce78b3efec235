"""The cockpit's "relying on hints" signal: a learner who takes a hint before answering on (nearly) every
question is flagged, with the evidence (how many of how many) and a suggested action. One hint a question
never makes a run of hints (``HINTS_IN_WINDOW`` in ``HINT_WINDOW`` actions), so this is its own signal:
over the last 10 answered questions (at least 8), a hint before the first answer on at least 80 %."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import Organisation, Role, User
from learnpath.web.coaching import cockpit as rules
from learnpath.web.coaching import selectors, services
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import services as learning_services
from learnpath.web.learning.store import state_load

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def question(hinted: bool, *, skill: str = "s1", hint_after: bool = False) -> list[rules.Activity]:
    """One answered question, oldest first: start, (hint), answer, (a hint after the answer)."""
    out = [rules.Activity("start", (skill,), "i1", "", NOW)]
    if hinted:
        out.append(rules.Activity("hint", (skill,), "i1", "", NOW))
    out.append(rules.Activity("answer", (skill,), "i1", "correct", NOW))
    if hint_after:
        out.append(rules.Activity("hint", (skill,), "i1", "", NOW))
    return out


def newest_first(*questions: list[rules.Activity]) -> list[rules.Activity]:
    return list(reversed([a for q in questions for a in q]))


def dependence(recent: list[rules.Activity]) -> list[rules.Signal]:
    signals = rules.learner_signals(
        name="Ann",
        cells={},
        recent=recent,
        last_active=NOW,
        targets=[],
        skill_names={"s1": "Skill one"},
        now=NOW,
    )
    return [s for s in signals if s.kind == "dependence"]


def test_a_hint_on_8_of_10_questions_is_flagged_with_evidence_7_of_10_is_not() -> None:
    assert dependence(newest_first(*[question(n not in (1, 4, 8)) for n in range(10)])) == []
    recent = newest_first(*[question(n not in (3, 6)) for n in range(10)])
    (signal,) = dependence(recent)
    assert signal.title == "Relying on hints"
    assert (
        signal.evidence
        == "Took a hint before the first answer on 8 of the last 10 questions, most often on Skill one."
    )
    assert signal.action.startswith("Ask Ann to try each question first")
    assert signal.skill_id == "s1"
    # one hint a question is never a run of hints: without this signal nobody would say anything
    signals = rules.learner_signals(
        name="Ann", cells={}, recent=recent, last_active=NOW, targets=[], skill_names={}, now=NOW
    )
    assert "hints" not in {s.kind for s in signals}


def test_only_the_last_10_questions_count_and_at_least_8_are_needed() -> None:
    old_unhinted = [question(False) for _ in range(5)]
    assert len(dependence(newest_first(*old_unhinted, *[question(True) for _ in range(10)]))) == 1
    assert dependence(newest_first(*[question(True) for _ in range(7)])) == []
    assert len(dependence(newest_first(*[question(True) for _ in range(8)]))) == 1


def test_a_hint_after_the_first_answer_or_an_unanswered_question_does_not_count() -> None:
    later = [question(False, hint_after=True) for _ in range(10)]
    assert dependence(newest_first(*later)) == []
    use = rules.hint_use(newest_first(question(True), [rules.Activity("start", ("s1",), "i1", "", NOW)]))
    assert (use.questions, use.hinted) == (1, 1)


def practise(learner: User, course: str, *, hinted: int) -> None:
    """Ten questions answered right, a hint taken before the answer on the first ``hinted``."""
    now = timezone.now() - timedelta(hours=1)
    for n in range(10):
        now += timedelta(minutes=2)
        key = f"{learner.username}-{n}"
        learning_services.activity_start(
            learner=learner, course_id=course, idempotency_key=f"s{key}", now=now
        )
        attempt = state_load(learner_id=learner.pk, course_id=course).open_attempt()
        assert attempt is not None
        common = {"learner": learner, "course_id": course, "item_id": attempt.item_id, "seed": attempt.seed}
        if n < hinted:
            learning_services.hint_reveal(step_id="", idempotency_key=f"h{key}", now=now, **common)
        s, i = (int(part) for part in attempt.item_id.split("-")[1:])
        learning_services.attempt_record(
            step_id="",
            response=str(s + i),
            idempotency_key=f"a{key}",
            now=now + timedelta(seconds=30),
            **common,
        )


def test_the_cockpit_flags_a_hint_before_8_of_10_answers_and_not_7(
    organisation: Organisation,
    make_user: Callable[..., User],
    generated_documents: Any,
    build_pack: Any,
    client_of: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    documents = generated_documents(course_id="hinted", skills=3, items_per_skill=4)
    for item in documents["items"]:
        item["hints"] = ["Count on from the first number."]
    course = curriculum_api.course_import(
        pack=build_pack(documents), organisation_id=organisation.pk
    ).course_id
    teacher = make_user("tess", Role.TEACHER, organisation)
    klass = services.class_create(teacher=teacher, name="Hints class")
    services.class_course_attach(class_id=klass.id, course_id=course, actor=teacher)
    for name, hinted in (("hana", 8), ("ivo", 7)):
        learner = make_user(name, Role.LEARNER, organisation)
        accounts_api.class_learner_add(class_id=klass.id, learner_id=learner.pk, actor=teacher)
        practise(learner, course, hinted=hinted)
    cockpit = selectors.class_cockpit(class_id=klass.id, course_id=course, now=timezone.now())
    flagged = {flag.name: s for flag in cockpit.needs_help for s in flag.signals if s.kind == "dependence"}
    assert list(flagged) == ["hana"]
    assert "Took a hint before the first answer on 8 of the last 10 questions" in flagged["hana"].evidence
    client = client_of(teacher)
    client.get(f"/classes/{klass.id}/cockpit/")  # warm the course model cache
    # The cockpit's bound (test_coaching_cockpit: 15, and 8 for the menu's inbox count): no query added.
    with django_assert_max_num_queries(15 + 8):
        page = client.get(f"/classes/{klass.id}/cockpit/").content.decode()
    assert page.count("Relying on hints") == 1
    assert "on 8 of the last 10 questions" in page
    assert "Ask hana to try each question first" in page
