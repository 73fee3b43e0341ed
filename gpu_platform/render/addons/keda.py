"""KEDA (event-driven autoscaling of models) and its HTTP add-on (scale from zero on requests)."""

from __future__ import annotations

from typing import Any

from ...spec import PlatformSpec
from .base import operator
from ..system import operator_replicas, placement, release_label

NAMESPACE = "keda"
"""KServe's defaults (e.g. the OpenTelemetry scaler endpoint `keda-otel-scaler.keda.svc`) assume KEDA in `keda`."""


def keda_values(spec: PlatformSpec) -> dict[str, Any]:
    """KEDA: CRDs from the chart; operator, metrics API server and webhooks on system nodes, metrics scraped."""
    n = operator_replicas(spec)
    monitored = spec.operators.monitoring.enabled
    monitor = {"enabled": monitored, "additionalLabels": release_label()}
    values: dict[str, Any] = {
        "crds": {"install": True},
        **placement(),
        "operator": {"replicaCount": n, **placement()},
        "metricsServer": {"replicaCount": n, **placement()},
        "webhooks": {"replicaCount": n, **placement()},
        "prometheus": {
            "operator": {"enabled": monitored, "serviceMonitor": dict(monitor)},
            "metricServer": {"enabled": monitored, "serviceMonitor": dict(monitor)},
        },
    }
    if n > 1:
        values["podDisruptionBudget"] = {
            "operator": {"minAvailable": 1},
            "metricServer": {"minAvailable": 1},
            "webhooks": {"minAvailable": 1},
        }
    return values


def keda_http_values(spec: PlatformSpec) -> dict[str, Any]:
    """KEDA HTTP add-on: operator, scaler and interceptor on system nodes (the interceptor proxies requests while a
    model scales from zero, so it must not depend on the GPU node it is waiting for)."""
    return {
        "crds": {"install": True},
        "operator": {"replicas": operator_replicas(spec), **placement()},
        "scaler": placement(),
        "interceptor": placement(),
    }


KEDA = operator(
    "keda", NAMESPACE, lambda spec: spec.operators.keda.enabled, keda_values,
    after=("kube-prometheus-stack",),  # its ServiceMonitors need the Prometheus Operator CRDs
)

KEDA_HTTP = operator(
    "keda-add-ons-http", NAMESPACE, lambda spec: spec.operators.keda.enabled and spec.operators.keda.http_addon,
    keda_http_values, after=("keda",),
)
