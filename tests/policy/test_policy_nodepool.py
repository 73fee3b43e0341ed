"""Which Karpenter NodePools the policy treats as GPU pools (the ones `gpu-nodepool-tainted` checks).

Karpenter v1.14.1 facts (../shared/upstream/facts.md, crds/karpenter.sh_v1_NodePool.json): a NodePool is
``karpenter.sh/v1``; ``spec.template.spec.requirements[]`` are ``{key, operator, values}`` with operators In, NotIn,
Exists, DoesNotExist, Gt, Lt, Gte, Lte; the AWS provider's well-known keys include ``instance-gpu-count``,
``-gpu-name``, ``-gpu-manufacturer``, ``-gpu-memory`` (MiB), ``instance-category`` (``g`` and ``p`` are the GPU
categories) and ``instance-family`` (``g6e``, ``p5``...), besides ``node.kubernetes.io/instance-type``
(``g6e.xlarge``). The platform's own GPU pools label nodes ``gpu-platform.io/gpu-class=<class>`` and taint them
``nvidia.com/gpu`` (gpu_platform/spec/node_pools.py GpuNodePoolSpec). Every pool built here is valid against the CRD.
"""

from __future__ import annotations

from typing import Any

import pytest

from gpu_platform.plan import PlanResource
from gpu_platform.policy._workloads import is_gpu_nodepool
from support import crd_errors, requires_upstream

NODE_CLASS = {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"}
ON_DEMAND = {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}


def nodepool(requirements: list[dict[str, Any]] = (), labels: dict[str, str] | None = None,
             taints: list[dict[str, Any]] | None = None, api_version: str = "karpenter.sh/v1") -> PlanResource:
    spec: dict[str, Any] = {"nodeClassRef": NODE_CLASS, "requirements": [ON_DEMAND, *requirements]}
    if taints is not None:
        spec["taints"] = taints
    template: dict[str, Any] = {"spec": spec, **({"metadata": {"labels": labels}} if labels else {})}
    obj = {"apiVersion": api_version, "kind": "NodePool", "metadata": {"name": "pool"}, "spec": {"template": template}}
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return PlanResource(f"urn:pulumi:test::gpu-platform::kubernetes:{group_version}:NodePool::pool",
                        f"kubernetes:{group_version}:NodePool", "pool", None, True, None, [], obj)


def req(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": operator, **({"values": list(values)} if values else {})}


GPU_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}
GPU_KEYS = ["karpenter.k8s.aws/instance-gpu-count", "karpenter.k8s.aws/instance-gpu-name",
            "karpenter.k8s.aws/instance-gpu-manufacturer", "karpenter.k8s.aws/instance-gpu-memory"]

CASES = [
    # the platform's own labels
    ({"labels": {"gpu-platform.io/gpu-class": "l40s"}}, True),
    ({"labels": {"gpu-platform.io/node-role": "gpu"}}, True),
    ({"labels": {"gpu-platform.io/node-role": "system"}}, False),
    # GPU requirement keys: a pool that selects instances by their GPUs launches GPU instances
    *[({"requirements": [req(key, "Exists")]}, True) for key in GPU_KEYS],
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-count", "Gt", "0")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-count", "Gte", "1")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-memory", "Gte", "24576")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-name", "In", "l40s", "a10g")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-manufacturer", "In", "nvidia")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-count", "DoesNotExist")]}, False),
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-count", "Lt", "1")]}, False),
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-count", "Lte", "0")]}, False),
    ({"requirements": [req("karpenter.k8s.aws/instance-gpu-name", "NotIn", "t4")]}, False),
    # instance categories g and p are the GPU ones
    ({"requirements": [req("karpenter.k8s.aws/instance-category", "In", "g")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-category", "In", "p")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-category", "In", "c", "m", "p")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-category", "In", "c", "m", "r")]}, False),
    ({"requirements": [req("karpenter.k8s.aws/instance-category", "NotIn", "g", "p")]}, False),
    ({"requirements": [req("karpenter.k8s.aws/instance-category", "Exists")]}, False),
    # GPU instance families and types: g<digit>..., p<digit>...
    ({"requirements": [req("karpenter.k8s.aws/instance-family", "In", "g6e")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-family", "In", "m7i", "p5")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-family", "In", "g5g")]}, True),
    ({"requirements": [req("karpenter.k8s.aws/instance-family", "In", "c7g", "m7i", "r7g")]}, False),
    ({"requirements": [req("karpenter.k8s.aws/instance-family", "NotIn", "g6e", "p5")]}, False),
    ({"requirements": [req("node.kubernetes.io/instance-type", "In", "g6e.xlarge")]}, True),
    ({"requirements": [req("node.kubernetes.io/instance-type", "In", "p4d.24xlarge")]}, True),
    ({"requirements": [req("node.kubernetes.io/instance-type", "In", "m7i.large", "c7i.xlarge")]}, False),
    ({"requirements": [req("node.kubernetes.io/instance-type", "NotIn", "g6e.xlarge")]}, False),
    ({"requirements": [req("kubernetes.io/arch", "In", "amd64")]}, False),
    # or the GPU taint alone
    ({"taints": [GPU_TAINT]}, True),
    ({"taints": [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}, GPU_TAINT]}, True),
    ({"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}, False),
    ({"taints": []}, False),
    ({}, False),
]


@pytest.mark.parametrize("parts, gpu", CASES, ids=[str(i) for i in range(len(CASES))])
def test_a_nodepool_is_a_gpu_pool_by_its_labels_requirements_or_taint(parts, gpu):
    assert is_gpu_nodepool(nodepool(**parts)) is gpu


@requires_upstream
@pytest.mark.parametrize("parts", [p for p, _ in CASES], ids=[str(i) for i in range(len(CASES))])
def test_every_pool_above_is_a_valid_karpenter_nodepool(parts):
    assert crd_errors(nodepool(**parts).inputs) == []


@pytest.mark.parametrize("api_version", ["karpenter.k8s.aws/v1", "v1", "example.com/v1"])
def test_only_karpenter_sh_nodepools_count(api_version):
    assert is_gpu_nodepool(nodepool(taints=[GPU_TAINT], labels={"gpu-platform.io/gpu-class": "l4"},
                                    api_version=api_version)) is False


def test_other_kinds_never_count():
    r = nodepool(taints=[GPU_TAINT])
    r.inputs["kind"] = "NodeClaim"
    assert is_gpu_nodepool(r) is False
