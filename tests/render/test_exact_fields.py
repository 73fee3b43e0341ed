"""Values the consumer reads exactly, where a one-character change is silently wrong or refused only at deploy time.

Each expectation is written out with its consumer: the Kubernetes API (field enums, quantity syntax), the EBS CSI
driver, IAM, Karpenter. The fast suite has no API server; the control plane (tests/verify) catches some of these
only when every stack happens to render them.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from gpu_platform.render._common import container_security_context
from gpu_platform.render.addons.base import GPU, KARPENTER, OPERATORS
from gpu_platform.render.addons.registry import release_plans
from gpu_platform.render.cluster import default_storage_class
from gpu_platform.render.karpenter import node_classes
from gpu_platform.render.model import weights
from gpu_platform.spec import PlatformSpec
from gpu_platform.spec.model import ModelSpec

# k8s.io/apimachinery/pkg/api/resource/quantity.go: a signed decimal, then a binary (Ki…Ei) or decimal
# (n, u, m, "", k, M, G, T, P, E) suffix, or a decimal exponent.
QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")

FULL = {"environment": "prod", "region": "us-west-2", "cluster": {"name": "gpu-exact"},
        "gpu": {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "limits": {"gpus": 16}}]}}


def _resources(values: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every (path, quantity) under a `resources:` block of Helm values."""
    if isinstance(values, dict):
        for key, sub in values.items():
            here = f"{path}.{key}" if path else key
            if key == "resources" and isinstance(sub, dict):
                for kind in ("requests", "limits"):
                    for name, qty in (sub.get(kind) or {}).items():
                        yield f"{here}.{kind}.{name}", str(qty)
            else:
                yield from _resources(sub, here)
    elif isinstance(values, list):
        for i, sub in enumerate(values):
            yield from _resources(sub, f"{path}[{i}]")


def test_the_hardened_container_security_context_exactly():
    """Pod Security `restricted`: non-root, no privilege escalation, ALL capabilities dropped, and a seccomp profile
    of type RuntimeDefault (core/v1 SeccompProfileType: RuntimeDefault | Localhost | Unconfined, case-sensitive)."""
    assert container_security_context(1000) == {
        "runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


def test_every_resource_quantity_in_every_helm_release_parses():
    """Helm passes values through; a malformed quantity fails the chart's pods at install, not at plan."""
    spec = PlatformSpec.model_validate(FULL)
    found = [(plan.key, where, qty) for group in (OPERATORS, GPU, KARPENTER)
             for plan in release_plans(spec, group, installed_elsewhere=("kube-prometheus-stack",))
             for where, qty in _resources(plan.values or {})]
    assert len(found) > 10  # the walk found the charts' resources
    assert [f for f in found if not QUANTITY.match(f[2])] == []


def test_the_default_storage_class_is_encrypted_gp3_on_the_ebs_csi_driver():
    """EBS CSI driver (ebs.csi.aws.com; it accepts the in-tree plugin's parameters): gp3, encrypted, ext4;
    WaitForFirstConsumer so the volume is made in the pod's zone."""
    sc = default_storage_class()
    assert (sc["provisioner"], sc["volumeBindingMode"], sc["reclaimPolicy"], sc["allowVolumeExpansion"]) == (
        "ebs.csi.aws.com", "WaitForFirstConsumer", "Delete", True)
    assert sc["parameters"] == {"type": "gp3", "encrypted": "true", "fsType": "ext4"}
    assert sc["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}


def test_the_weights_policy_reads_only_the_models_prefix():
    """IAM policy grammar (Version 2012-10-17; Sid, Effect, Action, Resource, Condition are case-sensitive keys):
    GetObject on the prefix's objects, ListBucket on the bucket restricted to the prefix."""
    doc = weights.s3_read_policy(ModelSpec(name="m", model="s3://weights/llama-3.1-8b/"), "us-west-2")
    import json

    assert json.loads(doc) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadWeights", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": "arn:aws:s3:::weights/llama-3.1-8b/*"},
        {"Sid": "ListWeights", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::weights",
         "Condition": {"StringLike": {"s3:prefix": ["llama-3.1-8b/*", "llama-3.1-8b"]}}},
    ]}
    cn = json.loads(weights.s3_read_policy(ModelSpec(name="m", model="s3://weights/llama-3.1-8b/"), "cn-north-1"))
    assert cn["Statement"][0]["Resource"] == "arn:aws-cn:s3:::weights/llama-3.1-8b/*"


def test_karpenter_node_tags_name_karpenter_and_the_node_class():
    spec = PlatformSpec.model_validate(FULL)
    tags = node_classes.node_tags(spec, "l40s")
    assert (tags["managed-by"], tags["gpu-platform/node-class"]) == ("karpenter", "l40s")


