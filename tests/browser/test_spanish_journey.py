"""A new learner whose browser asks for Spanish (issue 11): joins the demo class with its code, answers the
three onboarding questions, takes placement, practises and writes a reflection, every page in Spanish and
through the accessibility gate, on a desktop and on a 390×844 phone. The course itself is the demo's
English content: the interface is translated, the course's words are its author's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import give_wrong_answer, open_step

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
ENGLISH_LEFT = re.compile(r"\b(Sign in|My courses|Check my answer|Next question|What's next|Save)\b")


def spanish(page: Page) -> None:
    """The page is marked and written in Spanish: no interface words left in English."""
    assert page.evaluate("document.documentElement.lang") == "es"
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


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_new_learner_in_spanish_from_the_class_code_to_a_reflection(
    browser: Browser, fresh_demo_server: Any, sign_in_as: Any, viewport: str
) -> None:
    server = fresh_demo_server
    code = class_code(browser, server, sign_in_as)
    context = browser.new_context(locale="es-ES", viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(server.url + "/accounts/sign-in/")
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    spanish(page)
    page.get_by_role("link", name="Únete a tu clase").click()
    page.get_by_label("Código de la clase").fill(code)
    page.get_by_label("Tu nombre").fill("Lucía M.")
    page.get_by_label("Créame una contraseña").check()
    page.get_by_role("button", name="Unirme a la clase").click()
    expect(page.get_by_role("heading", name="Te damos la bienvenida a Demo class 7B")).to_be_visible()
    spanish(page)
    page.get_by_test_id("join-continue").click()

    # The course page: the welcome card leads to the three onboarding questions.
    expect(page.get_by_role("heading", name="Mi mapa de habilidades")).to_be_visible()
    spanish(page)
    page.get_by_test_id("welcome-start").click()
    expect(page.get_by_role("heading", name="Te damos la bienvenida a learnpath")).to_be_visible()
    spanish(page)
    page.get_by_label("Juegos").check()
    page.get_by_label("10 preguntas").check()
    page.get_by_test_id("welcome-save").click()

    # Placement: "I haven't learned this yet" is an answer; placement stops once it is sure.
    page.get_by_test_id("placement-offer-start").click()
    expect(page.get_by_role("heading", name="Comprobar lo que sé")).to_be_visible()
    spanish(page)
    for _ in range(20):
        if page.get_by_test_id("placement-summary").count():
            break
        page.get_by_test_id("not-learned").click()
    expect(page.get_by_role("heading", name="Lo que ya sabes")).to_be_visible()
    spanish(page)
    page.get_by_test_id("to-map").click()

    # Practice: the first suggestion, answered wrong, then the feedback in Spanish.
    page.get_by_test_id("continue").click()
    expect(page.get_by_test_id("prompt")).to_be_visible()
    spanish(page)
    form, step = open_step(page)
    give_wrong_answer(form, step)
    form.get_by_role("button", name="Comprobar mi respuesta").click()
    expect(page.get_by_test_id("feedback")).to_contain_text("No del todo")
    expect(page.get_by_text(re.compile("Inténtalo otra vez"))).to_be_visible()
    spanish(page)

    # A reflection.
    page.goto(server.url + "/me/reflections/")
    expect(page.get_by_role("heading", name="Reflexiona sobre tu sesión")).to_be_visible()
    page.get_by_label("¿Qué salió bien?").fill("Las fracciones equivalentes")
    page.get_by_label("¿Qué probarás la próxima vez?").fill("Tercios")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("status").first).to_contain_text("Reflexión guardada")
    spanish(page)
    context.close()
