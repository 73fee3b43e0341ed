"""`GpuAddons`: what makes a GPU node's GPUs schedulable and observable — the NVIDIA device plugin (al2023 nodes;
time-slicing and MIG configs) and the DCGM exporter (every GPU node, with a ServiceMonitor when Prometheus is there)."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import pulumi
import pulumi_kubernetes as k8s

from ..render.addons import GPU, release_plans
from ..spec import PlatformSpec
from ._helm import install_releases
from ._validate import resolved_platform


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
        spec = resolved_platform(spec).spec
        super().__init__("gpu-platform:index:GpuAddons", name, None, opts)
        # The DCGM exporter's ServiceMonitor and ordering follow kube-prometheus-stack when it is given.
        installed = {"kube-prometheus-stack": monitoring} if monitoring is not None else {}
        releases = install_releases(
            name,
            release_plans(spec, GPU, installed_elsewhere=installed),
            parent=self,
            provider=provider,
            depends_on=depends_on,
            installed=installed,
        )
        self.device_plugin = releases.get("nvidia-device-plugin")
        self.dcgm_exporter = releases.get("dcgm-exporter")
        self.register_outputs(
            {
                "devicePlugin": self.device_plugin.name if self.device_plugin else None,
                "dcgmExporter": self.dcgm_exporter.name if self.dcgm_exporter else None,
            }
        )
