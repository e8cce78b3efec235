"""Reading a OneRoster 1.1 or 1.2 roster saved from the REST API: a folder of the JSON collections a
school's information system answers (``orgs.json``, ``academicSessions.json``, ``courses.json``,
``classes.json``, ``users.json``, ``enrollments.json``; each may be gzipped), instead of the CSV files.

Each record becomes the CSV row the specification's CSV binding gives it (a reference such as
``"school": {"sourcedId": …}`` is ``schoolSourcedId``, a list of references is a comma-separated list, a
1.2 user's ``roles`` are rows of ``roles.csv``), and the rows go through the same checks as a CSV roster
(``oneroster_csv``), so both say the same problems in the same words; here a problem names the record's
number in the file's list. Every collection given is complete (a REST answer is the whole collection), so
it is read as a bulk file. Pure: no database. Read, checked and never kept: as for CSV; ``demographics``
is never read.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from learnpath.web.accounts.oneroster_csv import (
    FILES,
    MAX_FILE_BYTES,
    NOT_READ,
    Problem,
    Roster,
    RosterUnreadable,
    roster_from_texts,
)

# A reference field of the REST binding → its column in the CSV binding.
REFERENCES = {
    "parent": "parentSourcedId",
    "org": "orgSourcedId",
    "schoolYear": "schoolYearSourcedId",
    "course": "courseSourcedId",
    "school": "schoolSourcedId",
    "class": "classSourcedId",
    "user": "userSourcedId",
    "primaryOrg": "primaryOrgSourcedId",
}
LISTS = {"orgs": "orgSourcedIds", "terms": "termSourcedIds", "agents": "agentSourcedIds"}
FLAGS = ("enabledUser", "primary")  # booleans in JSON, TRUE/FALSE in CSV
COMMON = ("sourcedId", "status", "dateLastModified")
# The columns the CSV reading uses, per file; every other field (metadata, grades, userIds, sms…) is not
# read, as in a CSV roster.
READ = {
    "orgs": (*COMMON, "name", "type", "identifier"),
    "academicSessions": (*COMMON, "title", "type", "startDate", "endDate"),
    "courses": (*COMMON, "title"),
    "classes": (*COMMON, "title", "classCode", "schoolSourcedId", "courseSourcedId", "termSourcedIds"),
    "users": (
        *COMMON, "enabledUser", "username", "identifier", "givenName", "familyName", "email", "role",
        "orgSourcedIds", "primaryOrgSourcedId", "password",
    ),
    "enrollments": (*COMMON, "classSourcedId", "userSourcedId", "role", "beginDate", "endDate"),
}  # fmt: skip


def is_json_roster(source: Path) -> bool:
    """True when the folder holds OneRoster collections as JSON."""
    return any(_stem(path) in FILES or _stem(path) in NOT_READ for path in _json_files(source))


def _json_files(source: Path) -> list[Path]:
    return sorted([*source.glob("*.json"), *source.glob("*.json.gz")])


def _stem(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".json")


def _load(path: Path) -> Any:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise RosterUnreadable(f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MB")
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        with gzip.open(io.BytesIO(raw)) as unzipped:
            raw = unzipped.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise RosterUnreadable(f"{path.name} unpacks to more than {MAX_FILE_BYTES // 2**20} MB")
    return json.loads(raw.decode("utf-8-sig"))


def roster_read_json(source: Path) -> Roster:
    """The roster of a folder of OneRoster REST JSON collections, with every problem by file and record."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    roles: list[dict[str, str]] = []
    version = "1.1"
    for path in _json_files(source):
        name = _stem(path)
        if name in NOT_READ:
            problems.append(Problem(name, 0, f"not read: {NOT_READ[name]}", "ignored", "json"))
            continue
        if name not in FILES or name in ("manifest", "roles"):
            problems.append(Problem(name, 0, "not a OneRoster collection; not read", "ignored", "json"))
            continue
        try:
            data = _load(path)
        except (ValueError, OSError, EOFError) as error:
            problems.append(
                Problem(name, 0, f"not readable JSON ({error}); no record of it was read", suffix="json")
            )
            continue
        records = data.get(name) if isinstance(data, dict) else data
        if not isinstance(records, list):
            problems.append(
                Problem(
                    name,
                    0,
                    f"not a OneRoster collection: expected {{{name!r}: [...]}} or a list",
                    suffix="json",
                )
            )
            continue
        rows = []
        for number, record in enumerate(records, start=1):
            row = _row(name, number, record, problems)
            if row is None:
                rows.append({"sourcedId": "", "status": "", "_skip": "yes"})  # keeps record numbers in step
                continue
            if name == "users" and isinstance(record.get("roles"), list):
                version = "1.2"
                roles.extend(_roles(number, record, problems))
            rows.append(row)
        texts[name] = _csv(name, rows)
    if roles:
        texts["roles"] = _csv("roles", roles)
    modes = {name: ("bulk" if name in texts else "absent") for name in FILES if name != "manifest"}
    manifest = [["propertyName", "value"], ["oneroster.version", version]]
    manifest += [[f"file.{name}", mode] for name, mode in modes.items()]
    texts["manifest"] = _csv_text(manifest)
    roster = roster_from_texts(texts)
    roster.problems = problems + [_as_json(p) for p in roster.problems]
    roster.suffix = "json"
    # Each row's line was its CSV line; a JSON record's number is one less (no header).
    for table in (roster.orgs, roster.classes, roster.users, roster.enrollments):
        for key, row in table.items():
            table[key] = replace(row, line=row.line - 1)  # type: ignore[assignment]
    return roster


