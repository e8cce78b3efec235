"""``learnpath standards``: import a CASE framework package as the standards a course aligns to."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from learnpath.cli.runtime import OperatorProblem, add_data_dir_option, start_django


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "standards",
        help="import a CASE framework package (JSON) as the standards a course aligns to",
        description="Read a CASE 1.0 framework package (the CFPackage JSON that OpenSALT and education "
        "agencies publish), store it, and align a course to it: teachers then see each skill's standard "
        "codes and statements, and the class's mastery by standard. Says which of the course's standard "
        "codes the framework does not have. Importing the same framework again updates it in place.",
    )
    parser.add_argument("package", type=Path, help="the CASE package, a .json file")
    parser.add_argument("--course", required=True, help="the id of the course that aligns to it")
    parser.add_argument("--dry-run", action="store_true", help="read and check only; change nothing")
    add_data_dir_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from learnpath.content.importers.case import CasePackageError, case_package_read

    try:
        framework, warnings = case_package_read(args.package)
    except CasePackageError as error:
        print(f"{args.package}: not imported:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"{framework.title} ({framework.creator or 'no creator'}, {framework.version or 'no version'}): "
        f"{len(framework.items)} items"
    )
    for warning in warnings:
        print(f"  warning: {warning}")
    if args.dry_run:
        return 0
    start_django(args)
    from learnpath.web.curriculum import api as curriculum_api

    if curriculum_api.course_info(course_id=args.course) is None:
        known = ", ".join(curriculum_api.course_ids()) or "none yet"
        raise OperatorProblem(f"there is no course {args.course!r} (there are: {known})")
    result = curriculum_api.framework_import(framework=framework, warnings=warnings, course_id=args.course)
    print(
        f"{'Imported' if result.created else 'Updated'} {result.title}; {args.course} aligns to it: "
        f"{result.matched} of its skills' standards found"
        + (f", {len(result.unmatched)} not in this framework:" if result.unmatched else ".")
    )
    for skill, code in result.unmatched:
        print(f"  {skill}: {code}")
    return 0
