"""GPU capacity: Karpenter node classes and pools per GPU class, GPU sharing (time-slicing, MIG), GPU add-ons.

Environment-dependent rules (production refuses spot-only pools and floating AMIs) live in
`PlatformSpec`, which knows the environment; everything that only needs this section is checked here.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Optional

from pydantic import Field, field_validator, model_validator

from ..catalog.gpus import GPU_CLASSES, pool_instances
from ._base import FieldError, SpecModel

_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DURATION = re.compile(r"^([0-9]+(s|m|h))+$")
_BUDGET_NODES = re.compile(r"^((100|[0-9]{1,2})%|[0-9]+)$")
_SNAPSHOT = re.compile(r"^snap-[0-9a-f]{8,17}$")
_KMS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w/-]+$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_MIG_PROFILE = re.compile(r"^(\d)g\.(\d+)gb$")
# Label domains Karpenter owns or refuses on NodePool templates (karpenter.sh/v1 NodePool CRD validations).
_RESTRICTED_LABEL_DOMAINS = ("karpenter.sh", "karpenter.k8s.aws", "kubernetes.io/hostname")

AMI_VERSION_PATTERNS: dict[str, re.Pattern[str]] = {
    "al2023": re.compile(r"^v\d{8}$"),
    "bottlerocket": re.compile(r"^v\d+\.\d+\.\d+$"),
}
"""What a pinned AMI release looks like per alias family (`al2023@v20251103`, `bottlerocket@v1.50.0`)."""

MIG_COMPUTE_SLICES = 7
"""Compute slices per MIG-capable GPU (A100, H100): a profile `<n>g.<m>gb` takes n of them."""
MIG_MEMORY_SLICES = 8
"""Memory slices per MIG-capable GPU: `7g.40gb` on A100 is all 8, so `1g.5gb` is one."""


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
    H100 = "h100"
    """NVIDIA H100, 80 GB ×8 (p5): the largest models, EFA, MIG-capable."""


class AmiFamily(str, Enum):
    """EKS-optimised AMI family; Karpenter picks the NVIDIA variant of it for GPU instance types."""

    AL2023 = "al2023"
    """Amazon Linux 2023 NVIDIA: the NVIDIA device plugin is installed by the platform (Helm)."""
    BOTTLEROCKET = "bottlerocket"
    """Bottlerocket NVIDIA: ships its own device plugin (configured through user data); separate data volume
    that can be restored from a snapshot with pre-pulled images."""


class PoolCapacity(str, Enum):
    """Purchasing option of a GPU pool."""

    SPOT_WITH_ON_DEMAND_FALLBACK = "spot_with_on_demand_fallback"
    """Two NodePools: spot (higher weight, tried first) and on-demand (used when spot has no capacity)."""
    ON_DEMAND = "on_demand"
    """On-demand only: no interruptions, full price."""
    SPOT = "spot"
    """Spot only: cheapest, no fallback when spot capacity is gone. Refused in production."""


class MigStrategy(str, Enum):
    """How the device plugin advertises MIG devices (its `migStrategy`)."""

    SINGLE = "single"
    """Every GPU is cut into one profile; slices are advertised as `nvidia.com/gpu` (workloads need no change)."""
    MIXED = "mixed"
    """Profiles may differ; each is advertised as `nvidia.com/mig-<profile>` (e.g. `nvidia.com/mig-3g.40gb`)."""


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


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        if not _LABEL_KEY.match(key) or len(key) > 316:
            raise ValueError(f"label key {key!r} is not a valid Kubernetes label key")
        domain = key.split("/")[0] if "/" in key else ""
        if key == "kubernetes.io/hostname" or domain.endswith(("karpenter.sh", "karpenter.k8s.aws")):
            raise ValueError(f"label key {key!r} is reserved by Karpenter")
        if not _LABEL_VALUE.match(value) or len(value) > 63:
            raise ValueError(f"label {key!r}: value {value!r} must be ≤ 63 alphanumerics, '-', '_' or '.'")
    return labels


class TimeSlicingSpec(SpecModel):
    """Share each physical GPU between several pods by time-slicing (no memory or fault isolation)."""

    replicas: int
    """How many `nvidia.com/gpu` each physical GPU is advertised as (2–48 is typical). Must be ≥ 1."""
    fail_requests_greater_than_one: bool = True
    """Refuse pods asking for more than one shared GPU: such a request would not get more compute, only slices
    of the same GPU."""

    @field_validator("replicas")
    @classmethod
    def _replicas(cls, v: int) -> int:
        if v < 1:
            raise ValueError(f"must be ≥ 1 (got {v}); 1 means no sharing")
        if v > 48:
            raise ValueError(f"must be ≤ 48 (got {v}); more slices than that only queue on the same GPU")
        return v


class MigSpec(SpecModel):
    """Partition MIG-capable GPUs (A100, H100) into isolated instances with their own memory and compute."""

    strategy: MigStrategy = MigStrategy.SINGLE
    """`single`: one profile for every GPU, advertised as `nvidia.com/gpu`; `mixed`: several profiles, each its
    own resource `nvidia.com/mig-<profile>`."""
    profiles: dict[str, int]
    """MIG profile → instances per GPU, e.g. `{"3g.40gb": 2}` (H100) or `{"1g.5gb": 7}` (A100). The profiles must
    be ones the pool's GPU offers and must fit on one GPU (7 compute and 8 memory slices)."""

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, v: dict[str, int]) -> dict[str, int]:
        if not v:
            raise ValueError("must name at least one MIG profile, e.g. {'3g.40gb': 2}")
        for profile, count in v.items():
            if not _MIG_PROFILE.match(profile):
                raise ValueError(f"{profile!r} is not a MIG profile name such as 3g.40gb")
            if count < 1:
                raise ValueError(f"{profile!r}: instance count must be ≥ 1 (got {count})")
        return v

    @model_validator(mode="after")
    def _single(self) -> "MigSpec":
        if self.strategy is MigStrategy.SINGLE and len(self.profiles) != 1:
            raise FieldError(
                "profiles", f"strategy single takes exactly one profile (got {len(self.profiles)}); use mixed"
            )
        return self


