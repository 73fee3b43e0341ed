"""GPU and CPU node pools: what Karpenter may launch per GPU class, at what price, within which ceilings, and
when it may take nodes away.

Environment-dependent rules (production refuses spot-only pools) live in `GpuSpec.production_problems`, which
`PlatformSpec` calls once it knows the environment.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Optional

from pydantic import Field, field_validator, model_validator

from ..catalog.gpus import GPU_CLASSES, pool_instances
from ._base import FieldError, SpecModel, checked, matches, short_name
from .gpu_sharing import MigSpec, TimeSlicingSpec, mig_fit_problem
from .node_classes import AmiFamily

_DURATION = re.compile(r"^([0-9]+(s|m|h))+$")
_BUDGET_NODES = re.compile(r"^((100|[0-9]{1,2})%|[0-9]+)$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


class GpuClassName(str, Enum):
    """A GPU class from the catalog (`gpu_platform.catalog.gpus`): which GPU a pool's nodes carry."""

    L4 = "l4"
    """NVIDIA L4, 24 GB (g6): small models, cheapest per GPU."""
    A10G = "a10g"
    """NVIDIA A10G, 24 GB (g5): small models, widely available spot."""
    L40S = "l40s"
    """NVIDIA L40S, 48 GB (g6e): 7B–70B (quantised) models, good price/performance."""
    A100 = "a100"
    """NVIDIA A100, 40 GB ×8 (p4d): large models, NVLink, MIG-capable."""
    A100_80GB = "a100-80gb"
    """NVIDIA A100, 80 GB ×8 (p4de): twice p4d's memory per GPU, NVLink, EFA, MIG-capable, no FP8."""
    H100 = "h100"
    """NVIDIA H100, 80 GB: ×1 (p5.4xlarge) for a single-GPU model, ×8 (p5.48xlarge) for the largest; EFA,
    MIG-capable."""
    H200 = "h200"
    """NVIDIA H200, 141 GB ×8 (p5en; p5e only when named in `instance_types`, it has no on-demand list price):
    a 70B model in BF16 on one node, EFA, MIG-capable."""
    B200 = "b200"
    """NVIDIA B200, 180 GB ×8 (p6-b200): the most memory per node, FP8, EFA, MIG-capable."""


class PoolCapacity(str, Enum):
    """Purchasing option of a GPU pool."""

    SPOT_WITH_ON_DEMAND_FALLBACK = "spot_with_on_demand_fallback"
    """Two NodePools: spot (higher weight, tried first) and on-demand (used when spot has no capacity)."""
    ON_DEMAND = "on_demand"
    """On-demand only: no interruptions, full price."""
    SPOT = "spot"
    """Spot only: cheapest, no fallback when spot capacity is gone. Refused in production."""
    RESERVED_THEN_ON_DEMAND = "reserved_then_on_demand"
    """The pool's `reservations` first (NodePool `<name>-reserved`, highest weight), then on-demand
    (`<name>-on-demand`) once every reserved instance is in use."""
    RESERVED_THEN_SPOT = "reserved_then_spot"
    """The pool's `reservations` first, then spot (`<name>-spot`); no on-demand. Refused in production."""
    RESERVED_ONLY = "reserved_only"
    """Only the pool's `reservations` (`<name>-reserved`): pods wait when every reserved instance is in use."""

    @property
    def reserved(self) -> bool:
        """Launches into capacity reservations first (needs `reservations`)."""
        return self.value.startswith("reserved")


class ConsolidationPolicy(str, Enum):
    """When Karpenter may remove or replace nodes of the CPU pool."""

    WHEN_EMPTY = "when_empty"
    """Only nodes without workload pods."""
    WHEN_EMPTY_OR_UNDERUTILIZED = "when_empty_or_underutilized"
    """Also bin-pack: evict pods from under-used nodes to remove or shrink them."""


def _duration(value: str, allow_never: bool = True) -> str:
    if allow_never and value == "Never":
        return value
    if not _DURATION.match(value):
        raise ValueError(
            "must be a duration such as 30s, 10m, 720h or 1h30m" + (", or Never" if allow_never else "")
        )
    return value


