"""Fixtures for the web tests: small content packs, two organisations, a person of every role, courses.

The packs are built as ``Pack`` objects straight from documents, so these tests do not depend on the
YAML loader (tests/content covers that) and can build broken packs on purpose.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from learnpath.content.model import (
    Choice,
    CourseMeta,
    Item,
    Pack,
    Project,
    ProjectOption,
    Resource,
    Skill,
    Standard,
    Step,
)
from learnpath.web.accounts import services as account_services
from learnpath.web.accounts.models import Organisation, Role, User
from learnpath.web.curriculum import api as curriculum_api

COURSE_ID = "fractions"


def fraction_documents(*, course_id: str = COURSE_ID, version: str = "1.0.0") -> dict[str, Any]:
    """A small course: three skills (out of prerequisite order), four items, two resources, a project,
    two media files."""
    return {
        "course": {
            "format": "learnpath-pack",
            "format_version": 1,
            "id": course_id,
            "version": version,
            "title": f"Fractions ({course_id})",
            "description": "Fractions from *equal shares* to adding them.",
            "language": "en",
            "license": "CC-BY-4.0",
            "authors": ["learnpath tests"],
            "source": "",
        },
        "skills": [
            {
                "id": "fractions-add-like",
                "name": "Adding like fractions",
                "description": "Add fractions with the same denominator.",
                "prerequisites": ["fractions-meaning", "fractions-equivalent"],
            },
            {
                "id": "fractions-meaning",
                "name": "What a fraction means",
                "description": "A fraction names equal shares of a whole.",
                "prerequisites": [],
                "standards": [{"framework": "CCSS.Math", "code": "3.NF.A.1"}],
            },
            {
                "id": "fractions-equivalent",
                "name": "Equivalent fractions",
                "description": "Fractions that name the same amount.",
                "prerequisites": ["fractions-meaning"],
            },
        ],
        "items": [
            {
                "id": "meaning-1",
                "type": "single_choice",
                "skills": ["fractions-meaning"],
                "prompt": "Which picture shows one half?",
                "choices": [
                    {"id": "a", "text": "Two equal parts, one shaded"},
                    {"id": "b", "text": "Three parts"},
                ],
                "answer": "a",
            },
            {
                "id": "equivalent-1",
                "type": "single_choice",
                "skills": ["fractions-equivalent"],
                "prompt": "Which fraction is equal to $\\frac{2}{3}$?",
                "choices": [{"id": "a", "text": "4/6"}, {"id": "b", "text": "3/4"}],
                "answer": "a",
                "difficulty": 0.5,
            },
            {
                "id": "equivalent-2",
                "type": "numeric",
                "skills": ["fractions-equivalent"],
                "prompt": "Complete: 1/2 = ?/4",
                "answer": 2,
            },
            {
                "id": "add-1",
                "type": "numeric",
                "skills": ["fractions-add-like", "fractions-equivalent"],
                "prompt": "What is 1/5 + 2/5? Give the numerator over 5.",
                "answer": "3/5",
            },
        ],
        "resources": [
            {
                "id": "shares-text",
                "title": "Fractions as equal shares",
                "modality": "text",
                "skills": ["fractions-meaning"],
                "body": "Cut a pizza into equal slices... ![a pizza](media/widget.html) <b>raw</b>",
            },
            {
                "id": "equivalent-video",
                "title": "Equivalent fractions in three minutes",
                "modality": "video",
                "skills": ["fractions-equivalent"],
                "url": "media/clip.mp4",
                "transcript": "Two thirds is four sixths...",
                "duration_minutes": 3,
            },
        ],
        "media": {"widget.html": b"<script>1</script>", "clip.mp4": b"\x00\x00"},
        "projects": [
            {
                "id": "recipe-scaling",
                "title": "Scale a recipe",
                "skills": ["fractions-equivalent"],
                "brief": "Choose a recipe and scale it.",
                "topics": [{"id": "baking", "title": "Baking"}],
                "formats": [{"id": "poster", "title": "Poster"}],
                "rubric": ["Every quantity scaled correctly"],
            }
        ],
    }


def _step(document: dict[str, Any]) -> Step:
    return Step(
        id=document["id"],
        type=document["type"],
        prompt=document["prompt"],
        answer=document.get("answer"),
        choices=tuple(Choice(c["id"], c["text"]) for c in document.get("choices", [])),
    )


def pack_from(documents: dict[str, Any]) -> Pack:
    """Build a ``Pack`` from documents (no validation: tests build broken packs on purpose too)."""
    documents = copy.deepcopy(documents)
    course = documents["course"]
    return Pack(
        meta=CourseMeta(
            id=course["id"],
            version=course["version"],
            title=course["title"],
            description=course.get("description", ""),
            language=course.get("language", "en"),
            license=course.get("license", ""),
            authors=tuple(course.get("authors", ())),
            source=course.get("source", ""),
            document=course,
        ),
        skills=tuple(
            Skill(
                id=s["id"],
                name=s["name"],
                description=s.get("description", ""),
                prerequisites=tuple(s.get("prerequisites", ())),
                standards=tuple(Standard(**standard) for standard in s.get("standards", ())),
                document=s,
            )
            for s in documents["skills"]
        ),
        items=tuple(
            Item(
                id=i["id"],
                type=i["type"],
                skills=tuple(i["skills"]),
                prompt=i["prompt"],
                main=_step(i),
                difficulty=i.get("difficulty"),
                document=i,
            )
            for i in documents["items"]
        ),
        resources=tuple(
            Resource(
                id=r["id"],
                title=r["title"],
                modality=r["modality"],
                skills=tuple(r["skills"]),
                body=r.get("body", ""),
                url=r.get("url", ""),
                transcript=r.get("transcript", ""),
                duration_minutes=r.get("duration_minutes"),
                document=r,
            )
            for r in documents.get("resources", [])
        ),
        projects=tuple(
            Project(
                id=p["id"],
                title=p["title"],
                skills=tuple(p["skills"]),
                brief=p["brief"],
                topics=tuple(ProjectOption(o["id"], o["title"]) for o in p.get("topics", ())),
                formats=tuple(ProjectOption(o["id"], o["title"]) for o in p.get("formats", ())),
                rubric=tuple(p.get("rubric", ())),
                document=p,
            )
            for p in documents.get("projects", [])
        ),
        media=documents.get("media", {}),
    )


def fraction_pack(*, course_id: str = COURSE_ID, version: str = "1.0.0") -> Pack:
    """The small fractions course as a ``Pack``."""
    return pack_from(fraction_documents(course_id=course_id, version=version))


def wide_documents(*, course_id: str, skills: int, items_per_skill: int) -> dict[str, Any]:
    """A generated course of ``skills`` chained skills with ``items_per_skill`` numeric items each."""
    documents = fraction_documents(course_id=course_id)
    documents["skills"] = [
        {
            "id": f"skill-{s}",
            "name": f"Skill {s}",
            "description": "",
            "prerequisites": [f"skill-{s - 1}"] if s else [],
        }
        for s in range(skills)
    ]
    documents["items"] = [
        {
            "id": f"item-{s}-{n}",
            "type": "numeric",
            "skills": [f"skill-{s}"],
            "prompt": f"{s} + {n} = ?",
            "answer": s + n,
        }
        for s in range(skills)
        for n in range(items_per_skill)
    ]
    documents["resources"] = []
    documents["projects"] = []
    documents["media"] = {}
    return documents


PASSWORD = "correct-horse-battery"


@pytest.fixture
def organisation(db: None) -> Organisation:
    return account_services.organisation_create(slug="north-school", name="North School")


@pytest.fixture
def other_organisation(db: None) -> Organisation:
    return account_services.organisation_create(slug="south-school", name="South School")


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(username: str, role: str = Role.LEARNER, organisation: Organisation | None = None) -> User:
        return account_services.user_create(
            username=username, password=PASSWORD, role=role, organisation=organisation
        )

    return make


@pytest.fixture
def learner(make_user: Callable[..., User], organisation: Organisation) -> User:
    return make_user("lena", Role.LEARNER, organisation)


@pytest.fixture
def teacher(make_user: Callable[..., User], organisation: Organisation) -> User:
    return make_user("theo", Role.TEACHER, organisation)


@pytest.fixture
def guardian(make_user: Callable[..., User], organisation: Organisation) -> User:
    return make_user("gwen", Role.GUARDIAN, organisation)


@pytest.fixture
def admin_user(make_user: Callable[..., User], organisation: Organisation) -> User:
    return make_user("ada", Role.ADMIN, organisation)


@pytest.fixture
def outsider(make_user: Callable[..., User], other_organisation: Organisation) -> User:
    """A learner of another organisation."""
    return make_user("otto", Role.LEARNER, other_organisation)


@pytest.fixture
def members(learner: User, teacher: User, guardian: User, admin_user: User) -> dict[str, User]:
    """One member of the organisation per role."""
    return {"learner": learner, "teacher": teacher, "guardian": guardian, "admin": admin_user}


@pytest.fixture
def client_of() -> Callable[[User], Client]:
    """A test client signed in as the given user."""

    def signed_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def course(organisation: Organisation) -> str:
    """The fractions course, owned by ``organisation``; returns its id."""
    result = curriculum_api.course_import(pack=fraction_pack(), organisation_id=organisation.pk)
    return result.course_id


@pytest.fixture
def klass(teacher: User, learner: User, course: str) -> Any:
    """A class "7B maths" of ``teacher`` with ``learner`` in it, using ``course`` (a ``ClassInfo``)."""
    from learnpath.web.accounts import api as accounts_api
    from learnpath.web.coaching import services as coaching_services

    info = coaching_services.class_create(teacher=teacher, name="7B maths")
    accounts_api.class_learner_add(class_id=info.id, learner_id=learner.pk, actor=teacher)
    coaching_services.class_course_attach(class_id=info.id, course_id=course, actor=teacher)
    return info


@pytest.fixture
def global_course(db: None) -> str:
    """A global course (no organisation): every signed-in person sees it."""
    return curriculum_api.course_import(pack=fraction_pack(course_id="fractions-for-all")).course_id


@pytest.fixture
def documents() -> Any:
    """The builder of the small course's documents: ``documents(course_id=..., version=...)``."""
    return fraction_documents


