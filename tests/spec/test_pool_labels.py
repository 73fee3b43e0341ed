"""A GPU pool's extra node labels: Kubernetes label syntax (apimachinery validation IsQualifiedName and
IsValidLabelValue: an optional DNS-subdomain prefix of ≤ 253 characters, `/`, a name of ≤ 63; values ≤ 63), and
not the keys Karpenter owns or refuses on NodePool templates (karpenter.sh/v1 NodePool CRD rules: the
`karpenter.sh` and `karpenter.k8s.aws` domains, `kubernetes.io/hostname`)."""

from __future__ import annotations

import pytest

from gpu_platform.spec import SpecError, validate_spec
from gpu_platform.spec import PlatformSpec

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-labels"}}
PREFIX = ".".join(["a" * 63] * 4)[:253]  # a DNS subdomain of exactly 253 characters
assert len(PREFIX) == 253 and not PREFIX.endswith(".")


def problems(labels: dict) -> list[tuple[str, str]]:
    doc = {**BASE, "gpu": {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "labels": labels}]}}
    with pytest.raises(SpecError) as info:
        validate_spec(PlatformSpec, doc)
    return info.value.problems


def accepted(labels: dict) -> dict:
    doc = {**BASE, "gpu": {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "labels": labels}]}}
    return PlatformSpec.model_validate(doc).gpu.node_pools[0].labels


def test_the_longest_valid_key_and_value_are_kept():
    key = f"{PREFIX}/{'n' * 63}"
    assert len(key) == 317
    assert accepted({key: "v" * 63, "team": "ml", "example.com/tier": ""}) == {
        key: "v" * 63, "team": "ml", "example.com/tier": ""}


@pytest.mark.parametrize("key", [f"{PREFIX}x/name", f"{PREFIX}/{'n' * 64}", "Example.com/x", "-team", "a/b/c"])
def test_a_key_beyond_the_kubernetes_syntax_is_refused(key):
    [(field, message)] = problems({key: "v"})
    assert field == "gpu.node_pools[0].labels"
    assert message.endswith(f"label key {key!r} is not a valid Kubernetes label key")


@pytest.mark.parametrize("key", ["kubernetes.io/hostname", "karpenter.sh/capacity-type", "team.karpenter.sh/x",
                                 "karpenter.k8s.aws/instance-family"])
def test_a_key_karpenter_owns_is_refused(key):
    [(field, message)] = problems({key: "v"})
    assert (field, message.rsplit(": ", 1)[-1]) == ("gpu.node_pools[0].labels", f"label key {key!r} is reserved by Karpenter")


def test_a_value_of_64_characters_is_refused():
    [(field, message)] = problems({"team": "v" * 64})
    assert field == "gpu.node_pools[0].labels"
    assert message.endswith(f"label 'team': value {'v' * 64!r} must be ≤ 63 alphanumerics, '-', '_' or '.'")
