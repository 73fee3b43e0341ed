"""`verify`: apply plans to the real control plane and report what it and the operators said."""

from __future__ import annotations

import argparse
from pathlib import Path

from .cli import EXIT_FAIL, EXIT_OK, EXTRA_COMMANDS, _print_problems, err, out

EXIT_TOOLCHAIN = 3


def cmd_verify(args: argparse.Namespace) -> int:
    from .verify import ToolchainError, build, verify_plans

    plan_dirs = [Path(p) for p in args.plan or []]
    if args.stack:
        import pulumi

        from .plan.output import write_plan
        from .plan.engine import DuplicateResourceError
        from .plan.runner import run_stack
        from .spec import SpecError

        for stack in args.stack:
            try:
                cfg, plan = run_stack(stack)
            except SpecError as exc:
                return _print_problems(exc)
            except (pulumi.RunError, pulumi.InputPropertiesError, DuplicateResourceError) as exc:
                err.print(f"[bold red]error:[/] {exc}")
                return 2
            d = Path(args.out or "out") / cfg.name if len(args.stack) > 1 or not args.out else Path(args.out)
            write_plan(plan, d)
            plan_dirs.append(d)
    if not plan_dirs:
        err.print("[bold red]error:[/] verify needs --plan DIR or --stack NAME")
        return 2
    for d in plan_dirs:
        if not (d / "plan.json").is_file():
            err.print(f"[bold red]error:[/] {d}/plan.json not found: run `python -m gpu_platform plan --out {d}` first")
            return 2
    try:
        toolchain = build(quiet=False)
        verdict = verify_plans(
            plan_dirs, toolchain, out=Path(args.out) if args.out and args.plan else None,
            max_settle=args.settle, keep_logs=args.keep_logs, progress=lambda m: err.print(f"verify: {m}"),
        )
    except ToolchainError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        return EXIT_TOOLCHAIN
    for line in verdict.lines():
        out.print(line, markup=False)
    return EXIT_OK if verdict.ok else EXIT_FAIL


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="apply plans to a real control plane (API server, webhooks, controllers)")
    p.add_argument("--plan", action="append", metavar="DIR",
                   help="a plan directory (plan.json + manifests/); repeat to apply later plans over earlier ones")
    p.add_argument("--stack", action="append", metavar="NAME|PATH", help="plan this stack first; repeatable")
    p.add_argument("--out", help="where derived objects go (default: the last plan's directory)")
    p.add_argument("--settle", type=float, default=60.0, help="most seconds to let controllers reconcile (60)")
    p.add_argument("--keep-logs", action="store_true", help="keep the control plane's logs")
    p.set_defaults(func=cmd_verify)


EXTRA_COMMANDS.append(register)
