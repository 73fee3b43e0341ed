"""`python -m gpu_platform.dev docs | golden | schema | wheel-test`: maintainer commands, run from a checkout.

They read or regenerate committed files (docs/configuration.md, tests/stacks/golden_urns.json,
components/_schema.py) or build the release, so the installed `gpu-platform` command does not offer them. Makefile
targets: `make docs`, `make golden`, `make schema-args`, `make wheel-test`. Same exit codes as the user CLI.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Sequence

from rich.markup import escape

from ..cli._console import EXIT_FAIL, EXIT_OK, InvalidInput, err, error, out
from ..cli._dispatch import Command, build_parser as _build_parser, run


def _root() -> Path:
    from ..config import find_project_root

    return find_project_root() or Path.cwd()


def docs_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true", help="exit 1 when the file is out of date instead of writing")


def docs(args: argparse.Namespace) -> int:
    from ..docs import CONFIG_DOC, configuration_markdown

    path = _root() / CONFIG_DOC
    text = configuration_markdown()
    if args.check:
        if not path.is_file() or path.read_text() != text:
            error(f"{path} is out of date; run `python -m gpu_platform.dev docs`")
            return EXIT_FAIL
        out.print(f"[green]✓[/] {path} is up to date")
        return EXIT_OK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    out.print(f"wrote {path}")
    return EXIT_OK


def golden_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--update", action="store_true", help="rewrite the record from the current plans")
    p.add_argument("--stack", action="append", default=[], help="only this stack (repeatable)")


def golden(args: argparse.Namespace) -> int:
    from .. import golden as record
    from ..spec import SpecError

    root = _root()
    try:
        now = record.current(root, args.stack or None)
    except SpecError as exc:
        raise InvalidInput(exc.render()) from exc
    if args.update:
        merged = record.load(root) if args.stack else {}
        merged.update(now)
        path = record.write(root, merged)
        counts = ", ".join(f"{s}: {len(e['urns'])}" for s, e in sorted(now.items()))
        out.print(f"wrote {path} ({counts} stateful URNs)")
        return EXIT_OK
    problems = record.problems(record.load(root), now)
    for p in problems:
        out.print(f"[red]✗[/] {escape(p)}")
    if problems:
        return EXIT_FAIL
    out.print(f"[green]✓[/] stateful URNs match the golden record ({', '.join(sorted(now))})")
    return EXIT_OK


def schema_arguments(p: argparse.ArgumentParser) -> None:
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write-args", action="store_true", help="regenerate components/_schema.py from the specs")
    mode.add_argument("--check-args", action="store_true", help="exit 1 when components/_schema.py is stale")


def schema(args: argparse.Namespace) -> int:
    from .. import schema as package

    path = package.ARGS_MODULE
    if args.check_args:
        if not path.is_file() or path.read_text() != package.args_module_source():
            error(f"{path} is stale; run `python -m gpu_platform.dev schema --write-args`")
            return EXIT_FAIL
        out.print(f"[green]✓[/] {path} is up to date")
        return EXIT_OK
    changed = package.write_args_module()
    err.print(f"{'wrote' if changed else 'unchanged:'} {path}")
    return EXIT_OK


def wheel_test_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (wheel, venv, plan)")


def wheel_test(args: argparse.Namespace) -> int:
    from ._wheel import wheel_test as check

    return check(_root(), keep=args.keep)


COMMANDS: tuple[Command, ...] = (
    Command("docs", "regenerate docs/configuration.md from the pydantic models", docs_arguments, docs),
    Command("golden", "compare stateful URNs with tests/stacks/golden_urns.json", golden_arguments, golden),
    Command("schema", "regenerate or check components/_schema.py (the typed args of the package schema)",
            schema_arguments, schema),
    Command("wheel-test", "build the wheel, install it in a fresh venv, plan a stack outside the repository",
            wheel_test_arguments, wheel_test),
)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    return _build_parser("python -m gpu_platform.dev", __doc__.splitlines()[0], COMMANDS, __version__)


def main(argv: Optional[Sequence[str]] = None) -> int:
    return run(build_parser(), argv)
