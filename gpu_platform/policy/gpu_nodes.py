"""GPU node software: once GPU nodes are planned, the add-ons that make them usable and observable are too.

A rule here finds nothing on a stack without GPU NodePools or GPU pods, so CPU-only stacks need no exemption.
"""

from __future__ import annotations

from typing import Optional

from ..plan.engine import PlanResource
from .registry import rule
from .view import PlanView

_APPLIES_TO = ("NodePool", "kubernetes:helm.sh/v3:Release")


def _gpu_anchor(view: PlanView) -> Optional[PlanResource]:
    """The resource a missing add-on is reported on: the first GPU NodePool, else the first GPU workload."""
    if view.gpu_nodepools:
        return view.gpu_nodepools[0]
    if view.gpu_templates:
        return view.gpu_templates[0].resource
    return None


def _requires_chart(rule_id: str, description: str, chart: str) -> None:
    """Register a rule: GPU nodes planned means ``chart`` (or the gpu-operator, which bundles it) is installed."""

    def check(view: PlanView):
        anchor = _gpu_anchor(view)
        if anchor is not None and not view.has_chart(chart, "gpu-operator"):
            yield anchor, f"GPU nodes are planned but no {chart} (or gpu-operator) Helm release is"

    rule(rule_id, description, _APPLIES_TO)(check)


_requires_chart(
    "dcgm-exporter-present",
    "Once GPU nodes exist (a GPU NodePool or GPU workload), the DCGM exporter is installed: GPU utilisation, "
    "memory, temperature and XID errors are otherwise invisible.",
    "dcgm-exporter",
)
_requires_chart(
    "device-plugin-present",
    "Once GPU nodes exist, the NVIDIA device plugin is installed: without it nodes advertise no nvidia.com/gpu "
    "and Karpenter never considers them initialized.",
    "nvidia-device-plugin",
)