class GpuLimitsSpec(SpecModel):
    """Upper bounds on what one GPU pool may launch (Karpenter NodePool `limits`): the cost ceiling."""

    gpus: int = 8
    """Most GPUs (`nvidia.com/gpu`) the pool may run at once; for spot with on-demand fallback, the spot pool's
    ceiling. 0 stops new nodes without deleting the pool."""
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
    """Lifetime of the on-demand *fallback* nodes of a `spot_with_on_demand_fallback` pool. They exist only because
    spot ran short; expiring them returns their pods to spot (tried first) once spot is back, where `WhenEmpty`
    consolidation alone never would. Must be shorter than `expire_after` to mean anything."""
    termination_grace_period: str = "1h"
    """Longest a draining node waits for pods (also bounds `karpenter.sh/do-not-disrupt`) before it is removed."""
    max_disrupted: str = "10%"
    """Most nodes of the pool disrupted at once for any reason (`N` or `N%`)."""
    max_drifted: str = "1"
    """Most nodes replaced at once for drift (AMI, NodeClass changes), so a rollout never empties a class."""

    @field_validator("consolidate_after", "termination_grace_period", "fallback_expire_after")
    @classmethod
    def _durations(cls, v: str) -> str:
        return _duration(v, allow_never=False)

    @field_validator("expire_after")
    @classmethod
    def _expire(cls, v: str) -> str:
        return _duration(v)

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
    """NodePool name stem (`<name>-spot`, `<name>-on-demand`), Kubernetes-name style, ≤ 40 characters."""
    gpu_class: GpuClassName
    """GPU class: l4, a10g, l40s, a100 or h100 (see the catalog for instance types)."""
    capacity: PoolCapacity = PoolCapacity.SPOT_WITH_ON_DEMAND_FALLBACK
    """spot_with_on_demand_fallback (default), on_demand, or spot (not in production)."""
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
    """Partition each GPU with MIG (a100, h100 only); not together with `time_slicing`."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Extra node labels (team, workload tier). Karpenter's own domains are refused."""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _K8S_NAME.match(v) or len(v) > 40:
            raise ValueError("must be lowercase letters, digits and '-', at most 40 characters")
        return v

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

    def _check_mig(self, gpu: str, offered: tuple[str, ...]) -> None:
        assert self.mig is not None
        if not offered:
            raise FieldError("mig", f"{gpu} GPUs have no MIG; MIG-capable classes: a100, h100")
        if self.ami_family is AmiFamily.BOTTLEROCKET:
            raise FieldError("mig", "MIG partitioning is rendered for al2023 pools only; use ami_family al2023")
        compute = memory = 0
        full = max(int(_MIG_PROFILE.match(p).group(2)) for p in offered)  # type: ignore[union-attr]
        for profile, count in self.mig.profiles.items():
            if profile not in offered:
                raise FieldError(
                    "mig.profiles", f"{gpu} does not offer MIG profile {profile!r}; it offers {', '.join(offered)}"
                )
            m = _MIG_PROFILE.match(profile)
            assert m is not None
            compute += int(m.group(1)) * count
            memory += max(1, round(int(m.group(2)) * MIG_MEMORY_SLICES / full)) * count
        if compute > MIG_COMPUTE_SLICES or memory > MIG_MEMORY_SLICES:
            raise FieldError(
                "mig.profiles",
                f"{dict(self.mig.profiles)} does not fit one {gpu}: needs {compute}/{MIG_COMPUTE_SLICES} compute and "
                f"{memory}/{MIG_MEMORY_SLICES} memory slices",
            )

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
    """Purchasing option (same choices as GPU pools; spot-only refused in production)."""
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

    @field_validator("consolidate_after")
    @classmethod
    def _consolidate(cls, v: str) -> str:
        return _duration(v, allow_never=False)

    @field_validator("expire_after")
    @classmethod
    def _expire(cls, v: str) -> str:
        return _duration(v)


