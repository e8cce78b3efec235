"""``learnpath import``: import a content pack, or convert and import the OATutor content pool."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from learnpath.cli.runtime import OperatorProblem, add_data_dir_option, start_django

USAGE = (
    "learnpath import PACK_DIR | learnpath import oatutor SOURCE [--skip-list FILE] | "
    "learnpath import qti SOURCE [--skip-list FILE]"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import a content pack, the OATutor content pool, or QTI 3.0 items",
        usage=USAGE,
        description="Validate and import a learnpath content pack folder (all or nothing; importing the "
        "same version again changes nothing; a new version keeps every learner's history). "
        "'learnpath import oatutor SOURCE' converts the OATutor content pool (a folder or its .tar.gz) "
        "into learnpath courses and imports them, writing the list of skipped problems with reasons. "
        "'learnpath import qti SOURCE' converts QTI 3.0 items (a content package folder or .zip, a folder "
        "of item files, or one item file) into one course and imports it, writing the list of skipped "
        "items with reasons.",
    )
    parser.add_argument("source", nargs="+", metavar="PACK_DIR | oatutor SOURCE | qti SOURCE")
    parser.add_argument(
        "--skip-list",
        type=Path,
        default=None,
        help="OATutor and QTI: where to write the skipped problems or items and their reasons "
        "(default: oatutor-skipped.csv or qti-skipped.csv in the data folder)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="validate (and convert) only; change nothing in the database"
    )
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sources: list[str] = args.source
    if len(sources) == 2 and sources[0] == "oatutor":
        return _import_oatutor(args, Path(sources[1]))
    if len(sources) == 2 and sources[0] == "qti":
        return _import_qti(args, Path(sources[1]))
    if len(sources) != 1:
        print(f"usage: {USAGE}", file=sys.stderr)
        return 2
    return _import_pack(args, Path(sources[0]))


def _import_pack(args: argparse.Namespace, path: Path) -> int:
    from learnpath.content.pack import PackValidationError, load_pack

    if not path.is_dir():
        print(f"error: {path} is not a folder; a content pack is a folder with course.yaml", file=sys.stderr)
        return 2
    try:
        pack = load_pack(path)
    except PackValidationError as error:
        print(f"{path}: {len(error.problems)} problem(s); nothing was imported:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"{pack.meta.id} {pack.meta.version}: valid ({len(pack.skills)} skills, {len(pack.items)} items, "
        f"{len(pack.resources)} resources, {len(pack.projects)} projects)"
    )
    if args.dry_run:
        return 0
    start_django(args)
    from learnpath.web.curriculum.api import course_import

    result = course_import(pack=pack)
    print(_describe(result))
    return 0


def _import_oatutor(args: argparse.Namespace, source: Path) -> int:
    from learnpath.content.importers.oatutor import OatutorSourceError, convert_oatutor, write_skip_list

    if not source.exists():
        print(
            f"error: {source} does not exist; give the OATutor content folder or its .tar.gz",
            file=sys.stderr,
        )
        return 2
    if not args.dry_run:
        start_django(args)  # a missing key or database is said now, not after a minute of converting
    skip_list: Path = args.skip_list or _data_dir(args) / "oatutor-skipped.csv"
    if not skip_list.parent.is_dir():
        raise OperatorProblem(f"cannot write the skip list: {skip_list.parent} is not a folder.")
    try:
        conversion = convert_oatutor(source)
    except OatutorSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write_skip_list(conversion, skip_list)
    print(f"Converted {len(conversion.packs)} course(s); skip list written to {skip_list}")
    if not args.dry_run:
        from learnpath.web.curriculum.api import course_import

        for pack in conversion.packs:
            print(_describe(course_import(pack=pack)))
    print(f"{conversion.imported_problems} problems imported, {len(conversion.skipped)} skipped")
    return 0


def _import_qti(args: argparse.Namespace, source: Path) -> int:
    from learnpath.content.importers.qti3 import QtiSourceError, convert_qti3, write_skip_list

    if not source.exists():
        print(
            f"error: {source} does not exist; give a QTI 3.0 package (folder or .zip) or an item file",
            file=sys.stderr,
        )
        return 2
    if not args.dry_run:
        start_django(args)
    skip_list: Path = args.skip_list or _data_dir(args) / "qti-skipped.csv"
    if not skip_list.parent.is_dir():
        raise OperatorProblem(f"cannot write the skip list: {skip_list.parent} is not a folder.")
    try:
        conversion = convert_qti3(source)
    except QtiSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write_skip_list(conversion, skip_list)
    counts = ", ".join(f"{reason} {count}" for reason, count in sorted(conversion.skip_counts().items()))
    print(f"Skip list written to {skip_list}" + (f" (skipped: {counts})" if counts else ""))
    if conversion.pack is not None and not args.dry_run:
        from learnpath.web.curriculum.api import course_import

        print(_describe(course_import(pack=conversion.pack)))
    print(f"{conversion.imported_items} items imported, {len(conversion.skipped)} skipped")
    return 0 if conversion.pack is not None else 1


def _data_dir(args: argparse.Namespace) -> Path:
    """The data folder (made if missing, as the database would make it)."""
    folder = Path(args.data_dir or os.environ.get("LEARNPATH_DATA_DIR") or "data").resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OperatorProblem(f"cannot use the data folder {folder} ({error.strerror}).") from None
    return folder


def _describe(result: Any) -> str:
    if not result.changed:
        return f"{result.course_id} {result.version}: already imported, nothing changed"
    verb = "imported" if result.created else "updated to"
    return f"{result.course_id}: {verb} version {result.version}"
