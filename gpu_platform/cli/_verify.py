"""`verify`: apply plans to the real control plane and report what it and the operators said."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._console import EXIT_FAIL, EXIT_OK, EXIT_TOOLCHAIN, InvalidInput, err, error, out
from ._stack import plan_stack


def verify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--plan", action="append", metavar="DIR",
                   help="a plan directory (plan.json + manifests/); repeat to apply later plans over earlier ones")
    p.add_argument("--stack", action="append", metavar="NAME|PATH", help="plan this stack first; repeatable")
    p.add_argument("--out", help="where derived objects go (default: the last plan's directory)")
    p.add_argument("--settle", type=float, default=60.0, help="most seconds to let controllers reconcile (60)")
    p.add_argument("--keep-logs", action="store_true", help="keep the control plane's logs")


def _plan_dirs(args: argparse.Namespace) -> list[Path]:
    """The plan directories to apply, in order: each --plan, then each --stack planned into --out (or out/NAME)."""
    from ..plan.output import write_plan

    plan_dirs = [Path(p) for p in args.plan or []]
    for stack in args.stack or []:
        cfg, plan = plan_stack(stack)
        d = Path(args.out or "out") / cfg.name if len(args.stack) > 1 or not args.out else Path(args.out)
        write_plan(plan, d)
        plan_dirs.append(d)
    if not plan_dirs:
        raise InvalidInput("verify needs --plan DIR or --stack NAME")
    for d in plan_dirs:
        if not (d / "plan.json").is_file():
            raise InvalidInput(f"{d}/plan.json not found: run `python -m gpu_platform plan --out {d}` first")
    return plan_dirs


def verify(args: argparse.Namespace) -> int:
    from ..verify import ToolchainError, build, verify_plans

    plan_dirs = _plan_dirs(args)
    try:
        toolchain = build(quiet=False)
        verdict = verify_plans(
            plan_dirs, toolchain, out=Path(args.out) if args.out and args.plan else None,
            max_settle=args.settle, keep_logs=args.keep_logs, progress=lambda m: err.print(f"verify: {m}"),
        )
    except ToolchainError as exc:
        error(str(exc))
        return EXIT_TOOLCHAIN
    for line in verdict.lines():
        out.print(line, markup=False)
    return EXIT_OK if verdict.ok else EXIT_FAIL
