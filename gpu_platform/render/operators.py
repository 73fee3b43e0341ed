"""Helm values and install order of the cluster operators: cert-manager, KServe, KubeRay, KEDA, kube-prometheus-stack.

Pure: :func:`operator_releases` turns a :class:`PlatformSpec` into an ordered list of :class:`ReleasePlan` (chart,
namespace, values, which releases must be installed first). The `Operators` component only registers them.

Placement: every controller, webhook and hook Job gets `nodeSelector {NODE_ROLE_LABEL: SYSTEM_ROLE}` and no
tolerations, so none of them can land on (or keep awake) a GPU node. The only exception is kube-prometheus-stack's
node-exporter, a DaemonSet that must run on every node, GPU nodes included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog.versions import chart as pinned_chart
from ..spec import PlatformSpec
from ..spec.platform import Environment
from .cluster import default_storage_class
from .labels import MONITORING_NAMESPACE, NODE_ROLE_LABEL, PROMETHEUS_RELEASE, SYSTEM_ROLE

CERT_MANAGER_NAMESPACE = "cert-manager"
KSERVE_NAMESPACE = "kserve"
"""KServe's chart wires its webhooks to `kserve/serving-cert`, so the controller lives in `kserve`."""
KUBERAY_NAMESPACE = "kuberay-system"
KEDA_NAMESPACE = "keda"
"""KServe's defaults (e.g. the OpenTelemetry scaler endpoint `keda-otel-scaler.keda.svc`) assume KEDA in `keda`."""

GRAFANA_DASHBOARD_LABEL = ("grafana_dashboard", "1")
"""Label (key, value) the Grafana sidecar watches for dashboard ConfigMaps (kube-prometheus-stack's default
`grafana.sidecar.dashboards.label/labelValue`; we also set it explicitly so both sides agree by construction)."""

SYSTEM_NODE_SELECTOR = {NODE_ROLE_LABEL: SYSTEM_ROLE}

# Paths whose value is a free-form map although the chart ships a non-empty default (tests pass these to the
# unknown-key check; every other key must be one the pinned chart's values.yaml defines).
FREE_FORM_VALUES: dict[str, tuple[str, ...]] = {
    "cert-manager": (
        "nodeSelector",  # default {kubernetes.io/os: linux}; Helm merges ours into it
        "webhook.nodeSelector",
        "cainjector.nodeSelector",
        "startupapicheck.nodeSelector",
    ),
}

# Keys that belong to a subchart whose values.yaml is not part of the parent chart's: grafana (grafana/helm-charts)
# and kube-state-metrics (prometheus-community). kube-prometheus-stack passes them through unchanged.
SUBCHART_VALUES: dict[str, tuple[str, ...]] = {
    "kube-prometheus-stack": (
        "grafana.nodeSelector",
        "grafana.tolerations",
        "grafana.resources",
        "grafana.persistence",
        "grafana.deploymentStrategy",
        "kube-state-metrics.nodeSelector",
        "kube-state-metrics.tolerations",
    ),
}


@dataclass(frozen=True)
class ReleasePlan:
    """One Helm release to install: what, where, with which values, after which other releases."""

    key: str
    """Logical part name (`cert-manager`, `kserve-resources` …); also the key into catalog CHARTS."""
    release: str
    """Helm release name."""
    namespace: str
    """Namespace the release is installed into (created if missing)."""
    values: dict[str, Any]
    """Helm values; only keys the pinned chart defines (see FREE_FORM_VALUES for documented free-form maps)."""
    depends_on: tuple[str, ...] = ()
    """Keys of releases that must be installed (and ready) first, and uninstalled after this one."""
    timeout_seconds: int = 600
    """How long Helm waits for the release's workloads to become ready."""
    notes: str = field(default="", compare=False)
    """Why this release is ordered where it is (shown in docs and reviews)."""

    @property
    def chart(self):
        """The pinned chart (catalog entry) for this release."""
        return pinned_chart(self.key)


def controller_replicas(spec: PlatformSpec) -> int:
    """Replicas per leader-elected controller: the spec's choice, else 2 in prod (a drain never stops them) and 1
    elsewhere."""
    explicit = spec.operators.controller_replicas
    if explicit is not None:
        return explicit
    return 2 if spec.environment is Environment.PROD else 1


def _placement() -> dict[str, Any]:
    # Explicitly empty tolerations: nothing here may schedule onto tainted GPU nodes.
    return {"nodeSelector": dict(SYSTEM_NODE_SELECTOR), "tolerations": []}


def _release_label() -> dict[str, str]:
    # Prometheus selects monitors without a label (see kube_prometheus_stack_values); the label is kept so the
    # objects also work with a Prometheus that still selects by release.
    return {"release": PROMETHEUS_RELEASE}


