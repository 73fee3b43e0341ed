"""Pure Helm values for the GPU add-ons: NVIDIA device plugin 0.20.0 (with time-slicing / MIG configs) and the
DCGM exporter 4.8.2. Keys are checked against the pinned charts' values.yaml in tests."""

from __future__ import annotations

from typing import Any, Optional

import yaml

from ..spec import PlatformSpec
from ..spec.gpu import AmiFamily, GpuNodePoolSpec
from .karpenter import AMI_FAMILY_LABEL, GPU_ROLE, device_plugin_config_name
from .labels import GPU_TOLERATION, NODE_ROLE_LABEL, PROMETHEUS_RELEASE

NAMESPACE = "gpu-system"
"""Namespace of the device plugin and the DCGM exporter."""
DEVICE_PLUGIN_RELEASE = "nvidia-device-plugin"
DCGM_RELEASE = "dcgm-exporter"
DEFAULT_CONFIG = "default"
"""The device plugin's config entry for nodes without a `nvidia.com/device-plugin.config` label: no sharing."""


def needs_device_plugin(spec: PlatformSpec) -> bool:
    """The Helm device plugin is needed for al2023 GPU pools; Bottlerocket's NVIDIA variant runs its own."""
    return any(p.ami_family is AmiFamily.AL2023 for p in spec.gpu.node_pools)


def needs_dcgm(spec: PlatformSpec) -> bool:
    return spec.gpu.dcgm.enabled and bool(spec.gpu.node_pools)


def _plugin_config(pool: Optional[GpuNodePoolSpec]) -> dict[str, Any]:
    """One device plugin config file (`version: v1`) for a pool, or the default (no sharing)."""
    config: dict[str, Any] = {"version": "v1", "flags": {"migStrategy": "none"}}
    if pool is None:
        return config
    if pool.mig is not None:
        config["flags"]["migStrategy"] = pool.mig.strategy.value
    if pool.time_slicing is not None:
        config["sharing"] = {
            "timeSlicing": {
                # Keep advertising `nvidia.com/gpu`: workloads need no change to run on a shared GPU.
                "renameByDefault": False,
                "failRequestsGreaterThanOne": pool.time_slicing.fail_requests_greater_than_one,
                "resources": [{"name": "nvidia.com/gpu", "replicas": pool.time_slicing.replicas}],
            }
        }
    return config


def device_plugin_configs(spec: PlatformSpec) -> dict[str, dict[str, Any]]:
    """Named device plugin configs: `default` plus one per al2023 pool that shares (time-slicing) or splits (MIG)
    its GPUs; the pool's nodes select theirs with the `nvidia.com/device-plugin.config` label."""
    configs = {DEFAULT_CONFIG: _plugin_config(None)}
    for pool in spec.gpu.node_pools:
        name = device_plugin_config_name(pool)
        if name is not None:
            configs[name] = _plugin_config(pool)
    return configs


def gpu_node_affinity(family: Optional[AmiFamily] = None) -> dict[str, Any]:
    """Required node affinity for the platform's GPU nodes (by the labels Karpenter puts on them)."""
    expressions = [{"key": NODE_ROLE_LABEL, "operator": "In", "values": [GPU_ROLE]}]
    if family is not None:
        expressions.append({"key": AMI_FAMILY_LABEL, "operator": "In", "values": [family.value]})
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": expressions}]}
        }
    }


def device_plugin_values(spec: PlatformSpec) -> dict[str, Any]:
    """Values for `nvidia-device-plugin` 0.20.0.

    The chart's default affinity wants NFD/GFD labels (`feature.node.kubernetes.io/pci-10de.present`) that EKS
    nodes lack, so the DaemonSet would never schedule: we replace it with our own GPU-node labels and exclude
    Bottlerocket nodes (their NVIDIA variant runs a device plugin already; two would fight over the socket).
    """
    configs = device_plugin_configs(spec)
    return {
        "config": {
            # Inline map → the chart renders the ConfigMap and a config-manager sidecar that follows the node label.
            "map": {name: yaml.safe_dump(cfg, sort_keys=False) for name, cfg in configs.items()},
            "default": DEFAULT_CONFIG,
        },
        "affinity": gpu_node_affinity(AmiFamily.AL2023),
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}, dict(GPU_TOLERATION)],
        "priorityClassName": "system-node-critical",
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        # No NFD / GFD: Karpenter already labels nodes with the GPU name, count and memory.
        "gfd": {"enabled": False},
    }


def dcgm_values(spec: PlatformSpec, *, service_monitor: bool) -> dict[str, Any]:
    """Values for `dcgm-exporter` 4.8.2: only on GPU nodes (tolerating their taint), per-pod attribution, and a
    ServiceMonitor labelled for the platform's Prometheus when the Prometheus Operator is there.

    The chart's ServiceMonitor is on by default and its template does not check for the CRD, so it must be off
    when kube-prometheus-stack is not installed.
    """
    dcgm = spec.gpu.dcgm
    return {
        "nodeSelector": {NODE_ROLE_LABEL: GPU_ROLE},
        "tolerations": [dict(GPU_TOLERATION)],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
        "kubernetes": {
            # Attribute GPU metrics to the pods using them (namespace/pod/container always; selected labels too).
            "enablePodLabels": True,
            "enablePodUID": False,
            "podLabelAllowlistRegex": list(dcgm.pod_label_allowlist),
            "rbac": {"create": True},
        },
        "serviceMonitor": {
            "enabled": service_monitor,
            "interval": dcgm.scrape_interval,
            "additionalLabels": {"release": PROMETHEUS_RELEASE} if service_monitor else {},
            # dcgm-exporter writes the GPU user's namespace/pod/container labels into each series; with the chart's
            # honorLabels: false Prometheus renames them exported_* and stamps the exporter's own pod instead, so
            # per-model GPU dashboards would show only the DaemonSet (Prometheus relabelling: honor_labels).
            "honorLabels": True,
        },
    }
