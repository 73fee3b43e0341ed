"""GPU catalog facts against their sources: Karpenter's instance-type data, its pricing table, nvidia-smi, NVIDIA's
MIG profiles and Ray's accelerator detection.

Expected values are copied here from the sources named in each comment, never read from the catalog; the Karpenter
pricing and bandwidth tables are also parsed from the pinned Go module when it is on this machine.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from gpu_platform.catalog.gpus import GPU_CLASSES, find_instance, pool_instances
from gpu_platform.resolve import resolve
from gpu_platform.spec import SpecError
from gpu_platform.spec.gpu_sharing import mig_fit_problem

KARPENTER_MODULE = Path("/root/go/pkg/mod/github.com/aws/karpenter-provider-aws@v1.14.1")
requires_karpenter_module = pytest.mark.skipif(
    not KARPENTER_MODULE.is_dir(), reason=f"Karpenter v1.14.1 Go module not found at {KARPENTER_MODULE}"
)

# Karpenter v1.14 "Instance Types" reference (aws/karpenter-provider-aws@1d927085,
# website/content/en/v1.14/reference/instance-types.md; generated from EC2 DescribeInstanceTypes):
# type: (instance-gpu-name, GPUs, vCPUs, instance-memory MiB, instance-gpu-memory MiB, local NVMe GB, EFA devices,
#        network bandwidth Mbps)
KARPENTER_TYPES = {
    "p4d.24xlarge": ("a100", 8, 96, 1179648, 40960, 8000, 4, 400000),
    "p4de.24xlarge": ("a100", 8, 96, 1179648, 81920, 8000, 4, 400000),
    "p5.4xlarge": ("h100", 1, 16, 262144, 81920, 3800, 1, 100000),
    "p5.48xlarge": ("h100", 8, 192, 2097152, 81920, 30400, 32, 3200000),
    "p5e.48xlarge": ("h200", 8, 192, 2097152, 144384, 30400, 32, 3200000),
    "p5en.48xlarge": ("h200", 8, 192, 2097152, 144384, 30400, 16, 3200000),
    "p6-b200.48xlarge": ("b200", 8, 192, 2097152, 183359, 30400, 8, 3200000),
}


@pytest.mark.parametrize("name", sorted(KARPENTER_TYPES))
def test_p_instances_match_describe_instance_types(name):
    gpu_name, gpus, vcpu, mem_mib, gpu_mem_mib, nvme_gb, efa, net_mbps = KARPENTER_TYPES[name]
    found = find_instance(name)
    assert found is not None, f"{name} missing from the catalog"
    cls, inst = found
    assert cls.gpu_name == gpu_name  # the NodePool's karpenter.k8s.aws/instance-gpu-name requirement
    assert (inst.gpus, inst.vcpu, inst.memory_gib) == (gpus, vcpu, mem_mib // 1024)
    assert (inst.nvme_gb, inst.efa, inst.network_gbps) == (nvme_gb, efa, net_mbps / 1000)
    assert inst.has_efa
    if inst.nvme_disks is not None:
        assert inst.nvme_gb % inst.nvme_disks == 0
    # What the driver reports never exceeds what EC2 advertises per GPU.
    assert cls.memory_gib * 1024 <= gpu_mem_mib


# nvidia-smi memory.total (MiB) per GPU: H100 81559 and A100-SXM4-80GB 81920 (modal-labs/modal-client#2797), H200
# 143771 (nvidia-smi logs of 8×H200 hosts, drivers 570.158.01 and 580.159.03), B200 183359
# (NVIDIA/TensorRT-LLM#10278, driver 580.95.05), A100-SXM4-40GB 40960 (modal-labs/modal-client#2797).
NVIDIA_SMI_MIB = {"a100": 40960, "a100-80gb": 81920, "h100": 81559, "h200": 143771, "b200": 183359}


@pytest.mark.parametrize("name", sorted(NVIDIA_SMI_MIB))
def test_gpu_memory_is_what_the_driver_reports(name):
    """GiB per GPU = nvidia-smi MiB / 1024, truncated to 0.1 GiB (H100: 81559 MiB → 79.6)."""
    assert GPU_CLASSES[name].memory_gib == math.floor(NVIDIA_SMI_MIB[name] / 1024 * 10) / 10


# Profile names per GPU: NVIDIA/mig-parted@bd7160f4 deployments/systemd/config-default.yaml (device ids 0x20B2
# A100-80GB, 0x2335 H200-141GB, 0x2901 B200), as in the MIG user guide's "Supported MIG Profiles".
MIG = {
    "a100-80gb": {"1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"},
    "h200": {"1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"},
    "b200": {"1g.23gb", "1g.45gb", "2g.45gb", "3g.90gb", "4g.90gb", "7g.180gb"},
}
# The "all-balanced" layouts of the same file (one GPU each) and its per-profile maxima ("all-<profile>").
BALANCED = {
    "a100-80gb": {"1g.10gb": 2, "2g.20gb": 1, "3g.40gb": 1},
    "h200": {"1g.18gb": 2, "2g.35gb": 1, "3g.71gb": 1},
    "b200": {"1g.23gb": 2, "2g.45gb": 1, "3g.90gb": 1},
}
MAXIMA = {"h200": {"1g.18gb": 7, "1g.35gb": 4, "2g.35gb": 3, "3g.71gb": 2}, "b200": {"1g.23gb": 7, "1g.45gb": 4}}


@pytest.mark.parametrize("name", sorted(MIG))
def test_mig_profiles_are_nvidias(name):
    cls = GPU_CLASSES[name]
    assert set(cls.mig_profiles) == MIG[name] and cls.mig_capable
    assert mig_fit_problem(BALANCED[name], name, cls.mig_profiles) is None
    for profile, most in MAXIMA.get(name, {}).items():
        assert mig_fit_problem({profile: most}, name, cls.mig_profiles) is None
        assert mig_fit_problem({profile: most + 1}, name, cls.mig_profiles) is not None


def test_ray_accelerator_is_what_a_ray_node_detects():
    """Ray Serve LLM schedules on `accelerator_type:<X>`, which a node advertises from its GPU's name:
    ray/_private/accelerators/nvidia_gpu.py NVIDIA_GPU_NAME_PATTERN `\\w+\\s+([A-Z0-9]+)` (ray-project/ray@00501e2b).
    Device names: "NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3", "NVIDIA H200", "NVIDIA B200" (nvidia-smi). Ray's
    "A100-80G" constant (ray/util/accelerators/accelerators.py) is never added to a node automatically, so a replica
    asking for it would never schedule."""
    device = {"a100-80gb": "NVIDIA A100-SXM4-80GB", "h100": "NVIDIA H100 80GB HBM3", "h200": "NVIDIA H200",
              "b200": "NVIDIA B200"}
    ray_constants = {"A100", "H100", "H200", "B200", "L4", "L40S", "A10G", "A100-40G", "A100-80G"}
    for name, dev in device.items():
        detected = re.match(r"\w+\s+([A-Z0-9]+)", dev).group(1)  # type: ignore[union-attr]
        assert GPU_CLASSES[name].ray_accelerator == detected
        assert detected in ray_constants


def test_classes_sharing_a_gpu_name_launch_disjoint_instance_types():
    """p4d and p4de both report `instance-gpu-name: a100`: their pools must tell them apart by family and type."""
    by_gpu: dict[str, list] = {}
    for cls in GPU_CLASSES.values():
        by_gpu.setdefault(cls.gpu_name, []).append(cls)
    assert [c.name for c in by_gpu["a100"]] == ["a100", "a100-80gb"]
    for classes in by_gpu.values():
        families = [f for c in classes for f in c.families]
        assert len(families) == len(set(families))


def test_an_unlisted_instance_type_is_offered_only_when_named():
    """p5e has no us-east-1 on-demand price (Karpenter v1.14.1 zz_generated.pricing_aws.go lists p5en, not p5e);
    Karpenter makes unpriced on-demand/spot offerings unavailable (offering/base_resolver.go `&& hasPrice`)."""
    assert [i.name for i in pool_instances("h200")] == ["p5en.48xlarge"]
    assert [i.name for i in pool_instances("h200", ["p5e.48xlarge"])] == ["p5e.48xlarge"]
    p5e = find_instance("p5e.48xlarge")[1]  # type: ignore[index]
    assert not p5e.listed and not p5e.price_verified


def test_a_pool_of_each_new_class_validates():
    pools = [
        {"name": "h200", "gpu_class": "h200", "limits": {"gpus": 8}, "mig": {"strategy": "single",
                                                                             "profiles": {"3g.71gb": 2}}},
        {"name": "b200", "gpu_class": "b200", "limits": {"gpus": 8}},
        {"name": "a100-80gb", "gpu_class": "a100-80gb", "limits": {"gpus": 8}},
        {"name": "h100-1", "gpu_class": "h100", "max_gpus_per_node": 1, "limits": {"gpus": 2}},
    ]
    base = {"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-test"}}
    spec = resolve({**base, "gpu": {"node_pools": pools}}).spec
    assert [p.allowed_instance_types() for p in spec.gpu.node_pools] == [
        ["p5en.48xlarge"], ["p6-b200.48xlarge"], ["p4de.24xlarge"], ["p5.4xlarge"]]
    bad = {**pools[0], "mig": {"strategy": "single", "profiles": {"3g.40gb": 2}}}  # an H100 profile
    with pytest.raises(SpecError) as info:
        resolve({**base, "gpu": {"node_pools": [bad]}})
    problems = dict(info.value.problems)
    assert "7g.141gb" in problems["gpu.node_pools[0].mig.profiles"]


# ------------------------------------------------------------------------ the pinned Karpenter module's tables
def _karpenter_table(path: str, block: str) -> dict[str, float]:
    text = (KARPENTER_MODULE / path).read_text()
    if block:
        text = text[text.index(f'"{block}": {{'):]
        text = text[: text.index("\n\t},")]
    return {k: float(v) for k, v in re.findall(r'"([a-z0-9-]+\.[a-z0-9-]+)":\s*([0-9.]+)', text)}


@requires_karpenter_module
def test_on_demand_prices_match_karpenters_pricing_table():
    """Every listed type's price equals Karpenter's us-east-1 table (generated 2026-07-06) to the cent's tenth;
    p5e is absent from it, which is why the catalog marks it unlisted."""
    table = _karpenter_table("pkg/providers/pricing/zz_generated.pricing_aws.go", "us-east-1")
    assert "generated at 2026-07-06" in (KARPENTER_MODULE / "pkg/providers/pricing/zz_generated.pricing_aws.go").read_text()
    for cls in GPU_CLASSES.values():
        for inst in cls.instances:
            assert inst.listed == (inst.name in table), inst.name
            if inst.listed:
                assert abs(inst.on_demand_usd_hr - table[inst.name]) < 0.0006, inst.name


@requires_karpenter_module
def test_p_network_bandwidth_matches_karpenters_table():
    """The p-types' network Gbps is Karpenter's `instance-network-bandwidth` (Mbps) table; the g-types keep their
    "up to" burst figures, which cold-start estimates were tuned on."""
    table = _karpenter_table("pkg/providers/instancetype/zz_generated.bandwidth.go", "")
    for cls in GPU_CLASSES.values():
        for inst in cls.instances:
            if inst.family.startswith("p"):
                assert inst.network_gbps == table[inst.name] / 1000, inst.name
