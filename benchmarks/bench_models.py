"""Benchmark: plan time of N synthetic ModelDeployments (default 20 and 200) under the mock engine.

Each run is a fresh interpreter that validates N model specs, sizes them, renders them and registers every
resource (base, namespace, N ModelDeployments with their children) — what `plan` pays per model. Targets: time
grows linearly (the per-model cost at 200 is within 1.5× of that at 20, after subtracting the fixed start-up
measured with 0 models) and 200 models plan in ≤ 10 s. For context each size also times the engine's floor: as many
trivial ConfigMaps as the models registered resources (the machine's speed, not this code's). `--strict` exits 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_200_S = 10.0
LINEARITY = 1.5

PROGRAM = """
import sys
import pulumi
import pulumi_kubernetes as k8s
from gpu_platform.components.model import deploy_models
from gpu_platform.components.ref import PlatformRef
from gpu_platform.plan import run_program
from gpu_platform.spec import ModelSpec, PlatformSpec

# Load every module a model touches up front, so the 0-model baseline carries the same one-time import cost.
import pulumi_aws.eks, pulumi_aws.iam  # noqa: E401,F401
import pulumi_kubernetes.apiextensions  # noqa: F401  (Kubernetes objects register through one generic class)

n = int(sys.argv[1])
MODELS = ["Qwen/Qwen2.5-7B-Instruct", "s3://weights/llama-3.1-8b-instruct", "mistralai/Mistral-7B-Instruct-v0.3",
          "s3://weights/qwen2.5-32b-instruct", "google/gemma-2-9b-it"]
BACKENDS = ["auto", "deployment"]

def program():
    provider = k8s.Provider("k8s", kubeconfig="{}", cluster_identifier="bench")
    spec = PlatformSpec.model_validate({"environment": "dev", "region": "us-west-2", "cluster": {"name": "bench"}})
    ref = PlatformRef(cluster_name="bench", provider=provider, spec=spec)
    specs = [
        ModelSpec(name=f"m{i}", model=MODELS[i % len(MODELS)], backend=BACKENDS[i % 2], namespace=f"team-{i % 4}",
                  autoscaling={"min_replicas": i % 3, "max_replicas": 3, "scale_to_zero": i % 3 == 0})
        for i in range(n)
    ]
    deploy_models(ref, specs)

plan = run_program(program, stack="bench")
print(len(plan.resources))
"""


FLOOR = """
import sys
import pulumi_kubernetes as k8s
from gpu_platform.plan import run_program
n = int(sys.argv[1])
def program():
    for i in range(n):
        k8s.core.v1.ConfigMap(f"cm-{i}", metadata={"name": f"cm-{i}", "namespace": "default"}, data={"k": "v"})
plan = run_program(program, stack="floor")
print(len(plan.resources))
"""


def run(n: int, repeats: int, program: str = PROGRAM) -> tuple[float, int]:
    """Median wall time (s) of planning ``n`` models and the number of resources registered."""
    cmd = [sys.executable, "-c", program, str(n)]
    out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True)  # warm-up (.pyc, page cache)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), int(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    base, base_n = run(0, args.repeats)
    print(f"models=0: {base:.2f}s ({base_n} resources; interpreter, imports, engine start)")
    results = {}
    for n in args.sizes:
        t, count = run(n, args.repeats)
        per = (t - base) / n
        results[n] = (t, per)
        floor, _ = run(count - 1, args.repeats, FLOOR)
        print(
            f"models={n}: {t:.2f}s ({count} resources), {per * 1000:.1f} ms per model; "
            f"floor ({count - 1} trivial ConfigMaps, same engine): {floor:.2f}s"
        )
    ok = True
    if 200 in results and results[200][0] > TARGET_200_S:
        print(f"MISS: 200 models took {results[200][0]:.2f}s > {TARGET_200_S}s")
        ok = False
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = results[sizes[0]][1], results[sizes[-1]][1]
        ratio = large / small if small > 0 else 1.0
        verdict = "linear" if ratio <= LINEARITY else "SUPERLINEAR"
        print(f"per-model cost {sizes[-1]} vs {sizes[0]}: {ratio:.2f}× ({verdict}; target ≤ {LINEARITY}×)")
        ok &= ratio <= LINEARITY
    print("targets met" if ok else "targets missed")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
