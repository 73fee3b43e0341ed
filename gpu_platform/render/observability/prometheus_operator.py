"""The envelope of prometheus-operator's custom resources (PrometheusRule, ServiceMonitor, PodMonitor)."""

from __future__ import annotations

from typing import Any

from ..labels import MANAGED_BY, PROMETHEUS_RELEASE


def operator_object(kind: str, name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A `monitoring.coreos.com/v1` object. Prometheus selects them from every namespace with no label requirement;
    `release` still names the stack they belong to, for whoever reads the cluster."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"release": PROMETHEUS_RELEASE, **MANAGED_BY},
        },
        "spec": spec,
    }


def prometheus_rule(name: str, groups: list[dict[str, Any]], namespace: str) -> dict[str, Any]:
    """A PrometheusRule holding rule groups (alerts or recordings)."""
    return operator_object("PrometheusRule", name, namespace, {"groups": groups})
