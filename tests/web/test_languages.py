"""Pages in the person's language (issue 11): the language switch, the browser's preference, a signed-in
person's saved choice on every device, and a Spanish catalogue that is complete and compiled."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

from learnpath.web.accounts.models import User

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "src" / "learnpath" / "locale"


def test_the_switch_changes_the_language_of_this_browser(client: Client) -> None:
    page = client.get("/accounts/sign-in/").content.decode()
    assert '<html lang="en">' in page
    assert 'name="language"' in page  # the switch is on every page, signed in or not
    switched = client.post("/accounts/language/", {"language": "es", "next": "/accounts/sign-in/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/accounts/sign-in/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/accounts/sign-in/").content.decode()
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page


def test_the_browsers_language_is_used_until_one_is_chosen(client: Client) -> None:
    page = client.get("/accounts/sign-in/", headers={"accept-language": "es-ES,es;q=0.9"}).content.decode()
    assert '<html lang="es">' in page
    page = client.get("/accounts/sign-in/", headers={"accept-language": "fr-FR"}).content.decode()
    assert '<html lang="en">' in page  # a language learnpath is not offered in falls back to English


def test_a_signed_in_persons_choice_follows_them_to_every_device(
    learner: User, client_of: Callable[[User], Client]
) -> None:
    client_of(learner).post("/accounts/language/", {"language": "es", "next": "/"})
    learner.refresh_from_db()
    assert learner.language == "es"
    # Another browser, with an English Accept-Language and no cookie: still Spanish for this person.
    page = client_of(learner).get("/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="es">' in page
    assert "Mis cursos" in page


def test_a_bad_choice_or_a_foreign_return_address_changes_nothing(
    learner: User, client_of: Callable[[User], Client]
) -> None:
    client = client_of(learner)
    refused = client.post("/accounts/language/", {"language": "xx", "next": "/"})
    assert refused.status_code == 400
    assert "not a language learnpath is offered in" in refused.content.decode()
    learner.refresh_from_db()
    assert learner.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in refused.cookies
    away = client.post("/accounts/language/", {"language": "es", "next": "https://evil.example/"})
    assert away["Location"] == "/"
    assert client.get("/accounts/language/").status_code == 405


def test_the_spanish_catalogue_is_complete_and_compiled() -> None:
    source = LOCALE / "es" / "LC_MESSAGES" / "django.po"
    compiled = LOCALE / "es" / "LC_MESSAGES" / "django.mo"
    po = polib.pofile(str(source))
    assert not [e.msgid for e in po if not e.translated()], "untranslated or fuzzy entries"
    # A translation uses only the placeholders of its English (a missing or misspelt one would break it).
    placeholder = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
    for entry in po:
        english = set(placeholder.findall(entry.msgid + entry.msgid_plural))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            assert set(placeholder.findall(text)) <= english, (entry.msgid, text)
    # The .mo Django reads says what the .po says: compile again with scripts/compile_messages.py if not.
    mo = {(e.msgid, e.msgid_plural): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(compiled))}
    expected = {
        (e.msgid, e.msgid_plural): (e.msgstr, e.msgstr_plural) for e in po if not e.obsolete and e.msgid
    }
    assert {k: v for k, v in mo.items() if k[0]} == expected


def test_a_learners_course_page_and_the_engines_reasons_come_in_their_language(
    klass: object, learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    learner.language = "es"
    learner.save()
    page = client_of(learner).get(f"/learn/{course}/").content.decode()
    assert "Mi mapa de habilidades" in page
    assert "Lista: " in page  # the engine's reason for a skill ready to start, in Spanish
    assert "Ready: " not in page
    learner.language = "en"
    learner.save()
    page = client_of(learner).get(f"/learn/{course}/").content.decode()
    assert "My skill map" in page
    assert "Ready: " in page


def test_the_switch_goes_back_to_the_page_it_was_used_on(client: Client) -> None:
    back = client.post(
        "/accounts/language/", {"language": "es"}, headers={"referer": "http://testserver/accounts/join/"}
    )
    assert back["Location"] == "http://testserver/accounts/join/"
    away = client.post(
        "/accounts/language/", {"language": "es"}, headers={"referer": "https://evil.example/"}
    )
    assert away["Location"] == "/"


def test_a_teachers_pages_come_in_their_language(
    klass: object, teacher: User, client_of: Callable[[User], Client]
) -> None:
    teacher.language = "es"
    teacher.save()
    client = client_of(teacher)
    overview = client.get("/classes/").content.decode()
    assert "Clase nueva" in overview
    assert "Bandeja de entrada" in overview
    inbox = client.get("/classes/inbox/").content.decode()
    assert "Necesitan ayuda ahora" in inbox
    assert "Correo diario" in inbox
    # The cockpit's signals too: the class's learner has not started.
    cockpit = client.get(f"/classes/{klass.id}/cockpit/").content.decode()  # type: ignore[attr-defined]
    assert "Sin empezar" in cockpit
    assert "Help " not in cockpit


def test_what_the_answer_readers_say_comes_in_the_readers_language() -> None:
    # A learner's typed number or expression that cannot be read is refused with a message they read.
    from django.utils import translation

    from learnpath.content.mathexpr import UnreadableExpression, parse_expression
    from learnpath.content.numeric import UnreadableNumber, read_number

    said = {
        "en": (
            "A fraction cannot have 0 at the bottom.",
            "Factorials (!) are not supported here.",
            "Did you mean 'x'?",
        ),
        "es": (
            "Una fracción no puede tener 0 como denominador.",
            "Aquí no se admiten factoriales (!).",
            "¿Quisiste decir 'x'?",
        ),
    }
    for language, (fraction, factorial, unknown) in said.items():
        with translation.override(language):
            with pytest.raises(UnreadableNumber) as number:
                read_number("3/0")
            assert str(number.value) == fraction
            with pytest.raises(UnreadableExpression) as expression:
                parse_expression("x!", ["x"])
            assert str(expression.value) == factorial
            with pytest.raises(UnreadableExpression) as name:
                parse_expression("X + 1", ["x"])
            assert unknown in str(name.value)


def test_a_skill_pages_formats_are_named_in_the_readers_language(
    klass: object, learner: User, course: str, client_of: Callable[[User], Client]
) -> None:
    learner.language = "es"
    learner.save()
    page = client_of(learner).get(f"/courses/{course}/skills/fractions-equivalent/").content.decode()
    assert "<h3>Vídeos</h3>" in page
    assert ">video<" not in page
