"""What Prometheus scrapes beyond the stack's defaults: the Karpenter controller and vLLM's serving pods."""

from __future__ import annotations

from typing import Any

from .prometheus_operator import operator_object


def karpenter_service_monitor(namespace: str, release: str) -> dict[str, Any]:
    """Scrape the Karpenter controller (its chart ships the ServiceMonitor off): the Karpenter alerts need it.

    Selects the chart's Service by its selector labels (`app.kubernetes.io/name: karpenter`, instance = release)
    on the `http-metrics` port (8080). Lives beside the Service so no namespaceSelector is needed.
    """
    return operator_object(
        "ServiceMonitor",
        "karpenter",
        namespace,
        {
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": release}
            },
            "endpoints": [{"port": "http-metrics", "path": "/metrics", "interval": "30s"}],
        },
    )


def vllm_pod_monitor(
    name: str,
    namespace: str,
    match_labels: dict[str, str],
    *,
    port: int = 8080,
    interval: str = "15s",
) -> dict[str, Any]:
    """Scrape vLLM's `GET /metrics` on the serving port of the pods ``match_labels`` selects (for ModelDeployments).

    A PodMonitor rather than a ServiceMonitor: every replica is scraped even while it is not Ready (a replica stuck
    loading weights still reports its queue), and no metrics Service is needed. 15 s keeps the TTFT/queue alerts'
    5-minute windows well sampled.
    """
    return operator_object(
        "PodMonitor",
        name,
        namespace,
        {
            "selector": {"matchLabels": dict(match_labels)},
            "podMetricsEndpoints": [{"portNumber": port, "path": "/metrics", "interval": interval}],
        },
    )
