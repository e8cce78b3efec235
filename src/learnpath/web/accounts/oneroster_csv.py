"""Reading a OneRoster 1.1 or 1.2 CSV roster (a folder or a .zip of its files) into plain rows, with every
problem of every row said by file and line. Pure: no database; ``accounts.rostering`` decides what the rows
change (docs/decisions/0085-oneroster-import.md).

Read: ``manifest.csv`` (version, and which files are bulk, delta or absent), ``orgs``, ``academicSessions``,
``courses``, ``classes``, ``users``, ``enrollments`` and, in 1.2, ``roles`` (a user's role at an org).
Read and checked but kept nowhere: academic sessions and courses (a class names them); never read:
``demographics`` (learnpath keeps no demographic data), ``userProfiles``, passwords, phone numbers, and the
gradebook and resource files. Columns the specification does not have are not read (``ext_`` and
``metadata.`` columns are a vendor's own; any other is said once, as a likely misspelling).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

FILES = ("manifest", "orgs", "academicSessions", "courses", "classes", "users", "enrollments", "roles")
NOT_READ = {
    "demographics": "learnpath keeps no demographic data",
    "userProfiles": "learnpath signs people in itself",
    "userprofiles": "learnpath signs people in itself",
    "categories": "gradebook files are not read",
    "lineItems": "gradebook files are not read",
    "results": "gradebook files are not read",
    "scoreScales": "gradebook files are not read",
    "lineItemLearningObjectiveIds": "gradebook files are not read",
    "resultLearningObjectiveIds": "gradebook files are not read",
    "lineItemScoreScales": "gradebook files are not read",
    "resultScoreScales": "gradebook files are not read",
    "resources": "resource files are not read",
    "classResources": "resource files are not read",
    "courseResources": "resource files are not read",
    "userResources": "resource files are not read",
}
MAX_FILE_BYTES = 200 * 1024 * 1024
"""A district's users.csv is tens of megabytes; anything past this is not a roster."""