def test_the_volume_holding_images_gets_the_provisioned_iops_and_throughput():
    """Stated settings (gp3 allows 3,000–16,000 IOPS and 125–1,000 MiB/s): the volume containerd pulls images to
    gets them, AL2023's one root volume, Bottlerocket's data volume (marked rootVolume: Karpenter sizes
    ephemeral-storage from it); Bottlerocket's small OS volume stays at gp3's baseline."""
    from gpu_platform.spec import NodeClassSpec
    from gpu_platform.spec.node_classes import AmiFamily

    settings = NodeClassSpec(root_volume_gib=100, data_volume_gib=300, volume_iops=6000, volume_throughput_mibps=500)
    fast = {"volumeType": "gp3", "deleteOnTermination": True, "encrypted": True, "iops": 6000, "throughput": 500}
    assert node_classes.block_device_mappings(AmiFamily.AL2023, settings) == [
        {"deviceName": "/dev/xvda", "rootVolume": True, "ebs": {"volumeSize": "100Gi", **fast}}]
    assert node_classes.block_device_mappings(AmiFamily.BOTTLEROCKET, settings) == [
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": "100Gi", "volumeType": "gp3", "deleteOnTermination": True,
                                            "encrypted": True}},
        {"deviceName": "/dev/xvdb", "rootVolume": True, "ebs": {"volumeSize": "300Gi", **fast}},
    ]


def test_the_karpenter_controller_runs_the_replicas_asked_for():
    spec = PlatformSpec.model_validate({**FULL, "gpu": {**FULL["gpu"], "karpenter": {"replicas": 3}}})
    from gpu_platform.render.karpenter import controller_values

    assert controller_values(spec)["replicas"] == 3


@pytest.mark.parametrize("capacity, pools", [
    ("on_demand", {"cpu-on-demand": (None, ["on-demand"])}),
    ("spot", {"cpu-spot": (None, ["spot"])}),
    ("spot_with_on_demand_fallback", {"cpu-spot": (50, ["spot"]), "cpu-on-demand": (10, ["on-demand"])}),
])
def test_the_cpu_pool_asks_karpenter_for_its_capacity_types(capacity, pools):
    """Karpenter's `karpenter.sh/capacity-type` values are `spot`, `on-demand` and `reserved`; a higher weight is
    tried first."""
    from gpu_platform.render.karpenter import cpu_node_pools

    spec = PlatformSpec.model_validate({**FULL, "environment": "dev",
                                        "gpu": {**FULL["gpu"], "cpu_pool": {"enabled": True, "capacity": capacity}}})
    got = {}
    for pool in cpu_node_pools(spec):
        [req] = [r for r in pool["spec"]["template"]["spec"]["requirements"] if r["key"] == "karpenter.sh/capacity-type"]
        got[pool["metadata"]["name"]] = (pool["spec"].get("weight"), req["values"])
    assert got == pools


def test_the_model_namespace_policies_name_their_directions_as_kubernetes_spells_them():
    """networking/v1 PolicyType is `Ingress` or `Egress` (case-sensitive); a policy lists the direction of the rules
    it carries, and the default-deny lists both with no rules (so everything not allowed is refused)."""
    from gpu_platform.render import model as rm

    policies = {obj["metadata"]["name"]: obj["spec"] for _, obj in rm.namespace_objects("models", gpu_quota=4)
                if obj["kind"] == "NetworkPolicy"}
    assert {name: (spec["policyTypes"], sorted(set(spec) & {"ingress", "egress"})) for name, spec in policies.items()} == {
        "default-deny": (["Ingress", "Egress"], []),
        "allow-proxy-and-prometheus": (["Ingress"], ["ingress"]),
        "allow-egress": (["Egress"], ["egress"]),
    }


def test_the_gpu_dashboard_has_a_stable_uid_and_a_node_variable():
    """Grafana keys a provisioned dashboard by uid (links and bookmarks break when it changes); the panels filter on
    the `node` template variable (`$node`)."""
    from gpu_platform.render import observability as obs

    dashboard = obs.gpu_dashboard()
    assert dashboard["uid"] == "gpu-platform-gpus"
    variables = [v["name"] for v in dashboard["templating"]["list"]]
    assert "node" in variables
    assert any("$node" in e for e in obs.promql_expressions(dashboard))


def test_weights_under_a_kms_key_get_decrypt_on_that_key_only():
    import json

    key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    spec = ModelSpec(name="m", model="s3://weights/llama-3.1-8b/", source={"s3_kms_key_arn": key})
    statements = json.loads(weights.s3_read_policy(spec, "us-west-2"))["Statement"]
    assert statements[-1] == {"Sid": "DecryptWeights", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key}
    assert len(statements) == 3


