"""The offline plan fails where the real engine or the cluster would: duplicate URNs, one object with two owners."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from gpu_platform.plan import run_program
from gpu_platform.plan.engine import DuplicateResourceError


def _cm(logical: str, name: str, namespace: str = "models", parent=None):
    opts = pulumi.ResourceOptions(parent=parent) if parent else None
    return k8s.core.v1.ConfigMap(logical, metadata={"name": name, "namespace": namespace}, opts=opts)


def test_one_kubernetes_object_registered_twice_is_refused():
    with pytest.raises(DuplicateResourceError) as info:
        run_program(lambda: (_cm("a", "shared"), _cm("b", "shared")), stack="test")
    message = str(info.value)
    assert "ConfigMap models/shared is registered twice" in message
    assert "::a and " in message and message.endswith("::b")


def test_a_duplicate_urn_is_refused_instead_of_silently_dropped():
    # The real engine refuses two resources with one URN ("Duplicate resource URN"); the mock would keep one.
    with pytest.raises(DuplicateResourceError, match=r"ConfigMap::same is registered 2 times"):
        run_program(lambda: (_cm("same", "one"), _cm("same", "two")), stack="test")


def test_same_name_in_two_namespaces_is_fine():
    plan = run_program(lambda: (_cm("a", "shared", "one"), _cm("b", "shared", "two")), stack="test")
    assert len(plan.kubernetes_objects()) == 2
