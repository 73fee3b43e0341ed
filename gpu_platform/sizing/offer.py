"""What the platform offers sizing: the GPU classes and instance types its whole-GPU node pools can launch."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from ..catalog.gpus import GPU_CLASSES, GpuClass, InstanceType, find_instance, pool_instances
from ..spec.model import ModelSpec
from .errors import SizingError

Offered = Optional[Mapping[str, Sequence[str]]]
"""GPU class → instance types the platform can launch (its node pools); None: the whole catalog."""


def gpu_pools(platform: object) -> list[Any]:
    """The platform's GPU node pools, none when it declares no `gpu` (any object shaped like a PlatformSpec)."""
    gpu = getattr(platform, "gpu", None)
    return list(getattr(gpu, "node_pools", None) or []) if gpu is not None else []


def offered_instances(platform: object, pool: Optional[str] = None) -> Offered:
    """Instance types a platform's GPU node pools can launch, per class (None when it declares no pools).

    MIG pools are left out: their `nvidia.com/gpu` is a slice with a fraction of the memory, which the
    whole-GPU sizing here does not model.
    """
    pools = gpu_pools(platform)
    if not pools:
        return None
    out: dict[str, list[str]] = {}
    only = pool
    for pool in pools:
        if getattr(pool, "mig", None) is not None or (only is not None and pool.name != only):
            continue
        cls = pool.gpu_class.value
        names = [
            inst.name
            for inst in pool_instances(cls, pool.instance_types, pool.min_gpus_per_node, pool.max_gpus_per_node)
        ]
        if names:
            out.setdefault(cls, []).extend(n for n in names if n not in out.get(cls, []))
    return out


def offer_text(offered: Mapping[str, Sequence[str]]) -> str:
    """What the pools offer, for a refusal message."""
    if not offered:
        return "the platform has no dedicated (unshared) GPU node pools (add one under gpu.node_pools)"
    return "pools offer " + "; ".join(f"{c}: {', '.join(i)}" for c, i in offered.items())


def candidate_classes(spec: ModelSpec, offered: Offered) -> list[GpuClass]:
    """The GPU classes to try: the spec's instance type's or class, else every offered (or catalog) class."""
    if spec.instance_type:
        cls = find_instance(spec.instance_type)[0]  # type: ignore[index]
        if offered is not None and spec.instance_type not in offered.get(cls.name, ()):
            raise SizingError("instance_type", f"no GPU node pool launches {spec.instance_type}; {offer_text(offered)}")
        return [cls]
    if spec.gpu_class:
        if offered is not None and spec.gpu_class not in offered:
            raise SizingError("gpu_class", f"no GPU node pool offers {spec.gpu_class}; {offer_text(offered)}")
        return [GPU_CLASSES[spec.gpu_class]]
    names = list(offered) if offered is not None else list(GPU_CLASSES)
    return [GPU_CLASSES[n] for n in names if n in GPU_CLASSES]


def candidate_instances(spec: ModelSpec, cls: GpuClass, offered: Offered) -> list[InstanceType]:
    """The instance types of ``cls`` to try: the spec's, else those offered (or the whole class)."""
    if spec.instance_type:
        return [i for i in cls.instances if i.name == spec.instance_type]
    if offered is not None:
        return [i for i in cls.instances if i.name in offered.get(cls.name, ())]
    return list(cls.instances)
