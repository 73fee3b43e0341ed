"""GPU classes and the EC2 instance types that carry them: memory, counts, MIG profiles and prices.

Shared by the node pools (which instance families a class may launch) and sizing (what fits, what it costs).
Prices are AWS us-east-1 Linux on-demand list prices as of PRICES_AS_OF (after the June 2025 P4/P5 reductions);
spot prices are typical observed discounts for the family, an estimate rather than a quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

PRICES_AS_OF = "2025-08"
PRICE_SOURCE = "aws.amazon.com/ec2/pricing/on-demand (us-east-1, Linux); spot = typical family discount"
HOURS_PER_MONTH = 730


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

    @property
    def family(self) -> str:
        return self.name.split(".")[0]


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


def _it(name: str, gpus: int, vcpu: int, mem: int, od: float, spot_discount: float, net: float) -> InstanceType:
    return InstanceType(name, gpus, vcpu, mem, od, round(od * (1 - spot_discount), 3), net)


# g5, g6 and g6e share one size ladder: the same GPUs and vCPUs per size, memory a fixed multiple of the vCPUs.
_G_SIZES = (("xlarge", 1, 4), ("2xlarge", 1, 8), ("4xlarge", 1, 16), ("8xlarge", 1, 32), ("12xlarge", 4, 48),
            ("24xlarge", 4, 96), ("48xlarge", 8, 192))
# family: (GiB per vCPU, spot discount, on-demand USD/h per size, network Gbps per size), sizes as in _G_SIZES.
_G_FAMILIES: dict[str, tuple[int, float, tuple[float, ...], tuple[float, ...]]] = {
    "g6": (4, 0.60, (0.805, 0.978, 1.323, 2.014, 4.602, 6.675, 13.350), (10, 10, 25, 25, 40, 50, 100)),
    "g5": (4, 0.65, (1.006, 1.212, 1.624, 2.448, 5.672, 8.144, 16.288), (10, 10, 25, 25, 40, 50, 100)),
    "g6e": (8, 0.55, (1.861, 2.242, 3.004, 4.529, 10.493, 15.066, 30.131), (20, 20, 20, 25, 100, 200, 400)),
}


def _g_family(family: str) -> tuple[InstanceType, ...]:
    """Every size of a g-family, smallest first."""
    gib_per_vcpu, spot_discount, prices, network = _G_FAMILIES[family]
    return tuple(
        _it(f"{family}.{size}", gpus, vcpu, vcpu * gib_per_vcpu, od, spot_discount, net)
        for (size, gpus, vcpu), od, net in zip(_G_SIZES, prices, network, strict=True)
    )


_A100_MIG = ("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb")
_H100_MIG = ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb")

GPU_CLASSES: dict[str, GpuClass] = {
    c.name: c
    for c in (  # name, instance-gpu-name label, GiB per GPU, bf16, fp8, MIG profiles, instance types, node ready, Ray
        GpuClass("l4", "l4", 22.5, True, True, (), _g_family("g6"), 150, "L4"),
        GpuClass("a10g", "a10g", 22.5, True, False, (), _g_family("g5"), 150, "A10G"),
        GpuClass("l40s", "l40s", 44.5, True, True, (), _g_family("g6e"), 150, "L40S"),
        GpuClass("a100", "a100", 40.0, True, False, _A100_MIG,
                 (_it("p4d.24xlarge", 8, 96, 1152, 21.958, 0.50, 400),), 420, "A100"),
        GpuClass("h100", "h100", 79.6, True, True, _H100_MIG,
                 (_it("p5.48xlarge", 8, 192, 2048, 55.040, 0.45, 3200),), 480, "H100"),
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
    a bound open; an explicit ``instance_types`` list keeps only those types.
    """
    return [
        inst
        for inst in GPU_CLASSES[gpu_class].instances
        if (instance_types is None or inst.name in instance_types)
        and (max_gpus is None or inst.gpus <= max_gpus)
        and (min_gpus is None or inst.gpus >= min_gpus)
    ]