def durations(*fields: str, allow_never: bool = True):
    """A field validator: ``fields`` are Karpenter durations (``Never`` too, unless ``allow_never`` is False)."""
    return checked(*fields, check=lambda v: _duration(v, allow_never=allow_never))


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        domain, _, name = key.rpartition("/")
        # apimachinery IsQualifiedName: an optional DNS-subdomain prefix of at most 253 characters, then a name of
        # at most 63 (so a key may be 317 characters long).
        if not _LABEL_KEY.match(key) or len(domain) > 253 or len(name) > 63:
            raise ValueError(f"label key {key!r} is not a valid Kubernetes label key")
        # Karpenter owns these on NodePool templates, or refuses them (karpenter.sh/v1 NodePool CRD validations).
        if key == "kubernetes.io/hostname" or domain.endswith(("karpenter.sh", "karpenter.k8s.aws")):
            raise ValueError(f"label key {key!r} is reserved by Karpenter")
        if not _LABEL_VALUE.match(value) or len(value) > 63:
            raise ValueError(f"label {key!r}: value {value!r} must be ≤ 63 alphanumerics, '-', '_' or '.'")
    return labels


_RESERVATION_ID = re.compile(r"^cr-[0-9a-z]+$")
"""Karpenter v1.14.1 pkg/apis/v1/ec2nodeclass.go CapacityReservationSelectorTerm.ID (`^cr-[0-9a-z]+$`)."""
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
"""Same file, CapacityReservationSelectorTerm.OwnerID."""
MAX_RESERVATIONS = 30
"""EC2NodeClass `capacityReservationSelectorTerms` MaxItems (same file)."""


class ReservationKind(str, Enum):
    """What kind of EC2 capacity reservation (Karpenter's `reservationType`: `default` or `capacity-block`)."""

    ODCR = "odcr"
    """On-Demand Capacity Reservation: billed at the on-demand rate for every reserved instance whether an instance
    runs in it or not; when it ends, its instances keep running as plain on-demand."""
    CAPACITY_BLOCK = "capacity_block"
    """Capacity Block for ML: paid up front for a fixed window; EC2 reclaims its instances 30 minutes before the
    end, and Karpenter drains them 10 minutes before that."""


class CapacityReservationSpec(SpecModel):
    """One EC2 capacity reservation (or a set of them, selected by tags) a pool launches into first. Karpenter
    finds it through the pool's EC2NodeClass (`capacityReservationSelectorTerms`); the offline plan cannot read
    AWS, so the size and type of the reservation are stated here, for the NodePool ceiling and the cost."""

    id: Optional[str] = None
    """The reservation's id (`cr-0123456789abcdef0`); or select by `tags` instead."""
    tags: Optional[dict[str, str]] = None
    """Select every reservation carrying these tags (`*` matches any value); instead of `id`."""
    owner_id: Optional[str] = None
    """With `tags` only: the AWS account that owns the reservations (shared reservations); default: any owner."""
    kind: ReservationKind = ReservationKind.ODCR
    """odcr (an On-Demand Capacity Reservation) or capacity_block (a Capacity Block for ML)."""
    instance_type: str
    """The reserved instance type; it must be one the pool launches."""
    instance_count: int = Field(ge=1)
    """Instances reserved (with `tags`: in all the selected reservations together). Bounds the pool's reserved
    NodePool and prices the reservation."""
    hourly_usd: Optional[float] = Field(default=None, gt=0)
    """odcr only: what one reserved instance-hour costs you, when not the catalog's on-demand price (Savings Plans
    and regional Reserved Instances discount reservations)."""
    upfront_usd: Optional[float] = Field(default=None, gt=0)
    """capacity_block only, required: the fee paid up front for the whole block (the offering's `upfrontFee`)."""

    _id = matches("id", pattern=_RESERVATION_ID, message="must be a capacity reservation id such as cr-0123456789abcdef0")
    _owner = matches("owner_id", pattern=_ACCOUNT_ID, message="must be a 12-digit AWS account id")

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
        # EC2NodeClass CRD: tags MaxProperties 20, and CEL "empty tag keys or values aren't supported".
        if v is not None:
            if not v or len(v) > 20:
                raise ValueError("must hold 1 to 20 tags")
            if any(not key or not value for key, value in v.items()):
                raise ValueError("tag keys and values must not be empty (use '*' to match any value)")
        return v

    @model_validator(mode="after")
    def _selector(self) -> "CapacityReservationSpec":
        # Karpenter v1.14.1 ec2nodeclass.go: a term needs id or tags, and `id` excludes every other selector field.
        if (self.id is None) == (self.tags is None):
            raise FieldError("id", "give either id (cr-…) or tags, not both and not neither")
        if self.owner_id is not None and self.id is not None:
            raise FieldError("owner_id", "an id selects one reservation already; owner_id goes with tags only")
        if self.kind is ReservationKind.CAPACITY_BLOCK:
            if self.upfront_usd is None:
                raise FieldError("upfront_usd", "a capacity_block is paid up front: give the fee you paid")
            if self.hourly_usd is not None:
                raise FieldError("hourly_usd", "a capacity_block is priced by upfront_usd, not hourly_usd")
        elif self.upfront_usd is not None:
            raise FieldError("upfront_usd", "an odcr is billed hourly (hourly_usd); upfront_usd is for capacity_block")
        return self