REQUIRED = {
    "orgs": ("sourcedId", "name", "type"),
    "academicSessions": ("sourcedId", "title", "type", "startDate", "endDate"),
    "courses": ("sourcedId", "title"),
    "classes": ("sourcedId", "title", "schoolSourcedId"),
    "users": ("sourcedId", "enabledUser", "givenName", "familyName"),
    "enrollments": ("sourcedId", "classSourcedId", "userSourcedId", "role"),
    "roles": ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
}
KNOWN = {
    "orgs": {"sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"},
    "academicSessions": {
        "sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
        "parentSourcedId", "schoolYear",
    },
    "courses": {
        "sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "schoolYearId", "title",
        "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes",
    },
    "classes": {
        "sourcedId", "status", "dateLastModified", "title", "grades", "grade", "courseSourcedId", "classCode",
        "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods",
    },
    "users": {
        "sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username",
        "userIds", "userId", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
        "agentSourcedIds", "agents", "grades", "password", "userMasterIdentifier", "preferredGivenName",
        "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns",
    },
    "enrollments": {
        "sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId",
        "role", "primary", "beginDate", "endDate",
    },
    "roles": {
        "sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate",
        "endDate", "orgSourcedId", "userProfileSourcedId",
    },
}  # fmt: skip
STATUSES = {"active", "tobedeleted", "inactive"}
VERSIONS = ("1.1", "1.2")
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the roster. ``error``: the row cannot be used (the import stops until it is
    fixed); ``warning``: read as said; ``ignored``: left out on purpose."""

    file: str
    line: int  # 0: the file as a whole; in a JSON roster, the record's number in the file's list
    message: str
    severity: str = "error"
    suffix: str = "csv"

    def __str__(self) -> str:
        place = "record" if self.suffix == "json" else "line"
        where = f"{self.file}.{self.suffix}" + (f", {place} {self.line}" if self.line else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Org:
    sourced_id: str
    name: str
    type: str
    identifier: str
    active: bool
    line: int


@dataclass(frozen=True)
class RosterClass:
    sourced_id: str
    title: str
    class_code: str
    school: str
    course: str
    terms: tuple[str, ...]
    active: bool
    line: int


@dataclass(frozen=True)
class Person:
    sourced_id: str
    username: str
    given_name: str
    family_name: str
    email: str
    role: str  # student, teacher or another OneRoster role ("" when no role is given)
    orgs: tuple[str, ...]
    enabled: bool
    active: bool
    line: int

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


@dataclass(frozen=True)
class Enrollment:
    sourced_id: str
    klass: str
    user: str
    role: str
    active: bool
    line: int


@dataclass
class Roster:
    version: str = ""
    modes: dict[str, str] = field(default_factory=dict)  # file → bulk, delta or absent
    orgs: dict[str, Org] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # sourcedId → title
    courses: dict[str, str] = field(default_factory=dict)  # sourcedId → title
    classes: dict[str, RosterClass] = field(default_factory=dict)
    users: dict[str, Person] = field(default_factory=dict)
    enrollments: dict[str, Enrollment] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    suffix: str = "csv"  # "json": read from REST JSON collections; lines are record numbers

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def bulk(self, name: str) -> bool:
        return self.modes.get(name) == "bulk"


class RosterUnreadable(ValueError):
    """The source is not a OneRoster roster at all (no manifest, not a folder or zip, too large)."""


def _open_files(source: Path) -> dict[str, str]:
    """File stem → text, from a folder or a .zip (its top level or one folder down)."""
    texts: dict[str, str] = {}
    if source.is_dir():
        for path in sorted(source.glob("*.csv")):
            if path.stat().st_size > MAX_FILE_BYTES:
                raise RosterUnreadable(f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MB")
            texts[path.stem] = path.read_bytes().decode("utf-8-sig", errors="replace")
    elif source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                name = info.filename.rsplit("/", 1)[-1]
                if not name.endswith(".csv") or info.filename.count("/") > 1:
                    continue
                if info.file_size > MAX_FILE_BYTES:
                    raise RosterUnreadable(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB")
                texts[name[:-4]] = archive.read(info).decode("utf-8-sig", errors="replace")
    elif source.exists():
        raise RosterUnreadable(f"{source} is neither a folder nor a .zip file of OneRoster CSV files")
    else:
        raise RosterUnreadable(f"{source} does not exist")
    if "manifest" not in texts:
        raise RosterUnreadable(
            f"{source} has no manifest.csv: a OneRoster roster starts with one (export it again from the "
            "information system as OneRoster CSV)"
        )
    return texts


def _rows(name: str, text: str, roster: Roster) -> Iterable[tuple[int, dict[str, str]]]:
    """The rows of a file as ``(line, {column: value})``, after checking its header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        roster.problems.append(Problem(name, 0, "the file is empty: it needs at least its header line"))
        return
    header = [column.strip() for column in header]
    missing = [column for column in REQUIRED.get(name, ()) if column not in header]
    if missing:
        roster.problems.append(
            Problem(name, 1, f"the header lacks the column(s) {', '.join(missing)}; no row of it was read")
        )
        return
    unknown = [
        column
        for column in header
        if column and column not in KNOWN.get(name, set()) and not column.startswith(("ext_", "metadata."))
    ]
    if unknown:
        roster.problems.append(
            Problem(
                name,
                1,
                f"column(s) not in the OneRoster specification, not read: {', '.join(unknown)}",
                "warning",
            )
        )
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
            roster.problems.append(Problem(name, number, "more values than the header has columns"))
            continue
        yield (
            number,
            {column: (values[i].strip() if i < len(values) else "") for i, column in enumerate(header)},
        )


def _status(name: str, line: int, row: dict[str, str], roster: Roster) -> bool | None:
    """True for active (or blank in a bulk file), False for tobedeleted or inactive; None: unreadable."""
    status = row.get("status", "")
    if not status:
        if roster.modes.get(name) == "delta":
            roster.problems.append(Problem(name, line, "a delta file needs a status (active or tobedeleted)"))
            return None
        return True
    if status not in STATUSES:
        roster.problems.append(
            Problem(name, line, f"status {status!r} is not active or tobedeleted; the row is not used")
        )
        return None
    return status == "active"


def _check_date(name: str, line: int, column: str, value: str, roster: Roster) -> None:
    if not value:
        return
    try:
        if "T" in value or len(value) > 10:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            date.fromisoformat(value)
    except ValueError:
        roster.problems.append(
            Problem(name, line, f"{column} {value!r} is not an ISO 8601 date; it is not read", "warning")
        )


def _unique(name: str, line: int, sourced_id: str, seen: dict[str, object], roster: Roster) -> bool:
    if not sourced_id:
        roster.problems.append(Problem(name, line, "the row has no sourcedId"))
        return False
    if sourced_id in seen:
        roster.problems.append(Problem(name, line, f"sourcedId {sourced_id!r} appears twice in the file"))
        return False
    return True


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _manifest(text: str, roster: Roster) -> None:
    for line, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if line == 1 or len(row) < 2:
            continue
        key, value = row[0].strip(), row[1].strip()
        if key == "oneroster.version":
            roster.version = value
        elif key.startswith("file."):
            roster.modes[key[5:]] = value.lower() or "absent"
    if roster.version not in VERSIONS:
        roster.problems.append(
            Problem(
                "manifest",
                0,
                f"oneroster.version is {roster.version or 'missing'}; learnpath reads OneRoster 1.1 and 1.2",
            )
        )
    for name, mode in roster.modes.items():
        if mode not in ("bulk", "delta", "absent"):
            roster.problems.append(
                Problem("manifest", 0, f"file.{name} is {mode!r}, not bulk, delta or absent")
            )


