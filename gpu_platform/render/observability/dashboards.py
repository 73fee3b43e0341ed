"""The platform's Grafana dashboards: the GPU fleet (DCGM) and vLLM serving per model."""

from __future__ import annotations

from typing import Any

from .grafana import dashboard, dashboard_configmap, panel, query_variable
from .metrics import MODEL_GENERATION, MODEL_KV_CACHE, MODEL_RUNNING, MODEL_TTFT_BUCKET, MODEL_WAITING

_NODE = 'Hostname=~"$node"'
"""The GPU dashboard's node variable, as a DCGM label matcher."""


def _per_gpu(aggregation: str, metric: str) -> list[tuple[str, str]]:
    """One DCGM series per GPU of the selected nodes."""
    return [(f"{aggregation} by (Hostname, gpu) ({metric}{{{_NODE}}})", "{{Hostname}} gpu{{gpu}}")]


def _per_pod(aggregation: str, metric: str) -> list[tuple[str, str]]:
    """One DCGM series per pod holding GPUs on the selected nodes (dcgm-exporter labels only those with `pod`)."""
    return [(f'{aggregation} by (namespace, pod) ({metric}{{{_NODE}, pod!=""}})', "{{namespace}}/{{pod}}")]


def gpu_dashboard() -> dict[str, Any]:
    """GPU fleet (DCGM): utilisation, memory, temperature, power, XID errors, per GPU and per pod."""
    node = _NODE
    panels = [
        panel(1, "GPU utilisation", _per_gpu("avg", "DCGM_FI_DEV_GPU_UTIL"), unit="percent"),
        panel(2, "GPU utilisation per pod", _per_pod("avg", "DCGM_FI_DEV_GPU_UTIL"), unit="percent"),
        panel(3, "Framebuffer memory used",
              [(f"DCGM_FI_DEV_FB_USED{{{node}}} / (DCGM_FI_DEV_FB_USED{{{node}}} + DCGM_FI_DEV_FB_FREE{{{node}}})",
                "{{Hostname}} gpu{{gpu}}")],
              unit="percentunit", description="Used / (used + free). vLLM pre-allocates ~92% at start-up."),
        panel(4, "GPU memory per pod", _per_pod("sum", "DCGM_FI_DEV_FB_USED"), unit="decmbytes"),
        panel(5, "Temperature", _per_gpu("max", "DCGM_FI_DEV_GPU_TEMP"), unit="celsius"),
        panel(6, "Power draw", _per_gpu("sum", "DCGM_FI_DEV_POWER_USAGE"), unit="watt"),
        panel(7, "Tensor core activity", _per_gpu("avg", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"), unit="percentunit"),
        panel(8, "Last XID error (non-zero GPUs)",
              [(f"max by (Hostname, gpu, UUID) (DCGM_FI_DEV_XID_ERRORS{{{node}}}) > 0", "{{Hostname}} gpu{{gpu}}")],
              description="Code of the last XID each GPU reported (48/79/94/95: drain the node)."),
    ]
    return dashboard(
        "gpu-platform-gpus",
        "GPU platform / GPUs (DCGM)",
        ["gpu", "dcgm"],
        [query_variable("node", "Node", "label_values(DCGM_FI_DEV_GPU_UTIL, Hostname)")],
        panels,
    )


def _quantiles(buckets: str, by: str = "model_name") -> list[tuple[str, str]]:
    """p50, p95 and p99 of a histogram's bucket rates, per ``by``."""
    return [
        (f"histogram_quantile({q}, sum by (le, {by}) ({buckets}))", f"p{int(q * 100)} {{{{{by}}}}}")
        for q in (0.5, 0.95, 0.99)
    ]


def _latency(metric: str, sel: str) -> list[tuple[str, str]]:
    """Quantiles of one of vLLM's own latency histograms over the dashboard's rate interval."""
    return _quantiles(f"rate({metric}_bucket{{{sel}}}[$__rate_interval])")


def vllm_dashboard() -> dict[str, Any]:
    """vLLM serving per model: requests running/waiting, TTFT and inter-token latency, KV cache, tokens/s."""
    sel = 'model_name=~"$model"'
    by = "model_name"
    rate = "[$__rate_interval]"
    panels = [
        # Panels 1-3, 5 and 6 read the recorded model signals: every backend, RayService included.
        panel(1, "Requests running", [(f"sum by ({by}) ({MODEL_RUNNING}{{{sel}}})", "{{model_name}}")]),
        panel(2, "Requests waiting", [(f"sum by ({by}) ({MODEL_WAITING}{{{sel}}})", "{{model_name}}")],
              description="Requests queued for a batch slot; sustained growth means too few replicas."),
        panel(3, "Time to first token", _quantiles(f"{MODEL_TTFT_BUCKET}{{{sel}}}"), unit="s"),
        panel(4, "Inter-token latency", _latency("vllm:inter_token_latency_seconds", sel), unit="s"),
        panel(5, "KV cache usage per engine",
              [(f"max by ({by}, pod) ({MODEL_KV_CACHE}{{{sel}}})", "{{model_name}} {{pod}}")],
              unit="percentunit"),
        panel(6, "Tokens per second",
              [(f"sum by ({by}) ({MODEL_GENERATION}{{{sel}}})", "generated {{model_name}}"),
               (f"sum by ({by}) (rate(vllm:prompt_tokens_total{{{sel}}}{rate}))", "prompt {{model_name}}")],
              unit="tps"),
        panel(7, "End-to-end latency", _latency("vllm:e2e_request_latency_seconds", sel), unit="s"),
        panel(8, "Queue time", _latency("vllm:request_queue_time_seconds", sel), unit="s"),
        panel(9, "Finished requests",
              [(f"sum by ({by}, finished_reason) (rate(vllm:request_success_total{{{sel}}}{rate}))",
                "{{model_name}} {{finished_reason}}")],
              unit="reqps"),
        panel(10, "Preemptions and prefix-cache hit rate",
              [(f"sum by ({by}) (rate(vllm:num_preemptions_total{{{sel}}}{rate}))", "preemptions/s {{model_name}}"),
               (f"sum by ({by}) (rate(vllm:prefix_cache_hits_total{{{sel}}}{rate})) / "
                f"sum by ({by}) (rate(vllm:prefix_cache_queries_total{{{sel}}}{rate}))", "hit rate {{model_name}}")]),
    ]
    return dashboard(
        "gpu-platform-vllm",
        "GPU platform / vLLM models",
        ["vllm", "llm"],
        [query_variable("model", "Model", f"label_values({MODEL_RUNNING}, model_name)")],
        panels,
    )


def dashboard_configmaps() -> list[dict[str, Any]]:
    """The platform's dashboards as ConfigMaps."""
    return [
        dashboard_configmap("gpu-platform-gpus", gpu_dashboard()),
        dashboard_configmap("gpu-platform-vllm", vllm_dashboard()),
    ]
