"""Dashboards (Grafana JSON in ConfigMaps), recording and alert rules (PrometheusRules) and monitors for GPUs, vLLM,
models and Karpenter. Pure; one module per concern:

- :mod:`.metrics`: the catalog of series names every expression here may use (tests check them against it);
- :mod:`.recording_rules`: one series per model signal whatever the backend, and per-model TTFT SLOs;
- :mod:`.alerts`: GPU, serving, availability and Karpenter alerts;
- :mod:`.monitors`: the Karpenter ServiceMonitor and vLLM PodMonitors;
- :mod:`.grafana` and :mod:`.dashboards`: dashboard building blocks, and the GPU and vLLM dashboards;
- :mod:`.prometheus_operator` and :mod:`.promql`: the CR envelope, PromQL numbers and expression lookup.

Label conventions: vLLM labels its series `model_name` (the first `--served-model-name`) and `engine`; dcgm-exporter
labels `gpu`, `UUID`, `Hostname`, `modelName` and, for GPUs held by a pod, `namespace`/`pod`/`container`.
"""

from .alerts import DCGM_JOB, FATAL_XIDS, PREDICTOR_DEPLOYMENT, alert_groups, platform_rules, ttft_slo_expr
from .dashboards import dashboard_configmaps, gpu_dashboard, vllm_dashboard
from .grafana import dashboard_configmap, expand_grafana_variables, variable_queries
from .metrics import (
    DCGM_METRICS,
    KARPENTER_METRICS,
    KNOWN_METRICS,
    KUBE_STATE_METRICS,
    MODEL_GENERATION,
    MODEL_KV_CACHE,
    MODEL_RUNNING,
    MODEL_TTFT_BUCKET,
    MODEL_WAITING,
    PLATFORM_RECORDED_METRICS,
    PROMETHEUS_METRICS,
    RAY_VLLM_METRICS,
    TTFT_SLO_SERIES,
    VLLM_METRICS,
    known_metric_names,
)
from .monitors import karpenter_service_monitor, vllm_pod_monitor
from .promql import promql_expressions
from .recording_rules import model_signal_rules, model_slo_rules

__all__ = [
    "DCGM_JOB",
    "DCGM_METRICS",
    "FATAL_XIDS",
    "KARPENTER_METRICS",
    "KNOWN_METRICS",
    "KUBE_STATE_METRICS",
    "MODEL_GENERATION",
    "MODEL_KV_CACHE",
    "MODEL_RUNNING",
    "MODEL_TTFT_BUCKET",
    "MODEL_WAITING",
    "PLATFORM_RECORDED_METRICS",
    "PREDICTOR_DEPLOYMENT",
    "PROMETHEUS_METRICS",
    "RAY_VLLM_METRICS",
    "TTFT_SLO_SERIES",
    "VLLM_METRICS",
    "alert_groups",
    "dashboard_configmap",
    "dashboard_configmaps",
    "expand_grafana_variables",
    "gpu_dashboard",
    "karpenter_service_monitor",
    "known_metric_names",
    "model_signal_rules",
    "model_slo_rules",
    "platform_rules",
    "promql_expressions",
    "ttft_slo_expr",
    "variable_queries",
    "vllm_dashboard",
    "vllm_pod_monitor",
]
