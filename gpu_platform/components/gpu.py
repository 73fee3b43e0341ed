"""`GpuAddons`: what makes a GPU node's GPUs schedulable and observable — the NVIDIA device plugin (al2023 nodes;
time-slicing and MIG configs) and the DCGM exporter (every GPU node, with a ServiceMonitor when Prometheus is there)."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import pulumi
import pulumi_kubernetes as k8s

from ..catalog.versions import chart
from ..render import gpu as rg
from ..spec import PlatformSpec
from ._helm import helm_release
from ._validate import validated


class GpuAddons(pulumi.ComponentResource):
    """The GPU node add-ons, installed only when the spec has GPU pools that need them.

    ``monitoring`` is the kube-prometheus-stack release: when given, the DCGM exporter's ServiceMonitor is enabled
    (labelled `release: kube-prometheus-stack`) and installed after it, since the chart fails without the
    Prometheus Operator CRDs; when None, the ServiceMonitor is off.
    """

    device_plugin: Optional[k8s.helm.v3.Release]
    """The `nvidia-device-plugin` release, or None when no pool runs al2023 (Bottlerocket ships its own plugin)."""
    dcgm_exporter: Optional[k8s.helm.v3.Release]
    """The `dcgm-exporter` release, or None when there are no GPU pools or it is disabled."""

    def __init__(
        self,
        name: str,
        spec: Union[PlatformSpec, dict[str, Any]],
        *,
        provider: pulumi.ProviderResource,
        depends_on: Sequence[pulumi.Resource] = (),
        monitoring: Optional[pulumi.Resource] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        spec = validated(PlatformSpec, spec)
        super().__init__("gpu-platform:index:GpuAddons", name, None, opts)
        self.device_plugin = None
        self.dcgm_exporter = None

        if rg.needs_device_plugin(spec):
            self.device_plugin = helm_release(
                f"{name}-device-plugin",
                chart(rg.DEVICE_PLUGIN_RELEASE),
                release=rg.DEVICE_PLUGIN_RELEASE,
                namespace=rg.NAMESPACE,
                values=rg.device_plugin_values(spec),
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=list(depends_on)),
            )
        if rg.needs_dcgm(spec):
            self.dcgm_exporter = helm_release(
                f"{name}-dcgm-exporter",
                chart(rg.DCGM_RELEASE),
                release=rg.DCGM_RELEASE,
                namespace=rg.NAMESPACE,
                values=rg.dcgm_values(spec, service_monitor=monitoring is not None),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    provider=provider,
                    depends_on=[*depends_on, *([monitoring] if monitoring is not None else [])],
                ),
            )
        self.register_outputs(
            {
                "devicePlugin": self.device_plugin.name if self.device_plugin else None,
                "dcgmExporter": self.dcgm_exporter.name if self.dcgm_exporter else None,
            }
        )
