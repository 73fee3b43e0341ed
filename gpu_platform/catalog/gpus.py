"""GPU classes and the EC2 instance types that carry them: memory, counts, EFA, local NVMe, MIG profiles, prices.

Shared by the node pools (which instance families a class may launch) and sizing (what fits, what it costs).
Prices are AWS us-east-1 Linux on-demand list prices; each instance type records its own date and source
(`price_as_of`, `price_source`), PRICES_AS_OF / PRICE_SOURCE being those of the original classes (after the June
2025 P4/P5 reductions). Spot prices are typical observed discounts for the family, an estimate rather than a quote.

Sources of the facts added for H200, B200, A100 80GB and p5.4xlarge (read 2026-08):
- KARPENTER_TYPES: Karpenter v1.14 "Instance Types" reference (aws/karpenter-provider-aws@1d927085,
  website/content/en/v1.14/reference/instance-types.md), generated from EC2 DescribeInstanceTypes: vCPUs,
  memory, `instance-gpu-name`, `instance-gpu-memory`, `instance-local-nvme` (total GB), `vpc.amazonaws.com/efa`.
- KARPENTER_PRICES: Karpenter v1.14.1 pkg/providers/pricing/zz_generated.pricing_aws.go, "generated at
  2026-07-06T14:20:29Z for us-east-1" (the AWS Pricing API); network bandwidth from
  pkg/providers/instancetype/zz_generated.bandwidth.go of the same module.
- GPU memory "as the driver reports it" = nvidia-smi `memory.total` MiB / 1024, truncated to 0.1 GiB (the rule
  behind the existing H100 79.6 = 81559 MiB): A100-SXM4-80GB 81920 MiB (modal-labs/modal-client#2797), H200
  143771 MiB (nvidia-smi logs of 8×H200 hosts, drivers 570.158 and 580.159; no vendor page states it), B200
  183359 MiB (NVIDIA/TensorRT-LLM#10278, driver 580.95; EC2 reports the same 183359 MiB).
- MIG profiles: NVIDIA MIG user guide, "Supported MIG Profiles"
  (docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html: A100-SXM4-80GB names), and the
  exact names per device id in NVIDIA/mig-parted@bd7160f4 deployments/systemd/config-default.yaml (H200-141GB
  0x2335, B200 0x2901, A100-80GB 0x20B2).
- Ray accelerator types: ray/util/accelerators/accelerators.py (ray-project/ray@00501e2b) and what a Ray node
  detects, ray/_private/accelerators/nvidia_gpu.py: the first word after "NVIDIA" of the device name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

PRICES_AS_OF = "2025-08"
PRICE_SOURCE = "aws.amazon.com/ec2/pricing/on-demand (us-east-1, Linux); spot = typical family discount"
HOURS_PER_MONTH = 730

KARPENTER_PRICES_AS_OF = "2026-07-06"
KARPENTER_PRICE_SOURCE = (
    "karpenter-provider-aws v1.14.1 zz_generated.pricing_aws.go (AWS Pricing API, us-east-1, Linux on-demand)"
)


@dataclass(frozen=True)
class InstanceType:
    """One GPU instance type."""

    name: str
    gpus: int
    vcpu: int
    memory_gib: int
    on_demand_usd_hr: float
    spot_usd_hr: float
    network_gbps: float
    efa: int = 0
    """EFA devices the instance type offers (Karpenter's `vpc.amazonaws.com/efa` resource); 0 = no EFA."""
    nvme_gb: int = 0
    """Local NVMe instance store, total GB (DescribeInstanceTypes `TotalSizeInGB`, Karpenter's
    `karpenter.k8s.aws/instance-local-nvme`); 0 = none."""
    nvme_disks: Optional[int] = None
    """How many NVMe disks make up `nvme_gb`; None where no source was found."""
    price_as_of: str = PRICES_AS_OF
    """When `on_demand_usd_hr` was read (YYYY-MM or YYYY-MM-DD)."""
    price_source: str = PRICE_SOURCE
    """Where `on_demand_usd_hr` comes from; `unverified: …` says what it was assumed from."""
    listed: bool = True
    """Whether us-east-1 lists an on-demand price. Karpenter marks on-demand and spot offerings without a price
    unavailable (karpenter-provider-aws v1.14.1 pkg/providers/instancetype/offering/base_resolver.go: `Available:
    … && hasPrice`), so an unlisted type launches only from reserved capacity: pools offer it only when named."""

    @property
    def family(self) -> str:
        return self.name.split(".")[0]

    @property
    def has_efa(self) -> bool:
        return self.efa > 0

    @property
    def price_verified(self) -> bool:
        return not self.price_source.startswith("unverified")


@dataclass(frozen=True)
class GpuClass:
    """A GPU model as Karpenter sees it (`karpenter.k8s.aws/instance-gpu-name`) and the instance types carrying it."""

    name: str
    """Class key used in config and node labels (`l4`)."""
    gpu_name: str
    """Value of the `karpenter.k8s.aws/instance-gpu-name` label."""
    memory_gib: float
    """Memory per GPU as the driver reports it (GiB)."""
    bf16: bool
    fp8: bool
    mig_profiles: tuple[str, ...]
    """MIG profiles the GPU offers; empty when the GPU has no MIG."""
    instances: tuple[InstanceType, ...]
    node_ready_s: int
    """Karpenter launch → node Ready with the NVIDIA device plugin advertising GPUs (an estimate; p4d/p5 boot
    slowly): the first step of a cold start on a new node."""
    ray_accelerator: str
    """Ray's accelerator type for this GPU (`ray.util.accelerators`), which Ray Serve LLM schedules replicas on."""

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.family for i in self.instances))

    @property
    def mig_capable(self) -> bool:
        return bool(self.mig_profiles)

    @property
    def max_gpus_per_node(self) -> int:
        return max(i.gpus for i in self.instances)


