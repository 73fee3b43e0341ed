"""GPU memory: weights and KV-cache bytes, and whether one configuration fits each GPU.

Per GPU, in GiB = 2**30 bytes::

    weights  = checkpoint bytes (its dtype per part, or the requested quantization) ÷ (TP × PP)
    kv_cache = KV bytes of one max_model_len sequence (per attention kind: catalog/architecture.py) × concurrency
               ÷ (kv_split(TP) × PP)   # per-head K/V over min(TP, kv_heads) GPUs; an MLA latent is not split
    need     = weights + kv_cache + runtime overhead (CUDA context, activations, CUDA graphs)
    fits    ⇔ need ≤ GPU memory × gpu_memory_utilization
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..catalog.gpus import GpuClass, InstanceType
from ..catalog.architecture import Architecture
from ..spec.model import KvCacheDtype, ModelSpec, Quantization

GIB = 2**30

BYTES_PER_PARAM: dict[Optional[Quantization], float] = {
    None: 2.0,
    Quantization.FP8: 1.0,
    # 4-bit weights plus group scales/zeros (group size 128) come to ~4.25 bits per parameter.
    Quantization.AWQ: 0.53125,
    Quantization.AWQ_MARLIN: 0.53125,
    Quantization.GPTQ: 0.53125,
    Quantization.GPTQ_MARLIN: 0.53125,
    Quantization.BITSANDBYTES: 0.53125,
}
KV_BYTES: dict[KvCacheDtype, float] = {
    KvCacheDtype.AUTO: 2.0,
    KvCacheDtype.FP8: 1.0,
    KvCacheDtype.FP8_E4M3: 1.0,
    KvCacheDtype.FP8_E5M2: 1.0,
}
RUNTIME_OVERHEAD_GIB = 1.5
"""Per-GPU memory vLLM uses beyond weights and KV cache: CUDA context, activation peak, CUDA graphs."""
EAGER_OVERHEAD_GIB = 1.0


def weight_gib(arch: Architecture, quantization: Optional[Quantization]) -> float:
    """Weights of ``arch`` as its checkpoint stores them (quantization None), or quantized to ``quantization``, GiB."""
    return arch.weight_bytes(None if quantization is None else BYTES_PER_PARAM[quantization]) / GIB


def kv_cache_gib(arch: Architecture, kv_dtype: KvCacheDtype, tokens: int, sequences: int = 1) -> float:
    """KV cache of ``sequences`` sequences of ``tokens`` tokens each, GiB."""
    return arch.kv_bytes_per_sequence(tokens, KV_BYTES[kv_dtype]) * sequences / GIB


def spec_kv_cache_gib(spec: ModelSpec) -> float:
    """KV cache for the spec's `concurrency` sequences of `context_length` tokens, every GPU together, GiB."""
    return kv_cache_gib(spec.arch, spec.engine.kv_cache_dtype, spec.context_length, spec.concurrency)


@dataclass(frozen=True)
class Fit:
    """One candidate configuration (class, instance, TP, PP) and its per-GPU memory account, GiB."""

    cls: GpuClass
    inst: InstanceType
    tp: int
    pp: int
    need: float
    usable: float
    weights_gpu: float
    kv_gpu: float
    overhead: float

    @property
    def fits(self) -> bool:
        return self.need <= self.usable

    @property
    def replica_cost(self) -> float:
        """On-demand USD/h of one replica (one instance per pipeline stage): what the choice minimises."""
        return self.inst.on_demand_usd_hr * self.pp


def fit(spec: ModelSpec, cls: GpuClass, inst: InstanceType, tp: int, pp: int) -> Fit:
    """The per-GPU memory account of serving ``spec`` with TP ``tp`` × PP ``pp`` on ``inst``."""
    arch = spec.arch
    overhead = EAGER_OVERHEAD_GIB if spec.engine.enforce_eager else RUNTIME_OVERHEAD_GIB
    weights = weight_gib(arch, spec.quantization) / (tp * pp)
    kv = spec_kv_cache_gib(spec)
    kv /= arch.kv_split(tp) * pp
    usable = cls.memory_gib * spec.engine.gpu_memory_utilization
    return Fit(cls, inst, tp, pp, weights + kv + overhead, usable, weights, kv, overhead)


def kv_token_capacity(spec: ModelSpec, f: Fit) -> int:
    """Tokens the KV cache holds with the memory left after weights and overhead (what vLLM reports, roughly)."""
    arch = spec.arch
    kv_free = (f.usable - f.weights_gpu - f.overhead) * arch.kv_split(f.tp) * f.pp
    per_token = arch.kv_bytes_per_sequence(spec.context_length, KV_BYTES[spec.engine.kv_cache_dtype]) / spec.context_length
    return max(0, int(kv_free * GIB / per_token))
