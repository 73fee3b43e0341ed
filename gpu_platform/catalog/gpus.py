"""GPU classes and the EC2 instance types that carry them: memory, counts, MIG profiles and prices.

Shared by the node pools (which instance families a class may launch) and sizing (what fits, what it costs).
Prices are AWS us-east-1 Linux on-demand list prices as of PRICES_AS_OF (after the June 2025 P4/P5 reductions);
spot prices are typical observed discounts for the family, an estimate rather than a quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

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


GPU_CLASSES: dict[str, GpuClass] = {
    "l4": GpuClass(
        "l4", "l4", 22.5, True, True, (),
        (
            _it("g6.xlarge", 1, 4, 16, 0.805, 0.60, 10),
            _it("g6.2xlarge", 1, 8, 32, 0.978, 0.60, 10),
            _it("g6.4xlarge", 1, 16, 64, 1.323, 0.60, 25),
            _it("g6.8xlarge", 1, 32, 128, 2.014, 0.60, 25),
            _it("g6.12xlarge", 4, 48, 192, 4.602, 0.60, 40),
            _it("g6.24xlarge", 4, 96, 384, 6.675, 0.60, 50),
            _it("g6.48xlarge", 8, 192, 768, 13.350, 0.60, 100),
        ),
    ),
    "a10g": GpuClass(
        "a10g", "a10g", 22.5, True, False, (),
        (
            _it("g5.xlarge", 1, 4, 16, 1.006, 0.65, 10),
            _it("g5.2xlarge", 1, 8, 32, 1.212, 0.65, 10),
            _it("g5.4xlarge", 1, 16, 64, 1.624, 0.65, 25),
            _it("g5.8xlarge", 1, 32, 128, 2.448, 0.65, 25),
            _it("g5.12xlarge", 4, 48, 192, 5.672, 0.65, 40),
            _it("g5.24xlarge", 4, 96, 384, 8.144, 0.65, 50),
            _it("g5.48xlarge", 8, 192, 768, 16.288, 0.65, 100),
        ),
    ),
    "l40s": GpuClass(
        "l40s", "l40s", 44.5, True, True, (),
        (
            _it("g6e.xlarge", 1, 4, 32, 1.861, 0.55, 20),
            _it("g6e.2xlarge", 1, 8, 64, 2.242, 0.55, 20),
            _it("g6e.4xlarge", 1, 16, 128, 3.004, 0.55, 20),
            _it("g6e.8xlarge", 1, 32, 256, 4.529, 0.55, 25),
            _it("g6e.12xlarge", 4, 48, 384, 10.493, 0.55, 100),
            _it("g6e.24xlarge", 4, 96, 768, 15.066, 0.55, 200),
            _it("g6e.48xlarge", 8, 192, 1536, 30.131, 0.55, 400),
        ),
    ),
    "a100": GpuClass(
        "a100", "a100", 40.0, True, False,
        ("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
        (_it("p4d.24xlarge", 8, 96, 1152, 21.958, 0.50, 400),),
    ),
    "h100": GpuClass(
        "h100", "h100", 79.6, True, True,
        ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
        (_it("p5.48xlarge", 8, 192, 2048, 55.040, 0.45, 3200),),
    ),
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
