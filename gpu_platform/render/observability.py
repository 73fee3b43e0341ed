"""Dashboards (Grafana JSON in ConfigMaps) and alert rules (PrometheusRules) for GPUs, vLLM, models and Karpenter.

Pure. Every PromQL expression here uses only metric names from :data:`KNOWN_METRICS`, the catalog of what the pinned
exporters actually publish (vLLM 0.33, dcgm-exporter 4.5.3-4.8.2 default counters, Karpenter 1.14,
kube-state-metrics); the tests parse each expression and check its names against the catalog, so a renamed metric
(vLLM's `gpu_cache_usage_perc` → `kv_cache_usage_perc`) fails a test instead of leaving an empty panel or a silent
alert.

Label conventions: vLLM labels its series `model_name` (the first `--served-model-name`) and `engine`; dcgm-exporter
labels `gpu`, `UUID`, `Hostname`, `modelName` and, for GPUs held by a pod, `namespace`/`pod`/`container`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Iterator

from ..spec.operators import AlertingSpec
from .labels import MANAGED_BY, MONITORING_NAMESPACE, PROMETHEUS_RELEASE
from .operators import GRAFANA_DASHBOARD_LABEL

# --------------------------------------------------------------------------------------------- metric catalog


def _histogram(name: str) -> set[str]:
    return {f"{name}_bucket", f"{name}_sum", f"{name}_count"}


VLLM_METRICS: frozenset[str] = frozenset(
    {
        # Gauges (vllm/v1/metrics/loggers.py, 0.33.0)
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
        "vllm:num_requests_waiting_by_reason",
        "vllm:kv_cache_usage_perc",
        # Counters carry _total on the wire
        "vllm:prompt_tokens_total",
        "vllm:generation_tokens_total",
        "vllm:request_success_total",
        "vllm:num_preemptions_total",
        "vllm:prefix_cache_hits_total",
        "vllm:prefix_cache_queries_total",
    }
    | _histogram("vllm:time_to_first_token_seconds")
    | _histogram("vllm:inter_token_latency_seconds")
    | _histogram("vllm:e2e_request_latency_seconds")
    | _histogram("vllm:request_queue_time_seconds")
    | _histogram("vllm:request_prefill_time_seconds")
    | _histogram("vllm:request_decode_time_seconds")
    | _histogram("vllm:request_time_per_output_token_seconds")
)
"""vLLM 0.33.0 series names. Gone since earlier releases: `vllm:gpu_cache_usage_perc`, `vllm:cpu_cache_usage_perc`,
`vllm:num_requests_swapped`."""

RAY_VLLM_METRICS: frozenset[str] = frozenset(
    {
        # Under Ray Serve LLM, vLLM's metrics go through Ray's metrics agent: ':' becomes '_' and 'ray_' is prefixed
        # (vllm v1/metrics/ray_wrappers.py, ray dashboard reporter_agent.py). Names as Ray 2.56.0's own Serve LLM
        # dashboard queries them (ray/dashboard/modules/metrics/dashboards/serve_llm_dashboard_panels.py).
        "ray_vllm_num_requests_running",
        "ray_vllm_num_requests_waiting",
        "ray_vllm_kv_cache_usage_perc",
        "ray_vllm_prompt_tokens_total",
        "ray_vllm_generation_tokens_total",
        "ray_vllm_request_success_total",
        "ray_vllm_prefix_cache_hits_total",
        "ray_vllm_prefix_cache_queries_total",
        # Ray Serve's replica health gauge (serve/_private/deployment_state.py), labels application/deployment/replica
        "ray_serve_deployment_replica_healthy",
    }
    | _histogram("ray_vllm_time_to_first_token_seconds")
)
"""RayService models' engine metrics (Ray 2.56.0, the `ray-llm` image)."""

