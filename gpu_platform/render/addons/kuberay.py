"""KubeRay operator: RayServices for models that span nodes."""

from __future__ import annotations

from typing import Any

from ...spec import PlatformSpec
from .base import operator
from ..system import operator_replicas, placement, release_label

NAMESPACE = "kuberay-system"


def kuberay_values(spec: PlatformSpec) -> dict[str, Any]:
    """KubeRay operator: leader election so extra replicas stand by; control-plane metrics scraped."""
    return {
        "replicas": operator_replicas(spec),
        "leaderElectionEnabled": True,
        **placement(),
        "metrics": {
            "enabled": True,
            "serviceMonitor": {
                "enabled": spec.operators.monitoring.enabled,
                "additionalLabels": release_label(),
            },
        },
    }


KUBERAY = operator(
    "kuberay-operator", NAMESPACE, lambda spec: spec.operators.kuberay.enabled, kuberay_values,
    after=("kube-prometheus-stack",),  # its ServiceMonitor needs the Prometheus Operator CRDs
)