class NodeClassSpec(SpecModel):
    """One Karpenter EC2NodeClass (per AMI family in use): AMI pin, volumes, image cache."""

    ami_version: str = "latest"
    """AMI release of the alias (`v20251103` for al2023, `v1.50.0` for bottlerocket) or `latest` (floats: every
    new AMI drifts and replaces nodes). Production must pin."""
    root_volume_gib: int = Field(default=200, ge=4, le=16384)
    """Root volume. al2023: OS, container images and emptyDir share it (vLLM images are ~10 GB, model caches
    more). bottlerocket: the OS volume only (`data_volume_gib` holds images)."""
    data_volume_gib: int = Field(default=200, ge=20, le=16384)
    """bottlerocket only: the data volume (`/dev/xvdb`) for container images and ephemeral storage."""
    volume_iops: int = Field(default=3000, ge=3000, le=16000)
    """gp3 IOPS of the image-bearing volume (image pulls and weight loads are I/O bound)."""
    volume_throughput_mibps: int = Field(default=250, ge=125, le=1000)
    """gp3 throughput (MiB/s) of the image-bearing volume."""
    kms_key_arn: Optional[str] = None
    """Customer-managed KMS key for the volumes; default: the account's EBS default key. Volumes are always encrypted."""
    image_cache_snapshot_id: Optional[str] = None
    """bottlerocket only: EBS snapshot of a data volume with the serving images pre-pulled (`snap-…`). New nodes
    start with the images on disk instead of pulling ~10 GB: the largest cold-start lever after the AMI."""
    instance_store_raid0: bool = False
    """Put containerd and kubelet on the instance's local NVMe (RAID0) when it has some (all GPU families do):
    faster image unpacking and weight loading; contents are lost with the node."""

    @field_validator("kms_key_arn")
    @classmethod
    def _kms(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not _KMS_ARN.match(v):
            raise ValueError("must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
        return v

    @field_validator("image_cache_snapshot_id")
    @classmethod
    def _snapshot(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not _SNAPSHOT.match(v):
            raise ValueError("must be an EBS snapshot id such as snap-0123456789abcdef0")
        return v

    @property
    def floating(self) -> bool:
        return self.ami_version == "latest"


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

    @field_validator("scrape_interval")
    @classmethod
    def _interval(cls, v: str) -> str:
        return _duration(v, allow_never=False)


class KarpenterSpec(SpecModel):
    """The Karpenter controller (runs on the system node group)."""

    replicas: Optional[int] = Field(default=None, ge=1, le=5)
    """Controller replicas; default: 2 (leader election, survives a node), 1 when the system group starts with
    a single node (replicas refuse to share a node)."""
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
            if pool.capacity is PoolCapacity.SPOT:
                problems.append(
                    (
                        f"node_pools[{i}].capacity",
                        "spot-only GPU pools are refused in prod (a spot drought would leave models without "
                        "capacity); use spot_with_on_demand_fallback or on_demand",
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