DCGM_METRICS: frozenset[str] = frozenset(
    {
        # dcgm-exporter default-counters.csv as shipped with chart 4.8.2 (documented in its values.yaml)
        "DCGM_FI_DEV_SM_CLOCK",
        "DCGM_FI_DEV_MEM_CLOCK",
        "DCGM_FI_DEV_MEMORY_TEMP",
        "DCGM_FI_DEV_GPU_TEMP",
        "DCGM_FI_DEV_POWER_USAGE",
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
        "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
        "DCGM_FI_DEV_GPU_UTIL",
        "DCGM_FI_DEV_MEM_COPY_UTIL",
        "DCGM_FI_DEV_ENC_UTIL",
        "DCGM_FI_DEV_DEC_UTIL",
        "DCGM_FI_DEV_XID_ERRORS",
        "DCGM_FI_DEV_FB_FREE",
        "DCGM_FI_DEV_FB_USED",
        "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
        "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS",
        "DCGM_FI_DEV_ROW_REMAP_FAILURE",
        "DCGM_FI_DEV_VGPU_LICENSE_STATUS",
        "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
        "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
        "DCGM_FI_PROF_DRAM_ACTIVE",
        "DCGM_FI_PROF_PCIE_TX_BYTES",
        "DCGM_FI_PROF_PCIE_RX_BYTES",
    }
)
"""DCGM fields dcgm-exporter publishes by default (the chart mounts default-counters.csv)."""

KARPENTER_METRICS: frozenset[str] = frozenset(
    {
        # website/content/en/v1.14/reference/metrics.md
        "karpenter_build_info",
        "karpenter_cloudprovider_errors_total",
        "karpenter_cloudprovider_duration_seconds_bucket",
        "karpenter_nodeclaims_created_total",
        "karpenter_nodeclaims_terminated_total",
        "karpenter_nodeclaims_disrupted_total",
        "karpenter_nodes_created_total",
        "karpenter_nodes_terminated_total",
        "karpenter_nodepools_usage",
        "karpenter_nodepools_limit",
        "karpenter_scheduler_unschedulable_pods_count",
        "karpenter_scheduler_queue_depth",
        "karpenter_cluster_state_synced",
        "karpenter_pods_state",
        "karpenter_interruption_received_messages_total",
    }
    | _histogram("karpenter_pods_startup_duration_seconds")
)
"""Karpenter 1.14 controller metrics used or worth using."""

KUBE_STATE_METRICS: frozenset[str] = frozenset(
    {
        "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas_available",
        "kube_deployment_status_replicas_unavailable",
        "kube_daemonset_status_number_unavailable",
        "kube_daemonset_status_desired_number_scheduled",
        "kube_node_status_capacity",
        "kube_pod_status_phase",
        "kube_pod_status_unschedulable",
        "kube_pod_container_status_restarts_total",
    }
)
"""kube-state-metrics series (the version bundled with kube-prometheus-stack 88.5.3)."""

PROMETHEUS_METRICS: frozenset[str] = frozenset({"up", "ALERTS"})
"""Series Prometheus itself synthesises."""

TTFT_SLO_SERIES = "gpu_platform:ttft_p95_slo_seconds"
"""Recorded per-model TTFT SLO (label `model_name`), written by :func:`model_slo_rules`."""
# One series per signal for every model, whatever its backend: vLLM's own names (KServe, Deployment) or Ray's
# (RayService). Alerts and dashboards read these, so a RayService model is never invisible to them.
MODEL_WAITING = "gpu_platform:model_requests_waiting:sum"
MODEL_RUNNING = "gpu_platform:model_requests_running:sum"
MODEL_KV_CACHE = "gpu_platform:model_kv_cache_usage:max"
MODEL_TTFT_BUCKET = "gpu_platform:model_ttft_seconds_bucket:rate5m"
MODEL_GENERATION = "gpu_platform:model_generation_tokens:rate5m"
PLATFORM_RECORDED_METRICS: frozenset[str] = frozenset(
    {TTFT_SLO_SERIES, MODEL_WAITING, MODEL_RUNNING, MODEL_KV_CACHE, MODEL_TTFT_BUCKET, MODEL_GENERATION}
)


