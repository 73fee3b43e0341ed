"""The policy pack runs the same rules: its entry point registers one mandatory stack policy per rule, and the
adapter turns policy-SDK resources (proxies, preview-time unknowns) into plan resources."""

from __future__ import annotations

import runpy
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

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
