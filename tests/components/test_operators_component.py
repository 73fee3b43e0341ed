"""Operators under the mock engine: releases pinned and ordered, custom resources after their CRDs, provider and
parents, switches, and the composition into GpuPlatform."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from gpu_platform.catalog.versions import CHARTS
from gpu_platform.components.operators import Operators
from gpu_platform.plan import run_program
from gpu_platform.render.labels import PROMETHEUS_URL
from gpu_platform.render.operators import operator_releases
from gpu_platform.spec import PlatformSpec, validate_spec
from support import assert_valid_builtin, assert_valid_crd, requires_upstream

SPEC = {
    "environment": "staging",
    "region": "us-west-2",
    "cluster": {"name": "gpu-ops"},
    "operators": {"keda": {"http_addon": True}, "controller_replicas": 2},
}


def run(spec: dict, captured: dict | None = None):
    def program():
        provider = k8s.Provider("k8s", kubeconfig="{}", cluster_identifier="gpu-ops")
        gate = k8s.core.v1.Namespace("gate", metadata={"name": "gate"}, opts=pulumi.ResourceOptions(provider=provider))
        ops = Operators("ops", spec, depends_on=[gate], opts=pulumi.ResourceOptions(provider=provider))
        if captured is not None:
            captured["handles"] = ops.handles()
            captured["workloads"] = ops.workload_dependencies()

    return run_program(program, stack="test")


@pytest.fixture(scope="module")
def plan():
    return run(SPEC)


def release(plan, key):
    return plan.named(f"ops-{key}", "kubernetes:helm.sh/v3:Release")


ALL = ("kube-prometheus-stack", "cert-manager", "keda", "keda-add-ons-http", "kserve-crd", "kserve-resources",
       "kuberay-operator")


def test_component_token_and_children(plan):
    [root] = plan.by_type("gpu-platform:index:Operators")
    assert root.name == "ops"
    kids = {r.name for r in plan.children(root.urn)}
    assert {f"ops-{k}" for k in ALL} <= kids
    assert {"ops-gpu-platform-alerts", "ops-gpu-platform-gpus", "ops-gpu-platform-vllm"} <= kids


def test_releases_are_pinned_helm_v3_releases_on_the_cluster_provider(plan):
    [provider] = plan.by_type("pulumi:providers:kubernetes")
    for key in ALL:
        r = release(plan, key)
        chart = CHARTS[key]
        assert r.inputs["chart"] == chart.chart and r.inputs["version"] == chart.version, key
        assert r.inputs["createNamespace"] is True
        assert r.provider == provider.urn, key
        if chart.repository is None:
            assert chart.chart.startswith("oci://") and "repositoryOpts" not in r.inputs, key
        else:
            assert r.inputs["repositoryOpts"] == {"repo": chart.repository}, key
    for r in plan.kubernetes_objects():
        assert r.provider == provider.urn, r.name


def test_release_names_namespaces_and_values_come_from_the_renderer(plan):
    spec = validate_spec(PlatformSpec, SPEC)
    for p in operator_releases(spec):
        r = release(plan, p.key)
        assert (r.inputs["name"], r.inputs["namespace"]) == (p.release, p.namespace)
        assert r.inputs["values"] == p.values, p.key
        assert r.inputs["timeout"] == p.timeout_seconds


def test_install_order(plan):
    kps, cm, keda, http, crd, kserve, ray = (release(plan, k) for k in ALL)
    dep = plan.depends_on
    assert dep(crd, cm)
    assert dep(kserve, crd) and dep(kserve, cm) and dep(kserve, keda)
    assert dep(http, keda)
    for r in (cm, keda, ray):
        assert dep(r, kps), r.name  # their ServiceMonitors need the Prometheus Operator CRDs
    assert not dep(crd, kserve) and not dep(kps, cm)
    # The caller's prerequisites reach every release explicitly (children do not inherit depends_on).
    gate = plan.named("gate")
    for key in ALL:
        assert gate.urn in release(plan, key).dependencies, key


def test_custom_resources_wait_for_their_crds_and_validate(plan):
    kps = release(plan, "kube-prometheus-stack")
    [rule] = plan.by_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    assert plan.depends_on(rule, kps)
    for cm in plan.by_type("kubernetes:core/v1:ConfigMap"):
        assert plan.depends_on(cm, kps), cm.name  # namespace comes with the release
        assert_valid_builtin(cm.inputs)


@requires_upstream
def test_recorded_custom_resources_match_the_upstream_crds(plan):
    [rule] = plan.manifests("PrometheusRule")
    assert_valid_crd(rule)
    [monitor] = plan.manifests("ServiceMonitor")
    assert_valid_crd(monitor)
    kps = release(plan, "kube-prometheus-stack")
    assert plan.depends_on(plan.named("ops-karpenter-monitor"), kps)


def test_handles_and_workload_dependencies():
    captured: dict = {}
    plan = run(SPEC, captured)
    handles = captured["handles"]
    expected = {"cert_manager": "cert-manager", "kserve": "kserve-resources", "kuberay": "kuberay-operator",
                "keda": "keda", "keda_http": "keda-add-ons-http", "monitoring": "kube-prometheus-stack"}
    for field, release in expected.items():
        assert getattr(handles, field)._name == f"ops-{release}", field
    assert {r._name for r in captured["workloads"]} == {
        "ops-kserve-resources", "ops-kuberay-operator", "ops-keda", "ops-keda-add-ons-http"
    }
    assert plan.named("ops-kserve-resources")


def test_switches_remove_releases_and_resources():
    captured: dict = {}
    spec = {
        **SPEC,
        "environment": "dev",
        "operators": {
            "kserve": {"enabled": False},
            "cert_manager": {"enabled": False},
            "kuberay": {"enabled": False},
            "keda": {"enabled": True},
            "monitoring": {"enabled": False, "grafana": {"enabled": False}, "alertmanager": {"enabled": False}},
        },
    }
    plan = run(spec, captured)
    assert [r.inputs["name"] for r in plan.helm_releases()] == ["keda"]
    assert not plan.by_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    assert not plan.by_type("kubernetes:core/v1:ConfigMap")
    handles = captured["handles"]
    assert handles.kserve is None and handles.monitoring is None and handles.keda_http is None
    assert handles.keda._name == "ops-keda"


def test_grafana_off_keeps_rules_but_drops_dashboards():
    plan = run({**SPEC, "operators": {"monitoring": {"grafana": {"enabled": False}}}})
    assert len(plan.by_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")) == 1
    assert not plan.by_type("kubernetes:core/v1:ConfigMap")
    assert release(plan, "kube-prometheus-stack").inputs["values"]["grafana"] == {"enabled": False}


def test_invalid_args_fail_before_any_resource():
    def program():
        Operators("bad", {**SPEC, "operators": {"cert_manager": {"enabled": False}}})

    with pytest.raises(pulumi.InputPropertiesError) as exc:
        run_program(program, stack="test")
    assert "operators.cert_manager.enabled" in str(exc.value)
    assert [u for u in exc.value.registered if "pulumi:pulumi:Stack" not in u] == []


# --------------------------------------------------------------------------------------------- in GpuPlatform
PLATFORM = {
    "environment": "staging",
    "region": "us-west-2",
    "cluster": {"name": "gpu-int"},
}


@pytest.fixture(scope="module")
def platform_plan():
    from gpu_platform.components.platform import GpuPlatform

    captured = {}

    def program():
        platform = GpuPlatform("p", PLATFORM)
        captured["operators"] = platform.ref.operators
        captured["depends_on"] = [r._name for r in platform.ref.depends_on]

    plan = run_program(program, stack="test", config={"aws:region": "us-west-2"})
    return plan, captured


def test_platform_composes_operators_after_system_nodes_and_storage(platform_plan):
    plan, _ = platform_plan
    [root] = plan.by_type("gpu-platform:index:GpuPlatform")
    ops = plan.named("p-operators", "gpu-platform:index:Operators")
    assert ops.parent == root.urn
    system_nodes = plan.named("p-system", "aws:eks/nodeGroup:NodeGroup")
    storage = plan.named("p-gp3")
    for key in ("kube-prometheus-stack", "cert-manager", "kserve-resources", "keda", "kuberay-operator"):
        r = plan.named(f"p-operators-{key}")
        assert r.parent == ops.urn
        assert plan.depends_on(r, system_nodes) and plan.depends_on(r, storage), key


def test_platform_publishes_operator_handles(platform_plan):
    _, captured = platform_plan
    handles = captured["operators"]
    assert handles.kserve._name == "p-operators-kserve-resources"
    assert handles.monitoring._name == "p-operators-kube-prometheus-stack"
    assert handles.keda._name == "p-operators-keda" and handles.kuberay._name == "p-operators-kuberay-operator"
    assert handles.keda_http is None  # off by default
    assert [r._name for r in handles.of(["kserve", "keda"])] == ["p-operators-kserve-resources", "p-operators-keda"]
    assert "p-operators-kserve-resources" in captured["depends_on"]
