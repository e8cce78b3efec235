"""Reading a class list from CSV: every problem becomes a message a teacher can act on.

Pure: takes the uploaded bytes, returns rows and errors; nothing is written. The teacher sees the preview
and confirms; only then does ``services.class_roster_enrol`` change anything.

Columns: ``username`` (required) and ``display_name`` (optional); the header row is required and
matched without regard to case or spaces. Limits keep a mistaken upload (a spreadsheet, a photo, a whole
school's export) from tying up the server.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

MAX_BYTES = 256 * 1024
MAX_ROWS = 1000
REQUIRED_COLUMNS = ("username",)
KNOWN_COLUMNS = ("username", "display_name")
USERNAME = re.compile(r"^[A-Za-z0-9.@+_-]{2,150}$")
MAX_DISPLAY_NAME = 150
# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RosterRow:
    """One data row: its line number in the file, the values, and what is wrong with it (empty: fine)."""

    line: int
    username: str
    display_name: str
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Roster:
    """The parsed file: file-level errors (nothing can be read) and the rows."""

    errors: tuple[str, ...] = ()
    rows: tuple[RosterRow, ...] = field(default_factory=tuple)

    @property
    def valid_rows(self) -> tuple[RosterRow, ...]:
        return tuple(row for row in self.rows if row.ok)


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in text)


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def roster_parse(data: bytes) -> Roster:
    """Parse an uploaded class list. See the module docstring for the format and the limits."""
    if not data.strip():
        return Roster(
            errors=("The file is empty. Upload a CSV file with a header row: username,display_name.",)
        )
    if len(data) > MAX_BYTES:
        return Roster(
            errors=(
                f"The file is {len(data) // 1024} KB; the limit is {MAX_BYTES // 1024} KB "
                f"({MAX_ROWS} learners). Split it into smaller files.",
            )
        )
    if b"\x00" in data:
        return Roster(
            errors=("This is not a text file. Save the class list as CSV (UTF-8) and upload that.",)
        )
    text = _decode(data)
    if text is None:
        return Roster(
            errors=(
                "The file is not UTF-8 text. In your spreadsheet choose “Save as… CSV UTF-8”, "
                "then upload again.",
            )
        )
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        return Roster(errors=(f"The file is not valid CSV ({error}). Check for an unclosed quote.",))
    records = [record for record in records if any(cell.strip() for cell in record)]
    if not records:
        return Roster(errors=("The file has no rows. Add a header row: username,display_name.",))
    header = [cell.strip().lower().replace(" ", "_") for cell in records[0]]
    unknown = [name for name in header if name not in KNOWN_COLUMNS]
    if unknown:
        return Roster(
            errors=(
                f"Unknown column{'s' if len(unknown) > 1 else ''}: "
                f"{', '.join(repr(n[:40]) for n in unknown)}. "
                f"The columns are: {', '.join(KNOWN_COLUMNS)}.",
            )
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return Roster(errors=(f"The header row needs a {missing[0]!r} column (e.g. username,display_name).",))
    if len(set(header)) != len(header):
        return Roster(errors=("A column appears twice in the header row.",))
    if len(records) - 1 > MAX_ROWS:
        return Roster(errors=(f"The file has {len(records) - 1} rows; the limit is {MAX_ROWS}. Split it.",))
    index = {name: position for position, name in enumerate(header)}
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, record in enumerate(records[1:], start=2):
        rows.append(_row(line, record, index, len(header), seen))
    return Roster(rows=tuple(rows))


def _row(line: int, record: list[str], index: dict[str, int], width: int, seen: dict[str, int]) -> RosterRow:
    errors: list[str] = []
    if len(record) != width:
        errors.append(f"has {len(record)} values; the header has {width}")
    username = record[index["username"]].strip() if index["username"] < len(record) else ""
    display_name = ""
    if "display_name" in index and index["display_name"] < len(record):
        display_name = unicodedata.normalize("NFC", record[index["display_name"]].strip())
    if not username:
        errors.append("the username is empty")
    elif not USERNAME.match(username):
        errors.append("a username has 2 to 150 letters, digits or . @ + _ - (no spaces)")
    elif username.lower() in seen:
        errors.append(f"the same username as line {seen[username.lower()]}")
    else:
        seen[username.lower()] = line
    if len(display_name) > MAX_DISPLAY_NAME:
        errors.append(f"the display name is longer than {MAX_DISPLAY_NAME} characters")
    if _has_control_characters(display_name):
        errors.append("the display name holds invisible control characters")
    if display_name.startswith(FORMULA_STARTS):
        errors.append("the display name starts with = + - or @ (a spreadsheet would run it as a formula)")
    if "<" in display_name or ">" in display_name:
        errors.append("the display name holds < or >")
    return RosterRow(
        line=line, username=username[:150], display_name=display_name[:200], errors=tuple(errors)
    )
