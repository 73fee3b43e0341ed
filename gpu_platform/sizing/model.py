"""Sizing one model: every decision from a :class:`ModelSpec` to a :class:`Sizing` record.

When the spec leaves the GPU class, instance or parallelism open, the choice tries every combination the catalog (or
the platform's offer) has and keeps the cheapest that fits on one node; only when nothing fits one node does it
split the layers across nodes (pipeline parallel, served by a RayService). Refusals carry the numbers.
"""

from __future__ import annotations

import math

from ..spec.model import ModelSpec
from .choice import choose
from .cost import model_cost
from .errors import SizingError
from .memory import KV_BYTES, kv_token_capacity, spec_kv_cache_gib, weight_gib
from .offer import Offered
from .pod import pod_resources, streamer_memory_gib
from .result import Sizing
from .serving import resolve_backend, resolve_dtype
from .startup import cold_start, startup_budget

CACHE_HEADROOM = 1.2
"""A weight cache volume must hold the weights with 20% headroom."""


def _check_cache(spec: ModelSpec) -> None:
    if spec.cache is None:
        return
    need_cache = weight_gib(spec.arch, spec.quantization) * CACHE_HEADROOM
    if spec.cache.size_gib < need_cache:
        raise SizingError(
            "cache.size_gib", f"{spec.cache.size_gib} GiB cannot hold {spec.arch.key}'s weights with headroom "
            f"(needs ≥ {math.ceil(need_cache)} GiB)"
        )


def size_model(spec: ModelSpec, offered: Offered = None) -> Sizing:
    """Size ``spec``: choose class, instance, TP/PP and backend (cheapest fit), and model start time and cost.

    ``offered`` (see :func:`offered_instances`) restricts the choice to what the platform's node pools launch.
    Raises :class:`SizingError` naming the field to change, with the numbers, when nothing fits.
    """
    f = choose(spec, offered)
    backend = resolve_backend(spec, f.pp)
    arch = spec.arch
    cs = cold_start(spec, f.cls, f.inst, f.tp, f.pp)
    cpu, memory, shm = pod_resources(f.inst, f.tp)
    cost = model_cost(spec, f.inst, f.tp, f.pp)
    tokens = kv_token_capacity(spec, f)
    _check_cache(spec)
    return Sizing(
        name=spec.name,
        architecture=arch.key,
        backend=backend,
        gpu_class=f.cls.name,
        instance_type=f.inst.name,
        gpus_per_node=f.inst.gpus,
        tensor_parallel_size=f.tp,
        pipeline_parallel_size=f.pp,
        dtype=resolve_dtype(spec, f.cls),
        context_length=spec.context_length,
        concurrency=spec.concurrency,
        gpu_memory_utilization=spec.engine.gpu_memory_utilization,
        weights_gib=round(weight_gib(arch, spec.quantization), 2),
        kv_cache_gib=round(spec_kv_cache_gib(spec), 2),
        kv_bytes_per_token=arch.kv_bytes_per_token(KV_BYTES[spec.engine.kv_cache_dtype]),
        overhead_gib_per_gpu=f.overhead,
        need_gib_per_gpu=round(f.need, 2),
        usable_gib_per_gpu=round(f.usable, 2),
        kv_token_capacity=tokens,
        cpu=cpu,
        memory_gib=memory,
        shm_gib=shm,
        streamer_memory_gib=streamer_memory_gib(memory, shm, f.tp),
        cold_start=cs,
        startup_budget_s=startup_budget(cs),
        cost=cost,
        min_replicas=spec.autoscaling.min_replicas,
        max_replicas=spec.autoscaling.max_replicas,
    )
