"""GPU capacity: Karpenter node classes and pools per GPU class, GPU sharing (time-slicing, MIG), GPU add-ons.

The section's parts live by concern: :mod:`.node_pools` (GPU and CPU NodePools), :mod:`.node_classes`
(EC2NodeClasses per AMI family) and :mod:`.gpu_sharing` (time-slicing, MIG); this module holds the section
itself (`GpuSpec`), the Karpenter controller and the DCGM exporter, and re-exports the parts' public names.

Environment-dependent rules (production refuses spot-only pools and floating AMIs) live in
`PlatformSpec`, which knows the environment; everything that only needs this section is checked here.
"""

from __future__ import annotations

import re
from typing import Optional

from pydantic import Field, field_validator, model_validator

from ._base import FieldError, SpecModel
from .gpu_sharing import MIG_COMPUTE_SLICES, MIG_MEMORY_SLICES, MigSpec, MigStrategy, TimeSlicingSpec
from .node_classes import AMI_VERSION_PATTERNS, AmiFamily, NodeClassSpec
from .node_pools import (
    ConsolidationPolicy,
    CpuNodePoolSpec,
    GpuClassName,
    GpuDisruptionSpec,
    GpuLimitsSpec,
    GpuNodePoolSpec,
    PoolCapacity,
    durations,
)

__all__ = [  # the section's public names, by the module that defines them
    "MIG_COMPUTE_SLICES", "MIG_MEMORY_SLICES", "MigSpec", "MigStrategy", "TimeSlicingSpec",
    "AMI_VERSION_PATTERNS", "AmiFamily", "NodeClassSpec",
    "ConsolidationPolicy", "CpuNodePoolSpec", "GpuClassName", "GpuDisruptionSpec", "GpuLimitsSpec", "GpuNodePoolSpec",
    "PoolCapacity",
    "DcgmSpec", "GpuSpec", "KarpenterSpec",
]


class DcgmSpec(SpecModel):
    """NVIDIA DCGM exporter on every GPU node (GPU utilisation, memory, temperature, per pod)."""

    enabled: bool = True
    """Install the exporter when the platform has GPU pools."""
    pod_label_allowlist: list[str] = Field(
        default_factory=lambda: [
            r"^app\.kubernetes\.io/name$",
            r"^serving\.kserve\.io/inferenceservice$",
            r"^ray\.io/cluster$",
        ]
    )
    """Regexes of pod labels copied onto GPU metrics (attribution to models) — kept short to bound cardinality."""
    scrape_interval: str = "15s"
    """How often Prometheus scrapes the exporter."""

    @field_validator("pod_label_allowlist")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from None
        return v

    _interval = durations("scrape_interval", allow_never=False)


class KarpenterSpec(SpecModel):
    """The Karpenter controller (runs on the system node group)."""

    replicas: Optional[int] = Field(default=None, ge=1, le=5)
    """Controller replicas; default, as for the operators: 2 when the system group keeps at least 2 nodes (leader
    election, survives a node), else 1 (replicas refuse to share a node)."""
    log_level: str = "info"
    """Controller log level: debug, info or error."""
    spot_to_spot_consolidation: bool = False
    """Alpha feature gate: replace spot nodes with cheaper spot nodes. Off: churn on GPU nodes costs reloads."""

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        if v not in ("debug", "info", "error"):
            raise ValueError("must be debug, info or error")
        return v


class GpuSpec(SpecModel):
    """GPU capacity and GPU add-ons: Karpenter, its node classes and pools, the device plugin and DCGM exporter."""

    node_pools: list[GpuNodePoolSpec] = Field(default_factory=list)
    """GPU pools, at most one per GPU class."""
    cpu_pool: CpuNodePoolSpec = Field(default_factory=CpuNodePoolSpec)
    """The general-purpose CPU pool."""
    al2023: NodeClassSpec = Field(default_factory=NodeClassSpec)
    """EC2NodeClass of al2023 GPU pools (and the AMI pin of the CPU pool)."""
    bottlerocket: NodeClassSpec = Field(default_factory=lambda: NodeClassSpec(root_volume_gib=20))
    """EC2NodeClass of bottlerocket GPU pools."""
    karpenter: KarpenterSpec = Field(default_factory=KarpenterSpec)
    """Controller settings."""
    dcgm: DcgmSpec = Field(default_factory=DcgmSpec)
    """DCGM exporter settings."""

    @model_validator(mode="after")
    def _pools(self) -> "GpuSpec":
        seen_names: dict[str, int] = {}
        for i, pool in enumerate(self.node_pools):
            if pool.name in seen_names:
                raise FieldError(f"node_pools[{i}].name", f"{pool.name!r} is already used by node_pools[{seen_names[pool.name]}]")
            if pool.name == "cpu":
                raise FieldError(f"node_pools[{i}].name", "'cpu' is the CPU pool's name")
            # Several pools may share a class (whole A100s and MIG A100s, spot and on-demand L40S); models then
            # name their pool (ModelSpec.pool) where the choice is not obvious.
            seen_names[pool.name] = i
        for family in AmiFamily:
            node_class: NodeClassSpec = getattr(self, family.value)
            if not node_class.floating and not AMI_VERSION_PATTERNS[family.value].match(node_class.ami_version):
                example = "v20251103" if family is AmiFamily.AL2023 else "v1.50.0"
                raise FieldError(
                    f"{family.value}.ami_version",
                    f"{node_class.ami_version!r} is not a {family.value} AMI release; use e.g. {example} or latest",
                )
        if self.al2023.image_cache_snapshot_id is not None:
            raise FieldError(
                "al2023.image_cache_snapshot_id",
                "al2023 keeps images on the root volume, which comes from the AMI; use a bottlerocket pool for a "
                "snapshot-backed image cache",
            )
        return self

    def families_in_use(self) -> list[AmiFamily]:
        """AMI families of the GPU pools, in a stable order."""
        used = {p.ami_family for p in self.node_pools}
        return [f for f in AmiFamily if f in used]

    def production_problems(self) -> list[tuple[str, str]]:
        """Rules for production stacks, as `(path inside gpu, message)` pairs (checked by PlatformSpec)."""
        problems: list[tuple[str, str]] = []
        for i, pool in enumerate(self.node_pools):
            if pool.capacity in (PoolCapacity.SPOT, PoolCapacity.RESERVED_THEN_SPOT):
                problems.append(
                    (
                        f"node_pools[{i}].capacity",
                        f"{'spot-only' if pool.capacity is PoolCapacity.SPOT else 'reserved_then_spot'} GPU pools "
                        "are refused in prod (a spot drought would leave models "
                        "without capacity); use spot_with_on_demand_fallback, on_demand or reserved_then_on_demand",
                    )
                )
        if self.cpu_pool.enabled and self.cpu_pool.capacity is PoolCapacity.SPOT:
            problems.append(("cpu_pool.capacity", "spot-only pools are refused in prod; use spot_with_on_demand_fallback"))
        # Only families GPU pools use: a prod spec without GPU pools stays valid, and CPU nodes (cheap to move)
        # follow the al2023 pin when there is one.
        families = set(self.families_in_use())
        for family in AmiFamily:
            if family in families and getattr(self, family.value).floating:
                problems.append(
                    (
                        f"{family.value}.ami_version",
                        "prod must pin the AMI release (e.g. v20251103): 'latest' replaces every node whenever AWS "
                        "publishes an AMI",
                    )
                )
        return problems
