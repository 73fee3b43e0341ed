"""Delivery sub-commands: `check`, `diff`, `schema`, `docs`, `golden` (imports stay inside handlers: fast start)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import cli


def _root() -> Path:
    from .config import find_project_root

    return find_project_root() or Path.cwd()


# ------------------------------------------------------------------------------------------------ check
def cmd_check(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from .policy import RULES, run_checks

    if args.list:
        for r in RULES:
            cli.out.print(f"[bold]{r.id}[/]{' (offline only)' if r.offline_only else ''}: {escape(r.description)}")
        return cli.EXIT_OK
    if bool(args.stack) == bool(args.plan):
        return cli._invalid("give exactly one of --stack NAME|PATH or --plan DIR")
    if args.plan:
        from .plan.diff import read_plan

        try:
            plan = read_plan(Path(args.plan))
        except (FileNotFoundError, ValueError) as exc:
            return cli._invalid(str(exc))
        label = str(args.plan)
    else:
        import pulumi

        from .plan.engine import DuplicateResourceError
        from .plan.runner import run_stack
        from .spec import SpecError

        try:
            _cfg, plan = run_stack(args.stack)
        except SpecError as exc:
            return cli._print_problems(exc)
        except (pulumi.RunError, pulumi.InputPropertiesError, DuplicateResourceError) as exc:
            return cli._invalid(str(exc))
        label = f"stack {plan.stack}"
    try:
        violations = run_checks(plan, only=args.rule or None)
    except KeyError as exc:
        return cli._invalid(str(exc.args[0]))
    checked = len(args.rule) if args.rule else len(RULES)
    if not violations:
        cli.out.print(f"[green]✓[/] {escape(label)}: {len(plan.resources)} resources pass {checked} rules")
        return cli.EXIT_OK
    for v in violations:
        cli.out.print(f"[red]✗[/] [bold]{v.rule}[/] {escape(v.resource)}: {escape(v.message)}")
    rules = len({v.rule for v in violations})
    cli.err.print(f"{escape(label)}: {len(violations)} violation(s) of {rules} rule(s)")
    return cli.EXIT_FAIL


# ------------------------------------------------------------------------------------------------ diff
def cmd_diff(args: argparse.Namespace) -> int:
    from .plan.diff import diff_dirs, render_markdown

    for d in (args.old, args.new):
        if not (Path(d) / "plan.json").is_file():
            return cli._invalid(f"{d}: no plan.json (write one with `plan --stack NAME --out {d}`)")
    d = diff_dirs(Path(args.old), Path(args.new))
    text = render_markdown(d, title=args.title)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return cli.EXIT_FAIL if (args.exit_code and not d.empty) else cli.EXIT_OK


# ------------------------------------------------------------------------------------------------ schema
def cmd_schema(args: argparse.Namespace) -> int:
    from . import schema

    if args.write_args or args.check_args:
        if args.check_args:
            stale = schema.ARGS_MODULE.read_text() != schema.args_module_source() if schema.ARGS_MODULE.is_file() else True
            if stale:
                cli._error(f"{schema.ARGS_MODULE} is stale; run `python -m gpu_platform schema --write-args`")
                return cli.EXIT_FAIL
            cli.out.print(f"[green]✓[/] {schema.ARGS_MODULE} is up to date")
            return cli.EXIT_OK
        changed = schema.write_args_module()
        cli.err.print(f"{'wrote' if changed else 'unchanged:'} {schema.ARGS_MODULE}")
        return cli.EXIT_OK
    text = schema.schema_json(args.version)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return cli.EXIT_OK


# ------------------------------------------------------------------------------------------------ docs
def cmd_docs(args: argparse.Namespace) -> int:
    from .docs import CONFIG_DOC, configuration_markdown

    path = _root() / CONFIG_DOC
    text = configuration_markdown()
    if args.check:
        if not path.is_file() or path.read_text() != text:
            cli._error(f"{path} is out of date; run `python -m gpu_platform docs`")
            return cli.EXIT_FAIL
        cli.out.print(f"[green]✓[/] {path} is up to date")
        return cli.EXIT_OK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    cli.out.print(f"wrote {path}")
    return cli.EXIT_OK


# ------------------------------------------------------------------------------------------------ golden
def cmd_golden(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from . import golden
    from .spec import SpecError

    root = _root()
    try:
        now = golden.current(root, args.stack or None)
    except SpecError as exc:
        return cli._print_problems(exc)
    if args.update:
        record = golden.load(root) if args.stack else {}
        record.update(now)
        path = golden.write(root, record)
        counts = ", ".join(f"{s}: {len(e['urns'])}" for s, e in sorted(now.items()))
        cli.out.print(f"wrote {path} ({counts} stateful URNs)")
        return cli.EXIT_OK
    problems = golden.problems(golden.load(root), now)
    for p in problems:
        cli.out.print(f"[red]✗[/] {escape(p)}")
    if problems:
        return cli.EXIT_FAIL
    cli.out.print(f"[green]✓[/] stateful URNs match the golden record ({', '.join(sorted(now))})")
    return cli.EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="run the production checklist (policy rules) over a stack's plan, offline")
    p.add_argument("--stack", help="stack NAME (stacks/Pulumi.NAME.yaml) or PATH to a YAML file")
    p.add_argument("--plan", help="check a plan directory written by `plan --out` instead of planning")
    p.add_argument("--rule", action="append", default=[], help="check only this rule id (repeatable)")
    p.add_argument("--list", action="store_true", help="list the rules and exit")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("diff", help="Markdown diff of two plan directories (for a pull-request comment)")
    p.add_argument("old", help="plan directory of the base (e.g. main)")
    p.add_argument("new", help="plan directory of the change")
    p.add_argument("--title", default="Plan diff", help="heading of the comment")
    p.add_argument("--output", "-o", help="write the Markdown here instead of stdout")
    p.add_argument("--exit-code", action="store_true", help="exit 1 when the plans differ")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("schema", help="print the multi-language package schema inferred from the components")
    p.add_argument("--version", help="package version in the schema (default: the library's)")
    p.add_argument("--output", "-o", help="write the schema here instead of stdout")
    p.add_argument("--write-args", action="store_true", help="regenerate components/_schema.py from the specs")
    p.add_argument("--check-args", action="store_true", help="exit 1 when components/_schema.py is stale")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("docs", help="regenerate docs/configuration.md from the pydantic models")
    p.add_argument("--check", action="store_true", help="exit 1 when the file is out of date instead of writing")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("golden", help="compare stateful URNs with tests/stacks/golden_urns.json")
    p.add_argument("--update", action="store_true", help="rewrite the record from the current plans")
    p.add_argument("--stack", action="append", default=[], help="only this stack (repeatable)")
    p.set_defaults(func=cmd_golden)


cli.EXTRA_COMMANDS.append(register)
