"""Loaders: each format parses, and each fails with an error that names the source and the line."""

from __future__ import annotations

import io
import zipfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from learnpath.engine.answers import Answer, AnswerLog
from learnpath.engine.datasets import (
    DataFormatError,
    collapse_multi_skill_rows,
    expand_multi_skill_answers,
    multi_skill_duplicate_rows,
    read_akt,
    read_assistments_skill_builder,
    read_events_csv,
    read_ktbench_yaml,
    write_events_csv,
)

AKT_FOUR = """1,501
10,10,11,12,12
3,4,3,5,5
1,1,0,1,1
2,502
13,13
4,5
0,0
"""


def test_four_line_akt_file() -> None:
    log = read_akt([("train1.csv", AKT_FOUR.splitlines())])
    assert len(log) == 7
    assert log.learner_ids == ("501", "502")
    assert log.answer(0) == Answer("501", "10", ("3",), True)
    assert log.answer(2) == Answer("501", "11", ("3",), False)


def test_collapse_merges_copies_of_a_multi_skill_answer() -> None:
    log = read_akt([("train1.csv", AKT_FOUR.splitlines())])
    assert multi_skill_duplicate_rows(log).tolist() == [False, True, False, False, False, False, True]
    collapsed = collapse_multi_skill_rows(log)
    assert [collapsed.answer(k) for k in range(len(collapsed))] == [
        Answer("501", "10", ("3", "4"), True),
        Answer("501", "11", ("3",), False),
        Answer("501", "12", ("5",), True),
        Answer("501", "12", ("5",), True),  # the same problem and skill again: a real repeat, kept
        Answer("502", "13", ("4", "5"), False),
    ]


def test_collapse_keeps_rows_that_differ_in_label_or_learner() -> None:
    text = "1,7\n20,20\n3,4\n1,0\n2,8\n20\n4\n0\n"
    log = read_akt([("f", text.splitlines())])
    assert len(collapse_multi_skill_rows(log)) == 3


def test_expand_is_the_inverse_view_of_collapse() -> None:
    collapsed = collapse_multi_skill_rows(read_akt([("f", AKT_FOUR.splitlines())]))
    rows, answer_of_row = expand_multi_skill_answers(collapsed)
    assert len(rows) == 7
    assert answer_of_row.tolist() == [0, 0, 1, 2, 3, 4, 4]


def test_three_line_akt_file() -> None:
    log = read_akt([("test2.csv", ["3", "7,7,8", "1,0,1"])], with_problems=False)
    assert len(log) == 3
    # the first line is the sequence length, which names no learner: the block is a learner of its own
    assert log.answer(2) == Answer("test2.csv:1", "s8", ("8",), True)


def test_three_line_learners_of_equal_length_stay_apart() -> None:
    # two learners with three answers each: read as one learner "3" before issue 10
    lines = ["3", "7,7,8", "1,0,1", "3", "7,8,8", "0,0,1"]
    log = read_akt([("test2.csv", lines)], with_problems=False)
    assert log.learner_ids == ("test2.csv:1", "test2.csv:4")
    assert np.bincount(log.learner).tolist() == [3, 3]


def test_three_line_header_with_an_id_and_a_count_is_refused() -> None:
    # "learner id, count" heads each block: read as learner "3" (the count) before issue 10
    lines = ["82295,3", "7,7,8", "1,0,1", "82296,3", "7,8,8", "0,0,1"]
    with pytest.raises(DataFormatError, match=r"^test2\.csv, line 1: .*sequence length") as caught:
        read_akt([("test2.csv", lines)], with_problems=False)
    assert "'82295,3'" in str(caught.value)


def test_three_line_length_that_does_not_match_is_refused() -> None:
    with pytest.raises(DataFormatError, match=r"^t\.csv, line 4: sequence length 5, but .* 2 answers"):
        read_akt([("t.csv", ["1", "7", "1", "5", "7,8", "0,1"])], with_problems=False)


def test_a_byte_order_mark_and_trailing_commas_are_accepted() -> None:
    text = "\ufeff1,501,\n10,10,11,\n3,4,3,\n1,1,0,\n2,502,\n13,\n4,\n0,\n"
    log = read_akt([("train1.csv", text.splitlines())])
    assert log.learner_ids == ("501", "502")
    assert len(log) == 4
    three = read_akt([("t.csv", ["\ufeff2,", "7,8,", "1,0,"])], with_problems=False)
    assert len(three) == 2


