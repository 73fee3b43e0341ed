"""GpuAddons under the mock engine: which releases exist, their pins and values, and the monitoring wiring."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from gpu_platform.components.gpu import GpuAddons
from gpu_platform.components.platform import GpuPlatform
from gpu_platform.plan import run_program
from gpu_platform.render.labels import GPU_TOLERATION, PROMETHEUS_RELEASE

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-addons"}}
POOLS = [
    {"name": "l4", "gpu_class": "l4", "time_slicing": {"replicas": 4}},
    {"name": "l40s", "gpu_class": "l40s", "ami_family": "bottlerocket"},
]


def run(pools, *, with_monitoring: bool):
    spec = {**BASE, "gpu": {"node_pools": pools}}

    def program():
        provider = k8s.Provider("k8s", kubeconfig="{}", cluster_identifier="gpu-addons")
        before = k8s.helm.v3.Release("system", chart="x", version="1.0.0", name="system-stand-in",
                                     opts=pulumi.ResourceOptions(provider=provider))
        monitoring = None
        if with_monitoring:
            monitoring = k8s.helm.v3.Release("kps", chart="kps", version="1.0.0", name=PROMETHEUS_RELEASE,
                                             opts=pulumi.ResourceOptions(provider=provider))
        GpuAddons("gpu", spec, provider=provider, depends_on=[before], monitoring=monitoring)

    return run_program(program, stack="test")


@pytest.fixture(scope="module")
def with_monitoring():
    return run(POOLS, with_monitoring=True)


@pytest.fixture(scope="module")
def without_monitoring():
    return run(POOLS, with_monitoring=False)


def test_releases_are_pinned_children_with_the_provider(with_monitoring):
    plan = with_monitoring
    [component] = plan.by_type("gpu-platform:index:GpuAddons")
    [provider] = plan.by_type("pulumi:providers:kubernetes")
    plugin, dcgm = plan.helm("nvidia-device-plugin"), plan.helm("dcgm-exporter")
    assert plugin.parent == component.urn and dcgm.parent == component.urn
    assert plugin.provider == provider.urn and dcgm.provider == provider.urn
    assert (plugin.inputs["chart"], plugin.inputs["version"]) == ("nvidia-device-plugin", "0.20.0")
    assert plugin.inputs["repositoryOpts"]["repo"] == "https://nvidia.github.io/k8s-device-plugin"
    assert (dcgm.inputs["chart"], dcgm.inputs["version"]) == ("dcgm-exporter", "4.8.2")
    assert plugin.inputs["namespace"] == dcgm.inputs["namespace"] == "gpu-system"
    assert plan.depends_on(plugin, plan.helm("system-stand-in")) and plan.depends_on(dcgm, plan.helm("system-stand-in"))


def test_dcgm_service_monitor_enabled_and_ordered_after_prometheus(with_monitoring):
    plan = with_monitoring
    dcgm = plan.helm("dcgm-exporter")
    monitor = dcgm.inputs["values"]["serviceMonitor"]
    assert monitor["enabled"] is True and monitor["additionalLabels"] == {"release": PROMETHEUS_RELEASE}
    assert plan.depends_on(dcgm, plan.helm(PROMETHEUS_RELEASE))
    assert dcgm.inputs["values"]["tolerations"] == [GPU_TOLERATION]


def test_dcgm_service_monitor_disabled_without_prometheus(without_monitoring):
    monitor = without_monitoring.helm("dcgm-exporter").inputs["values"]["serviceMonitor"]
    assert monitor["enabled"] is False


def test_device_plugin_values_carry_time_slicing(with_monitoring):
    values = with_monitoring.helm("nvidia-device-plugin").inputs["values"]
    assert set(values["config"]["map"]) == {"default", "l4"}
    assert "replicas: 4" in values["config"]["map"]["l4"]


def test_bottlerocket_only_platform_skips_the_device_plugin():
    plan = run([POOLS[1]], with_monitoring=False)
    names = {r.inputs.get("name") for r in plan.helm_releases()}
    assert "nvidia-device-plugin" not in names and "dcgm-exporter" in names


def test_no_gpu_pools_no_addons():
    plan = run([], with_monitoring=False)
    assert {r.inputs.get("name") for r in plan.helm_releases()} == {"system-stand-in"}


def test_platform_composes_the_addons():
    spec = {**BASE, "gpu": {"node_pools": POOLS}}
    plan = run_program(lambda: GpuPlatform("p", spec), stack="test", config={"aws:region": "us-west-2"})
    [platform] = plan.by_type("gpu-platform:index:GpuPlatform")
    [addons] = plan.by_type("gpu-platform:index:GpuAddons")
    assert addons.parent == platform.urn
    plugin = plan.helm("nvidia-device-plugin")
    assert plan.depends_on(plugin, plan.named("p-system", "aws:eks/nodeGroup:NodeGroup"))
    # With the platform's default monitoring, the ServiceMonitor is on and waits for kube-prometheus-stack's CRDs.
    dcgm = plan.helm("dcgm-exporter")
    assert dcgm.inputs["values"]["serviceMonitor"]["enabled"] is True
    assert plan.depends_on(dcgm, plan.helm(PROMETHEUS_RELEASE))
