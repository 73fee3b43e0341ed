"""The sizing record: every decision for one model, as the render layer and the stack outputs read it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

from ..spec.model import Backend
from .cost import Cost
from .startup import ColdStart
from .startup import startup_failure_threshold as _failure_threshold

@dataclass(frozen=True)
class Sizing:
    """Every derived decision for one model: where it runs, how memory is spent, how long it starts, what it costs."""

    name: str
    architecture: str
    backend: Backend
    gpu_class: str
    instance_type: str
    gpus_per_node: int
    """GPUs the chosen instance carries."""
    tensor_parallel_size: int
    pipeline_parallel_size: int
    dtype: str
    """Resolved `--dtype` (bfloat16 or float16)."""
    context_length: int
    concurrency: int
    gpu_memory_utilization: float
    weights_gib: float
    """All weights, every GPU together."""
    kv_cache_gib: float
    """KV cache for `concurrency` sequences of `context_length` tokens, every GPU together."""
    kv_bytes_per_token: float
    overhead_gib_per_gpu: float
    need_gib_per_gpu: float
    usable_gib_per_gpu: float
    kv_token_capacity: int
    """Tokens the KV cache holds with the memory left after weights (what vLLM will report, roughly)."""
    cpu: int
    """CPU cores requested per pod."""
    memory_gib: int
    """Memory requested (= limit) per pod, including the /dev/shm tmpfs."""
    shm_gib: int
    streamer_memory_gib: int
    """Run:ai streamer CPU buffer per pod (S3 weights only): see :func:`streamer_memory_gib`."""
    cold_start: ColdStart
    startup_budget_s: int
    """Startup-probe budget: (weights + warm-up) × safety + margin."""
    cost: Cost
    min_replicas: int
    max_replicas: int
    pool: Optional[str] = None
    """The GPU node pool the model runs on (None when the platform declares no pools): see size_for_platform."""
    second_cluster_fits: bool = True
    """The pools can run a second full copy of the model at max replicas (a RayService's NewCluster upgrade)."""

    @property
    def gpus_per_replica(self) -> int:
        return self.tensor_parallel_size * self.pipeline_parallel_size

    @property
    def nodes_per_replica(self) -> int:
        return self.pipeline_parallel_size

    @property
    def gpus_per_pod(self) -> int:
        """GPUs one pod holds (one pod per node and pipeline stage)."""
        return self.tensor_parallel_size

    @property
    def startup_failure_threshold(self) -> int:
        return _failure_threshold(self.startup_budget_s)

    @property
    def multi_node(self) -> bool:
        return self.pipeline_parallel_size > 1

    def report(self) -> dict:
        """A JSON-friendly report (stack output and plan summary)."""
        data = asdict(self)
        data["backend"] = self.backend.value
        data["gpus_per_replica"] = self.gpus_per_replica
        data["cold_start"] = {**asdict(self.cold_start), "total_s": self.cold_start.total_s, "warm_s": self.cold_start.warm_s}
        data["cost"] = self.cost.report()
        return data

    def summary(self) -> str:
        """One line for the plan summary."""
        c = self.cost
        return (
            f"{self.name}: {self.architecture} {self.backend.value} on {self.pipeline_parallel_size}×{self.instance_type} "
            f"(TP {self.tensor_parallel_size}, PP {self.pipeline_parallel_size}), "
            f"{self.need_gib_per_gpu:.1f}/{self.usable_gib_per_gpu:.1f} GiB per GPU, "
            f"cold start ~{self.cold_start.total_s}s, "
            f"${c.on_demand_hourly_min:.2f}–{c.on_demand_hourly_max:.2f}/h on-demand "
            f"(${c.on_demand_monthly_min:,.0f}–{c.on_demand_monthly_max:,.0f}/mo; spot "
            f"${c.spot_hourly_min:.2f}–{c.spot_hourly_max:.2f}/h; prices {c.prices_as_of})"
        )
