"""Benchmark: wall time of `gpu_platform plan --stack prod` next to a floor measured in the same run.

The floor registers the same number of trivial ConfigMaps under the same mock engine, in a fresh interpreter, so
both numbers include interpreter start, imports and the engine's per-resource cost. Target: plan ≤ 1.3 × floor.
Run with `make bench`; `--strict` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.3

FLOOR = """
import sys
import pulumi_kubernetes as k8s
from gpu_platform.plan.engine import run_program  # the engine only: no spec, no components
n = int(sys.argv[1])
def program():
    for i in range(n):
        k8s.core.v1.ConfigMap(f"cm-{i}", metadata={"name": f"cm-{i}", "namespace": "default"}, data={"k": "v"})
plan = run_program(program, stack="floor")
assert len(plan.resources) == n + 1, len(plan.resources)
"""


def wall(cmd: list[str], repeats: int) -> float:
    """Median wall time of ``cmd`` over ``repeats`` runs (after one warm-up that fills OS and .pyc caches)."""
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def count_resources(stack: str) -> int:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-m", "gpu_platform", "plan", "--stack", stack, "--out", out],
                       cwd=REPO, check=True, capture_output=True)
        return len(json.loads((Path(out) / "plan.json").read_text())["resources"]) - 1  # minus the stack


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    n = count_resources(args.stack)
    plan_s = wall([sys.executable, "-m", "gpu_platform", "plan", "--stack", args.stack], args.repeats)
    floor_s = wall([sys.executable, "-c", FLOOR, str(n)], args.repeats)
    ratio = plan_s / floor_s
    ok = ratio <= TARGET_RATIO
    print(f"plan --stack {args.stack}: {n} resources")
    print(f"  plan   {plan_s:6.2f} s (median of {args.repeats})")
    print(f"  floor  {floor_s:6.2f} s ({n} ConfigMaps, same engine)")
    print(f"  ratio  {ratio:6.2f} × (target ≤ {TARGET_RATIO}) {'OK' if ok else 'MISSED'}")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
