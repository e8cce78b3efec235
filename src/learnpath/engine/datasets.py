"""Parsers for public answer-log formats, as pure functions over lines of text.

The engine does no I/O: callers open files (gzip, zip, encodings) and pass the lines in; see
``learnpath.cli.eval_command`` and ``benchmarks/kt_assist2009.py``. Every parser names the source and the
1-based line of the first problem it meets, in a ``DataFormatError``.

Formats:

- AKT fold files (Ghosh et al. 2020, repository arghosh/AKT): per learner four lines
  ``learner_index,original_user_id`` / problem ids / skill ids / correctness, or three lines
  ``sequence_length`` / skill ids / correctness (the DKT layout). An answer with several skills appears as
  consecutive rows with the same problem and label. A byte-order mark at the start of a file and a comma
  at the end of a line are accepted.
- The raw ASSISTments 2009 skill-builder CSV (latin-1): one row per (answer, skill), ``original`` = 1 for
  main problems and 0 for scaffolding.
- The ktbench YAML (badranX/KTdata): a ``problem2KCs`` header, then per learner ``stu_id``, ``exer_id``,
  ``label``, ``start_timestamp`` and ``cost_time`` lists.
- learnpath's events CSV: ``learner,item,skills,correct,time`` with skills separated by ``;`` and time in
  ISO 8601 with a UTC offset (or empty).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

import numpy as np

from learnpath.engine.answers import AnswerLog, AnswerLogBuilder, require_utc

Source = tuple[str, Iterable[str]]


class DataFormatError(ValueError):
    """A file does not have the format its parser expects; the message names the source and the line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}, line {line}: {message}")
        self.source = source
        self.line = line


def _int_list(text: str, source: str, line: int, what: str) -> list[int]:
    fields = text.strip().rstrip(",").split(",")
    try:
        return [int(field) for field in fields]
    except ValueError:
        bad = next(field for field in fields if not field.strip().lstrip("-").isdigit())
        raise DataFormatError(
            source, line, f"{what}: expected integers separated by commas, found {bad!r}"
        ) from None


def read_akt(sources: Iterable[Source], *, with_problems: bool = True) -> AnswerLog:
    """Read AKT-format fold files (four lines per learner, or three with ``with_problems=False``).

    ``sources`` are ``(name, lines)`` pairs read in turn into one log (e.g. a fold's train and valid
    files). Rows are kept as released, one per (answer, skill); see ``collapse_multi_skill_rows``.
    Learner ids are the original user ids where the header has one (so a learner in two files is one
    learner); a header that is the sequence length alone names no learner, so each such block is a learner
    of its own, ``"<file>:<line>"``. Item ids are the problem indexes (``"s<skill>"`` in the three-line
    format, where the skill is all that is known of the item). Refused, with the file and line: a
    three-line block whose first line has two numbers (a learner id and a count cannot be told from an
    index and an id, and taking either for the learner would merge learners), and a three-line block whose
    length line does not match its answers.
    """
    builder = AnswerLogBuilder()
    block = 4 if with_problems else 3
    for name, lines in sources:
        pending: list[tuple[int, str]] = []
        for number, raw in enumerate(lines, start=1):
            text = raw.strip()
            if number == 1:
                text = text.lstrip("\ufeff").strip()  # a byte-order mark, as some editors write
            if not text:
                if pending:
                    raise DataFormatError(name, number, "blank line inside a learner's block")
                continue
            pending.append((number, text))
            if len(pending) == block:
                _akt_block(builder, name, pending, with_problems)
                pending = []
        if pending:
            raise DataFormatError(
                name,
                pending[-1][0],
                f"file ends inside a learner's block ({len(pending)} of {block} lines)",
            )
    return builder.build()


