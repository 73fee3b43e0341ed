"""NodePools and EC2NodeClasses of the 2026 GPU classes are admitted by the real API server with Karpenter v1.14's
CRDs and their CEL rules (requirement keys and operators, label domains, MIG user data, limits keys).

The stack is dev plus one pool per new class (a100-80gb with MIG mixed, h200 with MIG single, a p5e-only h200 pool,
b200 on Bottlerocket, single-GPU h100); the stacks/ files stay as they are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gpu_platform.plan.output import write_plan
from gpu_platform.plan.runner import run_stack
from gpu_platform.verify import verify_plans
from stack_plans import REPO

pytestmark = pytest.mark.controlplane

NEW_POOLS = [
    {"name": "a100-80gb", "gpu_class": "a100-80gb", "capacity": "on_demand", "limits": {"gpus": 8},
     "mig": {"strategy": "mixed", "profiles": {"3g.40gb": 1, "2g.20gb": 1, "1g.10gb": 2}}},
    {"name": "h200", "gpu_class": "h200", "capacity": "on_demand", "limits": {"gpus": 8},
     "mig": {"strategy": "single", "profiles": {"1g.18gb": 7}}},
    {"name": "h200-block", "gpu_class": "h200", "capacity": "on_demand", "instance_types": ["p5e.48xlarge"],
     "limits": {"gpus": 8}},
    {"name": "b200", "gpu_class": "b200", "ami_family": "bottlerocket", "limits": {"gpus": 8, "on_demand_gpus": 8}},
    {"name": "h100-single", "gpu_class": "h100", "max_gpus_per_node": 1, "limits": {"gpus": 2}},
]


def _stack(root: Path) -> Path:
    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    platform = doc["config"]["gpu-platform:platform"]
    platform["gpu"]["node_pools"] += NEW_POOLS
    platform["gpu"].setdefault("bottlerocket", {"ami_version": "v1.50.0"})
    path = root / "Pulumi.dev-gpu-classes.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_new_gpu_class_pools_are_admitted(toolchain, tmp_path):
    _cfg, plan = run_stack(str(_stack(tmp_path)), REPO)
    out = tmp_path / "plan"
    write_plan(plan, out)
    verdict = verify_plans([out], toolchain)
    assert verdict.ok, "\n".join(verdict.lines())
    node_pools = {r.name for r in verdict.applied if r.kind == "NodePool" and r.admitted}
    assert {"a100-80gb-on-demand", "h200-on-demand", "h200-block-on-demand", "b200-spot", "b200-on-demand",
            "h100-single-spot", "h100-single-on-demand"} <= node_pools
    node_classes = {r.name for r in verdict.applied if r.kind == "EC2NodeClass" and r.admitted}
    assert len(node_classes) >= 3  # gpu-al2023, gpu-bottlerocket, and one per MIG pool
