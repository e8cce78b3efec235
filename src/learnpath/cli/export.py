"""``learnpath export``: write a course back out as a content pack folder, or its items as QTI 3.0."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from learnpath.cli.runtime import OperatorProblem, add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a course as a content pack",
        description="Write the current version of COURSE as a content pack folder in DIR. A pack that was "
        "imported comes back out unchanged. 'learnpath export qti --course COURSE OUT.zip' writes the "
        "course's items as a QTI 3.0 content package instead, and lists the items it leaves out.",
    )
    parser.add_argument("course", help="the course id (as in its course.yaml)")
    parser.add_argument("directory", type=Path, help="an empty or new folder to write the pack into")
    parser.add_argument(
        "--course",
        dest="qti_course",
        default=None,
        metavar="COURSE",
        help="with 'qti' in place of the course: the course whose items to write as a QTI 3.0 .zip",
    )
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.qti_course is not None:
        if args.course != "qti":
            print("usage: learnpath export qti --course COURSE OUT.zip", file=sys.stderr)
            return 2
        return _export_qti(args, args.qti_course, args.directory)
    directory: Path = args.directory
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        print(f"error: {directory} exists and is not an empty folder; nothing was written", file=sys.stderr)
        return 2
    start_django(args)
    from learnpath.content.pack import dump_pack
    from learnpath.web.curriculum.api import CourseNotFound, course_pack

    try:
        pack = course_pack(course_id=args.course)
    except CourseNotFound:
        print(f"error: there is no course '{args.course}'", file=sys.stderr)
        return 1
    directory.mkdir(parents=True, exist_ok=True)
    dump_pack(pack, directory)
    print(f"{pack.meta.id} {pack.meta.version} written to {directory}")
    return 0


def _export_qti(args: argparse.Namespace, course_id: str, target: Path) -> int:
    if target.suffix.lower() != ".zip":
        print(f"error: {target} should be a .zip file name (a QTI content package)", file=sys.stderr)
        return 2
    if target.exists():
        print(f"error: {target} exists; nothing was written", file=sys.stderr)
        return 2
    if not target.parent.is_dir():
        raise OperatorProblem(f"cannot write {target}: {target.parent} is not a folder.")
    start_django(args)
    from learnpath.content.importers.qti3_export import export_qti3
    from learnpath.web.curriculum.api import CourseNotFound, course_pack

    try:
        pack = course_pack(course_id=course_id)
    except CourseNotFound:
        print(f"error: there is no course '{course_id}'", file=sys.stderr)
        return 1
    result = export_qti3(pack)
    target.write_bytes(result.data)
    for item_id, reason in result.skipped:
        print(f"  left out {item_id}: {reason}")
    print(
        f"{pack.meta.id} {pack.meta.version}: {len(result.exported)} items written to {target} as QTI 3.0, "
        f"{len(result.skipped)} left out"
    )
    return 0
