"""Device plugin and DCGM exporter values: only chart-defined keys, GPU-node placement, sharing configs."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from gpu_platform.render import gpu as rg
from gpu_platform.render import karpenter as rk
from gpu_platform.render.labels import NODE_ROLE_LABEL, PROMETHEUS_RELEASE
from gpu_platform.spec import PlatformSpec, validate_spec
from support import assert_helm_values_known, chart_values, requires_upstream, tolerates

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}


def spec_with(*pools) -> PlatformSpec:
    return validate_spec(PlatformSpec, {**BASE, "gpu": {"node_pools": list(pools)}})


MIXED = spec_with(
    {"name": "l4", "gpu_class": "l4", "time_slicing": {"replicas": 4, "fail_requests_greater_than_one": False}},
    {"name": "h100", "gpu_class": "h100", "capacity": "on_demand", "mig": {"strategy": "single", "profiles": {"3g.40gb": 2}}},
    {"name": "a10g", "gpu_class": "a10g"},
    {"name": "l40s", "gpu_class": "l40s", "ami_family": "bottlerocket", "time_slicing": {"replicas": 2}},
)


def node_matches(affinity: dict, labels: dict[str, str]) -> bool:
    """Evaluate a required node affinity (In / Exists only) against node labels."""
    terms = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    for term in terms:
        ok = True
        for expr in term["matchExpressions"]:
            if expr["operator"] == "In":
                ok &= labels.get(expr["key"]) in expr["values"]
            elif expr["operator"] == "Exists":
                ok &= expr["key"] in labels
            else:
                raise AssertionError(f"unexpected operator {expr['operator']}")
        if ok:
            return True
    return False


def node_labels(spec: PlatformSpec, name: str) -> dict[str, str]:
    pool = next(p for p in spec.gpu.node_pools if p.name == name)
    return rk.gpu_node_pools(spec, pool)[0]["spec"]["template"]["metadata"]["labels"]


def node_taints(spec: PlatformSpec) -> list[dict]:
    """Every taint a GPU NodePool puts on its nodes."""
    return [t for pool in spec.gpu.node_pools for np in rk.gpu_node_pools(spec, pool)
            for t in np["spec"]["template"]["spec"].get("taints", [])]


# NVIDIA's node labels (facts.md, k8s-device-plugin 0.20.0): the default affinity accepts `nvidia.com/gpu.present=true`,
# and `nvidia.com/device-plugin.config=<name>` picks a named config on that node.
GPU_PRESENT = "nvidia.com/gpu.present"
PLUGIN_CONFIG = "nvidia.com/device-plugin.config"


# --------------------------------------------------------------------------------------------- device plugin
@requires_upstream
def test_device_plugin_values_use_only_chart_keys():
    values = rg.device_plugin_values(MIXED)
    # config.map holds named config files (free-form by design, empty upstream).
    assert_helm_values_known("nvidia-device-plugin", values)


@requires_upstream
def test_device_plugin_schedules_on_al2023_gpu_nodes_but_not_bottlerocket_or_cpu_nodes():
    values = rg.device_plugin_values(MIXED)
    # The chart's default affinity needs NFD/GFD labels, which a plain EKS GPU node lacks: it would never schedule.
    bare = {k: v for k, v in node_labels(MIXED, "a10g").items() if k != GPU_PRESENT}
    assert not node_matches(chart_values("nvidia-device-plugin")["affinity"], bare)
    assert node_matches(values["affinity"], node_labels(MIXED, "a10g"))
    assert node_matches(values["affinity"], node_labels(MIXED, "l4"))
    assert not node_matches(values["affinity"], node_labels(MIXED, "l40s"))  # bottlerocket ships its own
    assert not node_matches(values["affinity"], {NODE_ROLE_LABEL: "cpu"})
    # It must run on tainted GPU nodes: every taint the NodePools set is tolerated.
    taints = node_taints(MIXED)
    assert taints and all(tolerates(values["tolerations"], t) for t in taints)
    assert "feature.node.kubernetes.io" not in yaml.safe_dump(values)


def test_device_plugin_configs_render_time_slicing_and_mig():
    values = rg.device_plugin_values(MIXED)
    configs = {name: yaml.safe_load(text) for name, text in values["config"]["map"].items()}
    assert values["config"]["default"] == "default" and set(configs) == {"default", "l4", "h100"}
    assert configs["default"] == {"version": "v1", "flags": {"migStrategy": "none"}}
    ts = configs["l4"]["sharing"]["timeSlicing"]
    assert ts["resources"] == [{"name": "nvidia.com/gpu", "replicas": 4}]
    assert ts["failRequestsGreaterThanOne"] is False and ts["renameByDefault"] is False
    assert configs["h100"]["flags"]["migStrategy"] == "single" and "sharing" not in configs["h100"]
    # Each config is selected on the pool's nodes by the label its NodePool sets.
    assert node_labels(MIXED, "l4")[PLUGIN_CONFIG] == "l4"
    assert node_labels(MIXED, "h100")[PLUGIN_CONFIG] == "h100"


@given(st.integers(1, 48), st.sampled_from(["l4", "a10g", "l40s", "a100", "h100"]))
def test_time_slicing_replicas_reach_the_plugin_config(replicas, cls):
    spec = spec_with({"name": "p", "gpu_class": cls, "time_slicing": {"replicas": replicas}})
    config = yaml.safe_load(rg.device_plugin_values(spec)["config"]["map"]["p"])
    assert config["sharing"]["timeSlicing"]["resources"][0]["replicas"] == replicas


def test_device_plugin_skipped_without_al2023_pools():
    assert rg.needs_device_plugin(MIXED)
    assert not rg.needs_device_plugin(spec_with({"name": "l4", "gpu_class": "l4", "ami_family": "bottlerocket"}))
    assert not rg.needs_device_plugin(spec_with())


# --------------------------------------------------------------------------------------------- DCGM exporter
@requires_upstream
def test_dcgm_values_use_only_chart_keys():
    for monitor in (True, False):
        assert_helm_values_known("dcgm-exporter", rg.dcgm_values(MIXED, service_monitor=monitor))


def test_dcgm_runs_only_on_gpu_nodes_with_attribution_and_limits():
    values = rg.dcgm_values(MIXED, service_monitor=True)
    assert values["nodeSelector"] == {NODE_ROLE_LABEL: "gpu"}
    for name in ("l4", "h100", "l40s"):
        assert all(node_labels(MIXED, name)[k] == v for k, v in values["nodeSelector"].items())
    # The chart tolerates only the control-plane taint (facts.md, dcgm-exporter 4.8.2): ours must tolerate the GPU
    # nodes' taints, and nothing wider (an empty key with Exists would tolerate every taint).
    taints = node_taints(MIXED)
    assert taints and all(tolerates(values["tolerations"], t) for t in taints)
    assert not tolerates(values["tolerations"], {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"})
    assert values["kubernetes"]["enablePodLabels"] is True and values["kubernetes"]["podLabelAllowlistRegex"]
    assert values["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}


def test_dcgm_service_monitor_follows_monitoring():
    on = rg.dcgm_values(MIXED, service_monitor=True)["serviceMonitor"]
    assert on["enabled"] is True and on["additionalLabels"] == {"release": PROMETHEUS_RELEASE}
    # The exporter labels each series with the pod using the GPU; the chart's honorLabels: false would let
    # Prometheus overwrite them with the exporter's own pod (dcgm-exporter 4.8.2 values.yaml serviceMonitor).
    assert on["honorLabels"] is True
    off = rg.dcgm_values(MIXED, service_monitor=False)["serviceMonitor"]
    # The chart enables it by default and would fail without the Prometheus Operator CRDs.
    assert off["enabled"] is False


def test_dcgm_needs_gpu_pools_and_can_be_disabled():
    assert rg.needs_dcgm(MIXED) and not rg.needs_dcgm(spec_with())
    off = validate_spec(PlatformSpec, {**BASE, "gpu": {"node_pools": [{"name": "l4", "gpu_class": "l4"}], "dcgm": {"enabled": False}}})
    assert not rg.needs_dcgm(off)
