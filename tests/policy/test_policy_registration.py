"""Rules as their modules declare them: what registering records, and the GPU node add-on rules.

Registration happens when a rule module is imported, once per process, before any test runs. These tests run it
again, into an empty registry, by executing the module's source afresh (the imported module and the checklist
stay untouched): so what is checked is what the declaration does now, not what it did at collection time.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from gpu_platform.plan import PlanResource
from gpu_platform.policy import registry, run_rule
from gpu_platform.policy.registry import Rule, rule
from gpu_platform.policy.view import PlanView

ADDON_APPLIES_TO = ("NodePool", "kubernetes:helm.sh/v3:Release")


def declared(monkeypatch: pytest.MonkeyPatch, module: str) -> list[Rule]:
    """The rules ``module`` registers, executed into an empty registry."""
    monkeypatch.setattr(registry, "REGISTERED", [])
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    return list(registry.REGISTERED)


def test_registering_records_the_rule_and_leaves_the_function_usable(monkeypatch):
    monkeypatch.setattr(registry, "REGISTERED", [])

    def check(view):
        return iter(())

    def offline(view):
        return iter(())

    assert rule("some-rule", "What it checks.", ("Deployment",))(check) is check
    assert rule("offline-rule", "Only offline.", ("Secret",), offline_only=True)(offline) is offline
    assert registry.REGISTERED == [
        Rule("some-rule", "What it checks.", ("Deployment",), check, False),  # runs in the policy pack too
        Rule("offline-rule", "Only offline.", ("Secret",), offline, True),
    ]


def test_only_the_secrets_rule_is_left_to_the_offline_check(monkeypatch):
    """pulumi_policy hands secrets to a pack unwrapped, so secretness can only be judged offline."""
    rules = declared(monkeypatch, "gpu_platform.policy.security")
    assert [(r.id, r.offline_only) for r in rules] == [
        ("imdsv2", False), ("non-root", False), ("secrets-never-plain", True),
    ]


def test_gpu_node_addon_rules_are_declared_for_node_pools_and_helm_releases(monkeypatch):
    rules = declared(monkeypatch, "gpu_platform.policy.gpu_nodes")
    assert [(r.id, r.applies_to, r.offline_only) for r in rules] == [
        ("dcgm-exporter-present", ADDON_APPLIES_TO, False),
        ("device-plugin-present", ADDON_APPLIES_TO, False),
    ]
    assert "DCGM exporter" in rules[0].description and "XID errors" in rules[0].description
    assert "NVIDIA device plugin" in rules[1].description and "nvidia.com/gpu" in rules[1].description


def resource(type_: str, name: str, inputs: dict[str, Any]) -> PlanResource:
    return PlanResource(f"urn:pulumi:test::gpu-platform::{type_}::{name}", type_, name, None, True, None, [], inputs)


GPU_POOL = resource("kubernetes:karpenter.sh/v1:NodePool", "gpu-l4", {
    "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "gpu-l4"},
    "spec": {"template": {"spec": {"requirements": [
        {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g6"]}]}}},
})
CPU_POOL = resource("kubernetes:karpenter.sh/v1:NodePool", "general", {
    "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "general"},
    "spec": {"template": {"spec": {"requirements": [
        {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7i"]}]}}},
})


def release(chart: str) -> PlanResource:
    return resource("kubernetes:helm.sh/v3:Release", chart, {"chart": chart, "version": "1.0.0"})


@pytest.mark.parametrize("rule_id, chart, other", [
    ("dcgm-exporter-present", "dcgm-exporter", "nvidia-device-plugin"),
    ("device-plugin-present", "nvidia-device-plugin", "dcgm-exporter"),
])
def test_gpu_nodes_need_the_addon_chart_or_the_gpu_operator(monkeypatch, rule_id, chart, other):
    addon = next(r for r in declared(monkeypatch, "gpu_platform.policy.gpu_nodes") if r.id == rule_id)

    def violations(*resources: PlanResource) -> list[tuple[str, str, str]]:
        return [(v.rule, v.resource, v.message) for v in run_rule(addon, PlanView(resources))]

    missing = [(rule_id, "NodePool gpu-l4 (gpu-l4)",
                f"GPU nodes are planned but no {chart} (or gpu-operator) Helm release is")]
    assert violations(GPU_POOL) == missing
    assert violations(GPU_POOL, release(other)) == missing  # the other add-on does not stand in for this one
    assert violations(GPU_POOL, release(chart)) == []
    assert violations(GPU_POOL, release("oci://registry.example/charts/" + chart)) == []
    assert violations(GPU_POOL, release("gpu-operator")) == []  # the operator bundles both add-ons
    assert violations(CPU_POOL) == []  # no GPU nodes: nothing to monitor or advertise
