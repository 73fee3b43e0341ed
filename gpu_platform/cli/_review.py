"""`check` and `diff`: reviewing a plan, against the production checklist or against the plan of the base branch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.markup import escape

from ._console import EXIT_FAIL, EXIT_OK, InvalidInput, err, out
from ._plan import STACK_HELP
from ._stack import plan_stack


def check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", help=STACK_HELP)
    p.add_argument("--plan", help="check a plan directory written by `plan --out` instead of planning")
    p.add_argument("--rule", action="append", default=[], help="check only this rule id (repeatable)")
    p.add_argument("--list", action="store_true", help="list the rules and exit")


def _plan_to_check(args: argparse.Namespace):
    """``(label, plan)`` from exactly one of --plan DIR (read) or --stack (planned now)."""
    if bool(args.stack) == bool(args.plan):
        raise InvalidInput("give exactly one of --stack NAME|PATH or --plan DIR")
    if args.plan:
        from ..plan.diff import read_plan

        try:
            return str(args.plan), read_plan(Path(args.plan))
        except (FileNotFoundError, ValueError) as exc:
            raise InvalidInput(str(exc)) from exc
    _cfg, plan = plan_stack(args.stack)
    return f"stack {plan.stack}", plan


def check(args: argparse.Namespace) -> int:
    from ..policy import RULES, run_checks

    if args.list:
        for r in RULES:
            out.print(f"[bold]{r.id}[/]{' (offline only)' if r.offline_only else ''}: {escape(r.description)}")
        return EXIT_OK
    label, plan = _plan_to_check(args)
    try:
        violations = run_checks(plan, only=args.rule or None)
    except KeyError as exc:  # an unknown --rule
        raise InvalidInput(str(exc.args[0])) from exc
    checked = len(args.rule) if args.rule else len(RULES)
    if not violations:
        out.print(f"[green]✓[/] {escape(label)}: {len(plan.resources)} resources pass {checked} rules")
        return EXIT_OK
    for v in violations:
        out.print(f"[red]✗[/] [bold]{v.rule}[/] {escape(v.resource)}: {escape(v.message)}")
    rules = len({v.rule for v in violations})
    err.print(f"{escape(label)}: {len(violations)} violation(s) of {rules} rule(s)")
    return EXIT_FAIL


def diff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", help="plan directory of the base (e.g. main)")
    p.add_argument("new", help="plan directory of the change")
    p.add_argument("--title", default="Plan diff", help="heading of the comment")
    p.add_argument("--output", "-o", help="write the Markdown here instead of stdout")
    p.add_argument("--exit-code", action="store_true", help="exit 1 when the plans differ")


def diff(args: argparse.Namespace) -> int:
    from ..plan.diff import diff_dirs, render_markdown

    for d in (args.old, args.new):
        if not (Path(d) / "plan.json").is_file():
            raise InvalidInput(f"{d}: no plan.json (write one with `plan --stack NAME --out {d}`)")
    d = diff_dirs(Path(args.old), Path(args.new))
    text = render_markdown(d, title=args.title)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return EXIT_FAIL if (args.exit_code and not d.empty) else EXIT_OK
