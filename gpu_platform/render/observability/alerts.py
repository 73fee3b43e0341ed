"""Alert rules: GPU health, serving, model availability and Karpenter provisioning, in one PrometheusRule.

Serving alerts read the recorded model signals (:mod:`.metrics`), so they cover every backend; thresholds and
durations come from the spec's `AlertingSpec`.
"""

from __future__ import annotations

from typing import Any

from ...spec.operators import AlertingSpec
from ..labels import MONITORING_NAMESPACE
from .metrics import MODEL_KV_CACHE, MODEL_TTFT_BUCKET, MODEL_WAITING, TTFT_SLO_SERIES
from .prometheus_operator import prometheus_rule
from .promql import promql_number as _num
from .recording_rules import model_signal_rules

DCGM_JOB = '.*dcgm-exporter.*'
"""`job` of the DCGM exporter's targets: the ServiceMonitor names the job after the Service, which the chart names
`<release>-dcgm-exporter` (or the release name when it already contains the chart name)."""
PREDICTOR_DEPLOYMENT = ".+-predictor"
"""KServe (Standard mode) names an InferenceService's predictor Deployment `<isvc>-predictor`."""
FATAL_XIDS: tuple[int, ...] = (48, 74, 79, 94, 95)
"""XIDs after which the GPU needs a reset or the node a replacement: double-bit ECC (48), NVLink (74), fallen off
the bus (79), contained/uncontained ECC (94, 95)."""


def _alert(name: str, expr: str, for_: str, severity: str, summary: str, description: str) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity, "platform": "gpu-platform"},
        "annotations": {"summary": summary, "description": description},
    }


def ttft_slo_expr(default_slo_seconds: float, window: str = "5m") -> str:
    """p95 TTFT per model above its SLO: the recorded per-model SLO where one exists, else the default."""
    if window != "5m":
        raise ValueError(f"the TTFT signal is recorded over 5m ({MODEL_TTFT_BUCKET}); got {window}")
    p95 = f"histogram_quantile(0.95, sum by (le, model_name) ({MODEL_TTFT_BUCKET}))"
    return (
        f"({p95} > on (model_name) group_left () {TTFT_SLO_SERIES})\n"
        f"or\n"
        f"(({p95} unless on (model_name) {TTFT_SLO_SERIES}) > {_num(default_slo_seconds)})"
    )


def _gpu_alerts(alerts: AlertingSpec) -> list[dict[str, Any]]:
    """GPU health from DCGM, and the exporter itself (no DCGM metrics means every GPU alert is blind)."""
    f = alerts.for_duration
    gpu_id = "Hostname, gpu, UUID"
    fatal = " or ".join(f"DCGM_FI_DEV_XID_ERRORS == {x}" for x in FATAL_XIDS)
    return [
        _alert("GPUXidError", f"max by ({gpu_id}) (DCGM_FI_DEV_XID_ERRORS) > 0", "1m", "warning",
               "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $value }}",
               "The driver logged an XID error; check dmesg on the node. Recurrent XIDs mean failing hardware."),
        _alert("GPUFatalXidError", f"max by ({gpu_id}) ({fatal})", "1m", "critical",
               "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} hit fatal XID {{ $value }}",
               "This XID needs a GPU reset or a new node: cordon and drain the node so Karpenter replaces it."),
        _alert("GPUTemperatureHigh", f"max by ({gpu_id}) (DCGM_FI_DEV_GPU_TEMP) > {alerts.gpu_temperature_celsius}",
               f, "warning", "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} at {{ $value }} °C",
               f"Above {alerts.gpu_temperature_celsius} °C the GPU throttles its clocks and latency rises."),
        _alert("GPUMemoryPressure",
               f"max by ({gpu_id}) (DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)) "
               f"> {_num(alerts.gpu_memory_used_ratio)}",
               f, "warning", "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} memory {{ $value | humanizePercentage }} used",
               "Framebuffer memory is nearly exhausted; allocations beyond vLLM's budget will fail with OOM."),
        _alert("DCGMExporterDown", f'up{{job=~"{DCGM_JOB}"}} == 0', "5m", "warning",
               "DCGM exporter {{ $labels.instance }} is not being scraped",
               "GPU metrics from this node are missing, so GPU alerts cannot fire for it."),
        _alert("DCGMExporterPodsUnavailable",
               f'kube_daemonset_status_number_unavailable{{daemonset=~"{DCGM_JOB}"}} > 0', "15m", "warning",
               "{{ $value }} DCGM exporter pods are unavailable",
               "Some GPU nodes run no healthy DCGM exporter (check its tolerations and the GPU taint)."),
        _alert("DCGMExporterAbsent",
               'sum(kube_node_status_capacity{resource="nvidia_com_gpu"}) > 0 '
               f'unless on () count(up{{job=~"{DCGM_JOB}"}} == 1)',
               "15m", "critical", "GPU nodes exist but no DCGM exporter target is up",
               "No GPU metrics at all: dashboards are empty and every GPU alert is blind."),
    ]


