"""The role matrix: every URL of learnpath, for every role, answers what that role may have, and another
class's or learner's data is indistinguishable from missing (404).

Roles: anonymous, the learner, another learner (another class), the class's teacher, another class's
teacher, the learner's guardian, another learner's guardian, an admin. Each row gives the status per role
in that order. A test checks that every URL pattern (but the Django admin's own pages) has a row, so a new
page cannot ship without deciding who may see it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import GuardianLink, Organisation, Role, User
from learnpath.web.agency.models import Goal, Milestone, Submission
from learnpath.web.coaching import services as coaching_services
from learnpath.web.coaching.models import PacingTarget
from learnpath.web.learning import services as learning_services

ROLES = (
    "anonymous",
    "learner",
    "other_learner",
    "teacher",
    "other_teacher",
    "guardian",
    "other_guardian",
    "admin",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@dataclass
class World:
    people: dict[str, User]
    class_id: int
    other_class_id: int
    course: str
    goal_id: int
    milestone_id: int
    submission_id: int
    target_id: int


@pytest.fixture
def world(organisation: Organisation, make_user: Callable[..., User], course: str) -> World:
    people = {
        "learner": make_user("lena", Role.LEARNER, organisation),
        "other_learner": make_user("lars", Role.LEARNER, organisation),
        "teacher": make_user("theo", Role.TEACHER, organisation),
        "other_teacher": make_user("tina", Role.TEACHER, organisation),
        "guardian": make_user("gwen", Role.GUARDIAN, organisation),
        "other_guardian": make_user("gil", Role.GUARDIAN, organisation),
        "admin": make_user("ada", Role.ADMIN, organisation),
    }
    classes = []
    for teacher, learner in (("teacher", "learner"), ("other_teacher", "other_learner")):
        klass = coaching_services.class_create(teacher=people[teacher], name=f"Class of {teacher}")
        accounts_api.class_learner_add(
            class_id=klass.id, learner_id=people[learner].pk, actor=people[teacher]
        )
        coaching_services.class_course_attach(class_id=klass.id, course_id=course, actor=people[teacher])
        classes.append(klass.id)
    for guardian, learner in (("guardian", "learner"), ("other_guardian", "other_learner")):
        GuardianLink.objects.create(
            guardian=people[guardian], learner=people[learner], consent_given_at=timezone.now()
        )
    learner = people["learner"]
    goal = Goal.objects.create(learner=learner, title="Fractions")
    milestone = Milestone.objects.create(goal=goal, title="Halves")
    submission = Submission.objects.create(
        learner=learner, title="Poster", kind="file", file_name="p.png", file_type="image/png", file_data=PNG
    )
    target = PacingTarget.objects.create(
        klass_id=classes[0],
        course_id=course,
        skill_id="fractions-meaning",
        due=timezone.now() + timedelta(days=3),
    )
    learning_services.activity_start(learner=learner, course_id=course, idempotency_key="matrix-start")
    return World(people, classes[0], classes[1], course, goal.pk, milestone.pk, submission.pk, target.pk)


def _deletion_asked_by_guardian(world: World) -> int:
    """A deletion request the guardian made (of the other learner, so the world stays whole)."""
    from learnpath.web.privacy.models import DeletionRequest

    request = DeletionRequest.objects.create(
        learner=world.people["other_learner"],
        requested_by=world.people["guardian"],
        requested_at=timezone.now(),
        keep_research=False,
    )
    return request.pk


def _badge_of_the_learner(world: World) -> str:
    """A credential of the learner (credentials app): its public id."""
    import jwt

    from learnpath.web.credentials.models import Credential

    token = jwt.encode({"vc": {"name": "Halves"}}, "matrix-secret-" * 3, algorithm="HS256")
    row = Credential.objects.create(
        learner=world.people["learner"],
        kind="skill",
        course_id=world.course,
        skill_id="fractions-meaning",
        achievement_name="Halves",
        issuer_id="http://testserver/credentials/issuers/site",
        key_id="k",
        issued_at=timezone.now(),
        jwt=token,
    )
    return str(row.public_id)


def _issuer_key_id(world: World) -> str:
    from learnpath.web.credentials import keys

    return keys.signing_key(now=timezone.now())[0]


def statuses(*values: int) -> dict[str, int]:
    assert len(values) == len(ROLES)
    return dict(zip(ROLES, values, strict=True))


EVERYONE = statuses(200, 200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = statuses(302, 200, 200, 200, 200, 200, 200, 200)
CLASS_TEACHER = statuses(302, 404, 404, 200, 404, 404, 404, 200)
CLASS_TEACHER_POST = statuses(302, 404, 404, 302, 404, 404, 404, 302)
LEARNERS = statuses(302, 200, 200, 404, 404, 404, 404, 404)
THE_LEARNER_POST = statuses(302, 302, 404, 404, 404, 404, 404, 404)
READERS_OF_THE_LEARNER = statuses(302, 200, 404, 200, 404, 200, 404, 200)
GUARDIANS = statuses(302, 404, 404, 404, 404, 200, 200, 404)
THE_GUARDIAN = statuses(302, 404, 404, 404, 404, 200, 404, 404)
ADMINS = statuses(302, 404, 404, 404, 404, 404, 404, 200)
STAFF = statuses(302, 404, 404, 200, 200, 404, 404, 200)
STAFF_REDIRECTED = statuses(302, 404, 404, 302, 302, 404, 404, 302)
ACT_FOR_THE_LEARNER = statuses(302, 404, 404, 404, 404, 200, 404, 200)
THE_GUARDIAN_OR_ADMIN = statuses(302, 404, 404, 404, 404, 200, 404, 200)
API_SIGNED_IN = statuses(401, 200, 200, 200, 200, 200, 200, 200)
API_CLASS_TEACHER = statuses(401, 404, 404, 200, 404, 404, 404, 200)
API_LEARNERS = statuses(401, 200, 200, 404, 404, 404, 404, 404)
# Practice is open to anyone signed in, on their own records (learning/access.py): a write is refused
# for the anonymous and answered (done, or a clear 4xx about the request) for everyone else.
OWN_PRACTICE_WRITE = "own practice write"
OWN_PRACTICE_API_WRITE = "own practice API write"

Row = tuple[str, str, Callable[[World], dict[str, Any]], dict[str, int] | str]


def _models_built() -> dict[str, Any]:
    from learnpath.web.health import ready_mark

    ready_mark()
    return {}


ROWS: list[Row] = [
    ("home", "get", lambda w: {}, EVERYONE),
    ("health", "get", lambda w: {}, EVERYONE),
    ("live", "get", lambda w: {}, EVERYONE),
    # Readiness once the course models are built (built in the background otherwise; test_observability).
    ("ready", "get", lambda w: _models_built(), EVERYONE),
    # Metrics are for this machine or a token, whoever is signed in (test_observability.py): the test
    # client's requests come from 127.0.0.1.
    ("metrics", "get", lambda w: {}, EVERYONE),
    ("accounts:sign-in", "get", lambda w: {}, statuses(200, 302, 302, 302, 302, 302, 302, 302)),
    ("accounts:sign-out", "post", lambda w: {}, statuses(302, 302, 302, 302, 302, 302, 302, 302)),
    # Sign-in with the school's identity provider (decision 0092): anyone may start one with a provider
    # that exists (none here: 404), and the callback without a sign-in under way is refused alike (400).
    ("accounts:oidc-start", "get", lambda w: {"provider_id": 999999}, statuses(*[404] * 8)),
    ("accounts:oidc-callback", "get", lambda w: {}, statuses(*[400] * 8)),
    ("accounts:settings", "get", lambda w: {}, SIGNED_IN),
    # The language switch is everyone's; an empty choice is refused alike (test_languages.py).
    ("accounts:language", "post", lambda w: {}, statuses(400, 400, 400, 400, 400, 400, 400, 400)),
    # The second factor (decision 0080): teachers and admins only. The test run keeps enforcement off and
    # nobody here has set one up, so the code pages send staff on to set one up, and changing one needs it.
    ("accounts:second-factor", "get", lambda w: {}, STAFF),
    ("accounts:second-factor-enrol", "get", lambda w: {}, STAFF),
    ("accounts:second-factor-verify", "get", lambda w: {}, STAFF_REDIRECTED),
    ("accounts:second-factor-recovery", "get", lambda w: {}, STAFF_REDIRECTED),
    ("accounts:second-factor-codes", "get", lambda w: {}, STAFF_REDIRECTED),
    ("accounts:second-factor-codes-new", "post", lambda w: {}, STAFF_REDIRECTED),
    ("accounts:second-factor-reset", "post", lambda w: {}, STAFF_REDIRECTED),
    ("accounts:second-factor-staff", "get", lambda w: {}, ADMINS),
    # API tokens (decision 0084): teachers and admins make and revoke their own; a token number that is
    # not theirs is a refusal said on the page (a redirect back to it), never another person's token revoked.
    ("accounts:api-tokens", "get", lambda w: {}, STAFF),
    ("accounts:api-token-revoke", "post", lambda w: {"token_id": 999999}, STAFF_REDIRECTED),
    (
        "accounts:second-factor-staff-reset",
        "post",
        lambda w: {"user_id": w.people["teacher"].pk},
        statuses(302, 404, 404, 404, 404, 404, 404, 302),
    ),
    ("accounts:password-change", "get", lambda w: {}, SIGNED_IN),
    ("accounts:password-change-done", "get", lambda w: {}, SIGNED_IN),
    # Password reset by e-mail: open to all; a made-up link says it no longer works (test_password_reset.py).
    ("accounts:password-forgotten", "get", lambda w: {}, EVERYONE),
    ("accounts:password-forgotten-sent", "get", lambda w: {}, EVERYONE),
    ("accounts:password-reset-confirm", "get", lambda w: {"uidb64": "MQ", "token": "a-b"}, EVERYONE),
    ("accounts:password-reset-done", "get", lambda w: {}, EVERYONE),
    ("accounts:class-sheet", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    # Joining with a class code: learners only (signed out: sign-up); an empty post is a wrong code (400).
    ("accounts:join", "get", lambda w: {}, statuses(200, 200, 200, 404, 404, 404, 404, 404)),
    ("accounts:join", "post", lambda w: {}, statuses(400, 400, 400, 404, 404, 404, 404, 404)),
    ("accounts:join-welcome", "get", lambda w: {}, statuses(302, 302, 302, 302, 302, 302, 302, 302)),
    ("accounts:joining-code", "post", lambda w: {"class_id": w.class_id}, CLASS_TEACHER_POST),
    (
        "accounts:password-reset",
        "post",
        lambda w: {"class_id": w.class_id, "learner_id": w.people["learner"].pk},
        CLASS_TEACHER_POST,
    ),
    ("curriculum:course", "get", lambda w: {"course_id": w.course}, SIGNED_IN),
    (
        "curriculum:skill",
        "get",
        lambda w: {"course_id": w.course, "skill_id": "fractions-meaning"},
        SIGNED_IN,
    ),
    ("curriculum:media", "get", lambda w: {"course_id": w.course, "path": "clip.mp4"}, SIGNED_IN),
    ("learning:home", "get", lambda w: {"course_id": w.course}, SIGNED_IN),
    # The learner model's page: administrators only (every admin account has platform rights).
    ("learning:model", "get", lambda w: {"course_id": w.course}, ADMINS),
    # With no open question the practice page sends you to the course page; only the learner has one open.
    (
        "learning:practice",
        "get",
        lambda w: {"course_id": w.course},
        statuses(302, 200, 302, 302, 302, 302, 302, 302),
    ),
    ("learning:start", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    ("learning:choose", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    ("learning:answer", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    ("learning:hint", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    ("learning:solution", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    ("learning:skip", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    (
        "learning:resource",
        "post",
        lambda w: {"course_id": w.course, "resource_id": "shares-text"},
        OWN_PRACTICE_WRITE,
    ),
    ("coaching:classes", "get", lambda w: {}, statuses(302, 200, 200, 200, 200, 404, 404, 200)),
    ("coaching:join", "post", lambda w: {}, statuses(302, 302, 302, 404, 404, 404, 404, 404)),
    ("coaching:class", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    ("coaching:course-attach", "post", lambda w: {"class_id": w.class_id}, CLASS_TEACHER_POST),
    ("coaching:join-code", "post", lambda w: {"class_id": w.class_id}, CLASS_TEACHER_POST),
    ("coaching:enrol", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    ("coaching:group-create", "post", lambda w: {"class_id": w.class_id}, CLASS_TEACHER_POST),
    ("coaching:cockpit", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    ("coaching:standards", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    (
        "coaching:learner",
        "get",
        lambda w: {"class_id": w.class_id, "learner_id": w.people["learner"].pk},
        CLASS_TEACHER,
    ),
    (
        "coaching:feedback",
        "post",
        lambda w: {"class_id": w.class_id, "learner_id": w.people["learner"].pk},
        CLASS_TEACHER_POST,
    ),
    (
        "coaching:override",
        "post",
        lambda w: {"class_id": w.class_id, "learner_id": w.people["learner"].pk},
        CLASS_TEACHER_POST,
    ),
    ("coaching:pacing", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    ("coaching:pacing-shift", "post", lambda w: {"class_id": w.class_id}, CLASS_TEACHER_POST),
    (
        "coaching:pacing-delete",
        "post",
        lambda w: {"class_id": w.class_id, "target_id": w.target_id},
        CLASS_TEACHER_POST,
    ),
    ("coaching:interventions", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    # Class management (decision 0075): without the confirming tick or a username nothing changes (302).
    ("coaching:archive", "post", lambda w: {"class_id": w.class_id}, CLASS_TEACHER_POST),
    ("coaching:restore", "post", lambda w: {"class_id": w.class_id}, CLASS_TEACHER_POST),
    ("coaching:teacher-add", "post", lambda w: {"class_id": w.class_id}, CLASS_TEACHER_POST),
    (
        "coaching:learner-remove",
        "post",
        lambda w: {"class_id": w.class_id, "learner_id": w.people["learner"].pk},
        CLASS_TEACHER_POST,
    ),
    # Enrolment requests: a page for every teacher; a request nobody may decide is a 404 for all.
    ("coaching:requests", "get", lambda w: {}, statuses(302, 404, 404, 200, 200, 404, 404, 200)),
    # The inbox: every teacher's own (and an admin's), nobody else's.
    ("coaching:inbox", "get", lambda w: {}, STAFF),
    (
        "coaching:request-decide",
        "post",
        lambda w: {"request_id": 987654},
        statuses(302, 404, 404, 404, 404, 404, 404, 404),
    ),
    ("coaching:plan", "get", lambda w: {}, LEARNERS),
    ("agency:welcome", "get", lambda w: {}, LEARNERS),
    ("agency:welcome", "post", lambda w: {}, statuses(302, 400, 400, 404, 404, 404, 404, 404)),
    ("agency:goals", "get", lambda w: {}, LEARNERS),
    ("agency:goal-achieved", "post", lambda w: {"goal_id": w.goal_id}, THE_LEARNER_POST),
    ("agency:milestone-toggle", "post", lambda w: {"milestone_id": w.milestone_id}, THE_LEARNER_POST),
    ("agency:portfolio", "get", lambda w: {}, LEARNERS),
    ("agency:reflections", "get", lambda w: {}, LEARNERS),
    ("agency:projects", "get", lambda w: {}, LEARNERS),
    ("agency:feedback", "get", lambda w: {}, LEARNERS),
    ("agency:submission-file", "get", lambda w: {"submission_id": w.submission_id}, READERS_OF_THE_LEARNER),
    ("agency:goal-for-learner", "post", lambda w: {"learner_id": w.people["learner"].pk}, CLASS_TEACHER_POST),
    ("coaching:class-projects", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    ("guardians:sharing", "get", lambda w: {}, LEARNERS),
    ("guardians:school-code", "post", lambda w: {"learner_id": w.people["learner"].pk}, CLASS_TEACHER),
    ("guardians:home", "get", lambda w: {}, GUARDIANS),
    ("guardians:learner", "get", lambda w: {"learner_id": w.people["learner"].pk}, THE_GUARDIAN),
    # Data rights (privacy/access.py): the learner's linked guardian and admins act for a minor learner,
    # who sees and may withdraw their own consent; a deletion's page is for whoever asked for it.
    ("privacy:mine", "get", lambda w: {}, SIGNED_IN),
    ("privacy:data", "get", lambda w: {"person_id": w.people["learner"].pk}, ACT_FOR_THE_LEARNER),
    ("privacy:data-json", "get", lambda w: {"person_id": w.people["learner"].pk}, ACT_FOR_THE_LEARNER),
    ("privacy:delete", "get", lambda w: {"person_id": w.people["learner"].pk}, ACT_FOR_THE_LEARNER),
    (
        "privacy:consent",
        "get",
        lambda w: {"person_id": w.people["learner"].pk},
        statuses(302, 200, 404, 404, 404, 200, 404, 200),
    ),
    (
        "privacy:deletion",
        "get",
        lambda w: {"request_id": _deletion_asked_by_guardian(w)},
        THE_GUARDIAN_OR_ADMIN,
    ),
    # Open Badges (decision 0091): a learner's own badges; an admin may revoke any; verifying, the issuer's
    # profile, its keys and a badge's status are everyone's (that is what makes a badge checkable).
    ("credentials:badges", "get", lambda w: {}, LEARNERS),
    ("credentials:claim", "post", lambda w: {}, statuses(302, 302, 302, 404, 404, 404, 404, 404)),
    (
        "credentials:download",
        "get",
        lambda w: {"public_id": _badge_of_the_learner(w)},
        statuses(302, 200, 404, 404, 404, 404, 404, 404),
    ),
    (
        "credentials:json",
        "get",
        lambda w: {"public_id": _badge_of_the_learner(w)},
        statuses(302, 200, 404, 404, 404, 404, 404, 404),
    ),
    (
        "credentials:revoke",
        "post",
        lambda w: {"public_id": _badge_of_the_learner(w)},
        statuses(302, 302, 404, 404, 404, 404, 404, 302),
    ),
    ("credentials:verify", "get", lambda w: {}, EVERYONE),
    ("credentials:verify", "post", lambda w: {}, EVERYONE),
    ("credentials:issuer", "get", lambda w: {"slug": "site"}, EVERYONE),
    ("credentials:jwks", "get", lambda w: {}, EVERYONE),
    ("credentials:key", "get", lambda w: {"kid": _issuer_key_id(w)}, EVERYONE),
    ("credentials:status", "get", lambda w: {"public_id": _badge_of_the_learner(w)}, EVERYONE),
    # LTI (decision 0088): the tool's keys are public; a login or launch without the LMS's parameters is
    # refused alike for everyone (test_lti.py has every real flow); the deep-linking choice exists only
    # within a teacher's launch; only an administrator registers an LMS (here without its configuration:
    # 400); a class that no LMS made has no LMS page (404 for all, its teacher too).
    ("lti:jwks", "get", lambda w: {}, EVERYONE),
    ("lti:login", "get", lambda w: {}, statuses(*[400] * 8)),
    ("lti:launch", "post", lambda w: {}, statuses(*[400] * 8)),
    ("lti:deep-link", "get", lambda w: {}, statuses(302, *[404] * 7)),
    ("lti:register", "get", lambda w: {}, statuses(*[403] * 7, 400)),
    ("lti:class", "get", lambda w: {"class_id": w.class_id}, statuses(302, *[404] * 7)),
    ("lti:roster-sync", "post", lambda w: {"class_id": w.class_id}, statuses(302, *[404] * 7)),
    ("api:root", "get", lambda w: {}, EVERYONE),
    ("api:api-root", "get", lambda w: {}, EVERYONE),
    ("api:openapi-json", "get", lambda w: {}, EVERYONE),
    ("api:openapi-view", "get", lambda w: {}, EVERYONE),
    ("api:course_list", "get", lambda w: {}, API_SIGNED_IN),
    ("api:course_detail", "get", lambda w: {"course_id": w.course}, API_SIGNED_IN),
    ("api:course_skills", "get", lambda w: {"course_id": w.course}, API_SIGNED_IN),
    ("api:learner_map", "get", lambda w: {"course_id": w.course}, API_SIGNED_IN),
    ("api:next_activity", "get", lambda w: {"course_id": w.course}, API_SIGNED_IN),
    ("api:activity_start", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    ("api:skill_choose", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    ("api:answer_submit", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    ("api:answer_skip", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    ("api:hint_reveal", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    ("api:solution_view", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    (
        "api:resource_view",
        "post",
        lambda w: {"course_id": w.course, "resource_id": "shares-text"},
        OWN_PRACTICE_API_WRITE,
    ),
    ("api:class_cockpit", "get", lambda w: {"class_id": w.class_id}, API_CLASS_TEACHER),
    ("api:my_plan", "get", lambda w: {}, API_LEARNERS),
    # Placement: anyone who may practise takes their own (no placement ids in any URL); caps are teachers'.
    ("placement:page", "get", lambda w: {"course_id": w.course}, SIGNED_IN),
    ("placement:start", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    ("placement:answer", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    ("placement:skip", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_WRITE),
    ("placement:class-cap", "get", lambda w: {"class_id": w.class_id}, CLASS_TEACHER),
    ("api:placement_status", "get", lambda w: {"course_id": w.course}, API_SIGNED_IN),
    # Nobody has a placement in progress or finished here: the same 404 for everyone signed in.
    (
        "api:placement_question",
        "get",
        lambda w: {"course_id": w.course},
        statuses(401, 404, 404, 404, 404, 404, 404, 404),
    ),
    (
        "api:placement_result",
        "get",
        lambda w: {"course_id": w.course},
        statuses(401, 404, 404, 404, 404, 404, 404, 404),
    ),
    ("api:placement_start", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    ("api:placement_answer", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    ("api:placement_skip", "post", lambda w: {"course_id": w.course}, OWN_PRACTICE_API_WRITE),
    ("admin:index", "get", lambda w: {}, statuses(302, 302, 302, 302, 302, 302, 302, 200)),
]


def _url_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_has_a_row() -> None:
    names = {name for name in _url_names(get_resolver().url_patterns) if not name.startswith("admin:")}
    covered = {row[0] for row in ROWS}
    assert names - covered == set(), "add these URLs to the role matrix"


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.people[role])
    return client


@pytest.mark.parametrize(("name", "method", "kwargs", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_role_matrix(
    world: World, name: str, method: str, kwargs: Callable[[World], dict[str, Any]], expected: Any
) -> None:
    url = reverse(name, kwargs=kwargs(world))
    got = {}
    for role in ROLES:
        response = getattr(_client(world, role), method)(url)
        got[role] = response.status_code
    if expected == OWN_PRACTICE_WRITE:
        assert got["anonymous"] == 302
        assert all(
            status < 500 and status not in (401, 403) for role, status in got.items() if role != "anonymous"
        )
    elif expected == OWN_PRACTICE_API_WRITE:
        assert got["anonymous"] == 401
        assert all(
            status < 500 and status not in (401, 403) for role, status in got.items() if role != "anonymous"
        )
    else:
        assert got == expected
    if expected in (SIGNED_IN, CLASS_TEACHER, LEARNERS, GUARDIANS, THE_GUARDIAN, READERS_OF_THE_LEARNER):
        response = _client(world, "anonymous").get(url)
        assert response["Location"].startswith("/accounts/sign-in/")


def _page(response: Any) -> str:
    """The page without its per-request CSRF token, so two pages can be compared byte for byte."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_another_class_looks_exactly_like_a_missing_one(world: World) -> None:
    teacher = _client(world, "teacher")
    other_class = teacher.get(f"/classes/{world.other_class_id}/cockpit/")
    missing = teacher.get("/classes/987654/cockpit/")
    assert other_class.status_code == missing.status_code == 404
    assert _page(other_class) == _page(missing)
    api_other = teacher.get(f"/api/coaching/classes/{world.other_class_id}/cockpit").json()["detail"]
    api_missing = teacher.get("/api/coaching/classes/987654/cockpit").json()["detail"]
    assert api_other.replace(str(world.other_class_id), "N") == api_missing.replace("987654", "N")


