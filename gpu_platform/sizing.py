"""Pure sizing: from a :class:`ModelSpec` to GPUs, instance, parallelism, backend, cold-start budget and cost.

Memory model (per GPU, in GiB = 2**30 bytes)::

    weights  = parameters × bytes/parameter (dtype or quantization) ÷ (TP × PP)
    kv_cache = 2 × layers × kv_heads × head_dim × kv_bytes × max_model_len × concurrency
               ÷ (min(TP, kv_heads) × PP)          # KV heads are replicated once TP exceeds them
    need     = weights + kv_cache + runtime overhead (CUDA context, activations, CUDA graphs)
    fits    ⇔ need ≤ GPU memory × gpu_memory_utilization

When the spec leaves the GPU class, instance or parallelism open, :func:`size_model` tries every combination the
catalog offers and keeps the cheapest that fits on one node; only when nothing fits one node does it split the
layers across nodes (pipeline parallel, served by a RayService). Refusals carry the numbers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Mapping, Optional, Sequence

from .catalog.gpus import GPU_CLASSES, HOURS_PER_MONTH, PRICES_AS_OF, GpuClass, InstanceType, find_instance
from .catalog.models import Architecture
from .spec._base import FieldError
from .spec.model import Backend, Dtype, KvCacheDtype, ModelSpec, Quantization

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
TP_CHOICES = (1, 2, 4, 8)
MAX_PIPELINE = 16
MAX_AUTO_PIPELINE = 4
"""The automatic choice splits a model over at most this many nodes; more stages idle on the network."""

# Cold-start model: seconds and GiB/s, each an estimate documented here so the report can be argued with.
NODE_READY_S = {"l4": 150, "a10g": 150, "l40s": 150, "a100": 420, "h100": 480}
"""Karpenter launch → node Ready with the NVIDIA device plugin advertising GPUs (p4d/p5 boot slowly)."""
VLLM_IMAGE_GIB = 10.0
"""Compressed size of the vLLM image (CUDA, PyTorch, vLLM)."""
IMAGE_PULL_GIBPS = 0.15
"""Registry pull and layer extraction rate on a fresh node."""
HF_GIBPS = 0.2
"""Hugging Face Hub download rate without hf_transfer."""
CACHE_GIBPS = 0.5
"""Reading from a warm weight cache volume (throughput-provisioned gp3 or EFS)."""
S3_STREAM_MAX_GIBPS = 2.5
"""Run:ai streamer ceiling from S3; below it the node's network bandwidth (half of it, conservatively) limits."""
PROBE_SAFETY = 2.0
PROBE_MARGIN_S = 60
PROBE_PERIOD_S = 10


class SizingError(FieldError):
    """The requested model cannot be placed; ``field`` names the spec field to change, the message has the numbers."""


@dataclass(frozen=True)
class ColdStart:
    """Modelled time from a scale-up decision to a replica serving (seconds)."""

    node_s: int
    """New GPU node to Ready (0 when a warm placeholder node is preempted)."""
    image_s: int
    """vLLM image pull (0 when pre-pulled on a warm node)."""
    weights_s: int
    """Weights from the source into GPU memory."""
    warmup_s: int
    """Engine start, profiling, KV-cache allocation and CUDA-graph capture."""
    source: str
    """Where weights come from: `s3-stream`, `hf-hub` or `pvc-cache`."""
    source_gibps: float
    """Modelled weight throughput per node."""

    @property
    def total_s(self) -> int:
        return self.node_s + self.image_s + self.weights_s + self.warmup_s

    @property
    def warm_s(self) -> int:
        """With a warm node and the image present: weights and warm-up only."""
        return self.weights_s + self.warmup_s