# --------------------------------------------------------------------------------------------- cert-manager
def cert_manager_values(spec: PlatformSpec) -> dict[str, Any]:
    """cert-manager: CRDs from the chart (kept on uninstall), HA webhook/controller in prod, metrics scraped."""
    n = controller_replicas(spec)
    monitored = spec.operators.monitoring.enabled
    ha = {"podDisruptionBudget": {"enabled": n > 1}}
    return {
        # crds.enabled defaults to false in v1.21; keep=true leaves them (and every Certificate) on uninstall.
        "crds": {"enabled": True, "keep": True},
        "replicaCount": n,
        **ha,
        **_placement(),
        "webhook": {"replicaCount": n, **ha, **_placement()},
        "cainjector": {"replicaCount": n, **ha, **_placement()},
        "startupapicheck": _placement(),
        "prometheus": {
            "enabled": True,
            "servicemonitor": {"enabled": monitored, "labels": _release_label()},
        },
    }


# --------------------------------------------------------------------------------------------- KServe
def kserve_crd_values(spec: PlatformSpec) -> dict[str, Any]:
    """kserve-crd has no values."""
    return {}


def kserve_values(spec: PlatformSpec) -> dict[str, Any]:
    """kserve-resources in Standard mode (plain Deployments + HPA/KEDA; no Knative, no Istio)."""
    return {
        "kserve": {
            # The controller's images are tagged from kserve.version; pin it to the chart we install.
            "version": pinned_chart("kserve-resources").version,
            "controller": {
                # The chart default is Knative, which this platform does not run.
                "deploymentMode": "Standard",
                "gateway": {
                    # No Istio: do not reconcile VirtualServices.
                    "disableIstioVirtualHost": True,
                    # Traffic enters through the in-cluster LiteLLM gateway, which calls predictor Services
                    # directly; per-model Ingresses on the chart's example.com domain would only add exposure.
                    "disableIngressCreation": True,
                },
                **_placement(),
            },
            "localmodel": {"enabled": False},
        }
    }


# --------------------------------------------------------------------------------------------- KubeRay
def kuberay_values(spec: PlatformSpec) -> dict[str, Any]:
    """KubeRay operator: leader election so extra replicas stand by; control-plane metrics scraped."""
    return {
        "replicas": controller_replicas(spec),
        "leaderElectionEnabled": True,
        **_placement(),
        "metrics": {
            "enabled": True,
            "serviceMonitor": {
                "enabled": spec.operators.monitoring.enabled,
                "additionalLabels": _release_label(),
            },
        },
    }


# --------------------------------------------------------------------------------------------- KEDA
def keda_values(spec: PlatformSpec) -> dict[str, Any]:
    """KEDA: CRDs from the chart; operator, metrics API server and webhooks on system nodes, metrics scraped."""
    n = controller_replicas(spec)
    monitored = spec.operators.monitoring.enabled
    monitor = {"enabled": monitored, "additionalLabels": _release_label()}
    values: dict[str, Any] = {
        "crds": {"install": True},
        **_placement(),
        "operator": {"replicaCount": n, **_placement()},
        "metricsServer": {"replicaCount": n, **_placement()},
        "webhooks": {"replicaCount": n, **_placement()},
        "prometheus": {
            "operator": {"enabled": monitored, "serviceMonitor": dict(monitor)},
            "metricServer": {"enabled": monitored, "serviceMonitor": dict(monitor)},
        },
    }
    if n > 1:
        values["podDisruptionBudget"] = {
            "operator": {"minAvailable": 1},
            "metricServer": {"minAvailable": 1},
            "webhooks": {"minAvailable": 1},
        }
    return values


def keda_http_values(spec: PlatformSpec) -> dict[str, Any]:
    """KEDA HTTP add-on: operator, scaler and interceptor on system nodes (the interceptor proxies requests while a
    model scales from zero, so it must not depend on the GPU node it is waiting for)."""
    return {
        "crds": {"install": True},
        "operator": {"replicas": controller_replicas(spec), **_placement()},
        "scaler": _placement(),
        "interceptor": _placement(),
    }


