"""KServe in Standard mode: its CRDs (`kserve-crd`) and its controller (`kserve-resources`)."""

from __future__ import annotations

from typing import Any

from ...catalog.versions import chart as pinned_chart
from ...spec import PlatformSpec
from .base import operator
from ..system import placement

NAMESPACE = "kserve"
"""KServe's chart wires its webhooks to `kserve/serving-cert`, so the controller lives in `kserve`."""


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
                **placement(),
            },
            "localmodel": {"enabled": False},
        }
    }


def _enabled(spec: PlatformSpec) -> bool:
    return spec.operators.kserve.enabled


# Upstream's quick-install order: cert-manager, then the CRDs, then the controller.
KSERVE_CRD = operator("kserve-crd", NAMESPACE, _enabled, kserve_crd_values, after=("cert-manager",))

KSERVE_RESOURCES = operator(
    "kserve-resources", NAMESPACE, _enabled, kserve_values,
    # Its CRDs, cert-manager for its webhook certificate, and KEDA's CRDs present when the controller starts.
    after=("kserve-crd", "cert-manager", "keda"),
    notes="KServe decides at start-up whether ScaledObject exists; KEDA first makes autoscalerClass keda work",
)
