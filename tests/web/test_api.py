"""The REST API: root, OpenAPI document and docs, courses and skills, per role; JSON errors."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from openapi_spec_validator import validate
from pydantic import BaseModel

from learnpath.web.accounts.models import User
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.restapi import api

pytestmark = pytest.mark.django_db

ROLES = ["learner", "teacher", "guardian", "admin"]
COURSE_ENDPOINTS = ["/api/courses/fractions", "/api/courses/fractions/skills"]


def test_api_root_links_to_everything(client: Client) -> None:
    response = client.get("/api/")
    assert response.status_code == 200
    assert response.json() == {"courses": "/api/courses", "openapi": "/api/openapi.json", "docs": "/api/docs"}


@pytest.mark.parametrize("path", ["/api/courses", *COURSE_ENDPOINTS])
def test_anonymous_calls_get_401_saying_how_to_sign_in(client: Client, course: str, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "/accounts/sign-in/" in response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
def test_members_list_their_courses(
    role: str, members: dict[str, User], client_of: Callable[[User], Client], course: str, global_course: str
) -> None:
    response = client_of(members[role]).get("/api/courses")
    assert response.status_code == 200
    courses = response.json()
    assert [c["id"] for c in courses] == ["fractions", "fractions-for-all"]
    assert courses[0] == {
        "id": "fractions",
        "title": "Fractions (fractions)",
        "description": "Fractions from *equal shares* to adding them.",
        "version": "1.0.0",
        "language": "en",
        "skill_count": 3,
        "item_count": 4,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", COURSE_ENDPOINTS)
def test_members_of_every_role_read_the_course_endpoints(
    role: str, path: str, members: dict[str, User], client_of: Callable[[User], Client], course: str
) -> None:
    assert client_of(members[role]).get(path).status_code == 200


def test_course_detail_and_skills_in_prerequisite_order(
    learner: User, client_of: Callable[[User], Client], course: str
) -> None:
    client = client_of(learner)
    detail = client.get("/api/courses/fractions")
    assert detail.status_code == 200
    assert detail.json()["skill_count"] == 3
    assert detail.json()["resource_count"] == 2
    assert detail.json()["project_count"] == 1
    skills = client.get("/api/courses/fractions/skills").json()
    assert [s["id"] for s in skills] == ["fractions-meaning", "fractions-equivalent", "fractions-add-like"]
    assert skills[2]["prerequisites"] == ["fractions-meaning", "fractions-equivalent"]
    assert skills[1]["item_count"] == 3


def test_another_organisation_gets_the_same_404_as_a_missing_course(
    outsider: User, client_of: Callable[[User], Client], course: str
) -> None:
    client = client_of(outsider)
    assert client.get("/api/courses").json() == []
    for path in COURSE_ENDPOINTS:
        response = client.get(path)
        assert response.status_code == 404
        assert "no course 'fractions' that you can see" in response.json()["detail"]
    missing = client.get("/api/courses/nope")
    assert missing.status_code == 404
    assert missing.json()["detail"] == client.get("/api/courses/fractions").json()["detail"].replace(
        "fractions", "nope"
    )


def test_unknown_api_paths_are_404(learner: User, client_of: Callable[[User], Client]) -> None:
    assert client_of(learner).get("/api/no-such-thing").status_code == 404


def test_writes_need_the_csrf_token(learner: User, course: str) -> None:
    """The API only reads so far: a POST is refused (405) and never reaches a handler."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post("/api/courses").status_code == 405


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_openapi_document_is_valid_and_declares_every_error(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    validate(document)  # the OpenAPI 3 specification's own schema
    assert document["info"]["title"] == "learnpath API"
    for ref in _refs(document):
        assert _resolve(document, ref) is not None, ref
    paths = document["paths"]
    assert set(paths) >= {
        "/api/",
        "/api/courses",
        "/api/courses/{course_id}",
        "/api/courses/{course_id}/skills",
    }
    for path, operations in paths.items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert "200" in statuses, (method, path)
            if path != "/api/":
                assert "401" in statuses, (method, path)
                assert operation["security"], (method, path)
            if "{course_id}" in path:
                assert "404" in statuses, (method, path)
            for status, response_spec in operation["responses"].items():
                assert "application/json" in response_spec["content"], (method, path, status)
    error_schema = _resolve(document, "#/components/schemas/ErrorOut")
    assert error_schema["required"] == ["detail"]


def test_api_docs_are_served_without_any_third_party_origin(client: Client) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    bundle = client.get("/static/ninja/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    # Reading a streamed file to the end closes it (the test client wraps it); close() would also
    # close the test's database connection.
    assert b"".join(bundle.streaming_content)


def test_course_list_queries_do_not_grow_with_the_number_of_courses(
    learner: User,
    client_of: Callable[[User], Client],
    generated_documents: Any,
    build_pack: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(8):
        documents = generated_documents(course_id=f"course-{number}", skills=3, items_per_skill=2)
        curriculum_api.course_import(pack=build_pack(documents))
    client = client_of(learner)
    with django_assert_max_num_queries(4):
        response = client.get("/api/courses")
    assert len(response.json()) == 8
    with django_assert_max_num_queries(4):
        assert client.get("/").status_code == 200


# Issue 12: what schemathesis (tests/web/test_api_schema.py) found, each kept fixed by a plain test.


def _schema_classes(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation names, at any depth (``list[X] | None`` gives X)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _schema_classes(argument)


def test_no_two_schemas_share_a_name_in_the_document() -> None:
    """The document keys its schemas by class name, so two classes of one name (placement's and
    practice's ``AnswerIn``, ``AnswerOut``, ``ChoiceOut``) showed one app's schema for the other's
    endpoints."""
    seen: dict[str, set[type[BaseModel]]] = {}
    pending: list[type[BaseModel]] = []
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                wrappers = [*operation.models, *operation.response_models.values()]
                for wrapper in wrappers:  # django-ninja's generated models: their fields are ours
                    for field in getattr(wrapper, "model_fields", {}).values():
                        pending.extend(_schema_classes(field.annotation))
    while pending:
        model = pending.pop()
        if model in seen.setdefault(model.__name__, set()):
            continue
        seen[model.__name__].add(model)
        for field in model.model_fields.values():
            pending.extend(_schema_classes(field.annotation))
    assert {"AnswerIn", "AnswerOut", "PlacementAnswerIn", "PlacementAnswerOut"} <= set(seen)
    shared = {name: sorted(m.__module__ for m in models) for name, models in seen.items() if len(models) > 1}
    assert shared == {}


def _component(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return _resolve(document, schema["$ref"])  # type: ignore[no-any-return]


def test_the_answer_endpoints_are_documented_with_their_own_schemas(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    paths = document["paths"]

    def body(path: str) -> dict[str, Any]:
        content = paths[path]["post"]["requestBody"]["content"]["application/json"]
        return _component(document, content["schema"])

    def answer(path: str) -> dict[str, Any]:
        content = paths[path]["post"]["responses"]["200"]["content"]["application/json"]
        return _component(document, content["schema"])

    practice = body("/api/learning/{course_id}/answers")
    assert {"item_id", "seed", "step_id", "response", "confidence", "idempotency_key"} == set(
        practice["properties"]
    )
    assert "response" in practice["required"]
    for path in ("/api/learning/{course_id}/answers", "/api/learning/{course_id}/skip"):
        assert {"status", "correct", "counted", "mastered", "finished"} <= set(answer(path)["properties"])
        assert "outcome" not in answer(path)["properties"]
    placement = body("/api/placement/{course_id}/answers")
    assert "not_learned" in placement["properties"]
    assert "response" not in placement.get("required", [])
    assert {"outcome", "number", "finished"} <= set(
        answer("/api/placement/{course_id}/answers")["properties"]
    )


def test_every_write_declares_the_csrf_refusal_and_every_parameter_its_422(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            if method != "get":
                assert "403" in statuses, (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                assert "422" in statuses, (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "course_id":
                    assert parameter["schema"]["pattern"] == "^[a-z0-9][a-z0-9._-]{0,79}$", (method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/learning/fractions/activities"),
        ("post", "/api/placement/fractions/start"),
    ],
)
@pytest.mark.parametrize("role", ["anonymous", "learner"])
def test_a_write_without_the_csrf_token_is_a_403_saying_what_to_send(
    method: str, path: str, role: str, members: dict[str, User], course: str
) -> None:
    """It was a 403 the document did not declare, saying only "CSRF check Failed"."""
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(members[role])
    response = getattr(client, method)(path, {"idempotency_key": "k"}, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "X-CSRFToken" in response.json()["detail"]


def test_a_cockpit_with_a_class_id_that_is_not_a_number_is_a_declared_422(
    teacher: User, client_of: Callable[[User], Client], klass: Any, client: Client
) -> None:
    response = client_of(teacher).get("/api/coaching/classes/seven/cockpit")
    assert response.status_code == 422
    assert "class_id" in response.json()["detail"]
    document = client.get("/api/openapi.json").json()
    assert "422" in document["paths"]["/api/coaching/classes/{class_id}/cockpit"]["get"]["responses"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/courses/fr%00actions",
        "/api/courses/fr%00actions/skills",
        "/api/learning/fr%00actions/map",
        "/api/placement/fr%00actions",
        "/api/courses/Fractions",
    ],
)
def test_a_malformed_course_id_is_a_422_not_a_server_error(
    path: str, learner: User, client_of: Callable[[User], Client], course: str
) -> None:
    """A NUL byte in a course id was a 500 (an HTML page) on PostgreSQL, which cannot compare it."""
    response = client_of(learner).get(path)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert "course_id" in response.json()["detail"]