def _akt_block(
    builder: AnswerLogBuilder, name: str, block: list[tuple[int, str]], with_problems: bool
) -> None:
    (header_line, header), *rest = block
    head = [part.strip() for part in header.rstrip(",").split(",")]
    expected = "'index,user_id' (or the sequence length alone)" if with_problems else "the sequence length"
    if len(head) > 2 or not all(part.isdigit() for part in head):
        raise DataFormatError(
            name, header_line, f"expected a learner header {expected}, found {header[:60]!r}"
        )
    if len(head) == 2 and not with_problems:
        raise DataFormatError(
            name,
            header_line,
            f"a three-line file's first line per learner is the sequence length, found {header[:60]!r}: "
            "two numbers (a learner id and a count?) cannot be read safely; use the four-line format "
            "'index,user_id' / problem ids / skill ids / correctness",
        )
    length: int | None = None
    columns: list[list[int]] = []
    labels = ("problem ids", "skill ids", "correctness") if with_problems else ("skill ids", "correctness")
    for (number, text), what in zip(rest, labels, strict=True):
        values = _int_list(text, name, number, what)
        if length is None:
            length = len(values)
        elif len(values) != length:
            raise DataFormatError(
                name, number, f"{what}: {len(values)} values, but the learner's first line has {length}"
            )
        columns.append(values)
    number = rest[-1][0]
    if any(value not in (0, 1) for value in columns[-1]):
        raise DataFormatError(name, number, "correctness: expected only 0 and 1")
    if len(head) == 2:
        learner = head[1]
    elif int(head[0]) == length:
        # the sequence length: it names no learner, so this block is a learner of its own (taking the
        # length for an id would merge every learner with as many answers)
        learner = f"{name}:{header_line}"
    elif with_problems:
        learner = head[0]  # a learner index
    else:
        raise DataFormatError(
            name, header_line, f"sequence length {head[0]}, but the learner's lines have {length} answers"
        )
    if with_problems:
        problems, skills, correct = columns
        for problem, skill, label in zip(problems, skills, correct, strict=True):
            builder.add(learner, str(problem), (str(skill),), label == 1, float("nan"))
    else:
        skills, correct = columns
        for skill, label in zip(skills, correct, strict=True):
            builder.add(learner, f"s{skill}", (str(skill),), label == 1, float("nan"))


def multi_skill_duplicate_rows(log: AnswerLog) -> np.ndarray:
    """Mask of the rows that are copies of a multi-skill answer, as the AKT release writes them.

    In the AKT release an answer tagged with several skills is written as consecutive rows with the same
    problem and label, one per skill. A row is a copy when the row before is by the same learner, on the
    same item, with the same label, and tagged with a different skill. An immediate repeat of the same
    problem with the same skill and label is a genuine new answer (17 such rows in ASSISTments 2009).
    Expects single-skill rows, as released; rows with several skills compare their first skill.
    """
    n = len(log)
    duplicate = np.zeros(n, dtype=np.bool_)
    if n < 2:
        return duplicate
    first_skill = log.skill[log.skill_start[:-1]]
    duplicate[1:] = (
        (log.learner[1:] == log.learner[:-1])
        & (log.item[1:] == log.item[:-1])
        & (log.correct[1:] == log.correct[:-1])
        & (first_skill[1:] != first_skill[:-1])
    )
    return duplicate


def collapse_multi_skill_rows(log: AnswerLog) -> AnswerLog:
    """The ``collapsed`` protocol: merge each run of consecutive rows of one learner with the same item
    and the same label (and a new skill, see ``multi_skill_duplicate_rows``) into one answer carrying the
    union of their skills.

    A model fed the rows as released sees the first copy's label before "predicting" the others, which
    inflates its AUC; collapsed, each answer is predicted once. On the AKT ASSISTments 2009 folds this turns
    325,637 rows into 274,585 answers (51,052 copies removed).
    """
    duplicate = multi_skill_duplicate_rows(log)
    first = np.flatnonzero(~duplicate)
    answer_of_row = np.cumsum(~duplicate) - 1
    # skills of each merged answer, in row order, without repeats
    row_skill_counts = log.n_skills_per_answer
    skill_answer = np.repeat(answer_of_row, row_skill_counts)
    pairs = np.unique(skill_answer * (len(log.skill_ids) + 1) + log.skill)
    keep_answer = pairs // (len(log.skill_ids) + 1)
    keep_skill = pairs % (len(log.skill_ids) + 1)
    start = np.zeros(len(first) + 1, dtype=np.int64)
    np.cumsum(np.bincount(keep_answer, minlength=len(first)), out=start[1:])
    return AnswerLog(
        learner=log.learner[first].copy(),
        item=log.item[first].copy(),
        skill_start=start,
        skill=keep_skill.astype(np.int64),
        correct=log.correct[first].copy(),
        time=log.time[first].copy(),
        learner_ids=log.learner_ids,
        item_ids=log.item_ids,
        skill_ids=log.skill_ids,
    )


def expand_multi_skill_answers(log: AnswerLog) -> tuple[AnswerLog, np.ndarray]:
    """One row per (answer, skill), and for each row the index of its answer (for single-skill tools)."""
    counts = log.n_skills_per_answer
    answer_of_row = np.repeat(np.arange(len(log)), counts)
    rows = AnswerLog(
        learner=log.learner[answer_of_row].copy(),
        item=log.item[answer_of_row].copy(),
        skill_start=np.arange(len(log.skill) + 1, dtype=np.int64),
        skill=log.skill.copy(),
        correct=log.correct[answer_of_row].copy(),
        time=log.time[answer_of_row].copy(),
        learner_ids=log.learner_ids,
        item_ids=log.item_ids,
        skill_ids=log.skill_ids,
    )
    return rows, answer_of_row