def model_signal_rules() -> list[dict[str, Any]]:
    """Recording rules that merge each signal's vLLM and Ray Serve names into one series per model."""
    by = "namespace, model_name"

    def either(agg: str, vllm: str, ray: str, labels: str = by) -> str:
        return f"{agg} by ({labels}) ({vllm}) or {agg} by ({labels}) ({ray})"

    return [
        {"record": MODEL_WAITING, "expr": either("sum", "vllm:num_requests_waiting", "ray_vllm_num_requests_waiting")},
        {"record": MODEL_RUNNING, "expr": either("sum", "vllm:num_requests_running", "ray_vllm_num_requests_running")},
        {"record": MODEL_KV_CACHE, "expr": either("max", "vllm:kv_cache_usage_perc", "ray_vllm_kv_cache_usage_perc",
                                                  f"{by}, pod")},
        {"record": MODEL_TTFT_BUCKET, "expr": either(
            "sum", "rate(vllm:time_to_first_token_seconds_bucket[5m])",
            "rate(ray_vllm_time_to_first_token_seconds_bucket[5m])", f"{by}, le")},
        {"record": MODEL_GENERATION, "expr": either(
            "sum", "rate(vllm:generation_tokens_total[5m])", "rate(ray_vllm_generation_tokens_total[5m])")},
    ]

KNOWN_METRICS: dict[str, frozenset[str]] = {
    "vllm": VLLM_METRICS,
    "ray-vllm": RAY_VLLM_METRICS,
    "dcgm": DCGM_METRICS,
    "karpenter": KARPENTER_METRICS,
    "kube-state-metrics": KUBE_STATE_METRICS,
    "prometheus": PROMETHEUS_METRICS,
    "gpu-platform": PLATFORM_RECORDED_METRICS,
}
"""Every metric name a dashboard or rule may reference, by source."""


def known_metric_names() -> frozenset[str]:
    """The union of :data:`KNOWN_METRICS`."""
    return frozenset().union(*KNOWN_METRICS.values())


DCGM_JOB = '.*dcgm-exporter.*'
"""`job` of the DCGM exporter's targets: the ServiceMonitor names the job after the Service, which the chart names
`<release>-dcgm-exporter` (or the release name when it already contains the chart name)."""
PREDICTOR_DEPLOYMENT = ".+-predictor"
"""KServe (Standard mode) names an InferenceService's predictor Deployment `<isvc>-predictor`."""
FATAL_XIDS: tuple[int, ...] = (48, 74, 79, 94, 95)
"""XIDs after which the GPU needs a reset or the node a replacement: double-bit ECC (48), NVLink (74), fallen off
the bus (79), contained/uncontained ECC (94, 95)."""


# --------------------------------------------------------------------------------------------- Grafana helpers
_GRAFANA_VAR = re.compile(r"\$\{?(__rate_interval|__interval|__range|[A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}?")


def expand_grafana_variables(expr: str) -> str:
    """Replace Grafana template variables with concrete values so the expression parses as plain PromQL:
    interval variables become `5m`, dashboard variables `.*` (they appear only inside `=~` matchers)."""

    def sub(m: re.Match[str]) -> str:
        return "5m" if m.group(1).startswith("__") else ".*"

    return _GRAFANA_VAR.sub(sub, expr)


_DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def _datasource_variable() -> dict[str, Any]:
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "hide": 0}


def _query_variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": _DATASOURCE,
        "query": {"query": query, "refId": f"{name}-values"},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
    }


def _panel(
    panel_id: int,
    title: str,
    targets: list[tuple[str, str]],
    *,
    unit: str = "short",
    description: str = "",
    kind: str = "timeseries",
    width: int = 12,
) -> dict[str, Any]:
    # Positions are filled in by _layout so panels never overlap.
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": _DATASOURCE,
        "gridPos": {"h": 8, "w": width, "x": 0, "y": 0},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}}
        if kind == "timeseries"
        else {},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": _DATASOURCE, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def _layout(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    x = y = 0
    for p in panels:
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if x + w > 24:
            x, y = 0, y + h
        p["gridPos"].update({"x": x, "y": y})
        x += w
    return panels


