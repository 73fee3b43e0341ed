"""How a model scales: the KEDA ScaledObject (queue depth, KV-cache pressure, scale-to-zero wake-ups) and the HPA
behaviour it carries (fast up, slow down)."""

from __future__ import annotations

from typing import Any, Optional

from ...spec.model import ModelSpec
from ..labels import PROMETHEUS_URL
from ..proxy import demand_rate
from .names import MODEL_LABEL, meta



def scale_down_seconds(spec: ModelSpec, environment: str) -> int:
    """Scale-down stabilisation: the spec's value, else 900 s in prod and 300 s elsewhere."""
    value = spec.autoscaling.scale_down_stabilization_seconds
    if value is not None:
        return value
    return 900 if environment == "prod" else 300


def queries(spec: ModelSpec, namespace: str) -> dict[str, str]:
    """PromQL for the scaling signals (vLLM 0.33 metric names; `or vector(0)` keeps a model at zero readable)."""
    sel = f'namespace="{namespace}",model_name="{spec.model_name}"'
    return {
        "waiting": f"sum(vllm:num_requests_waiting{{{sel}}}) or vector(0)",
        "kv_cache": f"avg(vllm:kv_cache_usage_perc{{{sel}}}) or vector(0)",
    }


def wake_query(spec: ModelSpec) -> str:
    """A 0/1 signal that wakes a scaled-to-zero model when the proxy sees requests for its served name (which the
    proxy serves from the fallback chain while the model is at zero)."""
    return f"clamp_max({demand_rate(spec.model_name)}, 1) or vector(0)"


def hpa_behavior(spec: ModelSpec, environment: str) -> dict[str, Any]:
    """Fast up (no stabilisation, double or +2 pods per minute); slow, one-at-a-time down."""
    return {
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Pods", "value": 2, "periodSeconds": 60},
                {"type": "Percent", "value": 100, "periodSeconds": 60},
            ],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": scale_down_seconds(spec, environment),
            "selectPolicy": "Min",
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 300}],
        },
    }


def _prometheus_trigger(name: str, query: str, threshold: str, metric_type: str) -> dict[str, Any]:
    return {
        "type": "prometheus",
        "name": name,
        "metricType": metric_type,
        "metadata": {"serverAddress": PROMETHEUS_URL, "query": query, "threshold": threshold},
    }


def triggers(spec: ModelSpec) -> list[dict[str, Any]]:
    """Queue depth per replica always; KV-cache pressure if targeted; the proxy's demand if it may sit at zero."""
    a = spec.autoscaling
    q = queries(spec, spec.namespace)
    out = [_prometheus_trigger("waiting-requests", q["waiting"], str(a.target_waiting_requests), "AverageValue")]
    if a.target_kv_cache_usage is not None:
        out.append(_prometheus_trigger("kv-cache-usage", q["kv_cache"], str(a.target_kv_cache_usage), "Value"))
    if a.scale_to_zero:
        out.append(_prometheus_trigger("wake", wake_query(spec), "1", "Value"))
    return out


def scaled_object(
    spec: ModelSpec, *, environment: str, target: Optional[str] = None
) -> dict[str, Any]:
    """KEDA ScaledObject: queue depth, KV-cache pressure and (scale-to-zero) wake-ups.

    ``target`` is the Deployment it scales: the model's own (Deployment backend) or KServe's `<name>-predictor`.
    """
    a = spec.autoscaling
    body: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target or spec.name},
        "minReplicaCount": a.min_replicas,
        "maxReplicaCount": a.max_replicas,
        "pollingInterval": a.polling_interval_seconds,
        "advanced": {"horizontalPodAutoscalerConfig": {"behavior": hpa_behavior(spec, environment)}},
        "triggers": triggers(spec),
    }
    if a.scale_to_zero:
        body["cooldownPeriod"] = a.idle_seconds_before_zero
        # A fresh replica needs minutes to serve: do not judge it idle before then.
        body["initialCooldownPeriod"] = a.idle_seconds_before_zero
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": meta(spec.name, spec.namespace, labels={MODEL_LABEL: spec.name}),
        "spec": body,
    }
