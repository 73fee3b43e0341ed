"""The policy pack runs the same rules: its entry point registers one mandatory stack policy per rule, and the
adapter turns policy-SDK resources (proxies, preview-time unknowns) into plan resources."""

from __future__ import annotations

import runpy
import sys
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from gpu_platform.plan import PlanResource
from gpu_platform.policy import RULES
from gpu_platform.policy.pack import pack_rules, plain, plan_resources, stack_validator

REPO = Path(__file__).resolve().parents[2]


class Unknown(Exception):
    """Stands in for pulumi_policy.UnknownValueError."""


class Proxy(Mapping):
    """Like pulumi_policy's unknown-checking proxy: reading an unknown value raises."""

    def __init__(self, data):
        self.data = data

    def __getitem__(self, key):
        value = self.data[key]
        if value == "<unknown>":
            raise Unknown(key)
        return Proxy(value) if isinstance(value, dict) else value

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


def policy_resource(type_, name, props, urn=None):
    return SimpleNamespace(resource_type=type_, name=name, props=Proxy(props),
                           urn=urn or f"urn:pulumi:prod::gpu-platform::{type_}::{name}", parent=None, provider=None)


def test_plain_unwraps_proxies_and_marks_unknowns():
    value = Proxy({"a": {"b": "<unknown>", "c": [1.0, "x"]}, "d": "<unknown>"})
    assert plain(value) == {"a": {"b": "[unknown]", "c": [1, "x"]}, "d": "[unknown]"}


def test_stack_validator_reports_violations_on_their_urns():
    nodeclass = policy_resource(
        "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "gpu",
        {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": "gpu"},
         "spec": {"metadataOptions": {"httpTokens": "optional"}, "amiSelectorTerms": [{"alias": "al2023@<x>"}]},
         "status": "<unknown>"},
    )
    rule = next(r for r in RULES if r.id == "imdsv2")
    reported = []
    stack_validator(rule)(SimpleNamespace(resources=[nodeclass]), lambda msg, urn=None: reported.append((msg, urn)))
    assert reported == [("EC2NodeClass gpu (gpu): spec.metadataOptions.httpTokens is 'optional'; must be 'required'",
                         nodeclass.urn)]
    assert plan_resources([nodeclass])[0].inputs["status"] == "[unknown]"


def test_entry_point_registers_one_mandatory_policy_per_rule(monkeypatch):
    captured = {}
    stub = types.ModuleType("pulumi_policy")
    stub.EnforcementLevel = SimpleNamespace(MANDATORY="mandatory", ADVISORY="advisory")
    stub.StackValidationPolicy = lambda **kw: SimpleNamespace(**kw)
    stub.PolicyPack = lambda **kw: captured.update(kw)
    monkeypatch.setitem(sys.modules, "pulumi_policy", stub)
    runpy.run_path(str(REPO / "policy-pack" / "__main__.py"), run_name="__main__")
    assert captured["enforcement_level"] == "mandatory"
    names = [p.name for p in captured["policies"]]
    assert names == [r.id for r in pack_rules()]
    assert "secrets-never-plain" not in names  # secretness is invisible to packs; the offline check covers it
    assert len(names) == len(RULES) - sum(r.offline_only for r in RULES)


def test_pack_manifest_and_pinned_requirements():
    manifest = yaml.safe_load((REPO / "policy-pack" / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    reqs = [line.strip() for line in (REPO / "policy-pack" / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    for req in reqs:
        assert req == ".." or "==" in req, f"unpinned requirement {req!r}"
    assert any(r.startswith("pulumi-policy==") for r in reqs)


@pytest.mark.parametrize("rule", pack_rules(), ids=lambda r: r.id)
def test_every_pack_rule_has_a_description(rule):
    assert len(rule.description) > 40 and rule.applies_to


class ListProxy(Sequence):
    """pulumi_policy's proxy for a list: reading an unknown item raises."""

    def __init__(self, data):
        self.data = data

    def __getitem__(self, i):
        if self.data[i] == "<unknown>":
            raise Unknown(i)
        return self.data[i]

    def __len__(self):
        return len(self.data)


def test_plain_marks_unknown_list_items():
    assert plain(Proxy({"args": ListProxy(["--model", "<unknown>", "--port"])})) == {
        "args": ["--model", "[unknown]", "--port"]}


def test_plain_keeps_nulls_integers_and_booleans_as_they_are():
    out = plain(Proxy({"replicas": 2, "privileged": True, "hostNetwork": False, "sizeLimit": None, "cpu": 1.5,
                       "gpus": 4.0}))
    assert out == {"replicas": 2, "privileged": True, "hostNetwork": False, "sizeLimit": None, "cpu": 1.5, "gpus": 4}
    assert out["privileged"] is True and out["hostNetwork"] is False  # rules test flags with `is True`
    assert type(out["replicas"]) is int and type(out["gpus"]) is int


def test_a_privileged_container_is_reported_through_the_pack():
    deployment = policy_resource("kubernetes:apps/v1:Deployment", "llama", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "llama", "namespace": "models"},
        "spec": {"replicas": 1, "template": {"spec": {
            "securityContext": {"runAsNonRoot": True},
            "containers": [{"name": "vllm", "image": "vllm/vllm-openai:v0.33.0",
                            "securityContext": {"privileged": True}}]}}},
        "status": "<unknown>",
    })
    rule = next(r for r in RULES if r.id == "non-root")
    reported = []
    stack_validator(rule)(SimpleNamespace(resources=[deployment]), lambda msg, urn=None: reported.append((msg, urn)))
    assert reported == [("Deployment models/llama (llama): spec.template.spec container 'vllm': privileged container",
                         deployment.urn)]


def test_plan_resources_keep_parent_and_provider_urns():
    parent = "urn:pulumi:prod::gpu-platform::gpu-platform:index:Model::llama"
    provider = "urn:pulumi:prod::gpu-platform::pulumi:providers:kubernetes::eks"
    r = policy_resource("kubernetes:core/v1:Namespace", "models",
                        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "models"}})
    r.parent, r.provider = SimpleNamespace(urn=parent), SimpleNamespace(urn=provider)
    assert plan_resources([r]) == [PlanResource(
        urn=r.urn, type="kubernetes:core/v1:Namespace", name="models", parent=parent, custom=True, provider=provider,
        dependencies=[], inputs={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "models"}},
    )]


@pytest.mark.parametrize("rule_id, function_name", [
    ("pdb", "validate_pdb"),
    ("gpu-requests-equal-limits", "validate_gpu_requests_equal_limits"),
    ("dcgm-exporter-present", "validate_dcgm_exporter_present"),
])
def test_each_validator_is_named_after_its_rule(rule_id, function_name):
    """The name tracebacks and profiles show when a pack's validation fails."""
    assert stack_validator(next(r for r in RULES if r.id == rule_id)).__name__ == function_name
