"""The server-rendered pages, for every role: anonymous, members, another organisation's people."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.web.accounts.models import User
from learnpath.web.curriculum import api as curriculum_api

pytestmark = pytest.mark.django_db

ROLES = ["learner", "teacher", "guardian", "admin"]


def without_csrf_token(html: bytes) -> bytes:
    """The page without its (per-response, masked) CSRF token, to compare two pages."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def course_urls(course_id: str) -> list[str]:
    return [
        f"/courses/{course_id}/",
        f"/courses/{course_id}/skills/fractions-equivalent/",
    ]


def test_home_signed_out_says_what_learnpath_is_and_offers_sign_in(client: Client, course: str) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "open-source learning platform" in page
    assert 'href="/accounts/sign-in/"' in page
    assert "Fractions" not in page  # no course titles for anonymous visitors


@pytest.mark.parametrize("role", ROLES)
def test_home_signed_in_lists_the_courses_of_my_organisation(
    role: str, members: dict[str, User], client_of: Callable[[User], Client], course: str, global_course: str
) -> None:
    page = client_of(members[role]).get("/").content.decode()
    assert 'href="/courses/fractions/"' in page
    assert 'href="/courses/fractions-for-all/"' in page


def test_home_of_another_organisation_lists_only_global_courses(
    outsider: User, client_of: Callable[[User], Client], course: str, global_course: str
) -> None:
    page = client_of(outsider).get("/").content.decode()
    assert "/courses/fractions/" not in page
    assert 'href="/courses/fractions-for-all/"' in page


@pytest.mark.parametrize("path", ["/courses/fractions/", "/courses/fractions/skills/fractions-meaning/"])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, course: str, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/sign-in/?next={path}"


@pytest.mark.parametrize("role", ROLES)
def test_members_of_every_role_see_the_course_and_skill_pages(
    role: str, members: dict[str, User], client_of: Callable[[User], Client], course: str
) -> None:
    client = client_of(members[role])
    for url in course_urls(course):
        assert client.get(url).status_code == 200, url


def test_another_organisation_gets_404_exactly_like_a_missing_course(
    outsider: User, client_of: Callable[[User], Client], course: str
) -> None:
    client = client_of(outsider)
    for url in course_urls(course):
        assert client.get(url).status_code == 404, url
    missing = client.get("/courses/no-such-course/")
    assert missing.status_code == 404
    forbidden = client.get("/courses/fractions/")
    assert without_csrf_token(forbidden.content) == without_csrf_token(missing.content)


def test_a_superuser_without_organisation_sees_every_course(
    make_user: Callable[..., User], client_of: Callable[[User], Client], course: str
) -> None:
    root = make_user("root", "admin", None)
    assert client_of(root).get("/courses/fractions/").status_code == 200


def test_course_page_lists_skills_after_their_prerequisites(
    learner: User, client_of: Callable[[User], Client], course: str
) -> None:
    page = client_of(learner).get("/courses/fractions/").content.decode()
    positions = [
        page.index(name) for name in ("What a fraction means", "Equivalent fractions", "Adding like")
    ]
    assert positions == sorted(positions)
    assert "<h1>Fractions (fractions)</h1>" in page
    assert "<em>equal shares</em>" in page  # the description is rendered markdown
    assert "Builds on:" in page
    assert "A starting point: no prerequisites." in page
    assert "<dt>Practice items</dt><dd>4</dd>" in page
    assert "<dt>Resources</dt><dd>2</dd>" in page


def test_course_page_hides_retired_skills(
    learner: User, client_of: Callable[[User], Client], course: str, documents: Any, build_pack: Any
) -> None:
    second = documents(version="2.0.0")
    second["skills"] = second["skills"][1:]
    second["items"] = second["items"][:-1]
    curriculum_api.course_import(pack=build_pack(second))
    client = client_of(learner)
    assert "Adding like fractions" not in client.get("/courses/fractions/").content.decode()
    assert client.get("/courses/fractions/skills/fractions-add-like/").status_code == 404


def test_skill_page_shows_prerequisites_unlocks_resources_and_a_sample_item(
    learner: User, client_of: Callable[[User], Client], course: str
) -> None:
    response = client_of(learner).get("/courses/fractions/skills/fractions-equivalent/")
    page = response.content.decode()
    assert "<h1>Equivalent fractions</h1>" in page
    assert 'href="/courses/fractions/skills/fractions-meaning/"' in page  # builds on
    assert 'href="/courses/fractions/skills/fractions-add-like/"' in page  # unlocks
    assert "<h3>Videos</h3>" in page
    assert '<a href="/courses/fractions/media/clip.mp4">Equivalent fractions in three minutes</a>' in page
    assert "(3 min)" in page
    assert "3 practice items." in page
    assert "Which fraction is equal to" in page


def test_skill_page_shows_text_resources_in_place(
    learner: User, client_of: Callable[[User], Client], course: str
) -> None:
    page = client_of(learner).get("/courses/fractions/skills/fractions-meaning/").content.decode()
    assert "<summary>Fractions as equal shares</summary>" in page
    assert "Cut a pizza into equal slices" in page
    assert '<img src="/courses/fractions/media/widget.html" alt="a pizza"' in page  # pack media resolved
    assert "&lt;b&gt;raw&lt;/b&gt;" in page  # raw HTML in markdown is escaped