@pytest.fixture
def build_pack() -> Any:
    """``build_pack(documents)``: a ``Pack`` from documents, without validation."""
    return pack_from


@pytest.fixture
def generated_documents() -> Any:
    """``generated_documents(course_id=..., skills=..., items_per_skill=...)``: a course of any size."""
    return wide_documents


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Every test starts with no failed-attempt counts (the cache lives in the test process) and looks up
    each course's served learner model afresh."""
    from django.core.cache import cache

    from learnpath.web.learning.course_model import forget_served_version

    cache.clear()
    forget_served_version()
    yield
    cache.clear()
    forget_served_version()


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the site's default language: a request in Spanish leaves Spanish active in the
    test's thread (Django's LocaleMiddleware does not switch it back), and code called directly afterwards,
    in another test, would speak Spanish."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def demo_course(organisation: Organisation) -> str:
    """The demo course (numbers-to-equations), owned by ``organisation``; returns its id."""
    from learnpath.content.demo import DEMO_PACK_PATH
    from learnpath.content.pack import load_pack

    return curriculum_api.course_import(
        pack=load_pack(DEMO_PACK_PATH), organisation_id=organisation.pk
    ).course_id


@pytest.fixture
def make_learners(organisation: Organisation) -> Callable[..., list[User]]:
    """``make_learners(count, prefix="sim")``: that many learners of ``organisation`` (no password)."""

    def make(count: int, prefix: str = "sim") -> list[User]:
        User.objects.bulk_create(
            [
                User(username=f"{prefix}{n:04d}", role=Role.LEARNER, organisation=organisation)
                for n in range(count)
            ]
        )
        return list(User.objects.filter(username__startswith=prefix).order_by("username"))

    return make
