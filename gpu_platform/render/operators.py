"""The cluster operators (cert-manager, KServe, KubeRay, KEDA, kube-prometheus-stack) as one release list.

Each operator is an add-on module in :mod:`gpu_platform.render.addons` (chart key, namespace, values, what it is
installed after); this module keeps the names the rest of the code base imports and :func:`operator_releases`,
the `Operators` component's group in install order.

Placement: every controller, webhook and hook Job gets `nodeSelector {NODE_ROLE_LABEL: SYSTEM_ROLE}` and no
tolerations, so none of them can land on (or keep awake) a GPU node. The only exception is kube-prometheus-stack's
node-exporter, a DaemonSet that must run on every node, GPU nodes included.
"""

from __future__ import annotations

from ..spec import PlatformSpec
from .addons import ADDONS, OPERATORS, ReleasePlan, release_plans
from .addons.cert_manager import NAMESPACE as CERT_MANAGER_NAMESPACE
from .addons.cert_manager import cert_manager_values
from .addons.keda import NAMESPACE as KEDA_NAMESPACE
from .addons.keda import keda_http_values, keda_values
from .addons.kserve import NAMESPACE as KSERVE_NAMESPACE
from .addons.kserve import kserve_crd_values, kserve_values
from .addons.kube_prometheus_stack import GRAFANA_DASHBOARD_LABEL, kube_prometheus_stack_values
from .addons.kuberay import NAMESPACE as KUBERAY_NAMESPACE
from .addons.kuberay import kuberay_values
from .system import SYSTEM_NODE_SELECTOR, controller_replicas

__all__ = [
    "CERT_MANAGER_NAMESPACE",
    "FREE_FORM_VALUES",
    "GRAFANA_DASHBOARD_LABEL",
    "KEDA_NAMESPACE",
    "KSERVE_NAMESPACE",
    "KUBERAY_NAMESPACE",
    "SUBCHART_VALUES",
    "SYSTEM_NODE_SELECTOR",
    "ReleasePlan",
    "cert_manager_values",
    "controller_replicas",
    "keda_http_values",
    "keda_values",
    "kserve_crd_values",
    "kserve_values",
    "kube_prometheus_stack_values",
    "kuberay_values",
    "operator_releases",
]

FREE_FORM_VALUES: dict[str, tuple[str, ...]] = {a.key: a.free_form_values for a in ADDONS if a.free_form_values}
"""Paths whose value is a free-form map although the chart ships a non-empty default (tests pass these to the
unknown-key check; every other key must be one the pinned chart's values.yaml defines)."""

SUBCHART_VALUES: dict[str, tuple[str, ...]] = {a.key: a.subchart_values for a in ADDONS if a.subchart_values}
"""Keys that belong to a subchart whose values.yaml is not part of the parent chart's (passed through unchanged)."""


def operator_releases(spec: PlatformSpec) -> list[ReleasePlan]:
    """The enabled operator releases, in install order (every release after all of its ``depends_on``).

    The order is derived from the add-ons' ``after`` edges: kube-prometheus-stack first (its CRDs back the
    ServiceMonitors the other charts create) → cert-manager → KEDA → kserve-crd → kserve-resources (needs its
    CRDs, cert-manager for its webhook certificate, and KEDA's CRDs present when its controller starts, or it
    never watches ScaledObjects); KubeRay and the KEDA HTTP add-on after their own prerequisites.
    """
    return release_plans(spec, OPERATORS)
