"""``learnpath export``: write a course back out as a content pack folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from learnpath.cli.runtime import add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a course as a content pack",
        description="Write the current version of COURSE as a content pack folder in DIR. A pack that was "
        "imported comes back out unchanged.",
    )
    parser.add_argument("course", help="the course id (as in its course.yaml)")
    parser.add_argument("directory", type=Path, help="an empty or new folder to write the pack into")
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
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
