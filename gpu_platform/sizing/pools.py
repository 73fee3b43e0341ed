"""A model on a platform's node pools: which pool it runs on, and what the pools' GPU ceilings allow."""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

from ..spec.model import ModelSpec
from .capacity import pool_gpu_ceiling
from .errors import SizingError
from .model import size_model
from .offer import gpu_pools, offered_instances
from .result import Sizing


def _check_named_pool(spec: ModelSpec, pools: Sequence[Any]) -> None:
    """The pool a model names must exist, give whole GPUs and carry the model's GPU class."""
    named = next((p for p in pools if p.name == spec.pool), None)
    if named is None:
        raise SizingError("pool", f"no GPU node pool named {spec.pool!r} (pools: "
                                  f"{', '.join(p.name for p in pools) or 'none'})")
    if named.mig is not None:
        raise SizingError("pool", f"{spec.pool!r} is a MIG pool: its GPUs are slices, which whole-GPU serving "
                                  "does not size; use a whole-GPU pool")
    if spec.gpu_class is not None and spec.gpu_class != named.gpu_class.value:
        raise SizingError("pool", f"{spec.pool!r} runs {named.gpu_class.value}, not gpu_class {spec.gpu_class}")


def _class_pool(gpu_class: str, pools: Sequence[Any]) -> Optional[str]:
    """The one whole-GPU pool of ``gpu_class`` (None when there is none); several are ambiguous."""
    whole = [p.name for p in pools if p.gpu_class.value == gpu_class and p.mig is None]
    if len(whole) > 1:
        raise SizingError("pool", f"gpu class {gpu_class} has several pools ({', '.join(whole)}); name one")
    return whole[0] if whole else None


def size_for_platform(spec: ModelSpec, platform: object) -> Sizing:
    """Size ``spec`` on ``platform``'s node pools and choose the pool it runs on.

    A model may name its pool (`pool`); otherwise it runs on its class's one whole-GPU pool. MIG pools are never
    chosen for whole-GPU sizing: their `nvidia.com/gpu` is a slice, so a model must not land there by class alone
    (its node selector names the pool). A class with several whole-GPU pools needs the model to name one.
    """
    pools = gpu_pools(platform)
    if spec.pool is not None:
        _check_named_pool(spec, pools)
    sized = size_model(spec, offered_instances(platform, spec.pool))
    sized = dataclasses.replace(
        sized, second_cluster_fits=ray_new_cluster_fits(sized, class_gpu_capacity(platform, sized.gpu_class))
    )
    if not pools:
        return sized
    if spec.pool is not None:
        return dataclasses.replace(sized, pool=spec.pool)
    return dataclasses.replace(sized, pool=_class_pool(sized.gpu_class, pools))


def class_gpu_capacity(platform: object, gpu_class: str) -> Optional[int]:
    """Whole GPUs the platform's pools of ``gpu_class`` may run at once (every NodePool's ceiling together:
    reserved, spot, on-demand fallback), or None when the platform declares no pools (nothing bounds it here)."""
    pools = gpu_pools(platform)
    if not pools:
        return None
    total = 0
    for pool in pools:
        if pool.gpu_class.value != gpu_class or getattr(pool, "mig", None) is not None:
            continue
        total += pool_gpu_ceiling(pool)
    return total


def ray_new_cluster_fits(sizing: Sizing, capacity: Optional[int]) -> bool:
    """Whether a RayService upgrade can run a second full cluster beside the first (KubeRay's NewCluster strategy
    keeps the old cluster serving until the new one is ready, so both exist at max replicas)."""
    return capacity is None or 2 * sizing.max_replicas * sizing.gpus_per_replica <= capacity


def time_sliced_classes(platform: object) -> set[str]:
    """GPU classes whose pool shares each GPU by time-slicing (vLLM then shares the GPU's memory)."""
    return {
        p.gpu_class.value
        for p in gpu_pools(platform)
        if getattr(p, "time_slicing", None) is not None and p.time_slicing.replicas > 1
    }
