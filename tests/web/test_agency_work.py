"""Learner agency: goals and milestones, the portfolio (text, link, file), reflections, project choice
boards, and teacher feedback that the learner sees."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, Organisation, Role, User
from learnpath.web.agency.models import Goal, ProjectBoard, ProjectChoice, Reflection, Submission
from learnpath.web.agency.uploads import MAX_FILE_BYTES, UploadRejected, file_check, safe_file_name
from learnpath.web.coaching import services as coaching_services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def other_teacher(make_user: Callable[..., User], organisation: Organisation) -> User:
    teacher = make_user("tina", Role.TEACHER, organisation)
    coaching_services.class_create(teacher=teacher, name="Another class")
    return teacher


def test_goals_with_milestones_and_progress(learner: User, client_of: Callable[[User], Client]) -> None:
    client = client_of(learner)
    client.post(
        "/me/goals/",
        {
            "title": "Add fractions",
            "target_date": "2026-12-01",
            "milestone": ["Watch the video", "Master meaning", ""],
            "milestone_skill": ["", "fractions-meaning", ""],
        },
    )
    goal = Goal.objects.get(learner=learner)
    assert [m.title for m in goal.milestones.all()] == ["Watch the video", "Master meaning"]
    first = goal.milestones.get(title="Watch the video")
    client.post(f"/me/milestones/{first.pk}/")
    page = client.get("/me/goals/").content.decode()
    assert "50 %" in page


def test_a_teacher_sets_a_goal_only_with_their_own_learners(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    client_of: Callable[[User], Client],
) -> None:
    data = {"title": "Finish equivalent fractions", "back": f"/classes/{klass.id}/"}
    assert client_of(other_teacher).post(f"/learners/{learner.pk}/goals/", data).status_code == 404
    assert client_of(teacher).post(f"/learners/{learner.pk}/goals/", data).status_code == 302
    goal = Goal.objects.get(learner=learner)
    assert goal.set_by == teacher
    assert AuditEntry.objects.filter(action="goal.create_for_learner").count() == 1


def test_portfolio_text_link_and_file(learner: User, client_of: Callable[[User], Client]) -> None:
    client = client_of(learner)
    client.post("/me/portfolio/", {"title": "My recipe", "kind": "text", "text": "Half a cup..."})
    bad = client.post(
        "/me/portfolio/", {"title": "x", "kind": "link", "link": "javascript:alert(1)"}, follow=True
    )
    assert "A link starts with https://" in bad.content.decode()
    client.post("/me/portfolio/", {"title": "Video", "kind": "link", "link": "https://example.org/v"})
    client.post(
        "/me/portfolio/",
        {
            "title": "Poster",
            "kind": "file",
            "file": SimpleUploadedFile("../../my poster.png", PNG, "image/png"),
        },
    )
    assert sorted(Submission.objects.values_list("kind", flat=True)) == ["file", "link", "text"]
    poster = Submission.objects.get(kind="file")
    assert poster.file_name == "my_poster.png"
    response = client.get(f"/work/{poster.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my_poster.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("page.html", b"<script>alert(1)</script>", "cannot be uploaded"),
        ("poster.png", b"MZ\x90\x00 not a png", "not a .png file"),
        ("notes.txt", b"\xff\xfe\x00bad", "UTF-8"),
        ("big.pdf", b"%PDF-" + b"0" * MAX_FILE_BYTES, "larger than 5 MB"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_upload_checks(name: str, data: bytes, message: str) -> None:
    with pytest.raises(UploadRejected, match=message):
        file_check(name, data)


def test_safe_file_names() -> None:
    assert safe_file_name("C:\\Users\\x\\..\\évil name.PDF") == "vil_name.PDF"
    assert safe_file_name("....") == "file"
    assert safe_file_name('a";b.txt') == "a_b.txt"


def test_a_rejected_file_is_not_stored(learner: User, client_of: Callable[[User], Client]) -> None:
    page = client_of(learner).post(
        "/me/portfolio/",
        {
            "title": "x",
            "kind": "file",
            "file": SimpleUploadedFile("x.svg", b"<svg onload=alert(1)>", "image/svg+xml"),
        },
        follow=True,
    )
    assert "cannot be uploaded" in page.content.decode()
    assert not Submission.objects.exists()


def test_files_are_served_only_to_those_who_may_read_the_work(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    other_teacher: User,
    outsider: User,
    make_user: Callable[..., User],
    organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    client_of(learner).post(
        "/me/portfolio/",
        {"title": "P", "kind": "file", "file": SimpleUploadedFile("p.png", PNG, "image/png")},
    )
    url = f"/work/{Submission.objects.get().pk}/file/"
    classmate = make_user("carl", Role.LEARNER, organisation)
    assert client_of(teacher).get(url).status_code == 200
    for person in (other_teacher, outsider, classmate):
        assert client_of(person).get(url).status_code == 404
    assert client_of(learner).get("/work/999999/file/").status_code == 404


def test_reflections_and_feedback_reach_the_learner(
    klass: accounts_api.ClassInfo, learner: User, teacher: User, client_of: Callable[[User], Client]
) -> None:
    client_of(learner).post("/me/reflections/", {"went_well": "Equal shares!", "try_next": "Harder ones"})
    reflection = Reflection.objects.get()
    drill = client_of(teacher).get(f"/classes/{klass.id}/learners/{learner.pk}/").content.decode()
    assert "Equal shares!" in drill
    client_of(teacher).post(
        f"/classes/{klass.id}/learners/{learner.pk}/feedback/",
        {"target_type": "reflection", "target_id": reflection.pk, "body": "Well noticed"},
    )
    assert "Well noticed" in client_of(learner).get("/me/reflections/").content.decode()
    assert "Well noticed" in client_of(learner).get("/me/feedback/").content.decode()


def test_feedback_on_someone_elses_work_is_refused(
    klass: accounts_api.ClassInfo,
    learner: User,
    teacher: User,
    outsider: User,
    client_of: Callable[[User], Client],
) -> None:
    other = Reflection.objects.create(learner=outsider, went_well="x", try_next="y")
    page = client_of(teacher).post(
        f"/classes/{klass.id}/learners/{learner.pk}/feedback/",
        {"target_type": "reflection", "target_id": other.pk, "body": "Hi"},
        follow=True,
    )
    assert "not this learner" in page.content.decode()


def test_project_choice_within_the_teachers_options(
    klass: accounts_api.ClassInfo, learner: User, teacher: User, client_of: Callable[[User], Client]
) -> None:
    key = "fractions/recipe-scaling"
    client_of(teacher).post(
        f"/classes/{klass.id}/projects/", {"project": key, "topic": ["baking"], "format": ["poster"]}
    )
    board = ProjectBoard.objects.get()
    assert (board.topic_ids, board.format_ids) == (["baking"], ["poster"])
    client = client_of(learner)
    assert "Scale a recipe" in client.get("/me/projects/").content.decode()
    client.post("/me/projects/", {"board": board.pk, "topic": "space", "format": "poster"})
    assert not ProjectChoice.objects.exists()
    client.post("/me/projects/", {"board": board.pk, "topic": "baking", "format": "poster"})
    assert ProjectChoice.objects.get().topic_id == "baking"


def test_the_goal_form_offers_the_skills_of_started_courses_only(
    learner: User, course: str, global_course: str, client_of: Callable[[User], Client]
) -> None:
    """Milestone skills come from the courses the learner has started, grouped by course: every visible
    course would list every skill of a whole imported pool."""
    from datetime import UTC, datetime

    from learnpath.web.learning import api as learning_api

    client = client_of(learner)
    page = client.get("/me/goals/").content.decode()
    assert 'value="fractions-meaning"' not in page
    assert "Once you have started a course" in page
    learning_api.demo_history_generate(
        learner_ids=[learner.pk], course_id=course, seed=1, start=datetime(2026, 3, 2, tzinfo=UTC)
    )
    page = client.get("/me/goals/").content.decode()
    assert page.count('value="fractions-meaning"') == 3  # one select per milestone
    assert page.count("<optgroup") == 3
    assert "Once you have started a course" not in page
