"""One test per kind of problem the validator reports, and a pack with many problems at once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from learnpath.content.pack import PackValidationError, Problem, pack_from_documents

Docs = dict[str, Any]


def _valid() -> Docs:
    return {
        "course": {
            "format": "learnpath-pack",
            "format_version": 1,
            "id": "tiny",
            "version": "1",
            "title": "Tiny",
        },
        "skills": [
            {"id": "a", "name": "A"},
            {"id": "b", "name": "B", "prerequisites": ["a"]},
        ],
        "items": {
            "main.yaml": [
                {
                    "id": "pick",
                    "type": "single_choice",
                    "skills": ["a"],
                    "prompt": "Pick x.",
                    "choices": [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}],
                    "answer": "x",
                },
                {"id": "num", "type": "numeric", "skills": ["b"], "prompt": "1+1?", "answer": 2},
                {
                    "id": "expr",
                    "type": "expression",
                    "skills": ["b"],
                    "prompt": "Twice x",
                    "answer": "2x",
                    "variables": ["x"],
                },
            ]
        },
        "resources": [],
        "projects": [],
    }


def _problems(change: Callable[[Docs], Any], media: dict[str, bytes] | None = None) -> list[Problem]:
    docs = _valid()
    change(docs)
    with pytest.raises(PackValidationError) as caught:
        pack_from_documents(
            docs["course"], docs["skills"], docs["items"], docs["resources"], docs["projects"], media
        )
    return caught.value.problems


def _texts(change: Callable[[Docs], Any], media: dict[str, bytes] | None = None) -> list[str]:
    return [str(problem) for problem in _problems(change, media)]


def _item(docs: Docs, index: int) -> dict[str, Any]:
    item: dict[str, Any] = docs["items"]["main.yaml"][index]
    return item


def test_the_base_documents_are_valid() -> None:
    docs = _valid()
    pack = pack_from_documents(docs["course"], docs["skills"], docs["items"], [], [])
    assert [item.id for item in pack.items] == ["pick", "num", "expr"]


def test_wrong_format_and_format_version() -> None:
    def change(docs: Docs) -> None:
        docs["course"]["format"] = "other"
        docs["course"]["format_version"] = 2

    assert _texts(change) == [
        "course.yaml: format: must be 'learnpath-pack', got the text 'other'",
        "course.yaml: format_version: format version 2 is not supported; "
        "this learnpath reads format version 1",
    ]


def test_bad_ids() -> None:
    def change(docs: Docs) -> None:
        docs["skills"].append({"id": "Bad Id", "name": "Bad"})
        _item(docs, 0)["choices"][1]["id"] = "Y!"

    texts = _texts(change)
    assert texts[0].startswith("skills.yaml: [2].id: 'Bad Id' is not a valid id")
    assert texts[1].startswith("items/main.yaml: [0].choices[1].id: 'Y!' is not a valid id")


def test_missing_and_unknown_fields_and_wrong_types() -> None:
    def change(docs: Docs) -> None:
        del docs["course"]["title"]
        docs["skills"][0]["colour"] = "red"
        _item(docs, 1)["tolerance"] = "a lot"
        docs["course"]["version"] = 1.0

    assert _texts(change) == [
        "course.yaml: 'title' is required",
        "course.yaml: version: expected text, got the number 1.0 (put it in quotes to make it text)",
        "skills.yaml: [0].colour: unknown field 'colour'; "
        "allowed: description, id, name, prerequisites, standards",
        "items/main.yaml: [1].tolerance: expected a number, got the text 'a lot'",
    ]


def test_duplicate_ids_of_every_kind() -> None:
    def change(docs: Docs) -> None:
        docs["skills"].append({"id": "a", "name": "again"})
        docs["items"]["more.yaml"] = [copy.deepcopy(_item(docs, 1))]
        _item(docs, 0)["choices"].append({"id": "x", "text": "X again"})
        docs["resources"] = [
            {"id": "r", "title": "R", "modality": "text", "skills": ["a"], "body": "b"},
            {"id": "r", "title": "R2", "modality": "text", "skills": ["a"], "body": "b"},
        ]
        docs["projects"] = [
            {
                "id": "p",
                "title": "P",
                "skills": ["a"],
                "brief": "b",
                "topics": [{"id": "t", "title": "T"}] * 2,
            },
            {"id": "p", "title": "P", "skills": ["a"], "brief": "b"},
        ]

    assert _texts(change) == [
        "skills.yaml: [2].id: duplicate skill id 'a' (first used in skills.yaml [0])",
        "items/main.yaml: [0].choices[2].id: duplicate id 'x' in choices",
        "items/more.yaml: [0].id: duplicate item id 'num' (first used in items/main.yaml [1])",
        "resources.yaml: [1].id: duplicate resource id 'r' (first used in resources.yaml [0])",
        "projects.yaml: [0].topics[1].id: duplicate id 't' in topics",
        "projects.yaml: [1].id: duplicate project id 'p' (first used in projects.yaml [0])",
    ]


def test_duplicate_step_ids() -> None:
    def change(docs: Docs) -> None:
        step = {"id": "s", "type": "numeric", "prompt": "1?", "answer": 1}
        docs["items"]["main.yaml"].append(
            {"id": "multi", "type": "multi_step", "skills": ["a"], "prompt": "Do it", "steps": [step, step]}
        )

    assert _texts(change) == ["items/main.yaml: [3].steps[1].id: duplicate step id 's' in this item"]


def test_unknown_prerequisite_and_unknown_skills() -> None:
    def change(docs: Docs) -> None:
        docs["skills"][1]["prerequisites"] = ["a", "nowhere"]
        _item(docs, 0)["skills"] = ["missing"]
        docs["resources"] = [{"id": "r", "title": "R", "modality": "text", "skills": ["gone"], "body": "x"}]

    assert _texts(change) == [
        "skills.yaml: [1].prerequisites[1]: unknown prerequisite 'nowhere'",
        "items/main.yaml: [0].skills[0]: unknown skill 'missing'",
        "resources.yaml: [0].skills[0]: unknown skill 'gone'",
    ]


def test_prerequisite_cycles_are_named_skill_by_skill() -> None:
    def change(docs: Docs) -> None:
        docs["skills"][0]["prerequisites"] = ["b"]
        docs["skills"].append({"id": "c", "name": "C", "prerequisites": ["c"]})

    assert _texts(change) == [
        "skills.yaml: prerequisites form a cycle: a -> b -> a",
        "skills.yaml: prerequisites form a cycle: c -> c",
    ]


def test_item_without_a_skill() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 0)["skills"] = []
        del _item(docs, 1)["skills"]

    assert _texts(change) == [
        "items/main.yaml: [0].skills: needs at least one skill id",
        "items/main.yaml: [1]: 'skills' is required",
    ]


def test_answer_not_among_the_choices() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 0)["answer"] = "e"
        docs["items"]["main.yaml"].append(
            {
                "id": "many",
                "type": "multiple_choice",
                "skills": ["a"],
                "prompt": "Pick",
                "choices": [{"id": "p", "text": "P"}, {"id": "q", "text": "Q"}],
                "answer": ["p", "z"],
            }
        )

    assert _texts(change) == [
        "items/main.yaml: [0].answer: 'e' is not among the choices x, y",
        "items/main.yaml: [3].answer[1]: 'z' is not among the choices p, q",
    ]


def test_numeric_answer_not_a_number() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 1)["answer"] = "two"

    assert _texts(change) == [
        "items/main.yaml: [1].answer: the answer 'two' is not a number "
        "(Write a number, such as 12, -3.5, 3/4 or 1 1/2.)"
    ]


def test_non_finite_numbers() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 1)["answer"] = float("nan")
        _item(docs, 1)["tolerance"] = float("inf")

    assert _texts(change) == [
        "items/main.yaml: [1].answer: must be a finite number",
        "items/main.yaml: [1].tolerance: must be a finite number",
    ]


def test_unparsable_expression_and_unknown_variables() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 2)["answer"] = "2x +"
        docs["items"]["main.yaml"].append(dict(_item(docs, 2), id="expr2", answer="2y"))

    texts = _texts(change)
    assert texts[0].startswith(
        "items/main.yaml: [2].answer: the answer cannot be read: That expression could"
    )
    assert texts[1].startswith("items/main.yaml: [3].answer: the answer cannot be read: unknown variable:")
    assert "'y'" in texts[1]


def test_fields_a_type_does_not_use() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 1)["choices"] = [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}]
        _item(docs, 2)["case_sensitive"] = True

    assert _texts(change) == [
        "items/main.yaml: [1].choices: 'choices' is not used by numeric items",
        "items/main.yaml: [2].case_sensitive: 'case_sensitive' is not used by expression items",
    ]


def test_feedback_for_the_correct_answer_and_unreadable_feedback() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 1)["feedback"] = [
            {"answer": "4/2", "message": "Well, that is right."},
            {"answer": "lots", "message": "Unreadable."},
            {"answer": 3, "message": "Off by one."},
        ]

    assert _texts(change) == [
        "items/main.yaml: [1].feedback[0].answer: "
        "feedback is written for the correct answer; it would never be shown",
        "items/main.yaml: [1].feedback[1].answer: the checker cannot read this answer: "
        "Write a number, such as 12, -3.5, 3/4 or 1 1/2.",
    ]


def test_resources_missing_what_their_modality_needs() -> None:
    def change(docs: Docs) -> None:
        docs["resources"] = [
            {"id": "t", "title": "T", "modality": "text", "skills": ["a"]},
            {"id": "v", "title": "V", "modality": "video", "skills": ["a"], "url": "/v.mp4"},
            {"id": "i", "title": "I", "modality": "interactive", "skills": ["a"]},
            {
                "id": "u",
                "title": "U",
                "modality": "interactive",
                "skills": ["a"],
                "url": "javascript:alert(1)",
            },
        ]

    assert _texts(change) == [
        "resources.yaml: [0]: a text resource needs 'body'",
        "resources.yaml: [1]: a video resource needs 'transcript'",
        "resources.yaml: [2]: a interactive resource needs 'url'",
        "resources.yaml: [3].url: a url is media/<file>, a site path starting with /, or an http(s) address",
    ]


def test_media_reference_to_a_missing_file() -> None:
    def change(docs: Docs) -> None:
        docs["resources"] = [
            {
                "id": "t",
                "title": "T",
                "modality": "text",
                "skills": ["a"],
                "body": "See ![x](media/gone.png)",
            },
            {
                "id": "v",
                "title": "V",
                "modality": "video",
                "skills": ["a"],
                "url": "media/clip.mp4",
                "transcript": "t",
            },
            {"id": "w", "title": "W", "modality": "interactive", "skills": ["a"], "url": "media/here.html"},
        ]

    assert _texts(change, media={"here.html": b"<p>hi</p>"}) == [
        "resources.yaml: [0].body: links to 'media/gone.png', which is not in the pack's media folder",
        "resources.yaml: [1].url: 'media/clip.mp4' is not in the pack's media folder",
    ]


def _with_template(**fields: Any) -> Callable[[Docs], None]:
    def change(docs: Docs) -> None:
        template = {"id": "tpl", "type": "numeric", "skills": ["a"], "params": {"a": {"min": 1, "max": 3}}}
        docs["items"]["main.yaml"].append({**template, **fields})

    return change


def test_placeholders_naming_unknown_params_and_malformed_braces() -> None:
    texts = _texts(
        _with_template(
            prompt="What is {a} + {b}?",
            answer="{a",
            hints=["Literal braces are written {{ and }}; a lone } is an error"],
        )
    )
    assert texts[0] == "items/main.yaml: [3].prompt: the placeholder {b} names no parameter or computed value"
    assert texts[1].startswith("items/main.yaml: [3].answer: expected '}' before end of string")
    assert texts[2].startswith("items/main.yaml: [3].hints[0]: Single '}' encountered")


def test_template_whose_constraints_cannot_be_met() -> None:
    texts = _texts(_with_template(constraints=["a > 5"], prompt="What is {a}?", answer="{a}"))
    assert len(texts) == 1
    assert texts[0].startswith("items/main.yaml: [3].constraints: no values met the constraints in 1000")


def test_template_variant_with_a_broken_answer() -> None:
    change = _with_template(params={"a": {"min": 0, "max": 0}}, prompt="What is 1/{a}?", answer="1/{a}")
    assert _texts(change) == [
        "items/main.yaml: [3].answer: in the variant for seed 0: the answer '1/0' is not a number "
        "(A fraction cannot have 0 at the bottom.)"
    ]


def test_template_expressions_that_are_not_allowed() -> None:
    change = _with_template(
        computed={"b": "__import__(os).getpid()"},
        constraints=["b >"],
        prompt="What is {b}?",
        answer="{b}",
    )
    assert _texts(change) == [
        "items/main.yaml: [3].computed.b: computed 'b': only the functions abs, min, max, round, gcd, lcm "
        "can be called, with plain arguments"
    ]


def test_template_constraint_that_cannot_be_read() -> None:
    change = _with_template(constraints=["a >"], prompt="What is {a}?", answer="{a}")
    texts = _texts(change)
    assert texts[0].startswith("items/main.yaml: [3].constraints[0]: constraint 'a >': cannot read")


def test_a_pack_with_many_problems_reports_them_all_at_once() -> None:
    def change(docs: Docs) -> None:
        docs["course"]["format_version"] = 3
        docs["skills"][0]["prerequisites"] = ["b"]
        docs["skills"][1]["prerequisites"] = ["a", "zzz"]
        _item(docs, 0)["answer"] = "q"
        _item(docs, 1)["answer"] = "many"
        _item(docs, 2)["answer"] = "2w"
        docs["resources"] = [{"id": "r", "title": "R", "modality": "video", "skills": ["a"], "url": "/x"}]

    problems = _problems(change)
    assert [(p.file, p.path) for p in problems] == [
        ("course.yaml", "format_version"),
        ("skills.yaml", ""),
        ("skills.yaml", "[1].prerequisites[1]"),
        ("items/main.yaml", "[0].answer"),
        ("items/main.yaml", "[1].answer"),
        ("items/main.yaml", "[2].answer"),
        ("resources.yaml", "[0]"),
    ]


def test_html_media_references_are_checked_too() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 0)["prompt"] = 'Look: <img src="media/graph.png"> and <a href=media/here.html>this</a>'

    assert _texts(change, media={"here.html": b"<p>hi</p>"}) == [
        "items/main.yaml: [0].prompt: links to 'media/graph.png', which is not in the pack's media folder"
    ]


def test_huge_integers_are_refused() -> None:
    def change(docs: Docs) -> None:
        _item(docs, 1)["answer"] = 10**40

    assert _texts(change) == [
        "items/main.yaml: [1].answer: is too large a number (at most 18 digits); write it as text in quotes"
    ]
