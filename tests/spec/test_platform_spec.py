"""PlatformSpec: defaults, cross-field rules, and error paths that name the offending field."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.resolve import resolve
from gpu_platform.spec import PlatformSpec, SpecError, validate_spec
from branches import reaches

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}


def merged(**overrides):
    doc = {**BASE, **overrides}
    return doc


def problems(doc) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        resolve(doc).spec
    return dict(info.value.problems)


def test_minimal_spec_gets_safe_defaults():
    spec = resolve(BASE).spec
    assert spec.cluster.kubernetes_version == "1.34"
    assert spec.cluster.endpoint.public and spec.cluster.endpoint.private
    assert spec.cluster.secrets_encryption.enabled
    assert spec.network.az_count == 2
    assert spec.system_nodes.min_size <= spec.system_nodes.desired_size <= spec.system_nodes.max_size


def test_spec_is_frozen():
    spec = resolve(BASE).spec
    with pytest.raises(Exception):
        spec.region = "eu-west-1"  # type: ignore[misc]


@pytest.mark.parametrize(
    "doc, path, fragment",
    [
        (merged(cluster={"name": "gpu-test", "endpoint": {"public": False}}),
         "cluster.endpoint.private_access_cidrs", "access path"),
        (merged(cluster={"name": "gpu-test", "endpoint": {"public": False, "private": False}}),
         "cluster.endpoint.private", "at least one"),
        (merged(cluster={"name": "gpu-test", "endpoint": {"public_access_cidrs": ["10.0.0.1/8"]}}),
         "cluster.endpoint.public_access_cidrs", "CIDR"),
        (merged(cluster={"name": "gpu-test", "kubernetes_version": "1.19"}), "cluster.kubernetes_version", "1.32"),
        (merged(cluster={"name": "Bad_Name"}), "cluster.name", "lowercase"),
        (merged(system_nodes={"min_size": 4, "max_size": 2, "desired_size": 3}), "system_nodes.max_size", "min_size (4)"),
        (merged(system_nodes={"min_size": 1, "max_size": 2, "desired_size": 5}), "system_nodes.desired_size", "between"),
        (merged(system_nodes={"instance_types": ["g5.xlarge"]}), "system_nodes.instance_types", "GPU"),
        (merged(network={"vpc_cidr": "10.0.0.0/24"}), "network.vpc_cidr", "/16 and /20"),
        (merged(network={"az_count": 1}), "network.az_count", "greater than or equal to 2"),
        (merged(network={"az_count": 3, "availability_zones": ["us-west-2a", "us-west-2b"]}),
         "network.availability_zones", "az_count is 3"),
        (merged(network={"availability_zones": ["eu-west-1a", "eu-west-1b"]}),
         "network.availability_zones[0]", "is not a zone of us-west-2"),
        (merged(region="mars-1"), "region", "AWS region"),
        (merged(tags={"aws:owner": "x"}), "tags", "reserved"),
        (merged(cluster={"name": "gpu-test", "admins": [
            {"name": "a", "principal_arn": "arn:aws:iam::123456789012:role/x", "namespaces": ["m"]}]}),
         "cluster.admins[0].namespaces", "cluster_admin"),
        (merged(cluster={"name": "gpu-test", "admins": [
            {"name": "a", "principal_arn": "arn:aws:iam::123456789012:role/x"},
            {"name": "a", "principal_arn": "arn:aws:iam::123456789012:role/y"}]}),
         "cluster.admins", "duplicated"),
        (merged(cluster={"name": "gpu-test", "admins": [{"name": "a", "principal_arn": "not-an-arn"}]}),
         "cluster.admins[0].principal_arn", "ARN"),
        (merged(cluster={"name": "gpu-test", "secrets_encryption": {"enabled": False,
            "kms_key_arn": "arn:aws:kms:us-west-2:123456789012:key/abc"}}),
         "cluster.secrets_encryption.kms_key_arn", "disabled"),
    ],
)
def test_invalid_input_names_the_field(doc, path, fragment):
    found = problems(doc)
    assert path in found, f"expected an error at {path}, got {found}"
    assert fragment in found[path]


def test_unknown_keys_and_wrong_types_are_reported_together():
    found = problems(merged(clustr={}, network={"az_count": "three"}))
    assert "unknown field" in found["clustr"]
    assert "network.az_count" in found and "three" in found["network.az_count"]


def test_missing_required_fields_are_named():
    found = problems({"region": "us-west-2"})
    assert found["environment"] == "required field is missing"
    assert found["cluster"] == "required field is missing"


@reaches("ordered", "min above max", "desired outside min..max")
@example(min_size=1, desired=2, max_size=3)
@example(min_size=3, desired=2, max_size=1)
@example(min_size=2, desired=1, max_size=3)
@example(min_size=1, desired=3, max_size=2)
@given(
    min_size=st.integers(1, 10), desired=st.integers(1, 10), max_size=st.integers(1, 10)
)
def test_system_node_sizes_accepted_iff_ordered(branch, min_size, desired, max_size):
    doc = merged(system_nodes={"min_size": min_size, "desired_size": desired, "max_size": max_size})
    ok = min_size <= desired <= max_size
    if ok:
        branch("ordered")
        assert resolve(doc).spec.system_nodes.desired_size == desired
    elif min_size > max_size:
        branch("min above max")
        assert problems(doc) == {"system_nodes.max_size": f"must be ≥ min_size ({min_size})"}
    else:
        branch("desired outside min..max")
        assert problems(doc) == {
            "system_nodes.desired_size": f"must be between min_size ({min_size}) and max_size ({max_size})"
        }


@reaches("/16 to /20", "larger than /16", "smaller than /20")
@example(prefix=15, third=0)
@example(prefix=16, third=0)
@example(prefix=20, third=7)
@example(prefix=21, third=7)
@given(prefix=st.integers(8, 28), third=st.integers(0, 255))
def test_vpc_cidr_prefix_range(branch, prefix, third):
    net = ipaddress.ip_network(f"10.{third}.0.0/{prefix}", strict=False)
    doc = merged(network={"vpc_cidr": str(net)})
    if 16 <= prefix <= 20:
        branch("/16 to /20")
        assert resolve(doc).spec.network.vpc_cidr == str(net)
    else:
        branch("larger than /16" if prefix < 16 else "smaller than /20")
        assert "network.vpc_cidr" in problems(doc)
        assert f"between /16 and /20 to leave room for pod IPs (got /{prefix})" in problems(doc)["network.vpc_cidr"]


def test_every_field_is_documented():
    """Public surface: every spec field carries a docstring (it feeds the configuration reference)."""
    from pydantic import BaseModel

    import gpu_platform.spec as spec_pkg

    missing = []
    for name in spec_pkg.__all__:
        model = getattr(spec_pkg, name)
        if isinstance(model, type) and issubclass(model, BaseModel) and model is not spec_pkg.SpecModel:
            missing += [f"{name}.{f}" for f, info in model.model_fields.items() if not info.description]
    assert not missing, f"fields without a docstring: {missing}"


# ------------------------------------------------------------------------------------------------ name collisions
_MODEL = {"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu_class": "l40s"}
_POOL = {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 16}}]}


@pytest.mark.parametrize("namespace", ["llm-gateway", "monitoring", "kserve", "keda", "kuberay-system", "cert-manager",
                                       "gpu-system"])
def test_a_model_cannot_live_in_a_platform_namespace(namespace):
    found = problems(merged(gpu=_POOL, models=[{**_MODEL, "namespace": namespace}]))
    assert "platform's own components" in found["models[0].namespace"]


def test_platform_namespaces_cover_every_namespace_the_platform_renders_into():
    from gpu_platform.render import gpu, karpenter, labels, operators
    from gpu_platform.spec.model import PLATFORM_NAMESPACES

    rendered = {labels.MONITORING_NAMESPACE, labels.PROXY_NAMESPACE, gpu.NAMESPACE, operators.CERT_MANAGER_NAMESPACE,
                operators.KSERVE_NAMESPACE, operators.KUBERAY_NAMESPACE, operators.KEDA_NAMESPACE}
    assert rendered <= PLATFORM_NAMESPACES
    assert karpenter.NAMESPACE == "kube-system"  # a system namespace, refused on its own


def test_the_offline_plan_uses_the_regions_real_zones():
    from gpu_platform.plan.mocks import PlanMocks

    mocks = PlanMocks(region="ap-northeast-1")
    names = mocks.invokes["aws:index/getAvailabilityZones:getAvailabilityZones"]({})["names"]
    assert names == ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]  # Tokyo has no 1b


