"""The cheapest configuration that fits, preferring one node; or a refusal with the numbers.

Only when nothing fits one node does the choice split the layers across nodes (pipeline parallel, RayService).
"""

from __future__ import annotations

from ..catalog.gpus import GPU_CLASSES
from ..spec.model import Backend, ModelSpec
from .errors import SizingError
from .memory import Fit, spec_kv_cache_gib, weight_gib
from .offer import Offered, offer_text
from .parallelism import candidates


def choose(spec: ModelSpec, offered: Offered) -> Fit:
    """The cheapest fitting configuration per replica, single node first; raises :class:`SizingError` otherwise."""
    if offered is not None and not offered:
        raise SizingError("gpu_class", offer_text(offered))
    single_only = spec.backend in (Backend.KSERVE, Backend.DEPLOYMENT)
    wants_multi = (spec.pipeline_parallel_size or 1) > 1
    if wants_multi and single_only:
        raise SizingError(
            "pipeline_parallel_size",
            f"backend {spec.backend.value} serves one node per replica; pipeline parallel across nodes needs "
            "backend rayservice (or auto)",
        )
    tried: list[Fit] = []
    if not wants_multi:
        single = candidates(spec, offered, multi_node=False)
        tried += single
        fits = [f for f in single if f.fits]
        if fits:
            return min(fits, key=lambda f: (f.replica_cost, f.tp, f.cls.name, f.inst.name))
    if not single_only:
        multi = candidates(spec, offered, multi_node=True)
        tried += multi
        fits = [f for f in multi if f.fits]
        if fits:
            return min(fits, key=lambda f: (f.replica_cost, f.pp, f.tp, f.cls.name, f.inst.name))
    raise refusal(spec, tried, offered, single_only)


def _refused_field(spec: ModelSpec) -> str:
    """The most specific spec field that constrained the choice: the one to change."""
    return (
        "instance_type" if spec.instance_type
        else "tensor_parallel_size" if spec.tensor_parallel_size
        else "gpu_count" if spec.gpu_count
        else "gpu_class" if spec.gpu_class
        else "model"
    )


def refusal(spec: ModelSpec, tried: list[Fit], offered: Offered, single_only: bool) -> SizingError:
    """Why nothing fits: no configuration could split the model, or the closest one's memory shortfall."""
    arch = spec.arch
    field = _refused_field(spec)
    if not tried:
        where = spec.instance_type or spec.gpu_class or ", ".join(offered if offered is not None else GPU_CLASSES)
        why = (
            "; across nodes tensor_parallel_size must equal the instance's GPU count"
            if (spec.pipeline_parallel_size or 1) > 1
            else ""
        )
        return SizingError(
            field,
            f"no {where} configuration can split {arch.key} "
            f"({arch.attention_heads} attention heads, {arch.layers} layers) as requested{why}",
        )
    best = max(tried, key=lambda f: (f.usable * f.tp * f.pp - f.need * f.tp * f.pp, -f.replica_cost))
    gpus = best.tp * best.pp
    nodes = f"{best.pp}×{best.inst.name}" if best.pp > 1 else best.inst.name
    hint = (
        " (backend "
        f"{spec.backend.value} is limited to one node; use rayservice to split across nodes)"
        if single_only
        else ""
    )
    return SizingError(
        field,
        f"{arch.key} needs {best.need * gpus:.0f} GiB ({weight_gib(arch, spec.quantization):.0f} weights + "
        f"{spec_kv_cache_gib(spec):.0f} KV cache for "
        f"{spec.concurrency}×{spec.context_length} tokens + {best.overhead:.1f}/GPU runtime), "
        f"{nodes} with TP {best.tp} offers {best.usable * gpus:.0f} GiB usable at gpu_memory_utilization "
        f"{spec.engine.gpu_memory_utilization}; lower max_model_len or concurrency, quantize, or choose larger GPUs"
        + hint,
    )