def _it(name: str, gpus: int, vcpu: int, mem: int, od: float, spot_discount: float, net: float,
        **facts: Any) -> InstanceType:
    return InstanceType(name, gpus, vcpu, mem, od, round(od * (1 - spot_discount), 3), net, **facts)


# g5, g6 and g6e share one size ladder: the same GPUs and vCPUs per size, memory a fixed multiple of the vCPUs.
_G_SIZES = (("xlarge", 1, 4), ("2xlarge", 1, 8), ("4xlarge", 1, 16), ("8xlarge", 1, 32), ("12xlarge", 4, 48),
            ("24xlarge", 4, 96), ("48xlarge", 8, 192))
# family: (GiB per vCPU, spot discount, on-demand USD/h per size, network Gbps per size), sizes as in _G_SIZES.
_G_FAMILIES: dict[str, tuple[int, float, tuple[float, ...], tuple[float, ...]]] = {
    "g6": (4, 0.60, (0.805, 0.978, 1.323, 2.014, 4.602, 6.675, 13.350), (10, 10, 25, 25, 40, 50, 100)),
    "g5": (4, 0.65, (1.006, 1.212, 1.624, 2.448, 5.672, 8.144, 16.288), (10, 10, 25, 25, 40, 50, 100)),
    "g6e": (8, 0.55, (1.861, 2.242, 3.004, 4.529, 10.493, 15.066, 30.131), (20, 20, 20, 25, 100, 200, 400)),
}
# family: (local NVMe total GB per size, EFA devices per size), from KARPENTER_TYPES (`instance-local-nvme`,
# `vpc.amazonaws.com/efa`); disk counts not recorded (no source read).
_G_LOCAL: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "g6": ((250, 450, 600, 900, 3760, 3760, 7520), (0, 0, 0, 1, 1, 1, 1)),
    "g5": ((250, 450, 600, 900, 3800, 3800, 7600), (0, 0, 0, 1, 1, 1, 1)),
    "g6e": ((250, 450, 600, 900, 3800, 3800, 7600), (0, 0, 0, 1, 1, 2, 4)),
}


def _g_family(family: str) -> tuple[InstanceType, ...]:
    """Every size of a g-family, smallest first."""
    gib_per_vcpu, spot_discount, prices, network = _G_FAMILIES[family]
    nvme, efa = _G_LOCAL[family]
    return tuple(
        _it(f"{family}.{size}", gpus, vcpu, vcpu * gib_per_vcpu, od, spot_discount, net, efa=e, nvme_gb=n)
        for (size, gpus, vcpu), od, net, n, e in zip(_G_SIZES, prices, network, nvme, efa, strict=True)
    )


_KARPENTER_PRICE = {"price_as_of": KARPENTER_PRICES_AS_OF, "price_source": KARPENTER_PRICE_SOURCE}

# p-types: vCPUs, memory (GiB), EFA devices and local NVMe from KARPENTER_TYPES; network Gbps from Karpenter's
# bandwidth table. The disk counts: p4d "8 x 1 NVMe SSD" and p5 "8 x 3.84 NVMe SSD" on the EC2 Capacity Blocks
# pricing page (aws.amazon.com/ec2/capacityblocks/pricing, rates of late 2024); the others are unverified and
# assumed from the total (3800 GB per disk as on p5, 1000 GB as on p4d).
_P4D = _it("p4d.24xlarge", 8, 96, 1152, 21.958, 0.50, 400, efa=4, nvme_gb=8000, nvme_disks=8)
_P4DE = _it(  # spot discount: unverified, assumed p4d's
    "p4de.24xlarge", 8, 96, 1152, 27.447, 0.50, 400, efa=4, nvme_gb=8000, nvme_disks=8, **_KARPENTER_PRICE)
_P5_4XL = _it(  # spot discount: unverified, assumed p5.48xlarge's
    "p5.4xlarge", 1, 16, 256, 6.880, 0.45, 100, efa=1, nvme_gb=3800, nvme_disks=1, **_KARPENTER_PRICE)