def _dashboard(uid: str, title: str, tags: list[str], variables: list[dict[str, Any]], panels: list[dict[str, Any]]):
    return {
        "uid": uid,
        "title": title,
        "tags": ["gpu-platform", *tags],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [_datasource_variable(), *variables]},
        "annotations": {"list": []},
        "panels": _layout(panels),
    }


# --------------------------------------------------------------------------------------------- dashboards
def gpu_dashboard() -> dict[str, Any]:
    """GPU fleet (DCGM): utilisation, memory, temperature, power, XID errors, per GPU and per pod."""
    node = 'Hostname=~"$node"'
    gpu = "Hostname, gpu"
    pod = "namespace, pod"
    panels = [
        _panel(1, "GPU utilisation", [(f"avg by ({gpu}) (DCGM_FI_DEV_GPU_UTIL{{{node}}})", "{{Hostname}} gpu{{gpu}}")],
               unit="percent"),
        _panel(2, "GPU utilisation per pod",
               [(f'avg by ({pod}) (DCGM_FI_DEV_GPU_UTIL{{{node}, pod!=""}})', "{{namespace}}/{{pod}}")],
               unit="percent"),
        _panel(3, "Framebuffer memory used",
               [(f"DCGM_FI_DEV_FB_USED{{{node}}} / (DCGM_FI_DEV_FB_USED{{{node}}} + DCGM_FI_DEV_FB_FREE{{{node}}})",
                 "{{Hostname}} gpu{{gpu}}")],
               unit="percentunit", description="Used / (used + free). vLLM pre-allocates ~92% at start-up."),
        _panel(4, "GPU memory per pod",
               [(f'sum by ({pod}) (DCGM_FI_DEV_FB_USED{{{node}, pod!=""}})', "{{namespace}}/{{pod}}")],
               unit="decmbytes"),
        _panel(5, "Temperature", [(f"max by ({gpu}) (DCGM_FI_DEV_GPU_TEMP{{{node}}})", "{{Hostname}} gpu{{gpu}}")],
               unit="celsius"),
        _panel(6, "Power draw", [(f"sum by ({gpu}) (DCGM_FI_DEV_POWER_USAGE{{{node}}})", "{{Hostname}} gpu{{gpu}}")],
               unit="watt"),
        _panel(7, "Tensor core activity",
               [(f"avg by ({gpu}) (DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{{{node}}})", "{{Hostname}} gpu{{gpu}}")],
               unit="percentunit"),
        _panel(8, "Last XID error (non-zero GPUs)",
               [(f"max by ({gpu}, UUID) (DCGM_FI_DEV_XID_ERRORS{{{node}}}) > 0", "{{Hostname}} gpu{{gpu}}")],
               description="Code of the last XID each GPU reported (48/79/94/95: drain the node)."),
    ]
    return _dashboard(
        "gpu-platform-gpus",
        "GPU platform / GPUs (DCGM)",
        ["gpu", "dcgm"],
        [_query_variable("node", "Node", "label_values(DCGM_FI_DEV_GPU_UTIL, Hostname)")],
        panels,
    )


def _quantiles(metric: str, sel: str, by: str = "model_name") -> list[tuple[str, str]]:
    return [
        (
            f"histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket{{{sel}}}[$__rate_interval])))",
            f"p{int(q * 100)} {{{{{by}}}}}",
        )
        for q in (0.5, 0.95, 0.99)
    ]


