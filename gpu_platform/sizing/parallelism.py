"""Tensor and pipeline parallelism: the (class, instance, TP, PP) configurations worth trying for a model.

Tensor parallelism splits each layer across the GPUs of one node (its size must divide the attention heads);
pipeline parallelism splits the layers across nodes, one node per stage (served by a RayService).
"""

from __future__ import annotations

from typing import Sequence

from ..spec.model import ModelSpec
from .memory import Fit, fit
from .offer import Offered, candidate_classes, candidate_instances

TP_CHOICES = (1, 2, 4, 8)
MAX_PIPELINE = 16
MAX_AUTO_PIPELINE = 4
"""The automatic choice splits a model over at most this many nodes; more stages idle on the network."""


def tp_choices(spec: ModelSpec, pp: int) -> list[int]:
    """Tensor-parallel sizes to try at ``pp`` stages: the spec's, the one its GPU count implies, or every divisor."""
    if spec.tensor_parallel_size:
        return [spec.tensor_parallel_size]
    if spec.gpu_count:
        return [spec.gpu_count // pp] if spec.gpu_count % pp == 0 else []
    return [tp for tp in TP_CHOICES if spec.arch.attention_heads % tp == 0]


def pp_choices(spec: ModelSpec, multi_node: bool) -> Sequence[int]:
    """Pipeline-parallel sizes to try: 1 on one node; across nodes the spec's, or 2 to MAX_AUTO_PIPELINE."""
    if not multi_node:
        return [1]
    return [spec.pipeline_parallel_size] if spec.pipeline_parallel_size else range(2, MAX_AUTO_PIPELINE + 1)


def candidates(spec: ModelSpec, offered: Offered, multi_node: bool) -> list[Fit]:
    """Every configuration the spec and the offer allow, fitting or not (refusals report the closest)."""
    out: list[Fit] = []
    arch = spec.arch
    for cls in candidate_classes(spec, offered):
        for inst in candidate_instances(spec, cls, offered):
            for pp in pp_choices(spec, multi_node):
                if pp > arch.layers:
                    continue
                for tp in tp_choices(spec, pp):
                    if tp > inst.gpus or arch.attention_heads % tp:
                        continue
                    # Across nodes each node is one pipeline stage filling the instance: no stranded GPUs.
                    if multi_node and tp != inst.gpus:
                        continue
                    out.append(fit(spec, cls, inst, tp, pp))
    return out