@dataclass(frozen=True)
class Cost:
    """Estimated USD cost at catalog prices (per hour and per 730-hour month)."""

    on_demand_hourly_min: float
    on_demand_hourly_max: float
    spot_hourly_min: float
    spot_hourly_max: float
    prices_as_of: str

    @property
    def on_demand_monthly_min(self) -> float:
        return round(self.on_demand_hourly_min * HOURS_PER_MONTH, 2)

    @property
    def on_demand_monthly_max(self) -> float:
        return round(self.on_demand_hourly_max * HOURS_PER_MONTH, 2)

    @property
    def spot_monthly_min(self) -> float:
        return round(self.spot_hourly_min * HOURS_PER_MONTH, 2)

    @property
    def spot_monthly_max(self) -> float:
        return round(self.spot_hourly_max * HOURS_PER_MONTH, 2)


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
        return math.ceil(self.startup_budget_s / PROBE_PERIOD_S)

    @property
    def multi_node(self) -> bool:
        return self.pipeline_parallel_size > 1

    def report(self) -> dict:
        """A JSON-friendly report (stack output and plan summary)."""
        data = asdict(self)
        data["backend"] = self.backend.value
        data["gpus_per_replica"] = self.gpus_per_replica
        data["cold_start"] = {**asdict(self.cold_start), "total_s": self.cold_start.total_s, "warm_s": self.cold_start.warm_s}
        data["cost"] = {
            **asdict(self.cost),
            "on_demand_monthly_min": self.cost.on_demand_monthly_min,
            "on_demand_monthly_max": self.cost.on_demand_monthly_max,
            "spot_monthly_min": self.cost.spot_monthly_min,
            "spot_monthly_max": self.cost.spot_monthly_max,
        }
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


# ------------------------------------------------------------------------------------------- memory
def weight_gib(arch: Architecture, quantization: Optional[Quantization]) -> float:
    """Weights of ``arch`` at the given quantization (16-bit when None), GiB."""
    return arch.params_b * 1e9 * BYTES_PER_PARAM[quantization] / GIB


def kv_cache_gib(arch: Architecture, kv_dtype: KvCacheDtype, tokens: int) -> float:
    """KV cache for ``tokens`` tokens, GiB."""
    return arch.kv_bytes_per_token(KV_BYTES[kv_dtype]) * tokens / GIB


@dataclass(frozen=True)
class _Fit:
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
        return self.inst.on_demand_usd_hr * self.pp


def _fit(spec: ModelSpec, cls: GpuClass, inst: InstanceType, tp: int, pp: int) -> _Fit:
    arch = spec.arch
    overhead = EAGER_OVERHEAD_GIB if spec.engine.enforce_eager else RUNTIME_OVERHEAD_GIB
    weights = weight_gib(arch, spec.quantization) / (tp * pp)
    kv = kv_cache_gib(arch, spec.engine.kv_cache_dtype, spec.context_length * spec.concurrency)
    kv /= min(tp, arch.kv_heads) * pp
    usable = cls.memory_gib * spec.engine.gpu_memory_utilization
    return _Fit(cls, inst, tp, pp, weights + kv + overhead, usable, weights, kv, overhead)


Offered = Optional[Mapping[str, Sequence[str]]]
"""GPU class → instance types the platform can launch (its node pools); None: the whole catalog."""


def _classes(spec: ModelSpec, offered: Offered) -> list[GpuClass]:
    if spec.instance_type:
        cls = find_instance(spec.instance_type)[0]  # type: ignore[index]
        if offered is not None and spec.instance_type not in offered.get(cls.name, ()):
            raise SizingError("instance_type", f"no GPU node pool launches {spec.instance_type}; {_offer_text(offered)}")
        return [cls]
    if spec.gpu_class:
        if offered is not None and spec.gpu_class not in offered:
            raise SizingError("gpu_class", f"no GPU node pool offers {spec.gpu_class}; {_offer_text(offered)}")
        return [GPU_CLASSES[spec.gpu_class]]
    names = list(offered) if offered is not None else list(GPU_CLASSES)
    return [GPU_CLASSES[n] for n in names if n in GPU_CLASSES]


