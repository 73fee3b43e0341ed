"""What a platform costs per hour, line by line: the floor it pays before any model runs, then each model at its
minimum and maximum replicas, priced only at the capacity types its pool can use.

- **Floor**: the EKS control plane (standard or extended support by version), NAT gateways, the system node group
  (min to max nodes), Prometheus' volume. The gateway (LiteLLM) runs on the system nodes, so it is inside that line.
- **Models**: replicas × GPUs per replica × the GPU's share of its instance's price. Replicas of a model that uses
  fewer GPUs than a node has share that node (Karpenter bin-packs them), so a one-GPU replica on an 8-GPU node costs
  1/8 of it; a replica running alone on such a node costs the whole node (said in the line's basis).
- **Capacity types**: an on-demand pool at on-demand prices; a spot pool at spot prices; a spot pool with on-demand
  fallback at spot for the minimum and on-demand for the maximum (spot can run out exactly when load peaks).

The lines add up to the totals (tests/resolve/test_cost.py sums them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog.gpus import HOURS_PER_MONTH, PRICES_AS_OF, find_instance
from ..catalog.prices import (
    EBS_GP3_USD_GB_MONTH,
    NAT_GATEWAY_USD_HR,
    PLATFORM_PRICES_AS_OF,
    cpu_instance_usd_hr,
    eks_control_plane_usd_hr,
)
from ..sizing.capacity import ON_DEMAND, RESERVED, SPOT, placement, reserved_commitments
from ..sizing.cost import fixed_replicas
from ..spec import PlatformSpec
from .models import ResolvedModel


@dataclass(frozen=True)
class CostLine:
    """One line of the bill, USD per hour at the low and high end."""

    key: str
    """Stable identity of the line (`eks`, `model/<name>` …): a diff pairs lines by it."""
    item: str
    usd_hr_min: float
    usd_hr_max: float
    basis: str
    """How it was priced (what an argument about the number starts from)."""

    def report(self) -> dict[str, Any]:
        return {"key": self.key, "item": self.item, "usd_per_hour_min": round(self.usd_hr_min, 3),
                "usd_per_hour_max": round(self.usd_hr_max, 3), "basis": self.basis}


@dataclass(frozen=True)
class PlatformCost:
    floor: tuple[CostLine, ...]
    models: dict[str, CostLine] = field(default_factory=dict)

    @property
    def lines(self) -> tuple[CostLine, ...]:
        return (*self.floor, *self.models.values())

    @property
    def usd_hr_min(self) -> float:
        return sum(line.usd_hr_min for line in self.lines)

    @property
    def usd_hr_max(self) -> float:
        return sum(line.usd_hr_max for line in self.lines)

    def report(self) -> dict[str, Any]:
        """The `cost` stack output: every line, the floor and the totals, per hour and per month."""
        floor_min = sum(line.usd_hr_min for line in self.floor)
        floor_max = sum(line.usd_hr_max for line in self.floor)
        return {
            "lines": [line.report() for line in self.lines],
            "floor_usd_per_hour": [round(floor_min, 3), round(floor_max, 3)],
            "total_usd_per_hour": [round(self.usd_hr_min, 3), round(self.usd_hr_max, 3)],
            "total_usd_per_month": [round(self.usd_hr_min * HOURS_PER_MONTH), round(self.usd_hr_max * HOURS_PER_MONTH)],
            "prices_as_of": {"gpu_instances": PRICES_AS_OF, "platform": PLATFORM_PRICES_AS_OF},
        }


def _nat_gateways(spec: PlatformSpec) -> int:
    return spec.network.az_count if spec.network.nat.value == "one_per_az" else 1


def floor_lines(spec: PlatformSpec) -> list[CostLine]:
    """What the platform costs with no model running."""
    version = spec.cluster.kubernetes_version
    eks = eks_control_plane_usd_hr(version)
    support = "extended" if eks > 0.1 else "standard"
    nats = _nat_gateways(spec)
    lines = [
        CostLine("eks", "EKS control plane", eks, eks, f"Kubernetes {version} in {support} support, {PLATFORM_PRICES_AS_OF}"),
        CostLine("nat", f"NAT gateways ({nats})", nats * NAT_GATEWAY_USD_HR, nats * NAT_GATEWAY_USD_HR,
                 f"{nats} × ${NAT_GATEWAY_USD_HR}/h, plus $0.045 per GB processed (traffic, not estimated)"),
    ]
    system = spec.system_nodes
    kind = system.instance_types[0]
    price = cpu_instance_usd_hr(kind)
    if price is not None:
        lines.append(CostLine("system-nodes", f"system nodes ({system.min_size}–{system.max_size} × {kind})",
                              system.min_size * price, system.max_size * price,
                              f"${price}/h on-demand each; runs the controllers and the LLM gateway"))
    else:
        lines.append(CostLine("system-nodes", f"system nodes ({system.min_size}–{system.max_size} × {kind})", 0.0, 0.0,
                              f"{kind} is not in the price catalog (catalog/prices.py): not estimated"))
    storage = spec.operators.monitoring.prometheus.storage_gib if spec.operators.monitoring.enabled else None
    if storage:
        replicas = spec.operators.monitoring.prometheus.replicas
        usd = replicas * storage * EBS_GP3_USD_GB_MONTH / HOURS_PER_MONTH
        lines.append(CostLine("prometheus-volumes", "Prometheus volumes", usd, usd,
                              f"{replicas} × {storage} GiB gp3 at ${EBS_GP3_USD_GB_MONTH}/GB-month"))
    return lines


def reservation_lines(spec: PlatformSpec) -> list[CostLine]:
    """What every pool's reservations cost whether used or not: an ODCR by the hour (in the floor); a Capacity
    Block's fee is paid up front, so it is stated in the line's basis and not in the hourly total."""
    lines = []
    for pool in spec.gpu.node_pools:
        for c in reserved_commitments(pool):
            what = f"{c.instance_count} × {c.instance_type}"
            if c.hourly_usd is not None:
                lines.append(CostLine(f"reservation/{pool.name}/{c.selector}", f"reservation {c.selector} ({what})",
                                      c.hourly_usd, c.hourly_usd,
                                      f"ODCR of pool {pool.name}, billed whether used or not ({c.price_source})"))
            else:
                lines.append(CostLine(f"reservation/{pool.name}/{c.selector}", f"capacity block {c.selector} ({what})",
                                      0.0, 0.0, f"${c.upfront_usd:,.0f} paid up front for the block (not hourly); pool "
                                                f"{pool.name}"))
    return lines


_PER_GPU = {SPOT: "spot", ON_DEMAND: "on-demand"}


def model_line(model: ResolvedModel, spec: PlatformSpec) -> CostLine:
    """A model's hourly cost at its min and max replicas: replicas its pool's reservations hold are already paid
    (the reservation lines); the rest at the prices of the capacity types its pool falls back to, the first one at
    the minimum and the last one at the maximum (spot can run out exactly when load peaks)."""
    s = model.sizing
    found = find_instance(s.instance_type)
    assert found is not None  # sizing only chooses catalog instances
    _, inst = found
    gpus = s.tensor_parallel_size * s.pipeline_parallel_size
    price = {SPOT: inst.spot_usd_hr / inst.gpus, ON_DEMAND: inst.on_demand_usd_hr / inst.gpus}
    where = placement(model.spec, s, spec)
    types = [step.capacity_type for step in where.capacity if step.capacity_type != RESERVED] or [ON_DEMAND]
    fixed = fixed_replicas(model.spec)
    lo_n, hi_n = model.spec.autoscaling.min_replicas + fixed, model.spec.autoscaling.max_replicas + fixed
    held = min(where.reserved_replicas, hi_n)  # a reservation larger than the model holds all of its replicas
    low = max(0, lo_n - held) * gpus * price[types[0]]
    high = max(0, hi_n - held) * gpus * price[types[-1]]
    how = _PER_GPU[types[0]] if types[0] == types[-1] else f"{_PER_GPU[types[0]]} at the minimum, {_PER_GPU[types[-1]]} at the maximum"
    if held == hi_n:
        how = f"all {held} replica(s) on reserved capacity (already paid)"
    elif held:
        how = f"{held} replica(s) on reserved capacity (already paid), the rest {how}"
    share = f"{gpus} of {inst.gpus} GPUs of {inst.name}" if gpus < inst.gpus else f"{gpus // inst.gpus} × {inst.name}"
    alone = f"; a replica alone on its node pays all {inst.gpus}" if gpus < inst.gpus else ""
    extra = f", {fixed} of them headroom/canary" if fixed else ""
    return CostLine(
        f"model/{model.spec.name}",
        f"model {model.spec.name} ({lo_n}–{hi_n} replicas{extra})", low, high,
        f"{share} per replica, {how} (pool {s.pool or s.gpu_class}){alone}; {inst.name} priced {inst.price_as_of}",
    )


def model_cost_report(model: ResolvedModel, spec: PlatformSpec) -> dict[str, Any]:
    """A ModelDeployment's `cost` output: its line, per hour and per month, at its pool's capacity types."""
    line = model_line(model, spec)
    return {"usd_per_hour_min": round(line.usd_hr_min, 3), "usd_per_hour_max": round(line.usd_hr_max, 3),
            "usd_per_month_min": round(line.usd_hr_min * HOURS_PER_MONTH, 2),
            "usd_per_month_max": round(line.usd_hr_max * HOURS_PER_MONTH, 2), "basis": line.basis}


def model_summary(model: ResolvedModel, spec: PlatformSpec) -> dict[str, Any]:
    """The per-model report the `models` output carries: memory, placement, parallelism, cold start and cost."""
    s, line = model.sizing, model_line(model, spec)
    return {
        "weights_gib": s.weights_gib,
        "kv_cache_gib": s.kv_cache_gib,
        "instance_type": s.instance_type,
        "pool": s.pool,
        "gpus_per_replica": s.gpus_per_replica,
        "tensor_parallel": s.tensor_parallel_size,
        "pipeline_parallel": s.pipeline_parallel_size,
        "backend": s.backend.value,
        "placement": placement(model.spec, s, spec).reason,
        "cold_start_seconds": {"new_node": s.cold_start.total_s, "warm_node": s.cold_start.warm_s},
        "cost_per_hour": {"min_replicas": round(line.usd_hr_min, 3), "max_replicas": round(line.usd_hr_max, 3),
                          "basis": line.basis},
    }


def platform_cost(spec: PlatformSpec, models: tuple[ResolvedModel, ...] | list[ResolvedModel]) -> PlatformCost:
    """The floor and every model's line (the platform program's `cost` output)."""
    return PlatformCost(tuple(floor_lines(spec) + reservation_lines(spec)),
                        {m.spec.name: model_line(m, spec) for m in models})
