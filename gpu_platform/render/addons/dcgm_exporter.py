"""DCGM exporter: GPU metrics from every GPU node, with a ServiceMonitor when kube-prometheus-stack is installed.

Its values live in :mod:`gpu_platform.render.gpu`; this module declares how and when the chart is installed.
"""

from __future__ import annotations

from .. import gpu as rg
from .base import GPU, AddOn

DCGM_EXPORTER = AddOn(
    "dcgm-exporter", GPU, rg.DCGM_RELEASE, rg.NAMESPACE, rg.needs_dcgm,
    # The chart's ServiceMonitor template does not check for the CRD: on only with the Prometheus Operator there.
    lambda spec, installed: rg.dcgm_values(spec, service_monitor="kube-prometheus-stack" in installed),
    after=("kube-prometheus-stack",),
    notes="after kube-prometheus-stack (another component's release) so its ServiceMonitor's CRD exists",
)