def _offer_text(offered: Mapping[str, Sequence[str]]) -> str:
    if not offered:
        return "the platform has no dedicated (unshared) GPU node pools (add one under gpu.node_pools)"
    return "pools offer " + "; ".join(f"{c}: {', '.join(i)}" for c, i in offered.items())


def _instances(spec: ModelSpec, cls: GpuClass, offered: Offered) -> list[InstanceType]:
    if spec.instance_type:
        return [i for i in cls.instances if i.name == spec.instance_type]
    if offered is not None:
        return [i for i in cls.instances if i.name in offered.get(cls.name, ())]
    return list(cls.instances)


def offered_instances(platform: object, pool: Optional[str] = None) -> Offered:
    """Instance types a platform's GPU node pools can launch, per class (None when it declares no pools).

    MIG pools are left out: their `nvidia.com/gpu` is a slice with a fraction of the memory, which the
    whole-GPU sizing here does not model.
    """
    gpu = getattr(platform, "gpu", None)
    pools = getattr(gpu, "node_pools", None) if gpu is not None else None
    if not pools:
        return None
    out: dict[str, list[str]] = {}
    only = pool
    for pool in pools:
        if getattr(pool, "mig", None) is not None or (only is not None and pool.name != only):
            continue
        cls = GPU_CLASSES[pool.gpu_class.value]
        names = []
        for inst in cls.instances:
            if pool.instance_types and inst.name not in pool.instance_types:
                continue
            if pool.max_gpus_per_node is not None and inst.gpus > pool.max_gpus_per_node:
                continue
            if pool.min_gpus_per_node is not None and inst.gpus < pool.min_gpus_per_node:
                continue
            names.append(inst.name)
        if names:
            out.setdefault(cls.name, []).extend(n for n in names if n not in out.get(cls.name, []))
    return out


def size_for_platform(spec: ModelSpec, platform: object) -> "Sizing":
    """Size ``spec`` on ``platform``'s node pools and choose the pool it runs on.

    A model may name its pool (`pool`); otherwise it runs on its class's one whole-GPU pool. MIG pools are never
    chosen for whole-GPU sizing: their `nvidia.com/gpu` is a slice, so a model must not land there by class alone
    (its node selector names the pool). A class with several whole-GPU pools needs the model to name one.
    """
    import dataclasses

    gpu = getattr(platform, "gpu", None)
    pools = list(getattr(gpu, "node_pools", None) or [])
    if spec.pool is not None:
        named = next((p for p in pools if p.name == spec.pool), None)
        if named is None:
            raise SizingError("pool", f"no GPU node pool named {spec.pool!r} (pools: "
                                      f"{', '.join(p.name for p in pools) or 'none'})")
        if named.mig is not None:
            raise SizingError("pool", f"{spec.pool!r} is a MIG pool: its GPUs are slices, which whole-GPU serving "
                                      "does not size; use a whole-GPU pool")
        if spec.gpu_class is not None and spec.gpu_class != named.gpu_class.value:
            raise SizingError("pool", f"{spec.pool!r} runs {named.gpu_class.value}, not gpu_class {spec.gpu_class}")
    sized = size_model(spec, offered_instances(platform, spec.pool))
    sized = dataclasses.replace(
        sized, second_cluster_fits=ray_new_cluster_fits(sized, class_gpu_capacity(platform, sized.gpu_class))
    )
    if not pools:
        return sized
    if spec.pool is not None:
        return dataclasses.replace(sized, pool=spec.pool)
    whole = [p.name for p in pools if p.gpu_class.value == sized.gpu_class and p.mig is None]
    if len(whole) > 1:
        raise SizingError("pool", f"gpu class {sized.gpu_class} has several pools ({', '.join(whole)}); name one")
    return dataclasses.replace(sized, pool=whole[0] if whole else None)


def rollout_surge(spec: ModelSpec, backend: Backend) -> int:
    """Extra replicas a rolling update runs next to the current ones: 1, or 0 where the pods recreate (a
    ReadWriteOnce cache pins them to one node, so a surge pod could never start) and for RayService (KubeRay
    upgrades whole clusters; see render.model.ray_upgrade_strategy)."""
    if backend is Backend.RAYSERVICE or (spec.cache is not None and not spec.cache.read_write_many):
        return 0
    return 1