def test_several_akt_files_form_one_log() -> None:
    log = read_akt([("train1", AKT_FOUR.splitlines()), ("valid1", ["3,503", "1", "2", "1"])])
    assert log.learner_ids == ("501", "502", "503")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("1,501\n10,11\n3,4\n1,1,0\n", 4, "correctness: 3 values, but the learner's first line has 2"),
        ("1,501\n10,x\n3,4\n1,1\n", 2, "problem ids: expected integers separated by commas, found 'x'"),
        ("1,501\n10,11\n3,4\n1,2\n", 4, "correctness: expected only 0 and 1"),
        ("learner one\n10\n3\n1\n", 1, "expected a learner header"),
        ("1,501\n10,11\n3,4\n", 3, "file ends inside a learner's block (3 of 4 lines)"),
        ("1,501\n10,11\n\n3,4\n1,1\n", 3, "blank line inside a learner's block"),
    ],
)
def test_akt_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DataFormatError, match=f"^fold.csv, line {line}: ") as caught:
        read_akt([("fold.csv", text.splitlines())])
    assert message in str(caught.value)
    assert caught.value.line == line


RAW_HEADER = (
    "order_id,assignment_id,user_id,assistment_id,problem_id,original,correct,attempt_count,ms_first_response,"
    "tutor_mode,answer_type,sequence_id,student_class_id,position,type,base_sequence_id,skill_id,skill_name,"
    "teacher_id,school_id,hint_count,hint_total,overlap_time,template_id,answer_id,answer_text,first_action,"
    "bottom_hint,opportunity,opportunity_original"
)


def raw_row(
    order: int, user: int, problem: int, original: int, correct: int, skill: str, name: str = "Skill"
) -> str:
    return (
        f"{order},1,{user},9,{problem},{original},{correct},1,100,tutor,algebra,5,6,1,MasterySection,5,{skill},"
        f"{name},7,8,0,3,100,1,,1,0,,1,1"
    )


def test_raw_assistments_csv_merges_multi_skill_rows_and_skips_scaffolding() -> None:
    lines = [
        RAW_HEADER,
        raw_row(100, 1, 50, 1, 1, "10", "Équations"),  # latin-1 text decodes before parsing
        raw_row(100, 1, 50, 1, 1, "11"),  # the same answer, second skill
        raw_row(101, 1, 51, 0, 0, "10"),  # scaffolding
        raw_row(102, 1, 52, 1, 0, ""),  # no skill id
        raw_row(103, 2, 50, 1, 1, "10"),
    ]
    log = read_assistments_skill_builder("raw.csv", lines)
    assert log.answers() == [
        Answer("1", "50", ("10", "11"), True),
        Answer("1", "52", ("unknown",), False),
        Answer("2", "50", ("10",), True),
    ]
    with_scaffolding = read_assistments_skill_builder("raw.csv", lines, main_problems_only=False)
    assert len(with_scaffolding) == 4


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (raw_row(100, 1, 50, 2, 1, "10"), "original: expected 0 or 1, found '2'"),
        (raw_row(100, 1, 50, 1, 7, "10"), "correct: expected 0 or 1, found '7'"),
        ("100,1,1", "3 fields, the header has 30"),
    ],
)
def test_raw_assistments_errors_name_the_line(row: str, message: str) -> None:
    lines = [RAW_HEADER, raw_row(99, 1, 49, 1, 1, "10"), row]
    with pytest.raises(DataFormatError, match=r"^raw\.csv, line 3: ") as caught:
        read_assistments_skill_builder("raw.csv", lines)
    assert message in str(caught.value)


def test_raw_assistments_header_is_checked() -> None:
    with pytest.raises(DataFormatError, match=r"raw.csv, line 1: header lacks the column\(s\) original"):
        read_assistments_skill_builder("raw.csv", [RAW_HEADER.replace("original", "origin", 1)])


KTBENCH = """problem2KCs: [[1], [2], [1, 2]]
students:
  - stu_id: 0
    exer_id: [0, 2, 1]
    label: [1, 0, 1]
    start_timestamp: [100, 160, 500]
    cost_time: [10, 20, 30]
  - stu_id: 1
    exer_id: [1]
    label: [0]
    start_timestamp: [7]
    cost_time: [1]
"""


