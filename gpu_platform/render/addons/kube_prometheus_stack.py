"""kube-prometheus-stack: Prometheus (and its Operator CRDs), Alertmanager, Grafana, node-exporter.

node-exporter is the one workload of the operators that runs on every node, GPU nodes included.
"""

from __future__ import annotations

from typing import Any

from ...spec import PlatformSpec
from ...spec.operators import AlertmanagerSpec, GrafanaSpec
from ..cluster import default_storage_class
from ..labels import HOSTNAME_LABEL, MONITORING_NAMESPACE, PROMETHEUS_RELEASE
from .base import operator
from ..system import SYSTEM_NODE_SELECTOR, placement

GRAFANA_DASHBOARD_LABEL = ("grafana_dashboard", "1")
"""Label (key, value) the Grafana sidecar watches for dashboard ConfigMaps (kube-prometheus-stack's default
`grafana.sidecar.dashboards.label/labelValue`; we also set it explicitly so both sides agree by construction)."""


def _resources(cpu: str, memory: str, memory_limit: str | None) -> dict[str, Any]:
    # No CPU limit: throttling a scraper or TSDB compaction causes gaps; memory is bounded to protect the node.
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory_limit or memory}}


def kube_prometheus_stack_values(spec: PlatformSpec) -> dict[str, Any]:
    """kube-prometheus-stack sized per environment.

    Prometheus selects ServiceMonitors, PodMonitors, PrometheusRules, Probes and ScrapeConfigs from **every
    namespace with no label requirement** (`*SelectorNilUsesHelmValues: false` turns the chart's implicit
    `release: <release>` selector into "select all"; the namespace selectors stay `{}`, i.e. all namespaces).
    Monitors shipped by other charts (DCGM exporter, KEDA, KubeRay, cert-manager) and by ModelDeployments are
    therefore picked up without coordinating labels; ours still carry `release: PROMETHEUS_RELEASE`.
    """
    mon = spec.operators.monitoring
    return {
        "crds": {"enabled": True},
        "prometheus": {"prometheusSpec": _prometheus_spec(spec)},
        "alertmanager": _alertmanager(mon.alertmanager),
        "grafana": _grafana(mon.grafana),
        "prometheusOperator": {
            **placement(),
            "admissionWebhooks": {"patch": placement()},
        },
        "kube-state-metrics": {"nodeSelector": dict(SYSTEM_NODE_SELECTOR), "tolerations": []},
        # EKS runs etcd, the scheduler and the controller manager out of reach, and kube-proxy binds its metrics to
        # localhost: scraping them only produces TargetDown alerts that never clear.
        "kubeEtcd": {"enabled": False},
        "kubeControllerManager": {"enabled": False},
        "kubeScheduler": {"enabled": False},
        "kubeProxy": {"enabled": False},
    }


def _storage_class() -> str:
    return default_storage_class()["metadata"]["name"]


def _prometheus_spec(spec: PlatformSpec) -> dict[str, Any]:
    prom = spec.operators.monitoring.prometheus
    prometheus_spec: dict[str, Any] = {
        "serviceMonitorSelectorNilUsesHelmValues": False,
        "podMonitorSelectorNilUsesHelmValues": False,
        "ruleSelectorNilUsesHelmValues": False,
        "probeSelectorNilUsesHelmValues": False,
        "scrapeConfigSelectorNilUsesHelmValues": False,
        "retention": prom.retention,
        "replicas": prom.replicas,
        "scrapeInterval": prom.scrape_interval,
        "externalLabels": {"cluster": spec.cluster.name, "environment": spec.environment.value},
        "resources": _resources(prom.resources.cpu, prom.resources.memory, prom.resources.memory_limit),
        **placement(),
    }
    if prom.retention_size is not None:
        prometheus_spec["retentionSize"] = prom.retention_size
    if prom.storage_gib is not None:
        prometheus_spec["storageSpec"] = {
            "volumeClaimTemplate": {
                "spec": {
                    "storageClassName": _storage_class(),
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": f"{prom.storage_gib}Gi"}},
                }
            }
        }
        # A StatefulSet keeps its volume claims when deleted (Kubernetes' default Retain), so `pulumi destroy`
        # left every Prometheus EBS volume behind. Delete them with the StatefulSet; keep them on scale-down.
        prometheus_spec["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": "Delete", "whenScaled": "Retain"}
    if prom.replicas > 1:
        # Spread replicas over system nodes so losing one node keeps a Prometheus running.
        prometheus_spec["podAntiAffinity"] = "soft"
        prometheus_spec["podAntiAffinityTopologyKey"] = HOSTNAME_LABEL
    return prometheus_spec


def _grafana(spec: GrafanaSpec) -> dict[str, Any]:
    dash_label, dash_value = GRAFANA_DASHBOARD_LABEL
    grafana: dict[str, Any] = {"enabled": spec.enabled}
    if spec.enabled:
        grafana.update(
            {
                "defaultDashboardsEnabled": True,
                "sidecar": {
                    "dashboards": {
                        "enabled": True,
                        "label": dash_label,
                        "labelValue": dash_value,
                        "searchNamespace": "ALL",
                    }
                },
                "nodeSelector": dict(SYSTEM_NODE_SELECTOR),
                "tolerations": [],
                "resources": _resources("100m", "256Mi", "512Mi"),
            }
        )
        if spec.admin_existing_secret:
            grafana["admin"] = {"existingSecret": spec.admin_existing_secret}
        if spec.persistence_gib is not None:
            grafana["persistence"] = {
                "enabled": True,
                "storageClassName": _storage_class(),
                "size": f"{spec.persistence_gib}Gi",
            }
            # An EBS volume attaches to one node: a rolling update would wait forever for the old pod's volume.
            grafana["deploymentStrategy"] = {"type": "Recreate"}
    return grafana


def _alertmanager(am: AlertmanagerSpec) -> dict[str, Any]:
    alertmanager: dict[str, Any] = {"enabled": am.enabled}
    if am.enabled:
        alertmanager["alertmanagerSpec"] = {
            "replicas": am.replicas,
            "resources": _resources("50m", "128Mi", "256Mi"),
            **placement(),
        }
    return alertmanager


KUBE_PROMETHEUS_STACK = operator(
    "kube-prometheus-stack", MONITORING_NAMESPACE, lambda spec: spec.operators.monitoring.enabled,
    kube_prometheus_stack_values,
    release=PROMETHEUS_RELEASE,
    timeout_seconds=600,
    notes="first: the Prometheus Operator CRDs back every other chart's ServiceMonitor",
    # grafana (grafana/helm-charts) and kube-state-metrics (prometheus-community) are subcharts whose values.yaml
    # is not the parent's; kube-prometheus-stack passes these keys through unchanged.
    subchart_values=(
        "grafana.nodeSelector",
        "grafana.tolerations",
        "grafana.resources",
        "grafana.persistence",
        "grafana.deploymentStrategy",
        "kube-state-metrics.nodeSelector",
        "kube-state-metrics.tolerations",
    ),
)