def class_gpu_capacity(platform: object, gpu_class: str) -> Optional[int]:
    """Whole GPUs the platform's pools of ``gpu_class`` may run at once (spot and on-demand fallback ceilings
    together), or None when the platform declares no pools (nothing bounds it here)."""
    gpu = getattr(platform, "gpu", None)
    pools = getattr(gpu, "node_pools", None) if gpu is not None else None
    if not pools:
        return None
    total = 0
    for pool in pools:
        if pool.gpu_class.value != gpu_class or getattr(pool, "mig", None) is not None:
            continue
        total += pool.limits.gpus
        if pool.capacity.value == "spot_with_on_demand_fallback":
            total += pool.limits.on_demand_gpus if pool.limits.on_demand_gpus is not None else pool.limits.gpus
    return total


def ray_new_cluster_fits(sizing: "Sizing", capacity: Optional[int]) -> bool:
    """Whether a RayService upgrade can run a second full cluster beside the first (KubeRay's NewCluster strategy
    keeps the old cluster serving until the new one is ready, so both exist at max replicas)."""
    return capacity is None or 2 * sizing.max_replicas * sizing.gpus_per_replica <= capacity


def time_sliced_classes(platform: object) -> set[str]:
    """GPU classes whose pool shares each GPU by time-slicing (vLLM then shares the GPU's memory)."""
    gpu = getattr(platform, "gpu", None)
    return {
        p.gpu_class.value
        for p in (getattr(gpu, "node_pools", None) or [])
        if getattr(p, "time_slicing", None) is not None and p.time_slicing.replicas > 1
    }