# --------------------------------------------------------------------------------------------- monitoring
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
    prom = mon.prometheus
    storage_class = default_storage_class()["metadata"]["name"]
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
        **_placement(),
    }
    if prom.retention_size is not None:
        prometheus_spec["retentionSize"] = prom.retention_size
    if prom.storage_gib is not None:
        prometheus_spec["storageSpec"] = {
            "volumeClaimTemplate": {
                "spec": {
                    "storageClassName": storage_class,
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
        prometheus_spec["podAntiAffinityTopologyKey"] = "kubernetes.io/hostname"

    dash_label, dash_value = GRAFANA_DASHBOARD_LABEL
    grafana: dict[str, Any] = {"enabled": mon.grafana.enabled}
    if mon.grafana.enabled:
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
        if mon.grafana.admin_existing_secret:
            grafana["admin"] = {"existingSecret": mon.grafana.admin_existing_secret}
        if mon.grafana.persistence_gib is not None:
            grafana["persistence"] = {
                "enabled": True,
                "storageClassName": storage_class,
                "size": f"{mon.grafana.persistence_gib}Gi",
            }
            # An EBS volume attaches to one node: a rolling update would wait forever for the old pod's volume.
            grafana["deploymentStrategy"] = {"type": "Recreate"}

    am = mon.alertmanager
    alertmanager: dict[str, Any] = {"enabled": am.enabled}
    if am.enabled:
        alertmanager["alertmanagerSpec"] = {
            "replicas": am.replicas,
            "resources": _resources("50m", "128Mi", "256Mi"),
            **_placement(),
        }

    return {
        "crds": {"enabled": True},
        "prometheus": {"prometheusSpec": prometheus_spec},
        "alertmanager": alertmanager,
        "grafana": grafana,
        "prometheusOperator": {
            **_placement(),
            "admissionWebhooks": {"patch": _placement()},
        },
        "kube-state-metrics": {"nodeSelector": dict(SYSTEM_NODE_SELECTOR), "tolerations": []},
        # EKS runs etcd, the scheduler and the controller manager out of reach, and kube-proxy binds its metrics to
        # localhost: scraping them only produces TargetDown alerts that never clear.
        "kubeEtcd": {"enabled": False},
        "kubeControllerManager": {"enabled": False},
        "kubeScheduler": {"enabled": False},
        "kubeProxy": {"enabled": False},
    }


# --------------------------------------------------------------------------------------------- order
def operator_releases(spec: PlatformSpec) -> list[ReleasePlan]:
    """The enabled operator releases, in install order (every release after all of its ``depends_on``).

    Order: kube-prometheus-stack first (its CRDs back the ServiceMonitors the other charts create) → cert-manager →
    kserve-crd → KEDA → kserve-resources (needs its CRDs, cert-manager for its webhook certificate, and KEDA's CRDs
    present when its controller starts, or it never watches ScaledObjects) ; KubeRay and the KEDA HTTP add-on
    after their own prerequisites.
    """
    ops = spec.operators
    monitored = ops.monitoring.enabled
    after_monitoring = ("kube-prometheus-stack",) if monitored else ()
    plans: list[ReleasePlan] = []
    if monitored:
        plans.append(
            ReleasePlan(
                "kube-prometheus-stack",
                PROMETHEUS_RELEASE,
                MONITORING_NAMESPACE,
                kube_prometheus_stack_values(spec),
                notes="first: the Prometheus Operator CRDs back every other chart's ServiceMonitor",
            )
        )
    if ops.cert_manager.enabled:
        plans.append(
            ReleasePlan(
                "cert-manager", "cert-manager", CERT_MANAGER_NAMESPACE, cert_manager_values(spec), after_monitoring,
                timeout_seconds=300,
            )
        )
    if ops.keda.enabled:
        plans.append(ReleasePlan("keda", "keda", KEDA_NAMESPACE, keda_values(spec), after_monitoring, 300))
        if ops.keda.http_addon:
            plans.append(
                ReleasePlan(
                    "keda-add-ons-http", "keda-add-ons-http", KEDA_NAMESPACE, keda_http_values(spec), ("keda",), 300
                )
            )
    if ops.kserve.enabled:
        # Upstream's quick-install order: cert-manager, then the CRDs, then the controller.
        plans.append(
            ReleasePlan("kserve-crd", "kserve-crd", KSERVE_NAMESPACE, kserve_crd_values(spec), ("cert-manager",), 300)
        )
        needs = ("kserve-crd", "cert-manager") + (("keda",) if ops.keda.enabled else ())
        plans.append(
            ReleasePlan(
                "kserve-resources",
                "kserve-resources",
                KSERVE_NAMESPACE,
                kserve_values(spec),
                needs,
                300,
                notes="KServe decides at start-up whether ScaledObject exists; KEDA first makes autoscalerClass keda work",
            )
        )
    if ops.kuberay.enabled:
        plans.append(
            ReleasePlan("kuberay-operator", "kuberay-operator", KUBERAY_NAMESPACE, kuberay_values(spec),
                        after_monitoring, 300)
        )
    return plans