def test_an_unknown_skill_is_404(learner: User, client_of: Callable[[User], Client], course: str) -> None:
    assert client_of(learner).get("/courses/fractions/skills/nope/").status_code == 404


def test_course_page_queries_do_not_grow_with_the_course(
    learner: User,
    client_of: Callable[[User], Client],
    generated_documents: Any,
    build_pack: Any,
    django_assert_max_num_queries: Any,
) -> None:
    curriculum_api.course_import(
        pack=build_pack(generated_documents(course_id="big", skills=60, items_per_skill=5))
    )
    client = client_of(learner)
    with django_assert_max_num_queries(8):
        response = client.get("/courses/big/")
    assert response.status_code == 200
    assert response.content.decode().count('<li id="skill-') == 60


def test_skill_page_queries_are_bounded(
    learner: User, client_of: Callable[[User], Client], course: str, django_assert_max_num_queries: Any
) -> None:
    client = client_of(learner)
    with django_assert_max_num_queries(12):
        assert client.get("/courses/fractions/skills/fractions-equivalent/").status_code == 200


def test_media_is_served_by_the_app_with_active_content_sandboxed(
    learner: User,
    outsider: User,
    client_of: Callable[[User], Client],
    course: str,
    documents: Any,
    build_pack: Any,
) -> None:
    client = client_of(learner)
    html = client.get("/courses/fractions/media/widget.html")
    assert html.status_code == 200
    assert html["Content-Type"] == "text/html"
    assert html["Content-Security-Policy"] == "sandbox allow-scripts"
    assert html["X-Content-Type-Options"] == "nosniff"
    assert html.content == b"<script>1</script>"
    video = client.get("/courses/fractions/media/clip.mp4")
    assert video["Content-Type"] == "video/mp4"
    assert video["Content-Security-Policy"] == "sandbox"
    assert "Content-Disposition" not in video
    # issue 12: a pack's XML ran its script on learnpath's origin; every type not on the list is a
    # sandboxed download
    xml_course = documents(course_id="xml-media")
    xml_course["media"]["x.xml"] = b'<a:script xmlns:a="http://www.w3.org/1999/xhtml">fetch("/")</a:script>'
    curriculum_api.course_import(pack=build_pack(xml_course), organisation_id=learner.organisation_id)
    xml = client.get("/courses/xml-media/media/x.xml")
    assert xml.status_code == 200
    assert xml["Content-Security-Policy"] == "sandbox"
    assert xml["Content-Disposition"] == "attachment; filename*=UTF-8''x.xml"
    assert client.get("/courses/fractions/media/none.png").status_code == 404
    assert client_of(outsider).get("/courses/fractions/media/widget.html").status_code == 404
    assert Client().get("/courses/fractions/media/widget.html").status_code == 302


def test_stylesheet_is_served_locally_and_pages_name_no_other_origin(
    client: Client, learner: User, client_of: Callable[[User], Client], course: str
) -> None:
    css = client.get("/static/learnpath/site.css")
    assert css.status_code == 200
    assert b"".join(css.streaming_content).startswith(b"/* learnpath")  # read to the end: closed
    pages = [client.get("/"), client.get("/accounts/sign-in/")]
    member = client_of(learner)
    pages += [member.get(url) for url in ["/", *course_urls(course)]]
    for response in pages:
        html = response.content.decode()
        assert 'src="http' not in html
        assert 'href="http' not in html
        assert "//cdn" not in html


def test_pages_are_accessible_landmarks(client: Client) -> None:
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert '<main id="main"' in page
    assert 'href="#main"' in page  # skip link
    assert '<nav aria-label="Main">' in page


JOINED_COUNT = re.compile(r'JOIN "curriculum_(skill|item|resource|project)"')


def test_course_counts_never_multiply_one_relation_by_another(
    teacher: User,
    client_of: Callable[[User], Client],
    generated_documents: Any,
    build_pack: Any,
    django_assert_max_num_queries: Any,
) -> None:
    # Counting skills and items through joins in one query multiplied their rows: with the OATutor pool
    # the home page took about 50 seconds (issue 13). Each count is its own subquery now, and right.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    curriculum_api.course_import(
        pack=build_pack(generated_documents(course_id="big", skills=30, items_per_skill=4))
    )
    client = client_of(teacher)
    for path, shown in (("/", ("30 skills", "120 practice items")), ("/courses/big/", ("<dd>120</dd>",))):
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(12):
            page = client.get(path).content.decode()
        sql = [q["sql"] for q in queries.captured_queries]
        # One relation joined to count it is fine; two in one query multiply each other's rows.
        joined = [q for q in sql if "COUNT(" in q and len(set(JOINED_COUNT.findall(q))) > 1]
        assert joined == [], f"{path} counts two relations through joins in one query: {joined}"
        for text in shown:
            assert text in page, (path, text)