def test_ktbench_yaml() -> None:
    log = read_ktbench_yaml("kt.yaml", KTBENCH.splitlines())
    assert log.answers()[:2] == [
        Answer("0", "0", ("1",), True, datetime.fromtimestamp(100, tz=UTC)),
        Answer("0", "2", ("1", "2"), False, datetime.fromtimestamp(160, tz=UTC)),
    ]
    assert len(log) == 4


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("label: [1, 0, 1]", "label: [1, 0]", 5, "label: 2 values, exer_id has 3"),
        ("exer_id: [0, 2, 1]", "exer_id: [0, 9, 1]", 4, "exer_id 9 has no skills in problem2KCs"),
        ("label: [0]", "label: [2]", 10, "label: expected only 0 and 1"),
        ("    cost_time: [1]", "    what is this", 12, "expected 'key: [values]'"),
    ],
)
def test_ktbench_errors_name_the_line(old: str, new: str, line: int, message: str) -> None:
    with pytest.raises(DataFormatError, match=f"^kt.yaml, line {line}: ") as caught:
        read_ktbench_yaml("kt.yaml", KTBENCH.replace(old, new).splitlines())
    assert message in str(caught.value)


def test_events_csv_round_trip() -> None:
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    answers = [
        Answer("ana", "q1", ("fractions", "decimals"), True, moment),
        Answer("bo, jr", "q2", ("fractions",), False),
    ]
    lines = list(write_events_csv(AnswerLog.from_answers(answers)))
    assert lines[0] == "learner,item,skills,correct,time\r\n"
    assert read_events_csv("events.csv", io.StringIO("".join(lines), newline="")).answers() == answers


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("ana,q1,,1,", "skills: at least one skill is needed"),
        ("ana,q1,s,yes,", "correct: expected 0, 1, true or false, found 'yes'"),
        ("ana,q1,s,1,2026-03-01T09:30:00", "time must be timezone-aware"),
        ("ana,q1,s,1,yesterday", "time: Invalid isoformat string"),
        ("ana,q1,s", "3 fields, expected 5"),
    ],
)
def test_events_csv_errors_name_the_line(row: str, message: str) -> None:
    lines = ["learner,item,skills,correct,time", "ana,q0,s,0,", row]
    with pytest.raises(DataFormatError, match=r"^events\.csv, line 3: ") as caught:
        read_events_csv("events.csv", lines)
    assert message in str(caught.value)


def test_events_csv_header_is_checked() -> None:
    with pytest.raises(DataFormatError, match=r"events\.csv, line 1: expected the header"):
        read_events_csv("events.csv", ["user,item,skills,correct,time"])


def test_answers_reject_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Answer("a", "i", ("s",), True, datetime(2026, 1, 1))


def test_select_keeps_skills_aligned() -> None:
    log = collapse_multi_skill_rows(read_akt([("f", AKT_FOUR.splitlines())]))
    picked = log.select(np.array([4, 0]))
    assert picked.answers() == [log.answer(4), log.answer(0)]


# ---------------------------------------------------------------- the real files in ../shared/data

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kt"


def shared(path: str) -> Path:
    full = SHARED / path
    if not full.exists():
        pytest.skip(f"{full} is absent: the real-data checks need ../shared/data (see its PROVENANCE.md)")
    return full


@pytest.mark.shared_data
def test_collapsed_protocol_on_the_akt_assist2009_folds() -> None:
    import gzip

    folder = shared("assist2009_akt_folds")
    names = ["assist2009_pid_train1.csv.gz", "assist2009_pid_valid1.csv.gz", "assist2009_pid_test1.csv.gz"]
    with ExitStack() as stack:
        streams = [stack.enter_context(gzip.open(folder / name, "rt")) for name in names]
        log = read_akt(list(zip(names, streams, strict=True)))
    assert len(log) == 325_637
    assert len(log.learner_ids) == 4_151
    assert int(multi_skill_duplicate_rows(log).sum()) == 51_052
    assert len(collapse_multi_skill_rows(log)) == 274_585


@pytest.mark.shared_data
def test_the_raw_assistments_sample_parses() -> None:
    import gzip

    path = shared("assist2009_raw_sample/assistments2009-skill-builders-corrected_1000.csv.gz")
    with gzip.open(path, "rt", encoding="latin-1", newline="") as stream:
        log = read_assistments_skill_builder(path.name, stream, main_problems_only=False)
    assert len(set(log.learner_ids)) == 112
    assert len(log) <= 999


@pytest.mark.shared_data
def test_the_ktbench_yaml_parses() -> None:
    path = shared("assist2009_timed/assist2009.zip")
    with zipfile.ZipFile(path) as archive, archive.open("assist2009.yaml") as raw:
        log = read_ktbench_yaml("assist2009.yaml", io.TextIOWrapper(raw, encoding="utf-8"))
    assert len(log) == 283_103
    assert len(log.learner_ids) == 4_163
    assert not np.isnan(log.time).any()
