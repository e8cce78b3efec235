"""Readable maths and markdown: ``$...$`` becomes MathML on the server, markdown is rendered, raw HTML is
escaped, prices stay text, and the pages a learner reads show no LaTeX, ``**`` or template braces."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.content.demo import DEMO_PACK_PATH
from learnpath.content.pack import load_pack
from learnpath.web.accounts import api as accounts_api
from learnpath.web.accounts.models import Organisation, User
from learnpath.web.coaching import services as coaching_services
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.curriculum.templatetags.learnpath_markdown import (
    course_markdown,
    course_markdown_inline,
    latex_to_mathml,
)
from learnpath.web.placement.models import PlacementSession

COURSE = "maths-course"
RAW = ("$\\frac", "**", "{a}", "{b}")
THINK = "**Think:** what is $\\frac{3}{5} + \\frac{1}{10}$?"
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")


def render(text: str) -> str:
    return str(course_markdown(text, COURSE))


def render_inline(text: str) -> str:
    return str(course_markdown_inline(text, COURSE))


# --- the filters -------------------------------------------------------------------------------------


def test_a_fraction_becomes_mathml_with_its_latex_as_alttext() -> None:
    html = render("What is $\\frac{3}{5} + \\frac{1}{10}$?")
    assert html.startswith("<p>What is <math ")
    assert 'display="inline"' in html
    assert 'alttext="\\frac{3}{5} + \\frac{1}{10}"' in html
    assert html.count("<mfrac>") == 2
    assert "<mn>3</mn>" in html
    assert "$" not in html


def test_double_dollars_are_display_maths() -> None:
    block = render("Look:\n\n$$\\frac{1}{2} = \\frac{2}{4}$$\n\nDone.")
    assert '<div class="math-display"><math ' in block
    assert 'display="block"' in block
    in_sentence = render("So $$x^2$$ here.")
    assert in_sentence.startswith("<p>So <math ")  # no <div> inside the paragraph
    assert 'display="block"' in in_sentence


def test_markdown_still_renders_and_raw_html_is_still_escaped() -> None:
    html = render("**Bold** and <script>alert(1)</script> and $a < b$")
    assert "<strong>Bold</strong>" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mo>&lt;</mo>" in html


def test_html_inside_the_latex_is_escaped_and_links_are_dropped() -> None:
    html = render("$\\text{<img src=x onerror=alert(1)>}$ and $\\href{javascript:alert(1)}{x}$")
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "javascript:" not in html.replace('alttext="\\href{javascript:alert(1)}{x}"', "")
    assert "href=" not in html


@pytest.mark.parametrize(
    "text",
    [
        "A pen costs $5 and a book $10.",
        "Between $5 and $10 each.",
        "Tickets are $5-$10.",
        "It was $3.50/$4 a kilo.",
    ],
)
def test_dollar_amounts_stay_text(text: str) -> None:
    assert render(text) == f"<p>{text}</p>\n"
    assert render_inline(text) == text


def test_a_price_next_to_maths_leaves_the_maths_alone() -> None:
    html = render_inline("A pen costs $2. What is $\\frac{1}{2}$ of it?")
    assert html.startswith("A pen costs $2. What is <math ")
    assert "<mfrac>" in html


def test_an_escaped_dollar_is_a_dollar() -> None:
    assert render_inline("\\$x\\$") == "$x$"


@pytest.mark.parametrize("latex", ["\\frac{3}{", "}{", "\\begin{x}"])
def test_latex_that_cannot_be_converted_shows_its_escaped_source(latex: str) -> None:
    html = render(f"Bad ${latex}$ <b>here</b>")
    assert "<math" not in html
    assert f'<span class="math-source">{latex}</span>' in html
    assert "&lt;b&gt;here&lt;/b&gt;" in html
    assert latex_to_mathml("\\text{<b>}}{") == '<span class="math-source">\\text{&lt;b&gt;}}{</span>'


def test_the_inline_filter_has_no_paragraph_unless_the_text_has_several_lines() -> None:
    assert render_inline("$\\frac{1}{2}$ of **it**").startswith("<math ")
    assert "<p>" not in render_inline("$\\frac{1}{2}$ of **it**")
    assert "<strong>it</strong>" in render_inline("$\\frac{1}{2}$ of **it**")
    several = render_inline("First line.\n\n- a list\n- of two")
    assert "<p>First line.</p>" in several
    assert "<li>a list</li>" in several
    assert render_inline("") == ""


# --- the pages ---------------------------------------------------------------------------------------


def maths_documents(documents: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The small fractions course with maths, bold and a price in every text a learner reads."""
    docs = documents(course_id=COURSE)
    for item in docs["items"]:
        item["prompt"] = f"{THINK} (A pen is $5 and $10.) {item['prompt']}"
        item["hints"] = ["Make the denominators equal: $\\frac{3}{5} = \\frac{6}{10}$."]
        item["solution"] = "**Step 1.** $\\frac{3}{5} = \\frac{6}{10}$.\n\n**Step 2.** Add the tenths."
    meaning = docs["items"][0]
    meaning["choices"] = [
        {"id": "a", "text": "$\\frac{1}{2}$, two equal parts"},
        {"id": "b", "text": "$\\frac{1}{3}$"},
    ]
    meaning["feedback"] = [{"answer": "b", "message": "That is $\\frac{1}{3}$, **not** a half."}]
    return docs