def roster_read(source: Path) -> Roster:
    """Every row of the roster at ``source`` that can be used, and every problem found, by file and line.
    A folder of OneRoster REST JSON files (``users.json``…) is read too (``oneroster_json``). Raises
    ``RosterUnreadable`` only when ``source`` is not a roster at all."""
    if source.is_dir() and not (source / "manifest.csv").exists():
        from learnpath.web.accounts import oneroster_json

        if oneroster_json.is_json_roster(source):
            return oneroster_json.roster_read_json(source)
    return roster_from_texts(_open_files(source))


def roster_from_texts(texts: dict[str, str]) -> Roster:
    """The roster of these CSV texts (file stem → text, ``manifest`` included)."""
    roster = Roster()
    _manifest(texts["manifest"], roster)
    for name, mode in roster.modes.items():
        if mode != "absent" and name not in texts and name in FILES:
            roster.problems.append(
                Problem(name, 0, f"the manifest lists it as {mode}, but the file is missing")
            )
    for stem in sorted(texts):
        if stem in NOT_READ:
            rows = max(0, texts[stem].count("\n") - 1 + (0 if texts[stem].endswith("\n") else 1))
            roster.problems.append(Problem(stem, 0, f"not read ({rows} rows): {NOT_READ[stem]}", "ignored"))
        elif stem not in FILES:
            roster.problems.append(Problem(stem, 0, "not a OneRoster file; not read", "ignored"))
    _orgs(texts.get("orgs"), roster)
    _sessions(texts.get("academicSessions"), roster)
    _courses(texts.get("courses"), roster)
    _classes(texts.get("classes"), roster)
    _users(texts.get("users"), roster)
    _roles(texts.get("roles"), roster)
    _enrollments(texts.get("enrollments"), roster)
    return roster


def _orgs(text: str | None, roster: Roster) -> None:
    if text is None:
        return
    for line, row in _rows("orgs", text, roster):
        _check_date("orgs", line, "dateLastModified", row.get("dateLastModified", ""), roster)
        sourced_id = row["sourcedId"]
        active = _status("orgs", line, row, roster)
        if active is None or not _unique("orgs", line, sourced_id, roster.orgs, roster):  # type: ignore[arg-type]
            continue
        if not row["name"]:
            roster.problems.append(Problem("orgs", line, "the org has no name"))
            continue
        roster.orgs[sourced_id] = Org(
            sourced_id, row["name"], row["type"], row.get("identifier", ""), active, line
        )


def _sessions(text: str | None, roster: Roster) -> None:
    if text is None:
        return
    for line, row in _rows("academicSessions", text, roster):
        for column in ("dateLastModified", "startDate", "endDate"):
            _check_date("academicSessions", line, column, row.get(column, ""), roster)
        active = _status("academicSessions", line, row, roster)
        if active is None or not _unique("academicSessions", line, row["sourcedId"], roster.sessions, roster):  # type: ignore[arg-type]
            continue
        roster.sessions[row["sourcedId"]] = row["title"]


def _courses(text: str | None, roster: Roster) -> None:
    if text is None:
        return
    for line, row in _rows("courses", text, roster):
        _check_date("courses", line, "dateLastModified", row.get("dateLastModified", ""), roster)
        active = _status("courses", line, row, roster)
        if active is None or not _unique("courses", line, row["sourcedId"], roster.courses, roster):  # type: ignore[arg-type]
            continue
        roster.courses[row["sourcedId"]] = row["title"]


