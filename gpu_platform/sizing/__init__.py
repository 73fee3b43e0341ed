"""Pure sizing: from a :class:`ModelSpec` to GPUs, instance, parallelism, backend, cold-start budget and cost.

One module per decision, in the order :func:`size_model` makes them:

- ``memory``: weights and KV-cache bytes, and whether a configuration fits each GPU;
- ``offer``: which classes and instance types the platform's pools offer (or the whole catalog);
- ``parallelism``: the tensor/pipeline-parallel configurations worth trying;
- ``choice``: the cheapest configuration that fits, one node first, or a refusal with the numbers;
- ``serving``: backend, `--dtype` and rolling-update surge;
- ``startup``: cold-start timeline and the startup probe's budget;
- ``pod``: CPU, memory, /dev/shm and the S3 streamer buffer of a pod;
- ``cost``: hourly and monthly cost at catalog prices;
- ``result``: the :class:`Sizing` record; ``model``: :func:`size_model`, which assembles it;
- ``pools``: a model on a platform's node pools (which pool, the pools' GPU ceilings);
- ``capacity``: a pool's capacity types in order, its reservations' cost, where a model lands and why.

Every public name is re-exported here: import from ``gpu_platform.sizing``.
"""

from __future__ import annotations

from .capacity import (
    CAPACITY_ORDER,
    CapacityStep,
    Placement,
    ReservedCommitment,
    capacity_steps,
    placement,
    pool_gpu_ceiling,
    reserved_commitments,
)
from .choice import choose, refusal
from .cost import Cost, model_cost, monthly_usd
from .errors import SizingError
from .memory import (
    BYTES_PER_PARAM,
    EAGER_OVERHEAD_GIB,
    GIB,
    KV_BYTES,
    RUNTIME_OVERHEAD_GIB,
    Fit,
    fit,
    kv_cache_gib,
    kv_token_capacity,
    spec_kv_cache_gib,
    weight_gib,
)
from .model import CACHE_HEADROOM, size_model
from .offer import Offered, candidate_classes, candidate_instances, gpu_pools, offer_text, offered_instances
from .parallelism import MAX_AUTO_PIPELINE, MAX_PIPELINE, TP_CHOICES, candidates, pp_choices, tp_choices
from .pod import STREAMER_BUFFER_MAX_GIB, pod_resources, streamer_memory_gib
from .pools import class_gpu_capacity, ray_new_cluster_fits, size_for_platform, time_sliced_classes
from .result import Sizing
from .serving import resolve_backend, resolve_dtype, rollout_surge
from .startup import (
    CACHE_GIBPS,
    HF_GIBPS,
    IMAGE_PULL_GIBPS,
    NODE_READY_S,
    PROBE_MARGIN_S,
    PROBE_PERIOD_S,
    PROBE_SAFETY,
    S3_STREAM_MAX_GIBPS,
    VLLM_IMAGE_GIB,
    ColdStart,
    cold_start,
    startup_budget,
    startup_failure_threshold,
)

__all__ = [
    "BYTES_PER_PARAM", "CACHE_GIBPS", "CACHE_HEADROOM", "EAGER_OVERHEAD_GIB", "GIB", "HF_GIBPS", "IMAGE_PULL_GIBPS",
    "KV_BYTES", "MAX_AUTO_PIPELINE", "MAX_PIPELINE", "NODE_READY_S", "PROBE_MARGIN_S", "PROBE_PERIOD_S",
    "PROBE_SAFETY", "RUNTIME_OVERHEAD_GIB", "S3_STREAM_MAX_GIBPS", "STREAMER_BUFFER_MAX_GIB", "TP_CHOICES",
    "VLLM_IMAGE_GIB", "CAPACITY_ORDER",
    "CapacityStep", "Placement", "ReservedCommitment", "capacity_steps", "placement", "pool_gpu_ceiling",
    "reserved_commitments",
    "ColdStart", "Cost", "Fit", "Offered", "Sizing", "SizingError",
    "candidate_classes", "candidate_instances", "candidates", "choose", "class_gpu_capacity", "cold_start", "fit",
    "gpu_pools", "kv_cache_gib", "kv_token_capacity", "model_cost", "monthly_usd", "offer_text",
    "offered_instances", "pod_resources", "pp_choices", "ray_new_cluster_fits", "refusal", "resolve_backend",
    "resolve_dtype", "rollout_surge", "size_for_platform", "size_model", "spec_kv_cache_gib", "startup_budget",
    "startup_failure_threshold", "streamer_memory_gib", "time_sliced_classes", "tp_choices", "weight_gib",
]