_P5 = _it("p5.48xlarge", 8, 192, 2048, 55.040, 0.45, 3200, efa=32, nvme_gb=30400, nvme_disks=8)
# p5en spot: $27.1988/h in us-east-1 against $63.296 on-demand (dstackai/dstack#4110, 2026-08-06): 57 % off.
_P5EN = _it("p5en.48xlarge", 8, 192, 2048, 63.296, 0.57, 3200, efa=16, nvme_gb=30400, nvme_disks=8,
            **_KARPENTER_PRICE)
# p5e has no us-east-1 on-demand price in Karpenter's table (nor one found elsewhere): price and spot discount are
# p5en's, unverified; `listed=False` keeps it out of pools unless named (e.g. a Capacity Block pool).
_P5E = _it("p5e.48xlarge", 8, 192, 2048, 63.296, 0.57, 3200, efa=32, nvme_gb=30400, nvme_disks=8, listed=False,
           price_as_of=KARPENTER_PRICES_AS_OF, price_source="unverified: no us-east-1 list price; assumed p5en's")
_P6_B200 = _it(  # spot discount: unverified, assumed p5's
    "p6-b200.48xlarge", 8, 192, 2048, 113.933, 0.45, 3200, efa=8, nvme_gb=30400, nvme_disks=8, **_KARPENTER_PRICE)

_A100_MIG = ("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb")
_H100_MIG = ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb")
_A100_80GB_MIG = _H100_MIG  # the same names on A100-SXM4-80GB (MIG user guide; mig-parted lists them together)
_H200_MIG = ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb")
_B200_MIG = ("1g.23gb", "1g.45gb", "2g.45gb", "3g.90gb", "4g.90gb", "7g.180gb")

GPU_CLASSES: dict[str, GpuClass] = {
    c.name: c
    for c in (  # name, instance-gpu-name label, GiB per GPU, bf16, fp8, MIG profiles, instance types, node ready, Ray
        GpuClass("l4", "l4", 22.5, True, True, (), _g_family("g6"), 150, "L4"),
        GpuClass("a10g", "a10g", 22.5, True, False, (), _g_family("g5"), 150, "A10G"),
        GpuClass("l40s", "l40s", 44.5, True, True, (), _g_family("g6e"), 150, "L40S"),
        GpuClass("a100", "a100", 40.0, True, False, _A100_MIG, (_P4D,), 420, "A100"),
        # p4de's GPUs are "a100" to Karpenter too: its pools tell them apart by instance family and type. Ray names
        # the node "A100" (NVIDIA A100-SXM4-80GB); its "A100-80G" constant is never added to nodes automatically.
        # Node ready: unverified, assumed p4d's (same host).
        GpuClass("a100-80gb", "a100", 80.0, True, False, _A100_80GB_MIG, (_P4DE,), 420, "A100"),
        GpuClass("h100", "h100", 79.6, True, True, _H100_MIG, (_P5_4XL, _P5), 480, "H100"),
        # Node ready of h200 and b200: unverified, assumed p5's (8-GPU NVSwitch hosts, same boot path).
        GpuClass("h200", "h200", 140.4, True, True, _H200_MIG, (_P5E, _P5EN), 480, "H200"),
        GpuClass("b200", "b200", 179.0, True, True, _B200_MIG, (_P6_B200,), 480, "B200"),
    )
}


def gpu_class(name: str) -> GpuClass:
    """The GPU class ``name``; a KeyError lists the known classes."""
    try:
        return GPU_CLASSES[name]
    except KeyError:
        raise KeyError(f"unknown GPU class {name!r}; known: {', '.join(GPU_CLASSES)}") from None


def find_instance(name: str) -> Optional[tuple[GpuClass, InstanceType]]:
    """The GPU class and instance type of EC2 type ``name`` (e.g. `g6e.xlarge`), or None."""
    for cls in GPU_CLASSES.values():
        for inst in cls.instances:
            if inst.name == name:
                return cls, inst
    return None


def pool_instances(
    gpu_class: str,
    instance_types: Optional[Sequence[str]] = None,
    min_gpus: Optional[int] = None,
    max_gpus: Optional[int] = None,
) -> list[InstanceType]:
    """The instance types of ``gpu_class`` a node pool may launch, in catalog order (smallest first).

    The one definition of a pool's instance filter: the pool spec validates with it, the NodePool requirements list
    it, and sizing chooses among it, so a model is never sized for an instance its pool cannot launch. None leaves
    a bound open; an explicit ``instance_types`` list keeps only those types, and only such a list offers a type
    without a listed on-demand price (`InstanceType.listed`: Karpenter launches it only from reserved capacity).
    """
    return [
        inst
        for inst in GPU_CLASSES[gpu_class].instances
        if (inst.name in instance_types if instance_types is not None else inst.listed)
        and (max_gpus is None or inst.gpus <= max_gpus)
        and (min_gpus is None or inst.gpus >= min_gpus)
    ]