def _tp_choices(spec: ModelSpec, pp: int) -> list[int]:
    if spec.tensor_parallel_size:
        return [spec.tensor_parallel_size]
    if spec.gpu_count:
        return [spec.gpu_count // pp] if spec.gpu_count % pp == 0 else []
    return [tp for tp in TP_CHOICES if spec.arch.attention_heads % tp == 0]


def _candidates(spec: ModelSpec, offered: Offered, multi_node: bool) -> list[_Fit]:
    out: list[_Fit] = []
    arch = spec.arch
    for cls in _classes(spec, offered):
        for inst in _instances(spec, cls, offered):
            if multi_node:
                pps = [spec.pipeline_parallel_size] if spec.pipeline_parallel_size else range(2, MAX_AUTO_PIPELINE + 1)
            else:
                pps = [1]
            for pp in pps:
                if pp > arch.layers:
                    continue
                for tp in _tp_choices(spec, pp):
                    if tp > inst.gpus or arch.attention_heads % tp:
                        continue
                    # Across nodes each node is one pipeline stage filling the instance: no stranded GPUs.
                    if multi_node and tp != inst.gpus:
                        continue
                    out.append(_fit(spec, cls, inst, tp, pp))
    return out


def _choose(spec: ModelSpec, offered: Offered) -> _Fit:
    if offered is not None and not offered:
        raise SizingError("gpu_class", _offer_text(offered))
    single_only = spec.backend in (Backend.KSERVE, Backend.DEPLOYMENT)
    wants_multi = (spec.pipeline_parallel_size or 1) > 1
    if wants_multi and single_only:
        raise SizingError(
            "pipeline_parallel_size",
            f"backend {spec.backend.value} serves one node per replica; pipeline parallel across nodes needs "
            "backend rayservice (or auto)",
        )
    tried: list[_Fit] = []
    if not wants_multi:
        single = _candidates(spec, offered, multi_node=False)
        tried += single
        fits = [f for f in single if f.fits]
        if fits:
            return min(fits, key=lambda f: (f.replica_cost, f.tp, f.cls.name, f.inst.name))
    if not single_only:
        multi = _candidates(spec, offered, multi_node=True)
        tried += multi
        fits = [f for f in multi if f.fits]
        if fits:
            return min(fits, key=lambda f: (f.replica_cost, f.pp, f.tp, f.cls.name, f.inst.name))
    raise _refusal(spec, tried, offered, single_only)


def _refusal(spec: ModelSpec, tried: list[_Fit], offered: Offered, single_only: bool) -> SizingError:
    arch = spec.arch
    weights = weight_gib(arch, spec.quantization)
    kv = kv_cache_gib(arch, spec.engine.kv_cache_dtype, spec.context_length * spec.concurrency)
    field = (
        "instance_type" if spec.instance_type
        else "tensor_parallel_size" if spec.tensor_parallel_size
        else "gpu_count" if spec.gpu_count
        else "gpu_class" if spec.gpu_class
        else "model"
    )
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
    need_total = best.need * gpus
    usable_total = best.usable * gpus
    nodes = f"{best.pp}×{best.inst.name}" if best.pp > 1 else best.inst.name
    hint = (
        " (backend "
        f"{spec.backend.value} is limited to one node; use rayservice to split across nodes)"
        if single_only
        else ""
    )
    return SizingError(
        field,
        f"{arch.key} needs {need_total:.0f} GiB ({weights:.0f} weights + {kv:.0f} KV cache for "
        f"{spec.concurrency}×{spec.context_length} tokens + {best.overhead:.1f}/GPU runtime), "
        f"{nodes} with TP {best.tp} offers {usable_total:.0f} GiB usable at gpu_memory_utilization "
        f"{spec.engine.gpu_memory_utilization}; lower max_model_len or concurrency, quantize, or choose larger GPUs"
        + hint,
    )


# ------------------------------------------------------------------------------------------- cold start
def _weight_source(spec: ModelSpec, inst: InstanceType) -> tuple[str, float]:
    if spec.is_s3:
        return "s3-stream", min(S3_STREAM_MAX_GIBPS, inst.network_gbps / 8 / 2)
    if spec.cache is not None:
        return "pvc-cache", CACHE_GIBPS
    return "hf-hub", HF_GIBPS


def cold_start(spec: ModelSpec, cls: GpuClass, inst: InstanceType, tp: int, pp: int) -> ColdStart:
    """The modelled cold-start timeline of one replica on a fresh node."""
    source, gibps = _weight_source(spec, inst)
    per_node = weight_gib(spec.arch, spec.quantization) / pp
    per_gpu = per_node / tp
    weights_s = math.ceil(per_node / gibps)
    # Profiling + KV allocation is roughly fixed; CUDA-graph capture and torch.compile grow with the model.
    warmup_s = math.ceil((20 + 0.5 * per_gpu) if spec.engine.enforce_eager else (45 + 1.5 * per_gpu))
    image_s = math.ceil(VLLM_IMAGE_GIB / IMAGE_PULL_GIBPS)
    return ColdStart(NODE_READY_S.get(cls.name, 300), image_s, weights_s, warmup_s, source, round(gibps, 3))


def startup_budget(cs: ColdStart) -> int:
    """Seconds the startup probe allows once the container runs: (weights + warm-up) × safety + margin."""
    return math.ceil((cs.weights_s + cs.warmup_s) * PROBE_SAFETY + PROBE_MARGIN_S)


# ------------------------------------------------------------------------------------------- pod shape
def pod_resources(inst: InstanceType, gpus_on_pod: int) -> tuple[int, int, int]:
    """CPU cores, memory GiB (incl. shm) and /dev/shm GiB for a pod taking ``gpus_on_pod`` of ``inst``'s GPUs.

    Leaves ~15% of the node (and a little more) for kubelet reservations and the node daemons (CNI, device
    plugin, DCGM exporter, node exporter, pod identity agent).
    """
    share = gpus_on_pod / inst.gpus
    cpu = max(1, math.floor(inst.vcpu * share * 0.85 - 0.5))
    memory = max(4, math.floor(inst.memory_gib * share * 0.85 - 2))
    # NCCL and PyTorch workers use /dev/shm; more GPUs, more shared memory, but never more than a quarter of RAM.
    shm = max(1, min(4 * gpus_on_pod, memory // 4))
    return cpu, memory, shm


STREAMER_BUFFER_MAX_GIB = 16
"""Beyond this the Run:ai streamer's CPU buffer no longer speeds loading (its S3 concurrency is the limit)."""


def streamer_memory_gib(memory_gib: int, shm_gib: int, gpus_on_pod: int) -> int:
    """CPU buffer the Run:ai Model Streamer may fill while streaming weights from S3 (RUNAI_STREAMER_MEMORY_LIMIT).

    Unbounded by default, the buffer grows with the files and takes the pod past its memory limit (OOMKilled mid
    load). It gets half of what the pod's limit leaves after /dev/shm (memory-backed, counted against the limit) and
    the vLLM processes (~3 GiB for the API server plus ~2 GiB per GPU worker), at least 1 GiB.
    """
    left = memory_gib - shm_gib - (3 + 2 * gpus_on_pod)
    return max(1, min(STREAMER_BUFFER_MAX_GIB, left // 2))


# ------------------------------------------------------------------------------------------- entry point
def resolve_dtype(spec: ModelSpec, cls: GpuClass) -> str:
    """The concrete `--dtype`: bfloat16 where supported unless float16 is asked for."""
    if spec.dtype is Dtype.FLOAT16:
        return "float16"
    if spec.dtype is Dtype.BFLOAT16:
        if not cls.bf16:
            raise SizingError("dtype", f"{cls.name} GPUs do not support bfloat16; use float16 or auto")
        return "bfloat16"
    return "bfloat16" if cls.bf16 else "float16"


def size_model(spec: ModelSpec, offered: Offered = None) -> Sizing:
    """Size ``spec``: choose class, instance, TP/PP and backend (cheapest fit), and model start time and cost.

    ``offered`` (see :func:`offered_instances`) restricts the choice to what the platform's node pools launch.
    Raises :class:`SizingError` naming the field to change, with the numbers, when nothing fits.
    """
    f = _choose(spec, offered)
    backend = spec.backend
    if backend is Backend.AUTO:
        backend = Backend.RAYSERVICE if f.pp > 1 else Backend.KSERVE
    arch = spec.arch
    cs = cold_start(spec, f.cls, f.inst, f.tp, f.pp)
    cpu, memory, shm = pod_resources(f.inst, f.tp)
    a = spec.autoscaling
    canary = spec.canary.replicas if spec.canary else 0
    fixed = spec.headroom_replicas + canary
    od, spot = f.inst.on_demand_usd_hr * f.pp, f.inst.spot_usd_hr * f.pp
    cost = Cost(
        on_demand_hourly_min=round(od * (a.min_replicas + fixed), 3),
        on_demand_hourly_max=round(od * (a.max_replicas + fixed), 3),
        spot_hourly_min=round(spot * (a.min_replicas + fixed), 3),
        spot_hourly_max=round(spot * (a.max_replicas + fixed), 3),
        prices_as_of=PRICES_AS_OF,
    )
    kv_free = (f.usable - f.weights_gpu - f.overhead) * min(f.tp, arch.kv_heads) * f.pp
    tokens = max(0, int(kv_free * GIB / arch.kv_bytes_per_token(KV_BYTES[spec.engine.kv_cache_dtype])))
    if spec.cache is not None:
        need_cache = weight_gib(arch, spec.quantization) * 1.2
        if spec.cache.size_gib < need_cache:
            raise SizingError(
                "cache.size_gib", f"{spec.cache.size_gib} GiB cannot hold {arch.key}'s weights with headroom "
                f"(needs ≥ {math.ceil(need_cache)} GiB)"
            )
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
        kv_cache_gib=round(kv_cache_gib(arch, spec.engine.kv_cache_dtype, spec.context_length * spec.concurrency), 2),
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
        min_replicas=a.min_replicas,
        max_replicas=a.max_replicas,
    )
