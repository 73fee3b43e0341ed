"""The metric catalog: every series name a dashboard or rule may reference, by the exporter that publishes it.

Names are those the pinned exporters actually publish (vLLM 0.33, Ray 2.56 Serve LLM, dcgm-exporter 4.5.3-4.8.2
default counters, Karpenter 1.14, kube-state-metrics) plus the series our recording rules write. The tests parse
each expression we render and check its names against this catalog, so a renamed metric (vLLM's
`gpu_cache_usage_perc` → `kv_cache_usage_perc`) fails a test instead of leaving an empty panel or a silent alert.
"""

from __future__ import annotations

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
"""Recorded per-model TTFT SLO (label `model_name`), written by `recording_rules.model_slo_rules`."""
# One series per signal for every model, whatever its backend: vLLM's own names (KServe, Deployment) or Ray's
# (RayService), merged by `recording_rules.model_signal_rules`. Alerts and dashboards read these, so a RayService
# model is never invisible to them.
MODEL_WAITING = "gpu_platform:model_requests_waiting:sum"
MODEL_RUNNING = "gpu_platform:model_requests_running:sum"
MODEL_KV_CACHE = "gpu_platform:model_kv_cache_usage:max"
MODEL_TTFT_BUCKET = "gpu_platform:model_ttft_seconds_bucket:rate5m"
MODEL_GENERATION = "gpu_platform:model_generation_tokens:rate5m"
PLATFORM_RECORDED_METRICS: frozenset[str] = frozenset(
    {TTFT_SLO_SERIES, MODEL_WAITING, MODEL_RUNNING, MODEL_KV_CACHE, MODEL_TTFT_BUCKET, MODEL_GENERATION}
)

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
