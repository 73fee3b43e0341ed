"""Plans of every stack in stacks/, computed once per test session (planning is the expensive part)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (REPO / "stacks").glob("Pulumi.*.yaml"))


@lru_cache(maxsize=None)
def planned(stack: str):
    from gpu_platform.plan.runner import run_stack

    return run_stack(stack, REPO)
