"""A new learner's first weeks, whole, in a real browser (issue 11): joins the demo class with its code,
answers the three onboarding questions, takes placement, comes back a month later to a review, practises
a fraction skill whose questions are maths (MathML, no LaTeX source on screen) until the day's goal is
met, and writes the reflection the practice page then offers. In English and in Spanish (the browser asks
for the language), on a desktop and on a 390×844 phone; every page goes through the accessibility gate.

The course is the demo's English content: in Spanish the interface is translated, the course's words are
its author's. The clock moves with the demo's test-only switch (``clock-offset-days`` in the data folder).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.conftest import shooter

from learnpath.cli.simulate import demo_graph

from .conftest import _demo_pack, give_right_answer, give_wrong_answer, open_step

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-GB", "es": "es-ES"}
WORDS = {
    "en": {
        "sign in": "Sign in",
        "join link": "Join your class",
        "class code": "Class code",
        "your name": "Your name",
        "make password": "Make a password for me",
        "join": "Join the class",
        "welcome class": "Welcome to Demo class 7B",
        "map": "My skill map",
        "welcome": "Welcome to learnpath",
        "interest": "Games",
        "placement": "Check what I know",
        "placed": "What you already know",
        "check": "Check my answer",
        "not quite": "Not quite",
        "correct": "Correct",
        "review": re.compile(r"^(Review|Time to review)\b"),
        "reflect": "Reflect on your session",
        "went well": "What went well?",
        "try next": "What will you try next time?",
        "save": "Save",
        "saved": "Reflection saved",
    },
    "es": {
        "sign in": "Iniciar sesión",
        "join link": "Únete a tu clase",
        "class code": "Código de la clase",
        "your name": "Tu nombre",
        "make password": "Créame una contraseña",
        "join": "Unirme a la clase",
        "welcome class": "Te damos la bienvenida a Demo class 7B",
        "map": "Mi mapa de habilidades",
        "welcome": "Te damos la bienvenida a learnpath",
        "interest": "Juegos",
        "placement": "Comprobar lo que sé",
        "placed": "Lo que ya sabes",
        "check": "Comprobar mi respuesta",
        "not quite": "No del todo",
        "correct": "Correcto",
        "review": re.compile(r"^(Repaso|Hora de repasar)\b"),
        "reflect": "Reflexiona sobre tu sesión",
        "went well": "¿Qué salió bien?",
        "try next": "¿Qué probarás la próxima vez?",
        "save": "Guardar",
        "saved": "Reflexión guardada",
    },
}
# Interface words that must not be left in English on a Spanish page.
ENGLISH_LEFT = re.compile(r"\b(Sign in|My courses|Check my answer|Next question|What's next|Save|Review)\b")
GRAPH = demo_graph()
KNOWN_DEPTH = 3  # placement: the learner knows the whole-number skills and nothing after them
# The skills with maths in their questions (the fractions and what follows them), first ones first: once
# one is mastered its button leaves the board, and the next one is chosen.
MATHS_SKILLS = tuple(
    skill
    for skill in GRAPH.topological_order()
    if any("$" in str(item.document) for item in _demo_pack().items if skill in item.skills)
)
DAILY_GOAL = 5


def in_language(page: Page, language: str) -> None:
    """The page is marked as ``language``; a Spanish page has no interface words left in English."""
    assert page.evaluate("document.documentElement.lang") == language
    if language == "es":
        chrome = page.locator("header, footer, h1, h2, button, label, legend").all_inner_texts()
        left = [text for text in chrome if ENGLISH_LEFT.search(text)]
        assert not left, f"English left on {page.url}: {left}"


def class_code(browser: Browser, server: Any, sign_in_as: Any) -> str:
    teacher = browser.new_context()
    page = teacher.new_page()
    sign_in_as(page, server, "teacher")
    page.goto(server.url + "/classes/")
    page.get_by_role("link", name=re.compile("Demo class 7B")).first.click()
    code = page.get_by_test_id("join-code").inner_text().strip()
    teacher.close()
    return code


def answer_question(page: Page, words: dict[str, Any]) -> None:
    """Answer every part of the open question right, part after part, until it is finished."""
    for _ in range(8):
        if page.get_by_test_id("next").count():
            return
        form, step = open_step(page)
        give_right_answer(form, step)
        with page.expect_navigation():
            form.get_by_role("button", name=words["check"]).click()
    raise AssertionError("the question did not finish")


def no_maths_source(page: Page) -> None:
    question = page.locator("article.question")
    expect(question).not_to_contain_text("\\frac")
    expect(question).not_to_contain_text("$")


# The default run takes English on a desktop and Spanish on a phone; the two other pairings (the same pages
# in the other sizes) are long tests (-m long), which keeps CI under 20 minutes.
@pytest.mark.parametrize(
    ("language", "viewport"),
    [
        ("en", "desktop"),
        ("es", "phone"),
        pytest.param("en", "phone", marks=pytest.mark.long),
        pytest.param("es", "desktop", marks=pytest.mark.long),
    ],
)
def test_a_new_learner_from_the_class_code_to_a_reflection(
    browser: Browser, fresh_demo_server: Any, sign_in_as: Any, language: str, viewport: str
) -> None:
    server = fresh_demo_server
    words = WORDS[language]
    code = class_code(browser, server, sign_in_as)
    context = browser.new_context(locale=LOCALES[language], viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)
    offset_file = server.data_dir / "clock-offset-days"
    try:
        # Every stage is checked for raw text and saved to the artifacts; docs/learners.md shows the Spanish
        # journey on a phone ("journey-" names go to docs/img/learners/).
        take = shooter(page)
        documented = (language, viewport) == ("es", "phone")
        prefix = "journey-es-" if documented else f"new-learner-{language}-{viewport}-"
        journey(page, server, code, words, language, offset_file, lambda name: take(prefix + name))
    finally:
        offset_file.unlink(missing_ok=True)
        context.close()


def journey(
    page: Page,
    server: Any,
    code: str,
    words: dict[str, Any],
    language: str,
    offset_file: Path,
    shot: Callable[[str], Path],
) -> None:
    # Sign-up with the class code: no e-mail, a password made for the learner.
    page.goto(server.url + "/accounts/sign-in/")
    expect(page.get_by_role("heading", name=words["sign in"])).to_be_visible()
    in_language(page, language)
    page.get_by_role("link", name=words["join link"]).click()
    page.get_by_label(words["class code"]).fill(code)
    page.get_by_label(words["your name"]).fill("Lucía M.")
    page.get_by_label(words["make password"]).check()
    page.get_by_role("button", name=words["join"]).click()
    expect(page.get_by_role("heading", name=words["welcome class"])).to_be_visible()
    expect(page.get_by_test_id("new-password")).not_to_be_empty()
    in_language(page, language)
    shot("01-joined")
    page.get_by_test_id("join-continue").click()

    # Onboarding: the welcome card leads to the three questions; a daily goal of five.
    expect(page.get_by_role("heading", name=words["map"])).to_be_visible()
    in_language(page, language)
    page.get_by_test_id("welcome-start").click()
    expect(page.get_by_role("heading", name=words["welcome"])).to_be_visible()
    in_language(page, language)
    page.get_by_label(words["interest"]).check()
    page.locator(f"input[name=daily_goal][value='{DAILY_GOAL}']").check()
    shot("02-about-me")
    page.get_by_test_id("welcome-save").click()
    expect(page.get_by_role("heading", name=words["map"])).to_be_visible()

    # Placement: the whole-number skills answered right, "I haven't learned this yet" after them.
    page.get_by_test_id("placement-offer-start").click()
    expect(page.get_by_role("heading", name=words["placement"])).to_be_visible()
    in_language(page, language)
    for _ in range(60):
        if page.get_by_test_id("placement-summary").count():
            break
        form, step = open_step(page)
        item = _demo_pack().item(form.locator("input[name=item_id]").get_attribute("value") or "")
        with page.expect_navigation():
            if GRAPH.depth(item.skills[0]) <= KNOWN_DEPTH:
                give_right_answer(form, step)
                form.get_by_role("button", name=words["check"]).click()
            else:
                page.get_by_test_id("not-learned").click()
    expect(page.get_by_role("heading", name=words["placed"])).to_be_visible()
    in_language(page, language)
    shot("03-placed")
    with page.expect_navigation():
        page.get_by_test_id("to-map").click()

    # A month later: what placement found known is due for review, and Continue brings it back.
    offset_file.write_text("30\n", encoding="utf-8")
    page.reload()
    expect(page.get_by_test_id("continue-reason")).to_have_text(words["review"])
    page.get_by_test_id("continue").click()
    expect(page.get_by_test_id("question-reason")).to_have_text(words["review"])
    in_language(page, language)
    shot("04-review")
    # Wrong first: the feedback, in the reader's language, and the answer box keeps what was typed.
    form, step = open_step(page)
    given = give_wrong_answer(form, step)
    with page.expect_navigation():
        form.get_by_role("button", name=words["check"]).click()
    expect(page.get_by_test_id("feedback")).to_contain_text(words["not quite"])
    if step.type not in ("single_choice", "multiple_choice"):
        expect(page.locator("form.answer-form:visible input[name=response]").first).to_have_value(given)
    in_language(page, language)
    answer_question(page, words)
    expect(page.get_by_test_id("feedback")).to_contain_text(words["correct"])
    answered = 1

    # A fraction skill chosen from the board: its questions are maths, typeset on the server.
    seen_maths = False
    while answered < DAILY_GOAL or not seen_maths:
        assert answered < DAILY_GOAL + 8, "no practice question with maths came up"
        with page.expect_navigation():
            page.get_by_test_id("back-to-map").click()
        expect(page.get_by_role("heading", name=words["map"])).to_be_visible()
        offered = [page.get_by_test_id(f"choose-{skill}") for skill in MATHS_SKILLS]
        choose = next((button for button in offered if button.count()), None)
        assert choose is not None, "no skill with maths is offered on the board"
        with page.expect_navigation():
            choose.first.click()
        expect(page.get_by_test_id("prompt")).to_be_visible()
        no_maths_source(page)
        maths = page.locator("article.question math")
        if maths.count() and not seen_maths:
            seen_maths = True
            shot("05-maths")
            expect(maths.first).to_be_visible()
            assert maths.first.get_attribute("alttext")
            box = maths.first.bounding_box()
            assert box is not None
            assert box["height"] > 10  # typeset, not a line of source
        in_language(page, language)
        answer_question(page, words)
        answered += 1

    # The day's goal met: the practice page offers a reflection, which the learner writes.
    prompt = page.get_by_test_id("reflect-prompt")
    expect(prompt).to_be_visible()
    in_language(page, language)
    shot("06-reflect-prompt")
    prompt.get_by_test_id("reflect-link").click()
    expect(page.get_by_role("heading", name=words["reflect"])).to_be_visible()
    page.get_by_label(words["went well"]).fill("Las fracciones equivalentes")
    page.get_by_label(words["try next"]).fill("Tercios")
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_role("status").first).to_contain_text(words["saved"])
    in_language(page, language)
    shot("07-reflection")
