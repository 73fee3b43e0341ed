"""How the chosen configuration is served: the backend, vLLM's `--dtype`, and the rolling-update surge."""

from __future__ import annotations


from ..catalog.gpus import GpuClass
from ..spec.model import Backend, Dtype, ModelSpec
from .errors import SizingError


def resolve_backend(spec: ModelSpec, pp: int) -> Backend:
    """The spec's backend, or for `auto`: RayService when the replica spans nodes, KServe otherwise."""
    if spec.backend is Backend.AUTO:
        return Backend.RAYSERVICE if pp > 1 else Backend.KSERVE
    return spec.backend


def resolve_dtype(spec: ModelSpec, cls: GpuClass) -> str:
    """The concrete `--dtype`: bfloat16 where supported unless float16 is asked for."""
    if spec.dtype is Dtype.FLOAT16:
        return "float16"
    if spec.dtype is Dtype.BFLOAT16:
        if not cls.bf16:
            raise SizingError("dtype", f"{cls.name} GPUs do not support bfloat16; use float16 or auto")
        return "bfloat16"
    return "bfloat16" if cls.bf16 else "float16"


def rollout_surge(spec: ModelSpec, backend: Backend) -> int:
    """Extra replicas a rolling update runs next to the current ones: 1, or 0 where the pods recreate (a
    ReadWriteOnce cache pins them to one node, so a surge pod could never start) and for RayService (KubeRay
    upgrades whole clusters; see render.model.ray_upgrade_strategy)."""
    if backend is Backend.RAYSERVICE or (spec.cache is not None and not spec.cache.read_write_many):
        return 0
    return 1
