"""Cost at catalog prices: per hour at min and max replicas, on-demand and spot, and per month."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional

from ..catalog.gpus import HOURS_PER_MONTH, InstanceType
from ..spec.model import ModelSpec


def monthly_usd(hourly: float) -> float:
    """An hourly price over the catalog's HOURS_PER_MONTH, to the cent."""
    return round(hourly * HOURS_PER_MONTH, 2)


class _Monthly:
    """A read-only monthly figure derived from an hourly field of :class:`Cost` (not a dataclass field)."""

    def __init__(self, hourly_field: str) -> None:
        self.hourly_field = hourly_field

    def __get__(self, obj: Optional["Cost"], owner: type) -> Any:
        return self if obj is None else monthly_usd(getattr(obj, self.hourly_field))


@dataclass(frozen=True)
class Cost:
    """Estimated USD cost at catalog prices (per hour and per HOURS_PER_MONTH-hour month)."""

    on_demand_hourly_min: float
    on_demand_hourly_max: float
    spot_hourly_min: float
    spot_hourly_max: float
    prices_as_of: str

    on_demand_monthly_min = _Monthly("on_demand_hourly_min")
    on_demand_monthly_max = _Monthly("on_demand_hourly_max")
    spot_monthly_min = _Monthly("spot_hourly_min")
    spot_monthly_max = _Monthly("spot_hourly_max")

    def report(self) -> dict[str, Any]:
        """The hourly fields and the monthly figures derived from them (JSON-friendly)."""
        monthly = {name: getattr(self, name) for name, attr in vars(Cost).items() if isinstance(attr, _Monthly)}
        return {**asdict(self), **monthly}


def fixed_replicas(spec: ModelSpec) -> int:
    """Replicas that run whatever the load: warm headroom and the canary."""
    return spec.headroom_replicas + (spec.canary.replicas if spec.canary else 0)


def model_cost(spec: ModelSpec, inst: InstanceType, tp: int, pp: int) -> Cost:
    """What the model's replicas cost at the chosen instance's catalog prices: each replica its share of ``pp``
    nodes (``tp`` of the node's GPUs on each; replicas of a multi-GPU node share it), at min and max autoscaling
    plus the fixed replicas."""
    a = spec.autoscaling
    fixed = fixed_replicas(spec)
    share = pp * tp / inst.gpus
    od, spot = inst.on_demand_usd_hr * share, inst.spot_usd_hr * share
    return Cost(
        on_demand_hourly_min=round(od * (a.min_replicas + fixed), 3),
        on_demand_hourly_max=round(od * (a.max_replicas + fixed), 3),
        spot_hourly_min=round(spot * (a.min_replicas + fixed), 3),
        spot_hourly_max=round(spot * (a.max_replicas + fixed), 3),
        prices_as_of=inst.price_as_of,
    )