def _serving_alerts(alerts: AlertingSpec) -> list[dict[str, Any]]:
    """Queueing, KV cache pressure and time to first token, per model, from the recorded model signals."""
    f = alerts.for_duration
    return [
        _alert("VLLMQueueBuildingUp",
               f"{MODEL_WAITING} > {alerts.queue_waiting_requests}", f,
               "warning", "{{ $value }} requests waiting for model {{ $labels.model_name }}",
               "Requests queue for batch slots: add replicas or check that the autoscaler can get GPU nodes."),
        _alert("VLLMKVCacheNearFull",
               f"{MODEL_KV_CACHE} > {_num(alerts.kv_cache_usage_ratio)}",
               f, "warning", "KV cache of {{ $labels.pod }} ({{ $labels.model_name }}) at {{ $value | humanizePercentage }}",
               "A full KV cache forces queueing and preemption; scale out or lower max-num-seqs/max-model-len."),
        _alert("VLLMTimeToFirstTokenSLO", ttft_slo_expr(alerts.ttft_p95_slo_seconds), f, "warning",
               "p95 time to first token of {{ $labels.model_name }} is {{ $value | humanizeDuration }}",
               f"Above the model's SLO (default {_num(alerts.ttft_p95_slo_seconds)} s, or its own from "
               f"{TTFT_SLO_SERIES})."),
    ]


def _availability_alerts() -> list[dict[str, Any]]:
    """Models with replicas missing or none at all, per backend."""
    return [
        _alert("ModelReplicasUnavailable",
               f'kube_deployment_status_replicas_unavailable{{deployment=~"{PREDICTOR_DEPLOYMENT}"}} > 0', "15m",
               "warning", "{{ $value }} replicas of {{ $labels.namespace }}/{{ $labels.deployment }} unavailable",
               "Replicas are not ready: pending GPU capacity, image/model download, or crashing vLLM."),
        _alert("ModelUnavailable",
               f'kube_deployment_status_replicas_available{{deployment=~"{PREDICTOR_DEPLOYMENT}"}} == 0 '
               f'and on (namespace, deployment) kube_deployment_spec_replicas > 0', "5m", "critical",
               "{{ $labels.namespace }}/{{ $labels.deployment }} has no available replica",
               "The model serves nothing; the gateway is on its fallback chain for it."),
        # RayService models have no predictor Deployment: Ray Serve reports each replica's health itself.
        _alert("RayServeModelUnavailable",
               "sum by (namespace, application) (ray_serve_deployment_replica_healthy) == 0", "5m", "critical",
               "Ray Serve application {{ $labels.namespace }}/{{ $labels.application }} has no healthy replica",
               "The RayService model serves nothing; the gateway is on its fallback chain for it."),
    ]


def _karpenter_alerts() -> list[dict[str, Any]]:
    """Karpenter cannot launch what pods need: EC2 errors, unschedulable pods, NodePool limits."""
    return [
        _alert("KarpenterCloudProviderErrors",
               "sum by (controller, method, error) "
               '(increase(karpenter_cloudprovider_errors_total{error!="NodeClaimNotFoundError"}[10m])) > 0',
               "5m", "warning", "Karpenter {{ $labels.method }} calls fail with {{ $labels.error }}",
               "EC2 calls are failing (capacity, quotas, IAM): new GPU nodes may not launch."),
        _alert("KarpenterUnschedulablePods", "sum(karpenter_scheduler_unschedulable_pods_count) > 0", "15m",
               "warning", "{{ $value }} pods cannot be placed by any NodePool",
               "No NodePool's requirements, limits or taints admit these pods; they stay Pending."),
        _alert("KarpenterNodePoolLimitReached", "karpenter_nodepools_usage / karpenter_nodepools_limit > 0.95",
               "15m", "warning",
               "NodePool {{ $labels.nodepool }} at {{ $value | humanizePercentage }} of its {{ $labels.resource_type }} limit",
               "Karpenter will not launch beyond the limit; raise it or expect Pending pods."),
    ]


def alert_groups(alerts: AlertingSpec) -> list[dict[str, Any]]:
    """Rule groups: GPU health, vLLM serving, model availability, Karpenter provisioning (after the recordings of
    the model signals the serving alerts read)."""
    return [
        {"name": "gpu-platform.model-signals", "rules": model_signal_rules()},
        {"name": "gpu-platform.gpu", "rules": _gpu_alerts(alerts)},
        {"name": "gpu-platform.vllm", "rules": _serving_alerts(alerts)},
        {"name": "gpu-platform.models", "rules": _availability_alerts()},
        {"name": "gpu-platform.karpenter", "rules": _karpenter_alerts()},
    ]


def platform_rules(alerts: AlertingSpec, namespace: str = MONITORING_NAMESPACE) -> dict[str, Any]:
    """The platform's PrometheusRule (GPU, vLLM, model and Karpenter alerts)."""
    return prometheus_rule("gpu-platform-alerts", alert_groups(alerts), namespace)