def _classes(text: str | None, roster: Roster) -> None:
    if text is None:
        return
    for line, row in _rows("classes", text, roster):
        _check_date("classes", line, "dateLastModified", row.get("dateLastModified", ""), roster)
        active = _status("classes", line, row, roster)
        sourced_id = row["sourcedId"]
        if active is None or not _unique("classes", line, sourced_id, roster.classes, roster):  # type: ignore[arg-type]
            continue
        if not row["title"]:
            roster.problems.append(Problem("classes", line, "the class has no title"))
            continue
        school = row["schoolSourcedId"]
        if roster.bulk("orgs") and school not in roster.orgs:
            roster.problems.append(Problem("classes", line, f"schoolSourcedId {school!r} is not in orgs.csv"))
            continue
        course = row.get("courseSourcedId", "")
        if course and roster.bulk("courses") and course not in roster.courses:
            roster.problems.append(
                Problem("classes", line, f"courseSourcedId {course!r} is not in courses.csv", "warning")
            )
        terms = _list(row.get("termSourcedIds", ""))
        unknown_terms = [t for t in terms if roster.bulk("academicSessions") and t not in roster.sessions]
        if unknown_terms:
            roster.problems.append(
                Problem(
                    "classes",
                    line,
                    f"termSourcedIds {', '.join(unknown_terms)} not in academicSessions.csv",
                    "warning",
                )
            )
        roster.classes[sourced_id] = RosterClass(
            sourced_id, row["title"], row.get("classCode", ""), school, course, terms, active, line
        )


def _users(text: str | None, roster: Roster) -> None:
    if text is None:
        return
    passwords = 0
    for line, row in _rows("users", text, roster):
        _check_date("users", line, "dateLastModified", row.get("dateLastModified", ""), roster)
        active = _status("users", line, row, roster)
        sourced_id = row["sourcedId"]
        if active is None or not _unique("users", line, sourced_id, roster.users, roster):  # type: ignore[arg-type]
            continue
        passwords += bool(row.get("password"))
        enabled_text = row["enabledUser"].lower()
        if enabled_text not in ("true", "false"):
            roster.problems.append(
                Problem("users", line, f"enabledUser {row['enabledUser']!r} is not TRUE or FALSE")
            )
            continue
        username = row.get("username", "") or row.get("identifier", "")
        if not username:
            roster.problems.append(
                Problem("users", line, "the user has neither a username nor an identifier")
            )
            continue
        if not USERNAME.match(username):
            roster.problems.append(
                Problem(
                    "users",
                    line,
                    f"username {username!r} has characters learnpath does not allow in one (letters, digits "
                    "and . @ + - _ only)",
                )
            )
            continue
        orgs = _list(row.get("orgSourcedIds", "")) or _list(row.get("primaryOrgSourcedId", ""))
        roster.users[sourced_id] = Person(
            sourced_id=sourced_id,
            username=username,
            given_name=row["givenName"],
            family_name=row["familyName"],
            email=row.get("email", ""),
            role=row.get("role", ""),
            orgs=orgs,
            enabled=enabled_text == "true",
            active=active,
            line=line,
        )
    if passwords:
        roster.problems.append(
            Problem(
                "users",
                0,
                f"{passwords} password(s) not read: a roster never sets passwords in learnpath (learners get "
                "theirs from their teacher's class sheet; staff set theirs by e-mail)",
                "ignored",
            )
        )


def _roles(text: str | None, roster: Roster) -> None:
    """OneRoster 1.2 keeps a user's role in roles.csv: the primary role at an org sets the user's role and
    adds that org to theirs."""
    if text is None:
        return
    for line, row in _rows("roles", text, roster):
        active = _status("roles", line, row, roster)
        if active is None or not active or row["roleType"] != "primary":
            continue
        person = roster.users.get(row["userSourcedId"])
        if person is None:
            if roster.bulk("users"):
                roster.problems.append(
                    Problem("roles", line, f"userSourcedId {row['userSourcedId']!r} is not in users.csv")
                )
            continue
        orgs = person.orgs if row["orgSourcedId"] in person.orgs else (*person.orgs, row["orgSourcedId"])
        roster.users[person.sourced_id] = Person(**{**person.__dict__, "role": row["role"], "orgs": orgs})


def _enrollments(text: str | None, roster: Roster) -> None:
    if text is None:
        return
    for line, row in _rows("enrollments", text, roster):
        for column in ("dateLastModified", "beginDate", "endDate"):
            _check_date("enrollments", line, column, row.get(column, ""), roster)
        active = _status("enrollments", line, row, roster)
        sourced_id = row["sourcedId"]
        if active is None or not _unique("enrollments", line, sourced_id, roster.enrollments, roster):  # type: ignore[arg-type]
            continue
        klass, user = row["classSourcedId"], row["userSourcedId"]
        if roster.bulk("classes") and klass not in roster.classes:
            roster.problems.append(
                Problem(
                    "enrollments",
                    line,
                    f"classSourcedId {klass!r} is not among the usable rows of classes.csv",
                )
            )
            continue
        if roster.bulk("users") and user not in roster.users:
            roster.problems.append(
                Problem(
                    "enrollments", line, f"userSourcedId {user!r} is not among the usable rows of users.csv"
                )
            )
            continue
        roster.enrollments[sourced_id] = Enrollment(sourced_id, klass, user, row["role"], active, line)