class GpuLimitsSpec(SpecModel):
    """Upper bounds on what one GPU pool may launch (Karpenter NodePool `limits`): the cost ceiling."""

    gpus: int = 8
    """Most GPUs (`nvidia.com/gpu`) the pool may run at once; for spot with on-demand fallback, the spot pool's
    ceiling; for reserved capacities, the fallback's (the reservations bound the reserved NodePool, and
    reserved_only does not use it). 0 stops new nodes without deleting the pool."""
    on_demand_gpus: Optional[int] = None
    """Ceiling of the on-demand fallback pool; default: `gpus`. Worst case the class runs both ceilings."""
    cpu: Optional[int] = None
    """vCPU ceiling; default: `gpus` × the largest vCPU-per-GPU ratio of the pool's instance types."""
    memory_gib: Optional[int] = None
    """Memory ceiling (GiB); default: `gpus` × the largest memory-per-GPU ratio of the pool's instance types."""

    @model_validator(mode="after")
    def _non_negative(self) -> "GpuLimitsSpec":
        for name in ("gpus", "on_demand_gpus", "cpu", "memory_gib"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise FieldError(name, f"must be ≥ 0 (got {value}); use 0 to stop the pool from launching nodes")
        return self


class GpuDisruptionSpec(SpecModel):
    """How Karpenter may remove GPU nodes. GPU pools consolidate only empty nodes: a node serving a model is never
    evicted to bin-pack (reloading weights costs minutes of capacity)."""

    consolidate_after: str = "10m"
    """How long a GPU node must be empty before it is removed (absorbs short gaps between bursts)."""
    expire_after: str = "720h"
    """Replace nodes after this age (AMI and driver patches); `Never` keeps them until drift or interruption.
    Karpenter expires nodes regardless of disruption budgets, so a pool hosting multi-node models (a replica's nodes
    are created together and would expire together) must say `Never`; AMI updates then roll through drift, one node
    at a time."""
    fallback_expire_after: str = "24h"
    """Lifetime of the *fallback* nodes: on-demand of a `spot_with_on_demand_fallback` pool, on-demand or spot of
    a `reserved_then_*` pool. They exist only because the preferred capacity ran short; expiring them returns their
    pods to spot or to the (already paid) reservations, tried first, where `WhenEmpty` consolidation alone never
    would. Must be shorter than `expire_after` to mean anything."""
    termination_grace_period: str = "1h"
    """Longest a draining node waits for pods (also bounds `karpenter.sh/do-not-disrupt`) before it is removed."""
    max_disrupted: str = "10%"
    """Most nodes of the pool disrupted at once for any reason (`N` or `N%`)."""
    max_drifted: str = "1"
    """Most nodes replaced at once for drift (AMI, NodeClass changes), so a rollout never empties a class."""

    _durations = durations("consolidate_after", "termination_grace_period", "fallback_expire_after", allow_never=False)
    _expire = durations("expire_after")

    @field_validator("max_disrupted", "max_drifted")
    @classmethod
    def _budget(cls, v: str) -> str:
        if not _BUDGET_NODES.match(v):
            raise ValueError("must be a node count such as 1 or a percentage such as 10%")
        return v


class GpuNodePoolSpec(SpecModel):
    """One GPU class's Karpenter capacity: node labels `gpu-platform.io/gpu-class=<class>`, taint
    `nvidia.com/gpu=true:NoSchedule`, right-sized among the class's instance types."""

    name: str
    """NodePool name stem (`<name>-spot`, `<name>-on-demand`, `<name>-reserved`), Kubernetes-name style,
    ≤ 40 characters."""
    gpu_class: GpuClassName
    """GPU class: l4, a10g, l40s, a100, a100-80gb, h100, h200 or b200 (see the catalog for instance types)."""
    capacity: PoolCapacity = PoolCapacity.SPOT_WITH_ON_DEMAND_FALLBACK
    """spot_with_on_demand_fallback (default), on_demand, spot (not in production), or with `reservations`:
    reserved_then_on_demand, reserved_then_spot (not in production) or reserved_only."""
    reservations: list[CapacityReservationSpec] = Field(default_factory=list)
    """Capacity reservations (ODCRs, Capacity Blocks) the pool launches into before anything else; only with a
    reserved_* capacity. The pool gets an EC2NodeClass of its own (`gpu-<name>`) selecting them, so no other pool
    uses them; adding the first reservation to a running pool therefore replaces its nodes (drift, one at a time)."""
    instance_types: Optional[list[str]] = None
    """Restrict to these instance types of the class (e.g. `[g6e.xlarge, g6e.2xlarge]`); default: all of them,
    and Karpenter picks the cheapest that fits the pending pods."""
    max_gpus_per_node: Optional[int] = None
    """Exclude instance types with more GPUs than this (keeps single-GPU models off 8-GPU nodes)."""
    min_gpus_per_node: Optional[int] = None
    """Exclude instance types with fewer GPUs than this (multi-GPU tensor-parallel pools)."""
    ami_family: AmiFamily = AmiFamily.AL2023
    """AMI family of the pool's nodes: al2023 (device plugin via Helm) or bottlerocket (built-in plugin)."""
    limits: GpuLimitsSpec = Field(default_factory=GpuLimitsSpec)
    """Resource ceilings of the pool."""
    disruption: GpuDisruptionSpec = Field(default_factory=GpuDisruptionSpec)
    """Consolidation, expiry and disruption budgets."""
    time_slicing: Optional[TimeSlicingSpec] = None
    """Share each GPU between pods by time-slicing; not together with `mig`."""
    mig: Optional[MigSpec] = None
    """Partition each GPU with MIG (a100, a100-80gb, h100, h200, b200); not together with `time_slicing`."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Extra node labels (team, workload tier). Karpenter's own domains are refused."""

    _name = short_name("name", max_len=40)

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_labels(v)

    @model_validator(mode="after")
    def _consistent(self) -> "GpuNodePoolSpec":
        catalog = GPU_CLASSES[self.gpu_class.value]
        known = [i.name for i in catalog.instances]
        if self.instance_types is not None:
            if not self.instance_types:
                raise FieldError("instance_types", "must not be empty; omit it to allow every type of the class")
            for t in self.instance_types:
                if t not in known:
                    raise FieldError(
                        "instance_types", f"{t!r} does not carry {self.gpu_class.value} GPUs; choose from {', '.join(known)}"
                    )
        for bound in ("max_gpus_per_node", "min_gpus_per_node"):
            value = getattr(self, bound)
            if value is not None and value < 1:
                raise FieldError(bound, f"must be ≥ 1 (got {value})")
        if (
            self.max_gpus_per_node is not None
            and self.min_gpus_per_node is not None
            and self.min_gpus_per_node > self.max_gpus_per_node
        ):
            raise FieldError("max_gpus_per_node", f"must be ≥ min_gpus_per_node ({self.min_gpus_per_node})")
        if not self.allowed_instance_types():
            raise FieldError(
                "max_gpus_per_node" if self.max_gpus_per_node is not None else "min_gpus_per_node",
                f"leaves no {self.gpu_class.value} instance type (GPU counts offered: "
                f"{sorted({i.gpus for i in catalog.instances})})",
            )
        if self.time_slicing is not None and self.mig is not None:
            raise FieldError("mig", "choose either time_slicing or mig for a pool, not both")
        if self.mig is not None:
            self._check_mig(catalog.name, catalog.mig_profiles)
        if self.limits.gpus > 0 and self.limits.gpus < min(i.gpus for i in self._instances()):
            raise FieldError(
                "limits.gpus",
                f"{self.limits.gpus} is below the smallest allowed node ({min(i.gpus for i in self._instances())} GPUs); "
                "no node could ever launch",
            )
        return self

    @model_validator(mode="after")
    def _reserved(self) -> "GpuNodePoolSpec":
        if not self.capacity.reserved:
            if self.reservations:
                raise FieldError("reservations", f"capacity {self.capacity.value} never launches into reservations; "
                                 "use reserved_then_on_demand, reserved_then_spot or reserved_only")
            return self
        if not self.reservations:
            raise FieldError("reservations", f"capacity {self.capacity.value} needs at least one reservation "
                             "(id: cr-… or tags, with instance_type and instance_count)")
        if len(self.reservations) > MAX_RESERVATIONS:
            raise FieldError("reservations", f"at most {MAX_RESERVATIONS} per pool (EC2NodeClass limit)")
        allowed = self.allowed_instance_types()
        seen: dict[str, int] = {}
        for i, r in enumerate(self.reservations):
            if r.instance_type not in allowed:
                raise FieldError(f"reservations[{i}].instance_type",
                                 f"{r.instance_type!r} is not launched by this pool; choose from {', '.join(allowed)}")
            if r.id is not None and r.id in seen:
                raise FieldError(f"reservations[{i}].id", f"{r.id} is already reservations[{seen[r.id]}]")
            if r.id is not None:
                seen[r.id] = i
        return self

    def reserved_gpus(self) -> int:
        """Physical GPUs in the pool's reservations as stated (the reserved NodePool's ceiling)."""
        gpus = {i.name: i.gpus for i in GPU_CLASSES[self.gpu_class.value].instances}
        return sum(r.instance_count * gpus[r.instance_type] for r in self.reservations)

    def _check_mig(self, gpu: str, offered: tuple[str, ...]) -> None:
        assert self.mig is not None
        if not offered:
            capable = ", ".join(c.name for c in GPU_CLASSES.values() if c.mig_capable)
            raise FieldError("mig", f"{gpu} GPUs have no MIG; MIG-capable classes: {capable}")
        if self.ami_family is AmiFamily.BOTTLEROCKET:
            raise FieldError("mig", "MIG partitioning is rendered for al2023 pools only; use ami_family al2023")
        problem = mig_fit_problem(self.mig.profiles, gpu, offered)
        if problem is not None:
            raise FieldError("mig.profiles", problem)

    def _instances(self):
        return pool_instances(self.gpu_class.value, self.instance_types, self.min_gpus_per_node, self.max_gpus_per_node)

    def allowed_instance_types(self) -> list[str]:
        """Instance types this pool may launch, in catalog order (smallest first)."""
        return [i.name for i in self._instances()]


class CpuNodePoolSpec(SpecModel):
    """The general-purpose CPU NodePool (proxies, operators' workloads, batch jobs): no GPU, no taint."""

    enabled: bool = True
    """Create the CPU pool."""
    capacity: PoolCapacity = PoolCapacity.SPOT_WITH_ON_DEMAND_FALLBACK
    """Purchasing option: spot_with_on_demand_fallback, on_demand or spot (refused in production); the reserved_*
    choices need reservations, which only GPU pools have."""
    instance_categories: list[str] = Field(default_factory=lambda: ["c", "m", "r"])
    """EC2 instance categories allowed (`c`, `m`, `r`, `t`)."""
    min_generation: int = Field(default=6, ge=2, le=9)
    """Oldest instance generation allowed (6 = m6i/c6i and newer)."""
    limits_cpu: int = Field(default=200, ge=0)
    """vCPU ceiling of the pool."""
    limits_memory_gib: int = Field(default=800, ge=0)
    """Memory ceiling of the pool (GiB)."""
    consolidation: ConsolidationPolicy = ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED
    """CPU pods are cheap to move, so the pool bin-packs by default."""
    consolidate_after: str = "1m"
    """How long a node must be empty/underused before consolidation acts."""
    expire_after: str = "720h"
    """Replace nodes after this age; `Never` disables expiry."""
    root_volume_gib: int = Field(default=50, ge=20, le=16384)
    """Encrypted gp3 root volume of CPU nodes."""

    @field_validator("instance_categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("must allow at least one instance category")
        for c in v:
            if c in ("g", "p", "inf", "trn", "dl"):
                raise ValueError(f"{c!r} is an accelerator category; GPU capacity belongs in gpu.node_pools")
            if not re.match(r"^[a-z]{1,3}$", c):
                raise ValueError(f"{c!r} is not an EC2 instance category such as m")
        return v

    _consolidate = durations("consolidate_after", allow_never=False)
    _expire = durations("expire_after")

    @field_validator("capacity")
    @classmethod
    def _not_reserved(cls, v: PoolCapacity) -> PoolCapacity:
        if v.reserved:
            raise ValueError("the CPU pool has no reservations; use spot_with_on_demand_fallback, on_demand or spot")
        return v