def test_another_learner_looks_exactly_like_a_missing_one(world: World) -> None:
    other = world.people["other_learner"].pk
    for role, urls in {
        "teacher": [
            f"/classes/{world.class_id}/learners/{other}/",
            f"/classes/{world.class_id}/learners/987654/",
        ],
        "guardian": [f"/guardian/learners/{other}/", "/guardian/learners/987654/"],
    }.items():
        client = _client(world, role)
        first, second = (client.get(url) for url in urls)
        assert first.status_code == second.status_code == 404
        assert _page(first) == _page(second)
    learner = _client(world, "other_learner")
    assert _page(learner.get(f"/work/{world.submission_id}/file/")) == _page(
        learner.get("/work/987654/file/")
    )


@pytest.mark.parametrize(
    "changelist",
    [
        "coaching/joincode",
        "curriculum/classcourse",
        "coaching/learnergroup",
        "coaching/pacingtarget",
        "coaching/intervention",
        "agency/goal",
        "agency/submission",
        "agency/reflection",
        "agency/feedback",
        "agency/projectboard",
        "guardians/linkcode",
    ],
)
def test_the_new_admin_pages_are_for_the_admin_only(world: World, changelist: str) -> None:
    assert _client(world, "admin").get(f"/admin/{changelist}/?q=a").status_code == 200
    for role in ("teacher", "learner", "guardian"):
        assert _client(world, role).get(f"/admin/{changelist}/").status_code == 302
