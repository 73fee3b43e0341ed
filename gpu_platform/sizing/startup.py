"""Cold start and the startup probe: how long a new replica takes to serve, and how long its probe waits.

Seconds and GiB/s below are estimates, each documented here so the report can be argued with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..catalog.gpus import GPU_CLASSES, GpuClass, InstanceType
from ..spec.model import ModelSpec
from .memory import weight_gib

NODE_READY_S = {name: c.node_ready_s for name, c in GPU_CLASSES.items()}
"""Seconds from launch to a Ready GPU node, per class (the catalog's estimate; see GpuClass.node_ready_s)."""
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
    return ColdStart(cls.node_ready_s, image_s, weights_s, warmup_s, source, round(gibps, 3))


def startup_budget(cs: ColdStart) -> int:
    """Seconds the startup probe allows once the container runs: (weights + warm-up) × safety + margin."""
    return math.ceil((cs.weights_s + cs.warmup_s) * PROBE_SAFETY + PROBE_MARGIN_S)


def startup_failure_threshold(budget_s: int) -> int:
    """The startup probe's failureThreshold: enough PROBE_PERIOD_S periods to cover ``budget_s``."""
    return math.ceil(budget_s / PROBE_PERIOD_S)
