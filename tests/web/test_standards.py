"""Standards from a CASE framework: imported for a course, shown to its teachers with each skill's codes
and statements and the class's mastery by standard, and in the course's skills from the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from learnpath.content.importers.case import case_package_read
from learnpath.content.pack import load_pack
from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import AuditEntry, Organisation, User
from learnpath.web.coaching import selectors as coaching_selectors
from learnpath.web.coaching import services as coaching_services
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.curriculum.models import StandardsFramework
from learnpath.web.learning.models import SkillState

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CCSS = ROOT.parent / "shared" / "data" / "interop" / "case" / "ccss_math_opensalt_2017.json"
DEMO = ROOT / "src" / "learnpath" / "content" / "demo" / "numbers-to-equations"
COURSE = "numbers-to-equations"


def ccss() -> Path:
    if not CCSS.exists():
        pytest.skip(f"the CASE samples are not at {CCSS} (see ../shared/data/interop/PROVENANCE.md)")
    return CCSS


@pytest.fixture
def standards_class(
    organisation: Organisation, teacher: User, make_learners: Callable[..., list[User]]
) -> tuple[Any, list[User]]:
    from learnpath.web.learning import services as learning_services
    from learnpath.web.learning.synthetic import history_generate

    curriculum_api.course_import(pack=load_pack(DEMO), organisation_id=organisation.pk)
    info = coaching_services.class_create(teacher=teacher, name="6A maths")
    coaching_services.class_course_attach(class_id=info.id, course_id=COURSE, actor=teacher)
    learners = make_learners(4, prefix="std")
    for person in learners:
        accounts_api.class_learner_add(class_id=info.id, learner_id=person.pk, actor=teacher)
    model = learning_services.practice_course(learners[0], COURSE)
    history_generate(
        learners=learners, model=model, seed=3, start=timezone.now() - timedelta(days=6), actions=14, days=3
    )
    return info, learners


def _import() -> Any:
    framework, warnings = case_package_read(ccss())
    return curriculum_api.framework_import(framework=framework, warnings=warnings, course_id=COURSE)


def test_a_teacher_sees_each_standard_with_its_statement_and_who_mastered_it(
    standards_class: tuple[Any, list[User]], teacher: User, client_of: Callable[[User], Client]
) -> None:
    info, learners = standards_class
    result = _import()
    assert result.unmatched == []
    assert result.matched > 50
    page = client_of(teacher).get(f"/classes/{info.id}/standards/?course={COURSE}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Common Core State Standards for Mathematics" in html
    assert '<th scope="row">4.NBT.A.1</th>' in html
    assert "Recognize that in a multi-digit whole number, a digit in one place represents ten times" in html

    # "Mastered by" is who mastered every skill aligned to the standard, from the learners' skill states
    view = coaching_selectors.class_standards(class_id=info.id, course_id=COURSE)
    mastered = {
        (row.learner_id, row.skill_id)
        for row in SkillState.objects.filter(course_id=COURSE, mastered_at__isnull=False)
    }
    assert mastered, "the practice mastered nothing: the test would check nothing"
    for standard in view.standards:
        expected = sum(1 for p in learners if all((p.pk, s) in mastered for s, _ in standard.skills))
        assert standard.mastered_by == expected, standard.code
    assert any(s.mastered_by for s in view.standards)
    cells = [cell for _, _, row in view.rows for cell in row]
    assert len(cells) == len(learners) * len(view.standards)
    assert AuditEntry.objects.filter(action="course.standards_import", target_id=COURSE).exists()


def test_without_a_framework_the_codes_show_without_statements(
    standards_class: tuple[Any, list[User]], teacher: User, client_of: Callable[[User], Client]
) -> None:
    info, _ = standards_class
    html = client_of(teacher).get(f"/classes/{info.id}/standards/?course={COURSE}").content.decode()
    assert "No framework is imported for this course" in html
    assert "4.NBT.A.1" in html
    assert "not in an imported framework" in html


def test_the_skills_api_carries_the_statements_and_importing_again_updates_in_place(
    standards_class: tuple[Any, list[User]], teacher: User, client_of: Callable[[User], Client]
) -> None:
    first = _import()
    again = _import()
    assert first.created
    assert not again.created
    assert StandardsFramework.objects.count() == 1
    skills = client_of(teacher).get(f"/api/courses/{COURSE}/skills").json()
    place_value = next(s for s in skills if s["id"] == "place-value")
    assert place_value["standards"][0]["code"] == "CCSS.Math.Content.4.NBT.A.1"
    assert place_value["standards"][0]["statement"].startswith("Recognize that in a multi-digit whole number")
    assert place_value["standards"][0]["framework"] == "Common Core State Standards for Mathematics"
    assert place_value["standards"][0]["case_id"]


def test_the_command_imports_checks_and_says_mistakes_plainly(
    standards_class: tuple[Any, list[User]], capsys: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from learnpath.cli import standards as standards_command
    from learnpath.cli.main import main

    monkeypatch.setattr(standards_command, "start_django", lambda args: None)
    assert main(["standards", str(ccss()), "--course", COURSE, "--dry-run"]) == 0
    assert "703 items" in capsys.readouterr().out
    assert not StandardsFramework.objects.exists()
    assert main(["standards", str(ccss()), "--course", COURSE]) == 0
    assert f"{COURSE} aligns to it: 61 of its skills' standards found." in capsys.readouterr().out
    assert main(["standards", str(ccss()), "--course", "no-such-course"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "there is no course 'no-such-course'" in err[0]
    bad = tmp_path / "badge.json"
    bad.write_text('{"type": ["VerifiableCredential"]}')
    assert main(["standards", str(bad), "--course", COURSE]) == 1
    assert "there is no CFDocument" in capsys.readouterr().err
