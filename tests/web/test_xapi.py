"""xAPI statements to the school's LRS (issue 14, decision 0090): the statements each event makes (golden
values), their validity against the xAPI data model, consent (own account, pseudonym or nothing), and
delivery: cursor, retries with back-off, stops on a refusal, idempotent redelivery, the signal, the
operator's status. The LRS here is a fake in memory; tests/web/test_xapi_ralph.py uses a real one."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from learnpath.web.accounts.models import Role, User
from learnpath.web.learning import services
from learnpath.web.learning.api import LoggedEvent
from learnpath.web.learning.models import Event
from learnpath.web.privacy import services as privacy_services
from learnpath.web.xapi import api as xapi_api
from learnpath.web.xapi import profile as p
from learnpath.web.xapi.actors import learner_actor, pseudonym
from learnpath.web.xapi.delivery import backoff, deliver
from learnpath.web.xapi.lrs import LrsReply
from learnpath.web.xapi.models import LrsCursor
from learnpath.web.xapi.statements import EventFacts, Site, statements_for
from learnpath.web.xapi.validation import statement_problems

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BASE = "https://learn.school.example/xapi"
HOME = "https://learn.school.example"
SITE = Site(base_iri=BASE, home_page=HOME, language="en")
ACTOR = {"objectType": "Agent", "account": {"homePage": HOME, "name": "42"}}
ENDPOINT = "https://lrs.school.example/xAPI/"
ROOT = Path(__file__).resolve().parents[2]


def event(kind: str, **fields: Any) -> LoggedEvent:
    values: dict[str, Any] = {
        "id": 7,
        "learner_id": 42,
        "course_id": "fractions",
        "kind": kind,
        "item_id": "",
        "seed": None,
        "step_id": "",
        "skill_id": "",
        "resource_id": "",
        "response": None,
        "verdict": "",
        "confidence": "",
        "result": {},
        "actor_id": None,
        "occurred_at": T0,
    }
    values.update(fields)
    return LoggedEvent(**values)


# -- statements: golden values --------------------------------------------------------------------------


def test_an_answer_makes_answered_then_mastered_with_golden_values() -> None:
    answer = event(
        "answer",
        item_id="meaning-1",
        seed=0,
        step_id="main",
        response="a",
        verdict="correct",
        confidence="high",
        result={"finished": True, "mastered": ["fractions-meaning"], "lapsed": [], "response_text": "a"},
    )
    answered, mastered = statements_for(answer, site=SITE, facts=EventFacts(actor=ACTOR))
    course = {
        "objectType": "Activity",
        "id": f"{BASE}/courses/fractions",
        "definition": {"type": p.COURSE_TYPE},
    }
    profile = {"objectType": "Activity", "id": p.PROFILE, "definition": {"type": p.PROFILE_TYPE}}
    assert answered == {
        "id": "98d0cd28-e8cd-5bdb-a9dd-ed6b3f3b89e6",
        "actor": ACTOR,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"{BASE}/courses/fractions/items/meaning-1",
            "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction"},
        },
        "result": {
            "success": True,
            "completion": True,
            "response": "a",
            "extensions": {p.EXT_CONFIDENCE: "high"},
        },
        "context": {
            "registration": answered["context"]["registration"],
            "platform": "learnpath",
            "language": "en",
            "contextActivities": {"grouping": [course], "category": [profile], "parent": [course]},
            "extensions": {p.EXT_EVENT: 7, p.EXT_VARIANT: 0},
        },
        "timestamp": "2026-03-02T09:00:00+00:00",
        "version": "1.0.3",
    }
    assert mastered["verb"]["id"] == "http://adlnet.gov/expapi/verbs/mastered"
    assert mastered["object"]["id"] == f"{BASE}/courses/fractions/skills/fractions-meaning"
    assert mastered["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/objective"
    assert mastered["result"] == {"success": True, "completion": True}
    assert mastered["context"]["registration"] == answered["context"]["registration"]


def test_statement_ids_are_uuid5_of_the_event_and_role_and_never_collide() -> None:
    answer = event("answer", item_id="meaning-1", verdict="correct", result={"mastered": ["a", "b"]})
    first = statements_for(answer, site=SITE, facts=EventFacts(actor=ACTOR))
    again = statements_for(answer, site=SITE, facts=EventFacts(actor=ACTOR))
    assert [s["id"] for s in first] == [s["id"] for s in again]
    assert len({s["id"] for s in first}) == 3
    assert first[0]["id"] == p.statement_id(BASE, 7, "answered")
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first[0]["id"]
    )
    other_school = Site(base_iri="https://other.example/xapi", home_page="https://other.example")
    assert statements_for(answer, site=other_school, facts=EventFacts(actor=ACTOR))[0]["id"] != first[0]["id"]


def test_each_kind_makes_its_verbs_in_order() -> None:
    def verbs(logged: LoggedEvent, facts: EventFacts | None = None) -> list[str]:
        made = statements_for(logged, site=SITE, facts=facts or EventFacts(actor=ACTOR))
        return [s["verb"]["id"] for s in made]

    review = EventFacts(actor=ACTOR, question_kind="review", question_skill="fractions-meaning")
    assert verbs(event("answer", item_id="i", verdict="incorrect", result={"finished": True}), review) == [
        p.ANSWERED,
        p.REVIEWED,
    ]
    assert verbs(event("skip", item_id="i", result={"finished": True, "lapsed": ["s"]}), review) == [
        p.SKIPPED,
        p.REVIEWED,
        p.LAPSED,
    ]
    assert verbs(event("hint", item_id="i", step_id="s1")) == [p.ASKED]
    assert verbs(event("solution", item_id="i")) == [p.VIEWED]
    assert verbs(event("override", skill_id="s", result={"mastered": ["s"]})) == [p.MASTERED]
    assert verbs(event("placement_answer", item_id="i", verdict="not_learned", result={})) == [p.ANSWERED]
    placement = {"placement": {"placed_known": ["a"], "placed_not_known": ["b"], "questions": 6}}
    assert verbs(event("placement", result=placement)) == [p.COMPLETED]
    for kind in ("start", "choice", "resource"):
        assert verbs(event(kind, item_id="i", skill_id="s", resource_id="r")) == []


def test_details_of_hints_reviews_overrides_and_placements() -> None:
    facts = EventFacts(actor=ACTOR, question_kind="review", question_skill="fractions-meaning")
    (hint,) = statements_for(event("hint", item_id="add-1", step_id="s2"), site=SITE, facts=facts)
    assert hint["object"]["id"] == f"{BASE}/courses/fractions/items/add-1/hint"
    assert hint["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/courses/fractions/items/add-1"
    assert hint["context"]["extensions"][p.EXT_STEP] == "s2"
    assert hint["context"]["extensions"][p.EXT_SUGGESTION] == "review"
    _, reviewed = statements_for(
        event("answer", item_id="meaning-1", verdict="correct", result={"finished": True}),
        site=SITE,
        facts=facts,
    )
    assert reviewed["object"]["id"] == f"{BASE}/courses/fractions/skills/fractions-meaning"
    assert reviewed["result"] == {"success": True, "completion": True}
    # a review question not finished yet (a wrong first try on a multi-step item) is no review yet
    not_yet = event("answer", item_id="meaning-1", verdict="incorrect", result={"finished": False})
    assert [s["verb"]["id"] for s in statements_for(not_yet, site=SITE, facts=facts)] == [p.ANSWERED]
    (override,) = statements_for(
        event("override", skill_id="s", actor_id=3, result={"lapsed": ["s"], "reason": "see me"}),
        site=SITE,
        facts=EventFacts(actor=ACTOR),
    )
    assert override["verb"]["id"] == p.LAPSED
    assert override["context"]["extensions"][p.EXT_SET_BY_TEACHER] is True
    assert "see me" not in json.dumps(override)  # the teacher's words stay in learnpath
    (placed,) = statements_for(
        event(
            "placement", result={"placement": {"placed_known": ["a"], "placed_not_known": [], "questions": 4}}
        ),
        site=SITE,
        facts=EventFacts(actor=ACTOR),
    )
    assert placed["object"]["id"] == f"{BASE}/courses/fractions/placement"
    assert placed["result"]["extensions"] == {
        p.EXT_PLACED_KNOWN: [f"{BASE}/courses/fractions/skills/a"],
        p.EXT_PLACED_NOT_KNOWN: [],
        p.EXT_QUESTIONS: 4,
    }
    (not_learned,) = statements_for(
        event("placement_answer", item_id="i", verdict="not_learned", result={"outcome": "not_learned"}),
        site=SITE,
        facts=EventFacts(actor=ACTOR),
    )
    assert not_learned["result"] == {"success": False, "extensions": {p.EXT_NOT_LEARNED: True}}
    assert (
        not_learned["context"]["contextActivities"]["parent"][0]["id"]
        == f"{BASE}/courses/fractions/placement"
    )


def test_responses_are_left_out_when_the_school_says_so() -> None:
    answer = event("answer", item_id="i", response="my name is Lena", verdict="incorrect", result={})
    quiet = Site(base_iri=BASE, home_page=HOME, send_responses=False)
    (statement,) = statements_for(answer, site=quiet, facts=EventFacts(actor=ACTOR))
    assert "response" not in statement["result"]
    (sent,) = statements_for(answer, site=SITE, facts=EventFacts(actor=ACTOR))
    assert sent["result"]["response"] == "my name is Lena"


def test_a_naive_event_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        statements_for(
            event("hint", item_id="i", occurred_at=datetime(2026, 3, 2)), site=SITE, facts=EventFacts(ACTOR)
        )


# -- validation ------------------------------------------------------------------------------------------


def every_kind() -> list[dict[str, Any]]:
    facts = EventFacts(actor=ACTOR, question_kind="review", question_skill="fractions-meaning")
    placement = {"placement": {"placed_known": ["a"], "placed_not_known": ["b"], "questions": 6}}
    logged = [
        event("answer", item_id="i", seed=3, response=["a", "b"], verdict="correct", confidence="low",
              result={"finished": True, "mastered": ["s"], "lapsed": ["t"]}),
        event("answer", item_id="i", step_id="s2", response="", verdict="incorrect",
              result={"finished": False}),
        event("skip", item_id="i", result={"finished": True}),
        event("hint", item_id="i", step_id="main"),
        event("solution", item_id="i"),
        event("override", skill_id="s", result={"mastered": ["s"]}),
        event("placement_answer", item_id="i", response="1/2", verdict="correct",
              result={"outcome": "correct"}),
        event("placement", result=placement),
    ]  # fmt: skip
    made = [s for one in logged for s in statements_for(one, site=SITE, facts=facts)]
    anonymous = learner_actor(
        user_id=42, consented=False, without_consent="anonymous", home_page=HOME, key=b"k"
    )
    assert anonymous is not None
    made += statements_for(logged[0], site=SITE, facts=EventFacts(actor=anonymous))
    return made


def test_every_kind_of_statement_is_valid_xapi() -> None:
    made = every_kind()
    assert {s["verb"]["id"] for s in made} == set(p.VERB_DISPLAY)
    for statement in made:
        assert statement_problems(statement) == [], statement
        json.dumps(statement)  # plain JSON


def test_the_validator_refuses_broken_statements_and_names_only_the_rule() -> None:
    (good,) = statements_for(event("hint", item_id="i"), site=SITE, facts=EventFacts(actor=ACTOR))
    secret_response = {**good, "result": {"response": ""}}  # empty values are not allowed
    assert any("result.response" in problem for problem in statement_problems(secret_response))
    no_actor = {k: v for k, v in good.items() if k != "actor"}
    assert statement_problems(no_actor)[0].startswith("actor")
    bad_id = {**good, "id": "not-a-uuid"}
    assert statement_problems(bad_id)
    bad_language = {**good, "context": {**good["context"], "language": "not a language tag!"}}
    assert statement_problems(bad_language)
    two_ids = {**good, "actor": {**ACTOR, "mbox": "mailto:lena@example.org"}}
    problems = statement_problems(two_ids)
    assert problems
    assert "lena@example.org" not in " ".join(problems)  # values never reach the error text
    assert statement_problems("not a statement")


# -- the ADL conformance samples: the validator agrees with what they intend ----------------------------

SAMPLES = ROOT.parent / "shared" / "data" / "interop" / "xapi"


def sample(relative: str) -> Any:
    path = SAMPLES / relative
    if not path.exists():
        pytest.skip(f"the xAPI samples are not at {path} (../shared/data/interop/xapi, see PROVENANCE.md)")
    return json.loads(path.read_text(encoding="utf-8"))


CONFORMANCE = "lrs_conformance_templates/v1_0_3"


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "valid"),
    [
        (f"{CONFORMANCE}/statements/default.json", True),
        (f"{CONFORMANCE}/statements/voiding.json", True),
        (f"{CONFORMANCE}/statements/unicode.json", True),
        (f"{CONFORMANCE}/statements/object_statementref.json", True),
        (f"{CONFORMANCE}/statements/object_substatement_default.json", True),
        (f"{CONFORMANCE}/statements/no_actor.json", False),
        (f"{CONFORMANCE}/statements/no_verb.json", False),
        (f"{CONFORMANCE}/statements/no_object.json", False),
        (f"{CONFORMANCE}/statements/object_statementref_no_id.json", False),
        ("yetanalytics_xapi_schema/statements/long.json", True),
        ("yetanalytics_xapi_schema/statements/completion.json", True),
        ("yetanalytics_xapi_schema/statements/void.json", True),
        ("cmi5_scenarios/03-completed_or_passed-passed/04-passed_statement.json", True),
    ],
)
def test_whole_sample_statements_are_accepted_or_refused_as_intended(relative: str, valid: bool) -> None:
    assert (statement_problems(sample(relative)) == []) is valid


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("part", "relative", "valid"),
    [
        ("actor", "agents/account.json", True),
        ("actor", "agents/mbox_sha1sum.json", True),
        ("actor", "agents/openid.json", True),
        ("actor", "agents/account_no_homepage.json", False),
        ("actor", "agents/account_no_name.json", False),
        ("verb", "verbs/default.json", True),
        ("verb", "verbs/no_id.json", False),
        ("object", "activities/choice.json", True),
        ("object", "activities/likert.json", True),
        ("object", "activities/no_id.json", False),
        ("object", "activities/interaction_type_invalid_string.json", False),
        ("object", "activities/interaction_type_invalid_iri.json", False),
        ("object", "activities/name_invalid.json", False),
        ("object", "activities/description_invalid.json", False),
        ("object", "activities/numeric_name.json", False),
        ("result", "results/default.json", True),
        ("context", "contexts/default.json", True),
        ("context", "contexts/invalid_activity.json", False),
    ],
)
def test_conformance_templates_merged_into_a_statement(part: str, relative: str, valid: bool) -> None:
    statement = dict(sample(f"{CONFORMANCE}/statements/default.json"))
    statement[part] = sample(f"{CONFORMANCE}/{relative}")
    assert (statement_problems(statement) == []) is valid


@pytest.mark.shared_data
def test_the_sample_that_is_not_json_is_not_a_statement() -> None:
    path = SAMPLES / "yetanalytics_xapi_schema" / "statements" / "simple.json"
    if not path.exists():
        pytest.skip(f"the xAPI samples are not at {SAMPLES} (../shared/data/interop/xapi, see PROVENANCE.md)")
    with pytest.raises(json.JSONDecodeError):
        json.loads(path.read_text(encoding="utf-8"))


# -- the profile's documentation names every concept ---------------------------------------------------


def test_the_profile_document_names_every_iri_the_statements_use() -> None:
    text = (ROOT / "docs" / "xapi-profile.md").read_text(encoding="utf-8")
    used = [*p.VERB_DISPLAY, *p.EXTENSIONS, *p.ACTIVITY_TYPES, p.PROFILE]
    missing = [iri for iri in used if iri not in text]
    assert not missing, f"docs/xapi-profile.md does not name: {missing}"


# -- consent -------------------------------------------------------------------------------------------


def test_actors_follow_consent_and_never_carry_a_name_or_address() -> None:
    key = b"secret"
    own = learner_actor(user_id=5, consented=True, without_consent="skip", home_page=HOME, key=key)
    assert own == {"objectType": "Agent", "account": {"homePage": HOME, "name": "5"}}
    assert learner_actor(user_id=5, consented=False, without_consent="skip", home_page=HOME, key=key) is None
    anonymous = learner_actor(
        user_id=5, consented=False, without_consent="anonymous", home_page=HOME, key=key
    )
    assert anonymous == {"objectType": "Agent", "account": {"homePage": HOME, "name": pseudonym(key, 5)}}
    assert pseudonym(key, 5) == pseudonym(key, 5) != pseudonym(key, 6)
    assert pseudonym(key, 5) != pseudonym(b"another", 5)
    assert re.fullmatch(r"anon-[0-9a-f]{32}", pseudonym(key, 5))


class FakeLrs:
    """An LRS in memory: keeps statements by id (a repeated id with the same content is stored once, as
    xAPI says), or answers with a prepared status."""

    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.calls = 0
        self.down = False
        self.status = 200
        self.refuse_ids: set[str] = set()

    def __call__(self, url: str, statements: list[dict[str, Any]], **kwargs: Any) -> LrsReply:
        self.calls += 1
        assert url == "https://lrs.school.example/xAPI/statements"
        assert kwargs == {"username": "learnpath", "password": "s3cret", "timeout": 10}
        if self.down:
            return LrsReply(accepted=False, transient=True, status=0, message="Connection refused")
        if self.status >= 500:
            return LrsReply(accepted=False, transient=True, status=self.status, message="busy")
        if any(s["id"] in self.refuse_ids for s in statements):
            return LrsReply(accepted=False, transient=False, status=400, message="bad statement")
        for statement in statements:
            if statement["id"] in self.stored:
                if self.stored[statement["id"]] != statement:
                    return LrsReply(accepted=False, transient=False, status=409, message="conflict")
                continue
        for statement in statements:
            if statement["id"] not in self.stored:
                self.stored[statement["id"]] = statement
                self.order.append(statement["id"])
        return LrsReply(accepted=True, transient=False, status=200, message="")


@pytest.fixture
def lrs(settings: Any) -> FakeLrs:
    settings.LEARNPATH_XAPI_ENDPOINT = ENDPOINT
    settings.LEARNPATH_XAPI_USERNAME = "learnpath"
    settings.LEARNPATH_XAPI_PASSWORD = "s3cret"
    settings.LEARNPATH_XAPI_BASE_IRI = BASE
    settings.LEARNPATH_XAPI_HOME_PAGE = HOME
    settings.LEARNPATH_XAPI_WITHOUT_CONSENT = "skip"
    settings.LEARNPATH_XAPI_BATCH = 100
    return FakeLrs()


def practise(learner: User, course: str, rounds: int, start_at: datetime = T0) -> datetime:
    """``rounds`` questions started and answered right, a minute apart."""
    answers = {"meaning-1": "a", "equivalent-1": "a", "equivalent-2": "2", "add-1": "3/5"}
    now = start_at
    for n in range(rounds):
        key = f"{learner.pk}-{start_at.isoformat()}-{n}"
        activity = services.activity_start(
            learner=learner, course_id=course, idempotency_key=f"s{key}", now=now
        )
        services.attempt_record(
            learner=learner,
            course_id=course,
            item_id=activity["item_id"],
            seed=activity["seed"],
            step_id="",
            response=answers[activity["item_id"]],
            idempotency_key=f"a{key}",
            now=now,
        )
        now += timedelta(minutes=1)
    return now


def consent(learner: User, granted: bool) -> None:
    privacy_services.consent_set(
        learner_id=learner.pk, purpose="research", granted=granted, actor=learner, now=T0
    )


@pytest.mark.django_db
def test_consent_decides_the_actor_skip_mode(
    lrs: FakeLrs, learner: User, course: str, make_user: Any
) -> None:
    other = make_user("mo", Role.LEARNER, learner.organisation)
    consent(learner, True)
    consent(other, True)
    consent(other, False)  # the newest choice is the one in force
    practise(learner, course, 2)
    practise(other, course, 2)
    report = deliver(post=lrs)
    assert report.outcome == "sent"
    assert report.not_sent == 2  # the other learner's two answers
    actors = {json.dumps(s["actor"], sort_keys=True) for s in lrs.stored.values()}
    assert actors == {
        json.dumps(
            {"account": {"homePage": HOME, "name": str(learner.pk)}, "objectType": "Agent"}, sort_keys=True
        )
    }
    payload = json.dumps(list(lrs.stored.values()))
    for person in (learner, other):
        assert person.username not in payload
        assert person.email == "" or person.email not in payload
    cursor = LrsCursor.objects.get()
    assert cursor.last_event_id == Event.objects.order_by("id").last().pk  # the skipped ones are passed too


@pytest.mark.django_db
def test_without_consent_anonymous_mode_sends_a_stable_pseudonym(
    lrs: FakeLrs, settings: Any, learner: User, course: str
) -> None:
    settings.LEARNPATH_XAPI_WITHOUT_CONSENT = "anonymous"
    practise(learner, course, 2)
    deliver(post=lrs)
    names = {s["actor"]["account"]["name"] for s in lrs.stored.values()}
    assert len(names) == 1
    (name,) = names
    assert name.startswith("anon-")
    from learnpath.web.xapi.config import xapi_config

    config = xapi_config()
    assert config is not None
    assert name == pseudonym(config.pseudonym_key, learner.pk)
    registrations = {s["context"]["registration"] for s in lrs.stored.values()}
    assert registrations != {p.registration(BASE, str(learner.pk), course)}
    # the same learner later: the same pseudonym
    practise(learner, course, 1, start_at=T0 + timedelta(hours=1))
    deliver(post=lrs)
    assert {s["actor"]["account"]["name"] for s in lrs.stored.values()} == {name}


# -- delivery: cursor, retries, refusals ----------------------------------------------------------------


@pytest.mark.django_db
def test_off_without_an_endpoint_and_clear_when_incomplete(settings: Any) -> None:
    settings.LEARNPATH_XAPI_ENDPOINT = ""
    assert deliver().outcome == "off"
    settings.LEARNPATH_XAPI_ENDPOINT = ENDPOINT
    settings.LEARNPATH_XAPI_BASE_IRI = ""
    report = deliver()
    assert report.outcome == "not_configured"
    assert "LEARNPATH_SITE_URL" in report.message
    assert not LrsCursor.objects.exists()


@pytest.mark.django_db
def test_lrs_down_loses_nothing_and_delivers_later_in_order_exactly_once(
    lrs: FakeLrs, learner: User, course: str
) -> None:
    consent(learner, True)
    practise(learner, course, 3)
    lrs.down = True
    failed = deliver(post=lrs, now=T0)
    assert failed.outcome == "retrying"
    cursor = LrsCursor.objects.get()
    assert (cursor.last_event_id, cursor.attempts) == (0, 1)
    assert cursor.next_attempt_at == T0 + timedelta(minutes=1)
    assert "Connection refused" in cursor.last_error
    assert "nothing is lost" in cursor.last_error
    # before the back-off ends, a run (the signal's, the schedule's) does not try
    assert deliver(post=lrs, now=T0 + timedelta(seconds=30)).outcome == "waiting"
    assert lrs.calls == 1
    lrs.down = False
    lrs.status = 503
    assert deliver(post=lrs, now=T0 + timedelta(minutes=1)).outcome == "retrying"
    cursor.refresh_from_db()
    assert cursor.attempts == 2
    assert cursor.next_attempt_at == T0 + timedelta(minutes=3)
    lrs.status = 200
    practise(learner, course, 1, start_at=T0 + timedelta(minutes=2))  # more events while it was down
    done = deliver(post=lrs, now=T0 + timedelta(minutes=3))
    assert done.outcome == "sent"
    cursor.refresh_from_db()
    assert (cursor.attempts, cursor.last_error, cursor.next_attempt_at) == (0, "", None)
    assert cursor.last_event_id == Event.objects.order_by("id").last().pk
    sent_events = [s["context"]["extensions"][p.EXT_EVENT] for s in (lrs.stored[i] for i in lrs.order)]
    assert sent_events == sorted(sent_events)
    answers = Event.objects.filter(kind="answer").count()
    assert sum(1 for s in lrs.stored.values() if s["verb"]["id"] == p.ANSWERED) == answers
    # a crash after the LRS stored a batch but before the cursor moved: the same ids again, stored once
    stored = dict(lrs.stored)
    LrsCursor.objects.update(last_event_id=0)
    assert deliver(post=lrs, now=T0 + timedelta(minutes=4)).outcome == "sent"
    assert lrs.stored == stored
    assert deliver(post=lrs, now=T0 + timedelta(minutes=5)).outcome == "up_to_date"


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]


@pytest.mark.django_db
def test_a_refused_statement_stops_delivery_there_keeping_order(
    lrs: FakeLrs, learner: User, course: str
) -> None:
    consent(learner, True)
    practise(learner, course, 3)
    answers = list(Event.objects.filter(kind="answer").order_by("id").values_list("id", flat=True))
    refused = p.statement_id(BASE, answers[1], "answered")
    lrs.refuse_ids = {refused}
    report = deliver(post=lrs)
    assert report.outcome == "stopped"
    cursor = LrsCursor.objects.get()
    assert cursor.stopped_at_event_id == answers[1]
    assert cursor.last_event_id == answers[1] - 1
    assert "HTTP 400" in cursor.last_error
    assert f"event {answers[1]}" in cursor.last_error
    assert "learnpath xapi resume" in cursor.last_error
    sent_events = {s["context"]["extensions"][p.EXT_EVENT] for s in lrs.stored.values()}
    assert sent_events == {answers[0]}  # nothing after the refused one
    assert deliver(post=lrs).outcome == "stopped"  # it waits for an operator
    status = xapi_api.delivery_status()
    assert status.stopped_at_event_id == answers[1]
    assert status.backlog == Event.objects.filter(id__gt=answers[1] - 1).count()
    # the cause is fixed (here: the LRS takes it now): resume sends it and the rest, in order
    lrs.refuse_ids = set()
    assert "resumes" in xapi_api.resume()
    assert deliver(post=lrs).outcome == "sent"
    assert {s["context"]["extensions"][p.EXT_EVENT] for s in lrs.stored.values()} >= set(answers)


@pytest.mark.django_db
def test_skip_leaves_the_refused_event_out(lrs: FakeLrs, learner: User, course: str) -> None:
    consent(learner, True)
    practise(learner, course, 2)
    answers = list(Event.objects.filter(kind="answer").order_by("id").values_list("id", flat=True))
    lrs.refuse_ids = {p.statement_id(BASE, answers[0], "answered")}
    deliver(post=lrs)
    assert "skipped" in xapi_api.resume(skip=True)
    deliver(post=lrs)
    sent = {s["context"]["extensions"][p.EXT_EVENT] for s in lrs.stored.values()}
    assert answers[0] not in sent
    assert answers[1] in sent


@pytest.mark.django_db
def test_an_invalid_statement_is_never_sent(
    lrs: FakeLrs, learner: User, course: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from learnpath.web.xapi import delivery

    consent(learner, True)
    practise(learner, course, 2)
    answers = list(Event.objects.filter(kind="answer").order_by("id").values_list("id", flat=True))
    real = delivery.statements_for

    def broken(logged: LoggedEvent, **kwargs: Any) -> list[dict[str, Any]]:
        made = real(logged, **kwargs)
        if logged.id == answers[1]:
            made[0]["verb"] = {"display": {"en-US": "answered"}}  # no id
        return made

    monkeypatch.setattr(delivery, "statements_for", broken)
    report = deliver(post=lrs)
    assert report.outcome == "stopped"
    assert report.problems
    assert report.problems[0].endswith("verb.id: Field required")
    assert all(s["verb"].get("id") for s in lrs.stored.values())
    assert {s["context"]["extensions"][p.EXT_EVENT] for s in lrs.stored.values()} == {answers[0]}
    cursor = LrsCursor.objects.get()
    assert cursor.stopped_at_event_id == answers[1]
    assert "not valid xAPI" in cursor.last_error


@pytest.mark.django_db
def test_a_review_is_found_from_a_start_before_the_batch(lrs: FakeLrs, learner: User) -> None:
    """The question an answer closes may have started in an earlier batch: its start is looked up."""
    consent(learner, True)
    common = {"learner": learner, "course_id": "fractions", "payload_hash": "x", "occurred_at": T0}
    start = Event.objects.create(
        kind="start",
        idempotency_key="s",
        item_id="meaning-1",
        skill_id="fractions-meaning",
        result={"kind": "start", "suggestion": "review", "skill_id": "fractions-meaning"},
        **common,
    )
    LrsCursor.objects.create(endpoint=ENDPOINT, last_event_id=start.pk)
    Event.objects.create(
        kind="answer",
        idempotency_key="a",
        item_id="meaning-1",
        verdict="correct",
        result={"finished": True},
        **common,
    )
    deliver(post=lrs)
    verbs = [lrs.stored[i]["verb"]["id"] for i in lrs.order]
    assert verbs == [p.ANSWERED, p.REVIEWED]
    assert lrs.stored[lrs.order[1]]["object"]["id"] == f"{BASE}/courses/fractions/skills/fractions-meaning"


@pytest.mark.django_db
def test_batches_follow_the_setting(lrs: FakeLrs, settings: Any, learner: User, course: str) -> None:
    settings.LEARNPATH_XAPI_BATCH = 2
    consent(learner, True)
    practise(learner, course, 3)
    report = deliver(post=lrs)
    assert report.outcome == "sent"
    assert lrs.calls >= 3
    assert LrsCursor.objects.get().last_event_id == Event.objects.order_by("id").last().pk


# -- the signal, the schedule, the operator's status ----------------------------------------------------


@pytest.mark.django_db
def test_a_recorded_event_queues_one_delivery(
    lrs: FakeLrs, learner: User, course: str, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.cache import cache
    from django_q.models import OrmQ

    from learnpath.web.xapi.tasks import QUEUED_KEY

    cache.delete(QUEUED_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        practise(learner, course, 2)
    assert OrmQ.objects.count() == 1  # the start queues nothing; the answers, once for a few seconds
    cache.delete(QUEUED_KEY)


@pytest.mark.django_db
def test_nothing_is_queued_while_delivery_is_off(
    settings: Any, learner: User, course: str, django_capture_on_commit_callbacks: Any
) -> None:
    from django_q.models import OrmQ

    settings.LEARNPATH_XAPI_ENDPOINT = ""
    with django_capture_on_commit_callbacks(execute=True):
        practise(learner, course, 1)
    assert OrmQ.objects.count() == 0


@pytest.mark.django_db
def test_the_schedule_runs_every_minute_while_on(lrs: FakeLrs, settings: Any) -> None:
    from django_q.models import Schedule

    from learnpath.web.xapi.tasks import DELIVERY_SCHEDULE

    xapi_api.schedule_ensure()
    schedule = Schedule.objects.get(name=DELIVERY_SCHEDULE)
    assert (schedule.func, schedule.minutes) == ("learnpath.web.xapi.tasks.xapi_deliver", 1)
    settings.LEARNPATH_XAPI_ENDPOINT = ""
    xapi_api.schedule_ensure()
    assert not Schedule.objects.filter(name=DELIVERY_SCHEDULE).exists()


@pytest.mark.django_db
def test_the_status_command(
    lrs: FakeLrs,
    learner: User,
    course: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from learnpath.cli import main as cli_main
    from learnpath.cli import xapi as xapi_command

    monkeypatch.setattr(xapi_command, "start_django", lambda args: None)
    consent(learner, True)
    practise(learner, course, 2)
    assert cli_main.main(["xapi", "status"]) == 0
    out = capsys.readouterr().out
    assert f"xAPI delivery to {ENDPOINT}: running" in out
    assert f"backlog: {Event.objects.count()} events" in out
    lrs.down = True
    deliver(post=lrs)
    assert cli_main.main(["xapi", "status"]) == 0
    out = capsys.readouterr().out
    assert "backing off until" in out
    assert "Connection refused" in out
