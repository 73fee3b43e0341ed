"""What a GPU pool launches, in which order, and what its reservations cost whether used or not; where a model lands
and why. Pure data for the cost model and the plan, read from the spec (the offline plan cannot ask AWS).

How Karpenter v1.14.1 orders capacity (sources under /root/go/pkg/mod):

- reserved first: a reservation becomes an instance-type offering priced at on-demand / 10,000,000, "free" while
  keeping consolidation's order (karpenter-provider-aws pkg/providers/instancetype/offering/
  reserved_capacity_resolver.go), and a launch tries reserved, then spot, then on-demand (pkg/providers/instance/
  instance.go getCapacityType);
- between NodePools, the higher weight is tried first, and a pod that could still get a reservation never falls
  through to a lower weight (sigs.k8s.io/karpenter pkg/controllers/provisioning/scheduling/scheduler.go
  addToNewNodeClaim; the provisioner runs it with DisableReservedCapacityFallback, provisioner.go).

Billing (AWS EC2 User Guide): an On-Demand Capacity Reservation "is charged at the equivalent On-Demand rate whether
you run instances in reserved capacity or not", and Savings Plans / regional RIs discount it
(docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-pricing-billing.html); a Capacity Block is paid up
front, its offering's `upfrontFee` being "the total price to be paid up front"
(docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CapacityBlockOffering.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ..catalog.gpus import GPU_CLASSES, PRICES_AS_OF
from ..spec.model import ModelSpec
from .offer import gpu_pools
from .result import Sizing

RESERVED, SPOT, ON_DEMAND = "reserved", "spot", "on-demand"
"""`karpenter.sh/capacity-type` values (sigs.k8s.io/karpenter pkg/apis/v1/labels.go)."""

CAPACITY_ORDER: dict[str, tuple[str, ...]] = {
    "spot_with_on_demand_fallback": (SPOT, ON_DEMAND),
    "on_demand": (ON_DEMAND,),
    "spot": (SPOT,),
    "reserved_then_on_demand": (RESERVED, ON_DEMAND),
    "reserved_then_spot": (RESERVED, SPOT),
    "reserved_only": (RESERVED,),
}
"""Capacity types per pool capacity, preferred first: one NodePool each (`<pool>-<type>`)."""


@dataclass(frozen=True)
class CapacityStep:
    """One NodePool of a GPU pool: its capacity type, name and ceiling (physical GPUs)."""

    capacity_type: str
    node_pool: str
    gpus: int
    fallback: bool
    """Launched only when the steps before it have no capacity; its nodes live `fallback_expire_after`."""


def capacity_steps(pool: Any) -> list[CapacityStep]:
    """The pool's NodePools in the order Karpenter tries them. Ceilings: the stated reservations bound the reserved
    NodePool; `limits.gpus` the first non-reserved one; `limits.on_demand_gpus` (default `gpus`) the on-demand
    fallback of a spot pool."""
    order = CAPACITY_ORDER[pool.capacity.value]
    steps = []
    for i, capacity_type in enumerate(order):
        if capacity_type == RESERVED:
            gpus = pool.reserved_gpus()
        elif i > 0 and order[0] == SPOT:
            gpus = pool.limits.on_demand_gpus if pool.limits.on_demand_gpus is not None else pool.limits.gpus
        else:
            gpus = pool.limits.gpus
        steps.append(CapacityStep(capacity_type, f"{pool.name}-{capacity_type}", gpus, fallback=i > 0))
    return steps


def pool_gpu_ceiling(pool: Any) -> int:
    """Whole GPUs the pool may run at once, all its NodePools together."""
    return sum(step.gpus for step in capacity_steps(pool))


@dataclass(frozen=True)
class ReservedCommitment:
    """What one reservation entry costs whether any pod uses it: hourly (ODCR) or up front (Capacity Block)."""

    selector: str
    """`cr-…`, or the tags (and owner) selecting the reservations."""
    kind: str
    instance_type: str
    instance_count: int
    gpus: int
    hourly_usd: Optional[float]
    """odcr: every reserved instance-hour, used or not (None for a capacity block)."""
    upfront_usd: Optional[float]
    """capacity_block: the fee paid for the whole block (None for an odcr)."""
    price_source: str


def _selector(r: Any) -> str:
    if r.id is not None:
        return r.id
    tags = ",".join(f"{k}={v}" for k, v in sorted(r.tags.items()))
    return f"tags {tags}" + (f" owner {r.owner_id}" if r.owner_id else "")


def reserved_commitments(pool: Any) -> list[ReservedCommitment]:
    """Each reservation of the pool with what it costs regardless of use."""
    instances = {i.name: i for i in GPU_CLASSES[pool.gpu_class.value].instances}
    out = []
    for r in pool.reservations:
        inst = instances[r.instance_type]
        hourly = upfront = None
        if r.kind.value == "capacity_block":
            upfront, source = r.upfront_usd, "stated upfront fee"
        elif r.hourly_usd is not None:
            hourly, source = round(r.hourly_usd * r.instance_count, 3), "stated hourly rate"
        else:
            hourly = round(inst.on_demand_usd_hr * r.instance_count, 3)
            source = f"catalog on-demand price ({PRICES_AS_OF})"
        out.append(ReservedCommitment(_selector(r), r.kind.value, r.instance_type, r.instance_count,
                                      inst.gpus * r.instance_count, hourly, upfront, source))
    return out


@dataclass(frozen=True)
class Placement:
    """Where a sized model lands: the pool, why, the capacity it tries in order, and how many of its replicas the
    pool's reservations of the model's instance type can hold."""

    pool: Optional[str]
    reason: str
    capacity: tuple[CapacityStep, ...]
    reserved_replicas: int


def _class_reason(spec: ModelSpec, sizing: Sizing) -> str:
    if spec.instance_type:
        return f"instance_type {spec.instance_type} is set"
    if spec.gpu_class:
        return f"gpu_class {spec.gpu_class} is set; {sizing.instance_type} is its cheapest fit"
    return f"{sizing.instance_type} ({sizing.gpu_class}) is the cheapest offered instance that fits"


def placement(spec: ModelSpec, sizing: Sizing, platform: object) -> Placement:
    """The pool ``sizing`` chose for ``spec`` (see :func:`.pools.size_for_platform`) and why, with that pool's
    capacity order, and how many replicas the pool's reservations of the chosen instance type hold: a
    pipeline-parallel replica takes `pp` nodes, a one-node replica `tp` of the node's GPUs."""
    pool = next((p for p in gpu_pools(platform) if p.name == sizing.pool), None)
    if pool is None:
        return Placement(None, "the platform declares no GPU node pools", (), 0)
    why = "named by the model (pool)" if spec.pool is not None else f"the one whole-GPU {sizing.gpu_class} pool"
    reason = f"{why}; {_class_reason(spec, sizing)}"
    nodes = sum(r.instance_count for r in pool.reservations if r.instance_type == sizing.instance_type)
    if sizing.pipeline_parallel_size > 1:
        replicas = nodes // sizing.pipeline_parallel_size
    else:
        replicas = nodes * (sizing.gpus_per_node // sizing.tensor_parallel_size)
    return Placement(pool.name, reason, tuple(capacity_steps(pool)), replicas)