def _as_json(problem: Problem) -> Problem:
    """A problem the CSV checks found, said of the JSON file: its record number, not its CSV line."""
    message = problem.message.replace("the header lacks the column(s)", "no record has the field(s)")
    for name in FILES:
        message = message.replace(f"{name}.csv", f"{name}.json")
    line = problem.line - 1 if problem.line > 1 else 0
    return Problem(problem.file, line, message, problem.severity, "json")


def _row(name: str, number: int, record: Any, problems: list[Problem]) -> dict[str, str] | None:
    """The CSV row of one record, or None (with its problem) when a field has the wrong type."""
    if not isinstance(record, dict):
        problems.append(Problem(name, number, "the record is not a JSON object", suffix="json"))
        return None
    row: dict[str, str] = {}
    for key, value in record.items():
        column = REFERENCES.get(key) or LISTS.get(key) or key
        if column not in READ[name]:
            continue
        if key in REFERENCES:
            if value is None:
                continue
            if not isinstance(value, dict) or not isinstance(value.get("sourcedId"), str):
                problems.append(
                    Problem(name, number, f"{key} is not a reference with a sourcedId", suffix="json")
                )
                return None
            row[column] = value["sourcedId"]
        elif key in LISTS:
            if not isinstance(value, list) or not all(
                isinstance(v, dict) and isinstance(v.get("sourcedId"), str) for v in value
            ):
                problems.append(
                    Problem(name, number, f"{key} is not a list of references with sourcedIds", suffix="json")
                )
                return None
            row[column] = ",".join(v["sourcedId"] for v in value)
        elif key in FLAGS and isinstance(value, bool):
            row[column] = "true" if value else "false"
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            row[column] = ",".join(value)
        elif isinstance(value, str):
            row[column] = value
        elif value is None:
            row[column] = ""
        else:
            problems.append(
                Problem(
                    name,
                    number,
                    f"{key} is {json.dumps(value)}, not text; the record is not used",
                    suffix="json",
                )
            )
            return None
    return row


def _roles(number: int, user: dict[str, Any], problems: list[Problem]) -> list[dict[str, str]]:
    """A 1.2 user's ``roles`` as rows of roles.csv."""
    rows = []
    for index, role in enumerate(user["roles"], start=1):
        org = role.get("org") if isinstance(role, dict) else None
        if not isinstance(org, dict) or not all(isinstance(role.get(k), str) for k in ("roleType", "role")):
            problems.append(
                Problem(
                    "users",
                    number,
                    f"role {index} lacks roleType, role or org; it is not read",
                    "warning",
                    "json",
                )
            )
            continue
        rows.append(
            {
                "sourcedId": f"{user.get('sourcedId', '')}#role{index}",
                "userSourcedId": str(user.get("sourcedId", "")),
                "roleType": role["roleType"],
                "role": role["role"],
                "orgSourcedId": str(org.get("sourcedId", "")),
            }
        )
    return rows


def _csv(name: str, rows: list[dict[str, str]]) -> str:
    """Rows as CSV text, with every column any row has; a record left out is an empty line."""
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns and c != "_skip"]
    for required in ("sourcedId",):
        if required not in columns:
            columns.insert(0, required)
    lines = [columns]
    for row in rows:
        lines.append(["" if row.get("_skip") else row.get(c, "") for c in columns])
    return _csv_text(lines)


def _csv_text(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    return buffer.getvalue()
