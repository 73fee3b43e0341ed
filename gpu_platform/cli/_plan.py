"""`validate` and `plan`: a stack's configuration checked, then run offline under the mock engine."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._console import EXIT_OK, out, print_table
from ._stack import load_spec_or_invalid, plan_stack
from ._summary import model_notes, summary_table

STACK_HELP = "stack NAME (stacks/Pulumi.NAME.yaml) or PATH to a YAML file"


def validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", required=True, help=STACK_HELP)


def validate(args: argparse.Namespace) -> int:
    from ..config import PROJECT

    cfg, spec, missing = load_spec_or_invalid(args.stack)
    out.print(f"[green]✓[/] {cfg.path}: valid ({spec.environment.value}, cluster {spec.cluster.name}, {spec.region})")
    for need in missing:
        out.print(f"[yellow]secret not set:[/] {PROJECT}:{need.key} ({need.field}); before `pulumi up` run "
                  f"`{need.command}`", markup=True)
    return EXIT_OK


def plan_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", required=True, help=STACK_HELP)
    p.add_argument("--out", help="write plan.json, manifests/ and helm/ to this directory")


def plan(args: argparse.Namespace) -> int:
    from ..plan.output import write_plan

    _cfg, result = plan_stack(args.stack)
    print_table(summary_table(result))
    for line in model_notes(result):
        out.print(line)
    for w in result.warnings:
        out.print(f"[yellow]warning:[/] {w}")
    if args.out:
        write_plan(result, Path(args.out))
        out.print(f"wrote {args.out}/plan.json, manifests/ and helm/")
    return EXIT_OK