def vllm_dashboard() -> dict[str, Any]:
    """vLLM serving per model: requests running/waiting, TTFT and inter-token latency, KV cache, tokens/s."""
    sel = 'model_name=~"$model"'
    by = "model_name"
    rate = "[$__rate_interval]"
    panels = [
        # Panels 1-3, 5 and 6 read the recorded model signals: every backend, RayService included.
        _panel(1, "Requests running", [(f"sum by ({by}) ({MODEL_RUNNING}{{{sel}}})", "{{model_name}}")]),
        _panel(2, "Requests waiting", [(f"sum by ({by}) ({MODEL_WAITING}{{{sel}}})", "{{model_name}}")],
               description="Requests queued for a batch slot; sustained growth means too few replicas."),
        _panel(3, "Time to first token",
               [(f"histogram_quantile({q}, sum by (le, {by}) ({MODEL_TTFT_BUCKET}{{{sel}}}))", f"p{int(q * 100)} {{{{{by}}}}}")
                for q in (0.5, 0.95, 0.99)], unit="s"),
        _panel(4, "Inter-token latency", _quantiles("vllm:inter_token_latency_seconds", sel), unit="s"),
        _panel(5, "KV cache usage per engine",
               [(f"max by ({by}, pod) ({MODEL_KV_CACHE}{{{sel}}})", "{{model_name}} {{pod}}")],
               unit="percentunit"),
        _panel(6, "Tokens per second",
               [(f"sum by ({by}) ({MODEL_GENERATION}{{{sel}}})", "generated {{model_name}}"),
                (f"sum by ({by}) (rate(vllm:prompt_tokens_total{{{sel}}}{rate}))", "prompt {{model_name}}")],
               unit="tps"),
        _panel(7, "End-to-end latency", _quantiles("vllm:e2e_request_latency_seconds", sel), unit="s"),
        _panel(8, "Queue time", _quantiles("vllm:request_queue_time_seconds", sel), unit="s"),
        _panel(9, "Finished requests",
               [(f"sum by ({by}, finished_reason) (rate(vllm:request_success_total{{{sel}}}{rate}))",
                 "{{model_name}} {{finished_reason}}")],
               unit="reqps"),
        _panel(10, "Preemptions and prefix-cache hit rate",
               [(f"sum by ({by}) (rate(vllm:num_preemptions_total{{{sel}}}{rate}))", "preemptions/s {{model_name}}"),
                (f"sum by ({by}) (rate(vllm:prefix_cache_hits_total{{{sel}}}{rate})) / "
                 f"sum by ({by}) (rate(vllm:prefix_cache_queries_total{{{sel}}}{rate}))", "hit rate {{model_name}}")]),
    ]
    return _dashboard(
        "gpu-platform-vllm",
        "GPU platform / vLLM models",
        ["vllm", "llm"],
        [_query_variable("model", "Model", f"label_values({MODEL_RUNNING}, model_name)")],
        panels,
    )


def dashboard_configmap(name: str, dashboard: dict[str, Any], namespace: str = MONITORING_NAMESPACE) -> dict[str, Any]:
    """A ConfigMap the Grafana sidecar loads (it watches every namespace for the dashboard label)."""
    key, value = GRAFANA_DASHBOARD_LABEL
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {key: value, **MANAGED_BY},
        },
        "data": {f"{name}.json": json.dumps(dashboard, indent=2, sort_keys=True)},
    }


def dashboard_configmaps() -> list[dict[str, Any]]:
    """The platform's dashboards as ConfigMaps."""
    return [
        dashboard_configmap("gpu-platform-gpus", gpu_dashboard()),
        dashboard_configmap("gpu-platform-vllm", vllm_dashboard()),
    ]


# --------------------------------------------------------------------------------------------- alerts
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


def _num(x: float) -> str:
    return format(float(x), "g")