@pytest.fixture
def maths_course(organisation: Organisation, documents: Any, build_pack: Any) -> str:
    pack = build_pack(maths_documents(documents))
    return curriculum_api.course_import(pack=pack, organisation_id=organisation.pk).course_id


def form_fields(html: str, testid: str) -> dict[str, str]:
    forms = re.findall(r"<form[^>]*>.*?</form>", html, re.S)
    form = next(f for f in forms if f'data-testid="{testid}"' in f)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def assert_readable(html: str) -> None:
    for raw in RAW:
        assert raw not in html, raw
    assert not PLACEHOLDER.search(html), PLACEHOLDER.search(html)


def test_the_practice_page_shows_maths_choices_hints_feedback_and_solution_rendered(
    maths_course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    home = client.get(f"/learn/{maths_course}/").content.decode()
    client.post(f"/learn/{maths_course}/start", form_fields(home, "continue"))
    practice = client.get(f"/learn/{maths_course}/practice/").content.decode()
    assert "<strong>Think:</strong> what is <math " in practice
    assert "<mfrac>" in practice
    assert "(A pen is $5 and $10.)" in practice
    assert re.search(r'<span class="choice-text"><math [^>]*alttext="\\frac\{1\}\{2\}"', practice)
    fields = form_fields(practice, "check-main")
    client.post(f"/learn/{maths_course}/answer", {**fields, "response": "b"})
    client.post(f"/learn/{maths_course}/hint", form_fields(practice, "hint-main"))
    client.post(f"/learn/{maths_course}/solution", form_fields(practice, "show-solution"))
    practice = client.get(f"/learn/{maths_course}/practice/").content.decode()
    assert 'data-testid="authored-feedback">That is <math ' in practice
    assert "<strong>not</strong> a half." in practice
    assert "<strong>Hint 1:</strong> Make the denominators equal: <math " in practice  # one line: inline
    solution = practice[practice.index('data-testid="solution"') :]
    assert "<p><strong>Step 1.</strong> <math " in solution  # paragraphs kept
    assert "<p><strong>Step 2.</strong> Add the tenths.</p>" in solution
    assert_readable(practice)


def test_the_placement_question_page_shows_maths_rendered(
    maths_course: str, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    assert client.post(f"/placement/{maths_course}/start").status_code == 302
    page = client.get(f"/placement/{maths_course}/").content.decode()
    assert PlacementSession.objects.get(learner=learner, status="active").question
    assert 'data-testid="prompt"><p><strong>Think:</strong> what is <math ' in page
    assert "<mfrac>" in page
    assert_readable(page)


@pytest.fixture
def demo_pack() -> Any:
    return load_pack(DEMO_PACK_PATH)


def test_every_skill_page_of_the_demo_course_shows_a_readable_sample(
    demo_course: str, demo_pack: Any, learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    with_maths = 0
    for skill in demo_pack.skills:
        page = client.get(f"/courses/{demo_course}/skills/{skill.id}/").content.decode()
        assert "A sample question" in page, skill.id
        sample = page[page.index("A sample question") :]
        assert_readable(sample)
        assert "$" not in sample.replace("$5", ""), skill.id
        with_maths += "<math " in sample
    assert with_maths > 0
    page = client.get(f"/courses/{demo_course}/skills/fractions-add-like/").content.decode()
    assert "<mfrac>" in page[page.index("A sample question") :]


def test_project_briefs_and_rubrics_keep_their_lists_and_render_maths(
    demo_course: str, teacher: User, learner: User, client_of: Callable[[User], Client]
) -> None:
    klass = coaching_services.class_create(teacher=teacher, name="7B maths")
    accounts_api.class_learner_add(class_id=klass.id, learner_id=learner.pk, actor=teacher)
    coaching_services.class_course_attach(class_id=klass.id, course_id=demo_course, actor=teacher)
    teacher_page = client_of(teacher).get(f"/classes/{klass.id}/projects/").content.decode()
    client_of(teacher).post(
        f"/classes/{klass.id}/projects/",
        {"project": f"{demo_course}/recipe-scaling", "topic": ["baking"], "format": ["recipe-card"]},
    )
    page = client_of(learner).get("/me/projects/").content.decode()
    for html in (teacher_page, page):
        brief = html[html.index('data-testid="project-brief"') :]
        assert "<ol>" in brief
        assert "<strong>scale factor</strong>" in brief
        assert "<mfrac>" in brief
        assert "<p>Recipes are ratios in disguise." in brief
        rubric = html[html.index('data-testid="project-rubric"') :]
        assert "<li>States the scale factor and explains how it was found.</li>" in rubric
        assert "**" not in html
        assert "$\\frac" not in html
