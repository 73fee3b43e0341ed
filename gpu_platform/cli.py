"""`python -m gpu_platform validate | plan …`: the offline face of the platform.

Exit codes: 0 success, 2 invalid input (configuration or arguments; printed without a traceback),
1 anything else (also without a traceback unless --debug).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

EXIT_OK, EXIT_FAIL, EXIT_INVALID = 0, 1, 2

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _error(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")


def _invalid(message: str) -> int:
    _error(message)
    return EXIT_INVALID


def _print_problems(exc) -> int:
    return _invalid(exc.render())


def cmd_validate(args: argparse.Namespace) -> int:
    from .config import PROJECT, check_secrets, load_stack
    from .spec import SpecError

    try:
        cfg, resolved = load_stack(args.stack)
        spec = resolved.spec
        missing = check_secrets(cfg, spec)
    except SpecError as exc:
        return _print_problems(exc)
    out.print(f"[green]✓[/] {cfg.path}: valid ({spec.environment.value}, cluster {spec.cluster.name}, {spec.region})")
    for need in missing:
        out.print(f"[yellow]secret not set:[/] {PROJECT}:{need.key} ({need.field}); before `pulumi up` run "
                  f"`{need.command}`", markup=True)
    return EXIT_OK


def _summary_table(plan) -> Table:
    from .plan.output import summarize

    table = Table(title=f"Plan for stack {plan.stack}: {len(plan.resources)} resources", show_lines=False)
    table.add_column("component", overflow="fold")
    table.add_column("type", overflow="fold")
    table.add_column("count", justify="right")
    for component, counts in summarize(plan).items():
        first = True
        for typ, n in sorted(counts.items()):
            table.add_row(component if first else "", typ, str(n))
            first = False
    return table


def cmd_plan(args: argparse.Namespace) -> int:
    import pulumi

    from .plan.output import write_plan
    from .plan.engine import DuplicateResourceError
    from .plan.runner import run_stack
    from .spec import SpecError

    try:
        cfg, plan = run_stack(args.stack)
    except SpecError as exc:
        return _print_problems(exc)
    except (pulumi.RunError, pulumi.InputPropertiesError, DuplicateResourceError) as exc:
        return _invalid(str(exc))
    out.print(_summary_table(plan))
    for line in _plan_notes(plan):
        out.print(line)
    for w in plan.warnings:
        out.print(f"[yellow]warning:[/] {w}")
    if args.out:
        write_plan(plan, Path(args.out))
        out.print(f"wrote {args.out}/plan.json, manifests/ and helm/")
    return EXIT_OK


# Extra summary lines contributed by later stages (cost, sizing); each takes a Plan and yields strings.
PLAN_NOTES: list[Callable] = []


def _plan_notes(plan):
    for fn in PLAN_NOTES:
        yield from fn(plan)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gpu-platform", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="validate a stack's configuration (no resources)")
    p.add_argument("--stack", required=True, help="stack NAME (stacks/Pulumi.NAME.yaml) or PATH to a YAML file")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="run the program offline under the mock engine and summarise the plan")
    p.add_argument("--stack", required=True, help="stack NAME (stacks/Pulumi.NAME.yaml) or PATH to a YAML file")
    p.add_argument("--out", help="write plan.json, manifests/ and helm/ to this directory")
    p.set_defaults(func=cmd_plan)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


# Later stages (diff, check, schema) register their sub-commands here.
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Optional[Sequence[str]] = None) -> int:
    from . import _commands  # noqa: F401  (registers the extra sub-commands)

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage
        return EXIT_INVALID if exc.code else EXIT_OK
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 — the CLI's promise: no traceback unless asked
        if args.debug:
            raise
        _error(f"{type(exc).__name__}: {exc}")
        err.print("(run with --debug for a traceback)")
        return EXIT_FAIL
