"""The practice page a learner would trust (issue 11): what each real user found, over HTTP.

The feedback names the chosen choices by their own text, numeric boxes open a number keyboard, focus goes to
the feedback after an answer, a wrong answer stays in the box, and the box's limit is the checker's limit
(a too-long answer is kept, with an error that says what to do).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from learnpath.content.limits import MAX_MATH_RESPONSE_CHARS, MAX_TEXT_RESPONSE_CHARS
from learnpath.web.accounts.models import Organisation, User
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning.models import Event

COURSE = "practice-fixes"


def _documents(base: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    documents = base(course_id=COURSE)
    items: list[dict[str, Any]] = [
        {
            "id": "pick-one",
            "type": "single_choice",
            "prompt": "Which is more than a half?",
            "choices": [
                {"id": "a", "text": "$\\frac{1}{4}$ of the bar"},
                {"id": "b", "text": "$\\frac{3}{4}$ of the bar"},
                {"id": "d", "text": "None of them"},
            ],
            "answer": "b",
        },
        {
            "id": "pick-many",
            "type": "multiple_choice",
            "prompt": "Which are equal to one half?",
            "choices": [
                {"id": "a", "text": "two quarters"},
                {"id": "b", "text": "$\\frac{3}{6}$"},
                {"id": "c", "text": "three fifths"},
            ],
            "answer": ["a", "b"],
        },
        {"id": "whole", "type": "numeric", "prompt": "How many quarters make 3 wholes?", "answer": 12},
        {"id": "decimal", "type": "numeric", "prompt": "Write one half as a decimal.", "answer": "0.5"},
        {"id": "fraction", "type": "numeric", "prompt": "What is 1/5 + 2/5?", "answer": "3/5"},
        {"id": "below", "type": "numeric", "prompt": "What is 2 - 5?", "answer": -3},
        {
            "id": "word",
            "type": "short_text",
            "prompt": "What do we do when a column adds to ten?",
            "answer": "carrying",
        },
    ]
    documents["skills"] = [
        {"id": f"s-{item['id']}", "name": f"Skill {item['id']}", "description": "", "prerequisites": []}
        for item in items
    ]
    for item in items:
        item["skills"] = [f"s-{item['id']}"]
    # One skill, two questions with no minus sign shown: one answer is negative, so both get the full
    # keyboard (a keypad on one of them would tell its answer's sign).
    documents["skills"].append(
        {"id": "s-change", "name": "Skill change", "description": "", "prerequisites": []}
    )
    items += [
        {
            "id": "rose",
            "type": "numeric",
            "skills": ["s-change"],
            "answer": 7,
            "prompt": "The temperature rose by 7 degrees. By how many degrees did it change?",
        },
        {
            "id": "fell",
            "type": "numeric",
            "skills": ["s-change"],
            "answer": -4,
            "prompt": "The temperature fell by 4 degrees. By how many degrees did it change?",
        },
    ]
    documents["items"] = items
    documents["resources"] = []
    documents["projects"] = []
    documents["media"] = {}
    return documents


@pytest.fixture
def practice_course(organisation: Organisation, documents: Any, build_pack: Any) -> str:
    pack = build_pack(_documents(documents))
    return curriculum_api.course_import(pack=pack, organisation_id=organisation.pk).course_id


@pytest.fixture
def learner_client(client_of: Callable[[User], Client], learner: User) -> Client:
    return client_of(learner)


def _hidden_fields(page: str, testid: str) -> dict[str, str]:
    forms = re.findall(r"<form[^>]*>.*?</form>", page, re.S)
    form = next(f for f in forms if f'data-testid="{testid}"' in f)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _open(client: Client, course: str, item_id: str) -> str:
    """Choose the skill of ``item_id`` (its only item) and return the practice page."""
    home = client.get(f"/learn/{course}/").content.decode()
    response = client.post(f"/learn/{course}/choose", _hidden_fields(home, f"choose-s-{item_id}"))
    assert response.status_code == 302
    page = client.get(f"/learn/{course}/practice/").content.decode()
    assert f'name="item_id" value="{item_id}"' in page
    return page


def _answer(client: Client, course: str, page: str, response: str | list[str]) -> str:
    posted = client.post(
        f"/learn/{course}/answer", {**_hidden_fields(page, "check-main"), "response": response}
    )
    assert posted.status_code == 302, posted.content.decode()
    return client.get(posted["Location"]).content.decode()


def _feedback(page: str) -> str:
    match = re.search(r'<div class="feedback[^>]*>.*?</div>', page, re.S)
    assert match, "no feedback on the page"
    return match.group(0)


def _response_inputs(page: str) -> list[str]:
    form = next(
        f for f in re.findall(r"<form[^>]*>.*?</form>", page, re.S) if 'data-testid="check-main"' in f
    )
    return re.findall(r'<input [^>]*name="response"[^>]*>', form)


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(rf'\s{name}(?:="([^"]*)")?[\s>]', tag)
    if match is None:
        return None
    return html_lib.unescape(match.group(1) or "")


# 1. The feedback names what was chosen by its text (maths rendered), never by a letter nobody sees.


def test_the_feedback_shows_the_chosen_choice_text_not_its_id(
    learner_client: Client, practice_course: str
) -> None:
    page = _open(learner_client, practice_course, "pick-one")
    page = _answer(learner_client, practice_course, page, "d")
    feedback = _feedback(page)
    assert "Not quite." in feedback
    assert "you answered d" not in feedback
    assert "None of them" in feedback

    page = _answer(learner_client, practice_course, page, "a")
    feedback = _feedback(page)
    assert "you answered a" not in feedback
    assert re.search(r'<math [^>]*alttext="\\frac\{1\}\{4\}"', feedback), feedback  # MathML, as on the choice
    assert "of the bar" in feedback
    assert "$" not in feedback


def test_the_feedback_shows_every_chosen_text_for_multiple_choice(
    learner_client: Client, practice_course: str
) -> None:
    page = _open(learner_client, practice_course, "pick-many")
    feedback = _feedback(_answer(learner_client, practice_course, page, ["a", "c"]))
    assert "you answered a, c" not in feedback
    assert "two quarters" in feedback
    assert "three fifths" in feedback
    assert "$\\frac{3}{6}$" not in feedback


# 2. Numeric boxes open a number keyboard on a phone; text boxes keep the letters.


@pytest.mark.parametrize(
    ("item_id", "inputmode"),
    [
        ("whole", "numeric"),  # a whole number: digits only
        ("decimal", "decimal"),
        ("fraction", None),  # written as a fraction: the learner needs "/"
        ("below", None),  # a question with minus signs: phone number pads have no "-"
        ("word", None),  # text: the letter keyboard
    ],
)
def test_number_boxes_ask_for_a_number_keyboard(
    learner_client: Client, practice_course: str, item_id: str, inputmode: str | None
) -> None:
    page = _open(learner_client, practice_course, item_id)
    (box,) = _response_inputs(page)
    assert _attribute(box, "inputmode") == inputmode, box
    assert _attribute(box, "autocomplete") == "off", box


# 3. After an answer, focus goes to the feedback (no JavaScript needed).


def test_after_an_answer_the_feedback_takes_the_focus(learner_client: Client, practice_course: str) -> None:
    page = _open(learner_client, practice_course, "word")
    assert 'class="feedback' not in page
    assert " autofocus" not in page  # a fresh question: nothing steals the focus
    feedback = _feedback(_answer(learner_client, practice_course, page, "borrowing"))
    opening = feedback[: feedback.index(">") + 1]
    assert _attribute(opening, "id") == "feedback"
    assert _attribute(opening, "tabindex") == "-1"
    assert _attribute(opening, "role") == "status"
    assert _attribute(opening, "autofocus") == ""
    # a page drawn again later (a reload, a hint) does not move the focus back to old feedback
    again = learner_client.get(f"/learn/{practice_course}/practice/").content.decode()
    assert " autofocus" not in again


# 4. A wrong answer stays in the box (and chosen options stay chosen) for the next try.


def test_a_wrong_text_answer_stays_in_the_box(learner_client: Client, practice_course: str) -> None:
    page = _open(learner_client, practice_course, "word")
    page = _answer(learner_client, practice_course, page, 'borrowing <b>"tens"</b>')
    (box,) = _response_inputs(page)
    assert _attribute(box, "value") == 'borrowing <b>"tens"</b>'
    assert "<b>" not in box  # escaped, not markup
    page = _answer(learner_client, practice_course, page, "Carrying.")  # right: the question is finished
    assert "Correct." in _feedback(page)


def test_wrong_choices_stay_chosen(learner_client: Client, practice_course: str) -> None:
    page = _open(learner_client, practice_course, "pick-many")
    page = _answer(learner_client, practice_course, page, ["a", "c"])
    checked = {
        _attribute(box, "value") for box in _response_inputs(page) if _attribute(box, "checked") is not None
    }
    assert checked == {"a", "c"}


def test_a_fresh_question_starts_with_an_empty_box(learner_client: Client, practice_course: str) -> None:
    page = _open(learner_client, practice_course, "whole")
    (box,) = _response_inputs(page)
    assert _attribute(box, "value") in (None, "")


# 6. The box's limit is the checker's limit; a too-long answer is kept with an error that says what to do.


def test_the_box_limit_is_the_checker_limit(learner_client: Client, practice_course: str) -> None:
    (number_box,) = _response_inputs(_open(learner_client, practice_course, "decimal"))
    assert _attribute(number_box, "maxlength") == str(MAX_MATH_RESPONSE_CHARS)


def test_the_text_box_limit_is_the_text_checker_limit(learner_client: Client, practice_course: str) -> None:
    (text_box,) = _response_inputs(_open(learner_client, practice_course, "word"))
    assert _attribute(text_box, "maxlength") == str(MAX_TEXT_RESPONSE_CHARS)


def test_a_too_long_answer_is_kept_with_a_clear_error(learner_client: Client, practice_course: str) -> None:
    page = _open(learner_client, practice_course, "decimal")
    count = Event.objects.count()
    too_long = "0.5 " + "and some working " * 40
    assert len(too_long) > MAX_MATH_RESPONSE_CHARS
    response = learner_client.post(
        f"/learn/{practice_course}/answer", {**_hidden_fields(page, "check-main"), "response": too_long}
    )
    assert response.status_code == 422
    page = response.content.decode()
    error = re.search(r'<div class="form-error"[^>]*>.*?</div>', page, re.S)
    assert error, page
    assert f"at most {MAX_MATH_RESPONSE_CHARS} characters" in error.group(0)
    assert "kept" in error.group(0)
    (box,) = _response_inputs(page)
    assert _attribute(box, "value") == too_long
    assert Event.objects.count() == count  # nothing recorded


def test_the_keyboard_is_the_skills_so_it_never_tells_the_answer(
    learner_client: Client, practice_course: str
) -> None:
    """Decided per skill: a question whose own answer is a whole number still gets the full keyboard when
    another question of its skill needs a minus sign that its wording does not show."""
    from learnpath.web.learning import answer_forms
    from learnpath.web.learning.course_model import course_model_in_use

    home = learner_client.get(f"/learn/{practice_course}/").content.decode()
    learner_client.post(f"/learn/{practice_course}/choose", _hidden_fields(home, "choose-s-change"))
    page = learner_client.get(f"/learn/{practice_course}/practice/").content.decode()
    assert re.search(r'name="item_id" value="(rose|fell)"', page)
    (box,) = _response_inputs(page)
    assert _attribute(box, "inputmode") is None, box
    model = course_model_in_use(practice_course)
    assert model is not None
    rose, whole = model.items["rose"], model.items["whole"]
    assert answer_forms.keyboard(rose.main, rose.prompt, answer_forms.skill_keyboard(model, "s-change")) == ""
    assert (
        answer_forms.keyboard(whole.main, whole.prompt, answer_forms.skill_keyboard(model, "s-whole"))
        == "numeric"
    )


# 7. Placement's answer box is practice's: the skill's keyboard, the checker's limit, the answer kept.


def test_placement_draws_the_answer_box_as_practice_does(
    learner_client: Client, practice_course: str
) -> None:
    from learnpath.web.learning import answer_forms
    from learnpath.web.learning.course_model import course_model_in_use

    learner_client.get(f"/learn/{practice_course}/")  # the course's model is loaded for the learner
    model = course_model_in_use(practice_course)
    assert model is not None
    # This course's skills have no prerequisites; placement still asks before it places anyone.
    assert learner_client.post(f"/placement/{practice_course}/start").status_code == 302
    assert 'name="item_id"' in learner_client.get(f"/placement/{practice_course}/").content.decode()
    seen = 0
    for _ in range(20):
        page = learner_client.get(f"/placement/{practice_course}/").content.decode()
        found = re.search(r'name="item_id" value="([^"]+)"', page)
        if found is None:
            break  # placement finished
        item = model.items[found.group(1)]
        fields = _hidden_fields(page, "check-main")
        boxes = re.findall(r'<input type="text" [^>]*name="response"[^>]*>', page)
        if item.main.type in {"numeric", "short_text", "expression"}:
            seen += 1
            (box,) = boxes
            widest = answer_forms.item_keyboard(model, item)
            assert _attribute(box, "inputmode") == (
                answer_forms.keyboard(item.main, item.prompt, widest) or None
            )
            limit = MAX_TEXT_RESPONSE_CHARS if item.main.type == "short_text" else MAX_MATH_RESPONSE_CHARS
            assert _attribute(box, "maxlength") == str(limit)
            if item.main.type == "numeric":
                # Refused as not a number: the page says so and keeps what the learner typed.
                refused = learner_client.post(
                    f"/placement/{practice_course}/answer",
                    {**fields, "idempotency_key": f"u{seen}", "type": "numeric", "response": "two and a bit"},
                )
                assert refused.status_code == 422, refused.content.decode()[:300]
                (kept,) = re.findall(
                    r'<input type="text" [^>]*name="response"[^>]*>', refused.content.decode()
                )
                assert _attribute(kept, "value") == "two and a bit"
        learner_client.post(
            f"/placement/{practice_course}/answer",
            {**_hidden_fields(page, "not-learned"), "idempotency_key": f"n{seen}-{found.group(1)}"},
        )
    assert seen >= 2, "placement asked no question with a typed answer"
