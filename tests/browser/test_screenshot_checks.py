"""The check every documentation screenshot passes (tests/conftest.py ``shot``): no raw LaTeX, markdown,
template braces or internal ids in what the page shows. Pure: no browser."""

from __future__ import annotations

import pytest
from tests.conftest import doc_image, raw_text_found


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("What is $\\frac{3}{5} + \\frac{1}{10}$?", "raw LaTeX"),
        ("Add \\frac{1}{2} and a half", "raw LaTeX"),
        ("Make a **poster** of your budget", "raw markdown"),
        ("## Your brief\nPlan a trip", "raw markdown"),
        ("See [the video](https://example.org)", "raw markdown"),
        ("What is {a}.{b} × {c}?", "template braces"),
        ("Hello {{ learner.name }}", "template braces"),
        ("You answered pv-digit-value wrong", "internal id"),
    ],
)
def test_raw_text_is_found(text: str, what: str) -> None:
    found = raw_text_found(text)
    assert any(line.startswith(what) for line in found), found


@pytest.mark.parametrize(
    "text",
    [
        "What is 3/5 + 1/10? Place value: the digit 7 is worth 70.",
        "Adding and subtracting with regrouping · 2 more right answers in a row to master it",
        "A pv-digit-value-like word inside another is not an id: xpv-digit-value",
        "Costs 5 dollars; 2 × 3 = 6",
    ],
)
def test_clean_text_passes(text: str) -> None:
    assert raw_text_found(text) == []


def test_doc_names_map_to_the_images_the_docs_show() -> None:
    assert str(doc_image("journey-01-map")).endswith("docs/img/learners/01-map.png")
    assert str(doc_image("teacher-04-cockpit")).endswith("docs/img/teachers-04-cockpit.png")
    assert str(doc_image("guardian-02-link-form")).endswith("docs/img/guardians-02-link-form.png")
    assert str(doc_image("placement-02-question")).endswith("docs/img/placement-02-question.png")
    assert doc_image("home-390x844") is None
