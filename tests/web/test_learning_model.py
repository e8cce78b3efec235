"""The served learner model: `learnpath fit`, model versions, the switch of learners' states, the admin page.

Histories are generated through the real services (``learning.synthetic``), so the fit reads the same
observations the live loop made.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from learnpath.cli import fit as fit_command
from learnpath.cli.main import main
from learnpath.engine.served_model import PRIOR_VERSION
from learnpath.web.accounts.models import Organisation, Role, User
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import services
from learnpath.web.learning.api import derived_snapshot, state_rebuild
from learnpath.web.learning.course_model import forget_served_version, served_version
from learnpath.web.learning.fitting import course_observations, model_fit
from learnpath.web.learning.models import Event, FittedModel, LearnerCourse
from learnpath.web.learning.rebuild import DERIVED_MODELS
from learnpath.web.learning.store import state_load
from learnpath.web.learning.synthetic import history_generate

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def practise(people: list[User], course: str, *, seed: int, start: datetime = START) -> None:
    model = services.practice_course(people[0], course)
    history_generate(learners=people, model=model, seed=seed, start=start, actions=8, days=3)


def test_a_course_with_too_few_answers_keeps_its_prior(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    practise(make_learners(3), demo_course, seed=1)
    report = model_fit(course_id=demo_course, min_answers=10_000)
    assert report.version is None
    assert "needs at least 10000" in report.reason
    assert not FittedModel.objects.exists()
    assert served_version(demo_course) == PRIOR_VERSION


def test_observations_are_the_loops_evidence(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    """One observation per question answered or skipped, in time order, each with its learner."""
    practise(make_learners(4), demo_course, seed=2)
    model = services.practice_course(User.objects.first(), demo_course)
    answers = course_observations(demo_course, lambda version: model.loop)
    finished = (
        Event.objects.filter(course_id=demo_course, kind__in=["answer", "skip"])
        .values("learner_id")
        .distinct()
    )
    assert {a.learner for a in answers} == {str(row["learner_id"]) for row in finished}
    times = [a.time for a in answers]
    assert times == sorted(times)  # type: ignore[type-var]
    questions = Event.objects.filter(course_id=demo_course, kind="start").count()
    assert 0 < len(answers) <= questions


def test_a_refit_is_stored_served_and_rebuilds_identically(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    """A served refit changes the model learners meet at their next event; their model state is switched
    from their log, and rebuild-state, replaying each event with the model served then, gets the same."""
    people = make_learners(20)
    practise(people, demo_course, seed=3)
    report = model_fit(course_id=demo_course, min_answers=50)
    assert report.version == "fit-1"
    fitted = FittedModel.objects.get(course_id=demo_course, name="fit-1")
    assert fitted.held_out is not None
    assert fitted.in_use_score is not None
    assert fitted.in_use_name == PRIOR_VERSION
    assert fitted.trained_on < fitted.answers
    # Serve it whatever the held-out comparison said (the switch is what this test is about).
    FittedModel.objects.filter(pk=fitted.pk).update(served=True)
    forget_served_version()
    assert served_version(demo_course) == "fit-1"
    practise(people[:10], demo_course, seed=4, start=START + timedelta(days=30))
    switched = LearnerCourse.objects.filter(learner__in=people[:10], course_id=demo_course)
    assert {row.model_state["model"] for row in switched} == {"fit-1"}
    untouched = LearnerCourse.objects.filter(learner__in=people[10:], course_id=demo_course)
    assert {row.model_state["model"] for row in untouched} == {PRIOR_VERSION}
    assert set(
        Event.objects.filter(occurred_at__gte=START + timedelta(days=30)).values_list(
            "model_version", flat=True
        )
    ) == {"fit-1"}
    # a learner who has not come back is read with the new model (switched from their log on load)
    later = state_load(learner_id=people[15].pk, course_id=demo_course)
    assert later.state.model_version == "fit-1"
    live = derived_snapshot()
    for derived in DERIVED_MODELS:
        derived.objects.all().delete()
    state_rebuild()
    assert derived_snapshot() == live


def test_a_worse_model_is_stored_but_not_served(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    practise(make_learners(12), demo_course, seed=5)
    report = model_fit(course_id=demo_course, min_answers=50)
    fitted = FittedModel.objects.get(name=report.version)
    assert fitted.served == report.served
    new, old = fitted.held_out["log_loss"], fitted.in_use_score["log_loss"]  # type: ignore[index]
    assert report.served == (new <= old)
    assert served_version(demo_course) == ("fit-1" if report.served else PRIOR_VERSION)


# -- the command ---------------------------------------------------------------------------------------


def test_fit_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "--help"])
    assert exit_info.value.code == 0
    assert "held out" in capsys.readouterr().out


def test_fit_refuses_ordinary_mistakes_in_one_line(
    demo_course: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fit_command, "start_django", lambda args: None)

    def run(**fields: object) -> int:
        values = {"course": None, "all": False, "min_answers": None, "data_dir": None, **fields}
        return fit_command.run(argparse.Namespace(**values))

    assert run() == 2
    assert capsys.readouterr().err.strip() == "learnpath fit: name one course, or give --all"
    assert run(course="no-such-course") == 1
    assert capsys.readouterr().err.strip() == "learnpath fit: there is no course 'no-such-course'"
    assert run(course=demo_course, min_answers=0) == 2
    assert run(course=demo_course) == 0
    assert "not refitted" in capsys.readouterr().out


# -- the admin's page ----------------------------------------------------------------------------------


def test_the_model_page_shows_the_model_in_use_to_admins_only(
    organisation: Organisation,
    make_learners: Callable[..., list[User]],
    demo_course: str,
    make_user: Callable[..., User],
    other_organisation: Organisation,
    client_of: Callable[[User], Client],
) -> None:
    url = f"/learn/{demo_course}/model/"
    admin = make_user("ada", Role.ADMIN, organisation)
    page = client_of(admin).get(url)
    assert page.status_code == 200
    assert "starting model" in page.content.decode()
    practise(make_learners(12), demo_course, seed=6)
    report = model_fit(course_id=demo_course, min_answers=50)
    FittedModel.objects.filter(name=report.version).update(served=True)
    forget_served_version()
    text = client_of(admin).get(url).content.decode()
    assert 'data-testid="model-version">fit-1<' in text
    assert "Latest refit: fit-1" in text
    assert "<svg" in text
    for outsider in (
        make_user("lena", Role.LEARNER, organisation),
        make_user("theo", Role.TEACHER, organisation),
        make_user("gwen", Role.GUARDIAN, organisation),
        make_user("otto", Role.TEACHER, other_organisation),
    ):
        assert client_of(outsider).get(url).status_code == 404
    assert client_of(admin).get("/learn/no-such-course/model/").status_code == 404
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page


def test_placement_uses_the_served_models_item_parameters(
    make_learners: Callable[..., list[User]], demo_course: str
) -> None:
    """Placement's belief is told each item's slip and guess as the served model has them: the textbook
    0.1 / 0.2 of the prior, then those of the BKT fitted on the course's own log."""
    from learnpath.engine.served_model import answer_noise
    from learnpath.web.learning.course_model import course_model
    from learnpath.web.placement.course_placement import course_placement

    info = curriculum_api.course_info(course_id=demo_course)
    assert info is not None
    before = course_placement(info.id, info.checksum, 20).engine.items
    assert {(i.p_slip, i.p_guess) for i in before} <= {(0.1, 0.2), (0.1, 0.25), (0.1, 1 / 3)}
    practise(make_learners(20), demo_course, seed=8)
    report = model_fit(course_id=demo_course, min_answers=50)
    FittedModel.objects.filter(name=report.version).update(served=True)
    forget_served_version()
    served = course_model(info.id, info.checksum).loop.model
    after = course_placement(info.id, info.checksum, 20).engine.items
    assert after != before
    for item in after:
        slip, guess = answer_noise(served, item.skill_id)
        assert item.p_slip == pytest.approx(min(0.45, slip))
        assert item.p_guess >= min(0.45, guess) - 1e-12
