"""NodePools of the 2026 GPU classes select exactly their instance types, by the labels Karpenter gives them.

Karpenter sets `karpenter.k8s.aws/instance-gpu-name` to the lower-kebab-cased EC2 GPU name
(karpenter-provider-aws v1.14.1 pkg/providers/instancetype/types.go: `lowerKabobCase(gpu.Name)`), and a NodePool
admits an instance type only when every `In` requirement contains its label value (sigs.k8s.io/karpenter
scheduling requirements). The label values below are copied from Karpenter's v1.14 "Instance Types" reference
(aws/karpenter-provider-aws@1d927085, website/content/en/v1.14/reference/instance-types.md).
"""

from __future__ import annotations

import pytest

from gpu_platform.render import karpenter as rk
from gpu_platform.spec import PlatformSpec, validate_spec
from support import assert_valid_crd, requires_upstream

GPU_NAME = "karpenter.k8s.aws/instance-gpu-name"
FAMILY = "karpenter.k8s.aws/instance-family"
TYPE = "node.kubernetes.io/instance-type"
# type: labels Karpenter puts on it (reference above)
KARPENTER_LABELS = {
    "p4d.24xlarge": {GPU_NAME: "a100", FAMILY: "p4d"},
    "p4de.24xlarge": {GPU_NAME: "a100", FAMILY: "p4de"},
    "p5.4xlarge": {GPU_NAME: "h100", FAMILY: "p5"},
    "p5.48xlarge": {GPU_NAME: "h100", FAMILY: "p5"},
    "p5e.48xlarge": {GPU_NAME: "h200", FAMILY: "p5e"},
    "p5en.48xlarge": {GPU_NAME: "h200", FAMILY: "p5en"},
    "p6-b200.48xlarge": {GPU_NAME: "b200", FAMILY: "p6-b200"},
}

SPEC = validate_spec(PlatformSpec, {
    "environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-test"},
    "gpu": {"node_pools": [
        {"name": "a100", "gpu_class": "a100", "capacity": "on_demand"},
        {"name": "a100-80gb", "gpu_class": "a100-80gb", "capacity": "on_demand",
         "mig": {"strategy": "mixed", "profiles": {"3g.40gb": 1, "2g.20gb": 1, "1g.10gb": 2}}},
        {"name": "h100", "gpu_class": "h100"},
        {"name": "h200", "gpu_class": "h200", "capacity": "on_demand",
         "mig": {"strategy": "single", "profiles": {"1g.18gb": 7}}},
        {"name": "h200-block", "gpu_class": "h200", "capacity": "on_demand", "instance_types": ["p5e.48xlarge"]},
        {"name": "b200", "gpu_class": "b200", "capacity": "on_demand", "ami_family": "bottlerocket"},
    ]},
})


def admitted(node_pool: dict) -> set[str]:
    """The reference's p-types this NodePool's `In` requirements admit."""
    reqs = [r for r in node_pool["spec"]["template"]["spec"]["requirements"] if r["key"] in (GPU_NAME, FAMILY, TYPE)]
    out = set()
    for name, labels in KARPENTER_LABELS.items():
        values = {**labels, TYPE: name}
        if all(r["operator"] == "In" and values[r["key"]] in r["values"] for r in reqs):
            out.add(name)
    return out


@pytest.mark.parametrize("pool, expected", [
    ("a100", {"p4d.24xlarge"}),
    ("a100-80gb", {"p4de.24xlarge"}),  # same instance-gpu-name as p4d: family and type keep p4d out
    ("h100", {"p5.4xlarge", "p5.48xlarge"}),
    ("h200", {"p5en.48xlarge"}),  # p5e has no on-demand price: Karpenter could not launch it on demand
    ("h200-block", {"p5e.48xlarge"}),
    ("b200", {"p6-b200.48xlarge"}),
])
def test_each_pool_admits_exactly_its_instance_types(pool, expected):
    spec_pool = next(p for p in SPEC.gpu.node_pools if p.name == pool)
    for node_pool in rk.gpu_node_pools(SPEC, spec_pool):
        assert admitted(node_pool) == expected
        labels = node_pool["spec"]["template"]["metadata"]["labels"]
        assert labels["gpu-platform.io/gpu-class"] == spec_pool.gpu_class.value


def test_limits_follow_the_widest_instance_of_the_pool():
    """h100 with p5.4xlarge (16 vCPU, 256 GiB per GPU) and p5.48xlarge (24 vCPU, 256 GiB per GPU): 8 GPUs → 192
    vCPU, 2048 GiB; a100-80gb MIG mixed counts the slices each GPU advertises (8 GPUs × 1, × 1, × 2)."""
    h100 = next(p for p in SPEC.gpu.node_pools if p.name == "h100")
    assert rk.gpu_node_pools(SPEC, h100)[0]["spec"]["limits"] == {"cpu": "192", "memory": "2048Gi",
                                                                    "nvidia.com/gpu": "8"}
    a = next(p for p in SPEC.gpu.node_pools if p.name == "a100-80gb")
    assert rk.gpu_node_pools(SPEC, a)[0]["spec"]["limits"] == {
        "cpu": "96", "memory": "1152Gi", "nvidia.com/mig-1g.10gb": "16", "nvidia.com/mig-2g.20gb": "8",
        "nvidia.com/mig-3g.40gb": "8"}


@requires_upstream
def test_new_class_objects_are_valid_against_the_upstream_crds():
    objs = [rk.ec2_node_class(SPEC, p) for p in rk.node_class_plans(SPEC)]
    for pool in SPEC.gpu.node_pools:
        objs += rk.gpu_node_pools(SPEC, pool)
    for obj in objs:
        assert_valid_crd(obj)
