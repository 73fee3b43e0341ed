"""`Operators`: cert-manager, KServe, KubeRay, KEDA and kube-prometheus-stack as ordered Helm releases, plus the
platform's Grafana dashboards and PrometheusRules.

Thin: values, namespaces and install order come from the add-ons of :mod:`render.addons` (group `operators`,
via :func:`render.operators.operator_releases`); dashboards and rules from :mod:`render.observability`. This class
only registers them with the right parents and dependencies.
"""

from __future__ import annotations

from typing import Any, Optional, Union

import pulumi
from pulumi_kubernetes.helm.v3 import Release

from ..render import observability as obs
from ..render import karpenter as rk
from ..render.labels import PROMETHEUS_URL
from ..render.operators import operator_releases
from ..spec import PlatformSpec
from ._helm import install_releases
from ._k8s import apply_object
from ._validate import resolved_platform
from .ref import OperatorHandles


class Operators(pulumi.ComponentResource):
    """The operators ModelDeployments need, installed in order on the system nodes, and the monitoring stack.

    Pass the cluster's Kubernetes provider through ``opts.provider`` and, in ``depends_on``, what every release
    must wait for (the system node group the controllers run on, the default StorageClass Prometheus claims from);
    children do not inherit a component's ``depends_on``, so each release gets it explicitly. Accepts a
    :class:`PlatformSpec` or a plain dict; only ``environment``, ``cluster.name`` and ``operators`` are used.
    """

    releases: dict[str, Release]
    """Helm releases by key (`cert-manager`, `kserve-crd`, `kserve-resources`, `kuberay-operator`, `keda`,
    `keda-add-ons-http`, `kube-prometheus-stack`); only the enabled ones."""
    prometheus_url: Optional[str]
    """In-cluster Prometheus URL (KEDA Prometheus triggers, KServe external metrics), or None without monitoring."""

    def __init__(
        self,
        name: str,
        spec: Union[PlatformSpec, dict[str, Any]],
        *,
        depends_on: Optional[list[pulumi.Resource]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        spec = resolved_platform(spec).spec
        super().__init__("gpu-platform:index:Operators", name, None, opts)
        self.spec = spec
        self._depends_on = list(depends_on or [])
        self.releases = install_releases(name, operator_releases(spec), parent=self, depends_on=self._depends_on)

        monitoring = self.releases.get("kube-prometheus-stack")
        self.custom_resources: list[pulumi.Resource] = []
        if monitoring is not None:
            # Custom resources after the release that brings their CRDs (and the namespace), removed before it.
            after = pulumi.ResourceOptions(parent=self, depends_on=[*self._depends_on, monitoring])
            rules = obs.platform_rules(spec.operators.monitoring.alerts)
            self.custom_resources.append(apply_object(f"{name}-{rules['metadata']['name']}", rules, after))
            # Karpenter's chart leaves its ServiceMonitor off; the "cannot provision" alerts need its metrics.
            monitor = obs.karpenter_service_monitor(rk.NAMESPACE, rk.RELEASE)
            self.custom_resources.append(apply_object(f"{name}-karpenter-monitor", monitor, after))
            if spec.operators.monitoring.grafana.enabled:
                for cm in obs.dashboard_configmaps():
                    self.custom_resources.append(apply_object(f"{name}-{cm['metadata']['name']}", cm, after))

        self.prometheus_url = PROMETHEUS_URL if monitoring is not None else None
        self.register_outputs(
            {
                "releases": {key: r.name for key, r in self.releases.items()},
                "prometheusUrl": self.prometheus_url,
            }
        )

    def handles(self) -> OperatorHandles:
        """The releases later components wait for, by operator (None where disabled)."""
        r = self.releases
        return OperatorHandles(
            cert_manager=r.get("cert-manager"),
            kserve=r.get("kserve-resources"),
            kuberay=r.get("kuberay-operator"),
            keda=r.get("keda"),
            keda_http=r.get("keda-add-ons-http"),
            monitoring=r.get("kube-prometheus-stack"),
        )

    def workload_dependencies(self) -> list[pulumi.Resource]:
        """What workloads (InferenceServices, RayServices, ScaledObjects) must wait for: the controllers whose CRDs
        and webhooks they use."""
        keys = ("kserve-resources", "kuberay-operator", "keda", "keda-add-ons-http")
        return [self.releases[k] for k in keys if k in self.releases]
