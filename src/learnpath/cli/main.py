"""The ``learnpath`` command: one sub-command per module in this package.

Each command module exposes ``register(subparsers)``, which adds its parser and sets ``func`` to a
callable taking the parsed ``argparse.Namespace`` and returning an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules under learnpath.cli that provide a sub-command, in the order --help lists them.
COMMAND_MODULES = (
    "demo",
    "serve",
    "check",
    "importing",
    "roster",
    "lti",
    "identity_provider",
    "standards",
    "export",
    "eval_command",
    "rebuild_state",
    "fit",
    "worker",
    "simulate",
    "backup",
    "xapi",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="learnpath",
        description="learnpath: an open-source personalized learning platform.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"learnpath.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"learnpath.cli.{name}":
                continue  # a command still being written; the others keep working
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from learnpath.cli.runtime import OperatorProblem

    try:
        status: int = args.func(args)
    except OperatorProblem as problem:
        print(f"learnpath {args.command}: {problem}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