def alert_groups(alerts: AlertingSpec) -> list[dict[str, Any]]:
    """Rule groups: GPU health, vLLM serving, model availability, Karpenter provisioning."""
    f = alerts.for_duration
    gpu_id = "Hostname, gpu, UUID"
    fatal = " or ".join(f"DCGM_FI_DEV_XID_ERRORS == {x}" for x in FATAL_XIDS)
    gpu = [
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
    vllm = [
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
    models = [
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
    karpenter = [
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
    return [
        {"name": "gpu-platform.model-signals", "rules": model_signal_rules()},
        {"name": "gpu-platform.gpu", "rules": gpu},
        {"name": "gpu-platform.vllm", "rules": vllm},
        {"name": "gpu-platform.models", "rules": models},
        {"name": "gpu-platform.karpenter", "rules": karpenter},
    ]


def _prometheus_rule(name: str, groups: list[dict[str, Any]], namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"release": PROMETHEUS_RELEASE, **MANAGED_BY},
        },
        "spec": {"groups": groups},
    }


def platform_rules(alerts: AlertingSpec, namespace: str = MONITORING_NAMESPACE) -> dict[str, Any]:
    """The platform's PrometheusRule (GPU, vLLM, model and Karpenter alerts)."""
    return _prometheus_rule("gpu-platform-alerts", alert_groups(alerts), namespace)


_RFC1123 = re.compile(r"[^a-z0-9-]+")


def model_slo_rules(
    models: list[tuple[str, float]],
    *,
    name: str | None = None,
    namespace: str = MONITORING_NAMESPACE,
) -> dict[str, Any]:
    """Per-model TTFT SLOs as recording rules: `gpu_platform:ttft_p95_slo_seconds{model_name=<m>} = <slo>`.

    ``models`` holds ``(served model name, p95 TTFT SLO in seconds)``. The platform's `VLLMTimeToFirstTokenSLO`
    alert compares each model's p95 with its recorded SLO and falls back to the default for models without one, so
    adding a model never needs a new alert rule. ``name`` defaults to `slo-<model>` for one model.
    """
    if not models:
        raise ValueError("model_slo_rules needs at least one (model_name, slo_seconds) pair")
    seen: set[str] = set()
    rules = []
    for model, slo in models:
        if not model:
            raise ValueError("model names must not be empty")
        if model in seen:
            raise ValueError(f"model {model!r} is listed twice")
        if not slo > 0:
            raise ValueError(f"model {model!r}: the SLO must be a positive number of seconds (got {slo})")
        seen.add(model)
        rules.append({"record": TTFT_SLO_SERIES, "expr": f"vector({_num(slo)})", "labels": {"model_name": model}})
    if name is None:
        base = models[0][0] if len(models) == 1 else "models"
        name = ("slo-" + _RFC1123.sub("-", base.lower())).strip("-")[:63].rstrip("-")
    return _prometheus_rule(name, [{"name": f"gpu-platform.slo.{name}", "rules": rules}], namespace)


# --------------------------------------------------------------------------------------------- monitors
def karpenter_service_monitor(namespace: str, release: str) -> dict[str, Any]:
    """Scrape the Karpenter controller (its chart ships the ServiceMonitor off): the Karpenter alerts need it.

    Selects the chart's Service by its selector labels (`app.kubernetes.io/name: karpenter`, instance = release)
    on the `http-metrics` port (8080). Lives beside the Service so no namespaceSelector is needed.
    """
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {
            "name": "karpenter",
            "namespace": namespace,
            "labels": {"release": PROMETHEUS_RELEASE, **MANAGED_BY},
        },
        "spec": {
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": release}
            },
            "endpoints": [{"port": "http-metrics", "path": "/metrics", "interval": "30s"}],
        },
    }


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
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": name, "namespace": namespace, "labels": {"release": PROMETHEUS_RELEASE, **MANAGED_BY}},
        "spec": {
            "selector": {"matchLabels": dict(match_labels)},
            "podMetricsEndpoints": [{"portNumber": port, "path": "/metrics", "interval": interval}],
        },
    }


# --------------------------------------------------------------------------------------------- inspection
def promql_expressions(obj: Any) -> Iterator[str]:
    """Every PromQL expression in a dashboard, a PrometheusRule or a ConfigMap holding dashboards."""
    if isinstance(obj, dict):
        if obj.get("kind") == "ConfigMap":
            for text in obj.get("data", {}).values():
                yield from promql_expressions(json.loads(text))
            return
        for key, value in obj.items():
            if key == "expr" and isinstance(value, str):
                yield value
            elif key == "query" and isinstance(value, dict) and isinstance(value.get("query"), str):
                continue  # label_values(...) is Grafana syntax, checked separately
            else:
                yield from promql_expressions(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from promql_expressions(item)


def variable_queries(dashboard: dict[str, Any]) -> Iterable[str]:
    """The `label_values(<metric>, <label>)` queries of a dashboard's template variables."""
    return [v["query"]["query"] for v in dashboard["templating"]["list"] if v.get("type") == "query"]