ASSISTMENTS_REQUIRED = ("order_id", "user_id", "problem_id", "original", "correct", "skill_id")


def read_assistments_skill_builder(
    name: str, lines: Iterable[str], *, main_problems_only: bool = True
) -> AnswerLog:
    """Read the raw ASSISTments 2009 skill-builder CSV (decode it as latin-1 before passing the lines).

    A multi-skill answer is one row per skill with the same ``order_id``; they become one answer.
    ``original`` is 1 for main problems and 0 for scaffolding questions, which are skipped by default.
    Rows without a skill id (blank) are tagged with the skill ``"unknown"``. Rows keep file order, which in
    the public release is the order of ``order_id`` within each learner.
    """
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise DataFormatError(name, 1, "empty file, expected the ASSISTments header") from None
    header = [column.strip().lstrip("\ufeff") for column in header]
    missing = [column for column in ASSISTMENTS_REQUIRED if column not in header]
    if missing:
        raise DataFormatError(name, 1, f"header lacks the column(s) {', '.join(missing)}")
    at = {column: header.index(column) for column in ASSISTMENTS_REQUIRED}
    builder = AnswerLogBuilder()
    last_order: str | None = None
    skills: list[str] = []
    current: tuple[str, str, bool] | None = None
    for row in reader:
        number = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise DataFormatError(name, number, f"{len(row)} fields, the header has {len(header)}")
        original = row[at["original"]].strip()
        if original not in ("0", "1"):
            raise DataFormatError(name, number, f"original: expected 0 or 1, found {original!r}")
        correct_text = row[at["correct"]].strip()
        try:
            correct_value = float(correct_text)
        except ValueError:
            raise DataFormatError(name, number, f"correct: expected 0 or 1, found {correct_text!r}") from None
        if correct_value not in (0.0, 1.0):
            raise DataFormatError(name, number, f"correct: expected 0 or 1, found {correct_text!r}")
        if main_problems_only and original == "0":
            continue
        order = row[at["order_id"]].strip()
        if not order:
            raise DataFormatError(name, number, "order_id is empty")
        skill = row[at["skill_id"]].strip() or "unknown"
        if order == last_order and current is not None:
            skills.append(skill)
            continue
        if current is not None:
            builder.add(current[0], current[1], skills, current[2], float("nan"))
        current = (row[at["user_id"]].strip(), row[at["problem_id"]].strip(), correct_value == 1.0)
        skills = [skill]
        last_order = order
    if current is not None:
        builder.add(current[0], current[1], skills, current[2], float("nan"))
    return builder.build()


_KTBENCH_LIST = re.compile(r"^\s*(-\s+)?([A-Za-z0-9_]+):\s*\[(.*)\]\s*$")
_KTBENCH_FIELDS = ("stu_id", "exer_id", "label", "start_timestamp", "cost_time")


def read_ktbench_yaml(name: str, lines: Iterable[str]) -> AnswerLog:
    """Read the ktbench ASSISTments YAML (badranX/KTdata): ``problem2KCs`` header, then per learner
    ``stu_id``, ``exer_id``, ``label``, ``start_timestamp`` (seconds), ``cost_time``.

    The file is one YAML document of flow lists, one key per line, which this reads line by line (a
    general YAML parser needs minutes and gigabytes on it). Items are tagged with all the skills that
    ``problem2KCs`` lists for them. ``start_timestamp`` becomes the answer's time in POSIX seconds.
    """
    builder = AnswerLogBuilder()
    problem_skills: list[list[str]] | None = None
    learner: dict[str, tuple[int, str]] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\n")
        if not text.strip() or text.strip().startswith("#"):
            continue
        if text.startswith("problem2KCs:"):
            body = text.split(":", 1)[1].strip()
            if not (body.startswith("[") and body.endswith("]")):
                raise DataFormatError(name, number, "problem2KCs: expected a list of lists on one line")
            groups = re.findall(r"\[([^\[\]]*)\]", body[1:-1])
            problem_skills = [[part.strip() for part in group.split(",") if part.strip()] for group in groups]
            continue
        if re.match(r"^[A-Za-z_]\w*:[^\[]*$", text):
            continue  # top-level metadata (n_exer: 17751, data:, ...)
        stu = re.match(r"^\s*-\s+stu_id:\s*(\S+)\s*$", text)
        if stu:
            _ktbench_flush(builder, name, learner, problem_skills)
            learner = {"stu_id": (number, stu.group(1))}
            continue
        match = _KTBENCH_LIST.match(text)
        if not match or match.group(2) not in _KTBENCH_FIELDS:
            raise DataFormatError(
                name, number, f"expected 'key: [values]' for a learner, found {text[:60]!r}"
            )
        if "stu_id" not in learner:
            raise DataFormatError(name, number, f"{match.group(2)} before any stu_id")
        learner[match.group(2)] = (number, match.group(3))
    _ktbench_flush(builder, name, learner, problem_skills)
    return builder.build()


