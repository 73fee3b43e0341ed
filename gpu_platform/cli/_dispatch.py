"""From a command table to a parser and an exit status; shared by the user CLI and the maintainers' one.

The promise of both: 0 success, 1 failure, 2 invalid input (configuration or arguments), 3 when verify has no
control plane; no traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from ._console import EXIT_FAIL, EXIT_INVALID, EXIT_OK, InvalidInput, err, error


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def build_parser(prog: str, description: str, commands: Sequence[Command], version: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--version", action="version", version=f"{prog} {version}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in commands:
        p = sub.add_parser(command.name, help=command.help)
        command.arguments(p)
        p.set_defaults(func=command.run)
    return parser


def run(parser: argparse.ArgumentParser, argv: Optional[Sequence[str]]) -> int:
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage, --help or --version
        return EXIT_INVALID if exc.code else EXIT_OK
    try:
        return args.func(args)
    except InvalidInput as exc:
        error(str(exc))
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 — the CLI's promise: no traceback unless asked
        if args.debug:
            raise
        error(f"{type(exc).__name__}: {exc}")
        err.print("(run with --debug for a traceback)")
        return EXIT_FAIL
