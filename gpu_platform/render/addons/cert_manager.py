"""cert-manager: issues KServe's webhook serving certificates."""

from __future__ import annotations

from typing import Any

from ...spec import PlatformSpec
from .base import operator
from ..system import operator_replicas, placement, release_label

NAMESPACE = "cert-manager"


def cert_manager_values(spec: PlatformSpec) -> dict[str, Any]:
    """cert-manager: CRDs from the chart (kept on uninstall), HA webhook/controller in prod, metrics scraped."""
    n = operator_replicas(spec)
    monitored = spec.operators.monitoring.enabled
    ha = {"podDisruptionBudget": {"enabled": n > 1}}
    return {
        # crds.enabled defaults to false in v1.21; keep=true leaves them (and every Certificate) on uninstall.
        "crds": {"enabled": True, "keep": True},
        "replicaCount": n,
        **ha,
        **placement(),
        "webhook": {"replicaCount": n, **ha, **placement()},
        "cainjector": {"replicaCount": n, **ha, **placement()},
        "startupapicheck": placement(),
        "prometheus": {
            "enabled": True,
            "servicemonitor": {"enabled": monitored, "labels": release_label()},
        },
    }


CERT_MANAGER = operator(
    "cert-manager", NAMESPACE, lambda spec: spec.operators.cert_manager.enabled, cert_manager_values,
    after=("kube-prometheus-stack",),  # its ServiceMonitor needs the Prometheus Operator CRDs
    free_form_values=(
        "nodeSelector",  # default {kubernetes.io/os: linux}; Helm merges ours into it
        "webhook.nodeSelector",
        "cainjector.nodeSelector",
        "startupapicheck.nodeSelector",
    ),
)