def _ktbench_flush(
    builder: AnswerLogBuilder,
    name: str,
    learner: dict[str, tuple[int, str]],
    problem_skills: list[list[str]] | None,
) -> None:
    if not learner:
        return
    stu_line, stu = learner["stu_id"]
    missing = [field for field in ("exer_id", "label") if field not in learner]
    if missing:
        raise DataFormatError(name, stu_line, f"learner {stu} has no {', '.join(missing)}")
    if problem_skills is None:
        raise DataFormatError(name, stu_line, "learner data before the problem2KCs header")
    values = {}
    length = None
    for field in ("exer_id", "label", "start_timestamp"):
        if field not in learner:
            continue
        line, body = learner[field]
        values[field] = _int_list(body, name, line, field) if body.strip() else []
        if length is None:
            length = len(values[field])
        elif len(values[field]) != length:
            raise DataFormatError(name, line, f"{field}: {len(values[field])} values, exer_id has {length}")
    line = learner["label"][0]
    if any(label not in (0, 1) for label in values["label"]):
        raise DataFormatError(name, line, "label: expected only 0 and 1")
    times = values.get("start_timestamp")
    for k, (item, label) in enumerate(zip(values["exer_id"], values["label"], strict=True)):
        if not 0 <= item < len(problem_skills) or not problem_skills[item]:
            raise DataFormatError(name, learner["exer_id"][0], f"exer_id {item} has no skills in problem2KCs")
        builder.add(
            stu, str(item), problem_skills[item], label == 1, float(times[k]) if times else float("nan")
        )


EVENTS_HEADER = ("learner", "item", "skills", "correct", "time")


def read_events_csv(name: str, lines: Iterable[str]) -> AnswerLog:
    """Read learnpath's events CSV: ``learner,item,skills,correct,time``; skills joined by ``;``,
    ``correct`` 0/1 (or true/false), ``time`` ISO 8601 with an offset, converted to UTC, or empty."""
    reader = csv.reader(lines)
    try:
        header = tuple(cell.strip().lstrip("\ufeff") for cell in next(reader))
    except StopIteration:
        raise DataFormatError(name, 1, "empty file, expected the header " + ",".join(EVENTS_HEADER)) from None
    if header != EVENTS_HEADER:
        raise DataFormatError(
            name, 1, f"expected the header {','.join(EVENTS_HEADER)}, found {','.join(header)}"
        )
    builder = AnswerLogBuilder()
    for row in reader:
        number = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(EVENTS_HEADER):
            raise DataFormatError(name, number, f"{len(row)} fields, expected {len(EVENTS_HEADER)}")
        learner, item, skills_text, correct_text, time_text = (cell.strip() for cell in row)
        if not learner or not item:
            raise DataFormatError(name, number, "learner and item must not be empty")
        skills = [skill.strip() for skill in skills_text.split(";") if skill.strip()]
        if not skills:
            raise DataFormatError(name, number, "skills: at least one skill is needed")
        flag = correct_text.lower()
        if flag not in ("0", "1", "true", "false"):
            raise DataFormatError(
                name, number, f"correct: expected 0, 1, true or false, found {correct_text!r}"
            )
        seconds = float("nan")
        if time_text:
            try:
                moment = datetime.fromisoformat(time_text)
                seconds = require_utc(moment).timestamp()
            except ValueError as error:
                raise DataFormatError(name, number, f"time: {error}") from None
        builder.add(learner, item, skills, flag in ("1", "true"), seconds)
    return builder.build()


def write_events_csv(log: AnswerLog) -> Iterator[str]:
    """Lines of the events CSV for ``log`` (the inverse of ``read_events_csv``)."""
    yield ",".join(EVENTS_HEADER) + "\r\n"
    for k in range(len(log)):
        answer = log.answer(k)
        moment = "" if answer.time is None else answer.time.isoformat()
        fields = [
            answer.learner,
            answer.item,
            ";".join(answer.skills),
            "1" if answer.correct else "0",
            moment,
        ]
        yield ",".join(_csv_field(field) for field in fields) + "\r\n"


def _csv_field(text: str) -> str:
    if any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
