"""Which pods win a GPU: the PriorityClasses of model pods by spec priority, and of the warm-headroom placeholders."""

from __future__ import annotations

from typing import Any

from ...spec.model import Priority
from .names import meta

PRIORITY_CLASSES: dict[Priority, tuple[str, int]] = {
    Priority.CRITICAL: ("gpu-model-critical", 100000),
    Priority.STANDARD: ("gpu-model-standard", 10000),
    Priority.BATCH: ("gpu-model-batch", 1000),
}
HEADROOM_PRIORITY_CLASS = ("gpu-headroom", -100)
"""Placeholder pods: below every workload (negative, never preempting) so any real replica evicts them at once."""


def priority_classes() -> list[dict[str, Any]]:
    """PriorityClasses for model pods and the preemptible, never-preempting warm-headroom placeholders."""
    out = [
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": meta(name),
            "value": value,
            "globalDefault": False,
            "description": f"gpu-platform model pods ({prio.value})",
        }
        for prio, (name, value) in PRIORITY_CLASSES.items()
    ]
    name, value = HEADROOM_PRIORITY_CLASS
    out.append(
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": meta(name),
            "value": value,
            "globalDefault": False,
            "preemptionPolicy": "Never",
            "description": "gpu-platform warm-headroom placeholders: evicted first, never evict anything",
        }
    )
    return out