def test_the_device_plugin_tolerates_gpu_nodes_and_critical_addon_nodes():
    """The plugin must run on every GPU node (their `nvidia.com/gpu` taint) and may run where only critical add-ons
    are allowed (the `CriticalAddonsOnly` taint EKS documents for system nodes)."""
    from gpu_platform.render.gpu import device_plugin_values

    assert device_plugin_values(PlatformSpec.model_validate({**FULL, "environment": "dev"}))["tolerations"] == [
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


@pytest.mark.parametrize("consolidation, policy", [("when_empty", "WhenEmpty"),
                                                    ("when_empty_or_underutilized", "WhenEmptyOrUnderutilized")])
def test_the_cpu_pool_consolidation_policy_is_karpenters_enum(consolidation, policy):
    """karpenter.sh/v1 NodePool disruption.consolidationPolicy: WhenEmpty | WhenEmptyOrUnderutilized."""
    from gpu_platform.render.karpenter import cpu_node_pools

    spec = PlatformSpec.model_validate({**FULL, "environment": "dev", "gpu": {
        **FULL["gpu"], "cpu_pool": {"enabled": True, "capacity": "on_demand", "consolidation": consolidation}}})
    assert [p["spec"]["disruption"]["consolidationPolicy"] for p in cpu_node_pools(spec)] == [policy]


def test_the_platform_alert_groups():
    from gpu_platform.render.observability.alerts import alert_groups
    from gpu_platform.spec import AlertingSpec

    assert [g["name"] for g in alert_groups(AlertingSpec())] == [
        "gpu-platform.model-signals", "gpu-platform.gpu", "gpu-platform.vllm", "gpu-platform.models",
        "gpu-platform.karpenter"]


def test_model_namespace_objects_as_the_api_reads_them():
    """LabelSelectorOperator `Exists` and Pod Security level `restricted` are case-sensitive API values; quantities
    use binary suffixes (`Mi`, not `mi`, which the API refuses)."""
    from gpu_platform.render import model as rm
    from gpu_platform.render import proxy as rp

    objs = dict(rm.namespace_objects("models", gpu_quota=4))
    assert objs["allow-proxy-and-prometheus"]["spec"]["podSelector"] == {
        "matchExpressions": [{"key": "gpu-platform.io/model", "operator": "Exists"}]}
    assert objs["limits"]["spec"]["limits"] == [{
        "type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi", "nvidia.com/gpu": "0"},
        "default": {"memory": "512Mi", "nvidia.com/gpu": "0"}, "max": {"nvidia.com/gpu": "8"}}]
    assert rp.namespace()["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    # kube-prometheus-stack's Prometheus selects ServiceMonitors labelled release=<its release>
    assert rp.service_monitor_object()["metadata"] == {
        "name": "litellm", "namespace": "llm-gateway",
        "labels": {"app.kubernetes.io/name": "litellm", "app.kubernetes.io/component": "llm-gateway",
                   "app.kubernetes.io/managed-by": "gpu-platform", "release": "kube-prometheus-stack"}}


def test_a_grafana_panel_shows_a_legend_table_with_last_and_max():
    from gpu_platform.render.observability.grafana import panel

    assert panel(1, "t", ["up"], unit="s")["options"] == {
        "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}}


def test_an_slo_rule_needs_a_model_name():
    from gpu_platform.render.observability.recording_rules import model_slo_rules

    with pytest.raises(ValueError, match="^model names must not be empty$"):
        model_slo_rules([("", 1.0)])


def test_the_karpenter_controller_is_guaranteed_its_memory():
    """Requests equal the memory limit (1 GiB): the controller is never the pod the kubelet evicts first."""
    from gpu_platform.render.karpenter import controller_values

    assert controller_values(PlatformSpec.model_validate({**FULL, "environment": "dev"}))["controller"]["resources"] == {
        "requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}


def test_a_platform_alert_carries_its_severity_and_platform_labels_and_a_templated_summary():
    """Alertmanager routes on labels; the summary uses Prometheus's alert template syntax ($labels, $value)."""
    from gpu_platform.render.observability.alerts import alert_groups
    from gpu_platform.spec import AlertingSpec

    [vllm] = [g for g in alert_groups(AlertingSpec()) if g["name"] == "gpu-platform.vllm"]
    [kv] = [r for r in vllm["rules"] if r.get("alert") == "VLLMKVCacheNearFull"]
    assert kv["labels"] == {"severity": "warning", "platform": "gpu-platform"}
    assert kv["annotations"]["summary"] == (
        "KV cache of {{ $labels.pod }} ({{ $labels.model_name }}) at {{ $value | humanizePercentage }}")
