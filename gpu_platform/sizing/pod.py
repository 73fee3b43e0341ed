"""The pod's shape: CPU, memory and /dev/shm for a share of an instance, and the S3 streamer's CPU buffer."""

from __future__ import annotations

import math

from ..catalog.gpus import InstanceType

STREAMER_BUFFER_MAX_GIB = 16
"""Beyond this the Run:ai streamer's CPU buffer no longer speeds loading (its S3 concurrency is the limit)."""


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


def streamer_memory_gib(memory_gib: int, shm_gib: int, gpus_on_pod: int) -> int:
    """CPU buffer the Run:ai Model Streamer may fill while streaming weights from S3 (RUNAI_STREAMER_MEMORY_LIMIT).

    Unbounded by default, the buffer grows with the files and takes the pod past its memory limit (OOMKilled mid
    load). It gets half of what the pod's limit leaves after /dev/shm (memory-backed, counted against the limit) and
    the vLLM processes (~3 GiB for the API server plus ~2 GiB per GPU worker), at least 1 GiB.
    """
    left = memory_gib - shm_gib - (3 + 2 * gpus_on_pod)
    return max(1, min(STREAMER_BUFFER_MAX_GIB, left // 2))
