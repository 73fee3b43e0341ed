"""Recording rules: one series per model signal whatever the serving backend, and each model's TTFT SLO."""

from __future__ import annotations

import re
from typing import Any

from ..labels import MONITORING_NAMESPACE
from .metrics import MODEL_GENERATION, MODEL_KV_CACHE, MODEL_RUNNING, MODEL_TTFT_BUCKET, MODEL_WAITING, TTFT_SLO_SERIES
from .prometheus_operator import prometheus_rule
from .promql import promql_number


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
        rules.append(
            {"record": TTFT_SLO_SERIES, "expr": f"vector({promql_number(slo)})", "labels": {"model_name": model}}
        )
    if name is None:
        base = models[0][0] if len(models) == 1 else "models"
        name = ("slo-" + _RFC1123.sub("-", base.lower())).strip("-")[:63].rstrip("-")
    return prometheus_rule(name, [{"name": f"gpu-platform.slo.{name}", "rules": rules}], namespace)
