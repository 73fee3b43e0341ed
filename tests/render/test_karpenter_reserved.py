"""Reservation-backed GPU pools (ODCRs and Capacity Blocks) against Karpenter v1.14.1: the EC2NodeClass selector
terms, the reserved-first NodePools, the feature gate, and the IAM and interruption wiring they rely on.

Sources: /root/go/pkg/mod/github.com/aws/karpenter-provider-aws@v1.14.1 (pkg/apis/v1/ec2nodeclass.go,
charts/karpenter/templates/deployment.yaml, pkg/providers/instance/instance.go, pkg/controllers/interruption/
messages/capacityreservationinterruption/parser.go), /root/go/pkg/mod/sigs.k8s.io/karpenter@v1.14.1
(pkg/apis/v1/labels.go), and /work/shared/upstream (CRD schemas, chart values, reference CloudFormation).
"""

from __future__ import annotations

import json
import re

import yaml

from gpu_platform.render import karpenter as rk
from gpu_platform.spec import PlatformSpec, validate_spec
from support import (UPSTREAM, assert_helm_values_known, assert_valid_crd, chart_values, crd_schema,
                     go_module_file, requires_upstream)

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}
ODCR = {"id": "cr-0123456789abcdef0", "instance_type": "p5.48xlarge", "instance_count": 2}
BLOCK = {"tags": {"purpose": "llm-serving"}, "owner_id": "123456789012", "kind": "capacity_block",
         "instance_type": "p5.48xlarge", "instance_count": 1, "upfront_usd": 9000.0}


def spec_with(*pools: dict) -> PlatformSpec:
    return validate_spec(PlatformSpec, {**BASE, "gpu": {"node_pools": list(pools)}})


RESERVED = spec_with(
    {"name": "h100", "gpu_class": "h100", "capacity": "reserved_then_on_demand", "reservations": [ODCR, BLOCK],
     "limits": {"gpus": 16}},
    {"name": "l40s", "gpu_class": "l40s", "capacity": "reserved_then_spot",
     "reservations": [{"id": "cr-0aaaaaaaaaaaaaaaa", "instance_type": "g6e.xlarge", "instance_count": 4}]},
    {"name": "a100", "gpu_class": "a100", "capacity": "reserved_only",
     "reservations": [{"id": "cr-0bbbbbbbbbbbbbbbb", "instance_type": "p4d.24xlarge", "instance_count": 1}]},
    {"name": "l4", "gpu_class": "l4"},
)


def pools_of(name: str) -> dict[str, dict]:
    pool = next(p for p in RESERVED.gpu.node_pools if p.name == name)
    return {o["metadata"]["name"]: o for o in rk.gpu_node_pools(RESERVED, pool)}


# Karpenter's well-known label, spelled as upstream spells it: the only `karpenter.sh` key the NodePool CRD's CEL rules
# admit in requirements besides karpenter.sh/nodepool (facts.md; karpenter.sh_v1_NodePool.json).
CAPACITY_TYPE = "karpenter.sh/capacity-type"


def capacity(obj: dict) -> list[str]:
    return next(r for r in obj["spec"]["template"]["spec"]["requirements"] if r["key"] == CAPACITY_TYPE)["values"]


def weights(*pools: str, spec: PlatformSpec = RESERVED) -> dict[str, object]:
    out = {}
    for pool in (p for p in spec.gpu.node_pools if p.name in pools):
        out |= {o["metadata"]["name"]: o["spec"].get("weight") for o in rk.gpu_node_pools(spec, pool)}
    return out


@requires_upstream
def test_the_capacity_type_key_is_the_one_the_nodepool_crd_admits():
    assert f'\\"{CAPACITY_TYPE}\\"' in json.dumps(crd_schema("karpenter.sh/v1", "NodePool"))


@requires_upstream
def test_reserved_objects_are_valid_against_the_upstream_crds():
    classes = [rk.ec2_node_class(RESERVED, p) for p in rk.node_class_plans(RESERVED)]
    for obj in classes + [o for p in RESERVED.gpu.node_pools for o in rk.gpu_node_pools(RESERVED, p)]:
        assert_valid_crd(obj)


def test_reserved_first_pools_are_weighted_pairs_preferring_the_reservation():
    """reserved first (highest weight), the fallback after; `reserved` is one of the three values Karpenter accepts
    for karpenter.sh/capacity-type (sigs.k8s.io/karpenter pkg/apis/v1/labels.go)."""
    h100 = pools_of("h100")
    assert list(h100) == ["h100-reserved", "h100-on-demand"]
    assert capacity(h100["h100-reserved"]) == ["reserved"] and capacity(h100["h100-on-demand"]) == ["on-demand"]
    l40s = pools_of("l40s")
    assert [capacity(o) for o in l40s.values()] == [["reserved"], ["spot"]]
    # Karpenter tries NodePools from the highest weight (1..100, facts.md) down. By hand: reservations are paid
    # whether used or not, so 100 (the maximum); spot, the cheapest unpaid capacity, 50; on-demand, the fallback, 10.
    # One ladder for every pool, so a reservation also outranks the spot NodePool of a spot-first pool (l4).
    assert weights("h100", "l40s", "l4") == {"h100-reserved": 100, "h100-on-demand": 10,
                                             "l40s-reserved": 100, "l40s-spot": 50, "l4-spot": 50, "l4-on-demand": 10}
    # A lone NodePool competes with no sibling: no weight (Karpenter's default).
    a100 = pools_of("a100")
    assert list(a100) == ["a100-reserved"] and "weight" not in a100["a100-reserved"]["spec"]


def test_reserved_nodepool_ceiling_is_the_stated_reservations_and_the_fallback_keeps_limits_gpus():
    """By hand: h100 reserves 2 + 1 p5.48xlarge (8 GPUs each) = 24 GPUs; 192 vCPU and 2048 GiB per 8 GPUs give
    576 vCPU and 6144 GiB. The on-demand fallback keeps limits.gpus (16)."""
    h100 = pools_of("h100")
    assert h100["h100-reserved"]["spec"]["limits"] == {"cpu": "576", "memory": "6144Gi", "nvidia.com/gpu": "24"}
    assert h100["h100-on-demand"]["spec"]["limits"]["nvidia.com/gpu"] == "16"
    # l40s: 4 × g6e.xlarge, one GPU each
    assert pools_of("l40s")["l40s-reserved"]["spec"]["limits"]["nvidia.com/gpu"] == "4"


def test_fallback_nodes_expire_so_their_pods_return_to_the_reservation():
    """Defaults, by hand: fallback_expire_after 24h, expire_after 720h."""
    lifetimes = {name: o["spec"]["template"]["spec"]["expireAfter"]
                 for pool in ("h100", "l40s", "a100") for name, o in pools_of(pool).items()}
    assert lifetimes == {"h100-reserved": "720h", "h100-on-demand": "24h", "l40s-reserved": "720h",
                         "l40s-spot": "24h", "a100-reserved": "720h"}


def test_each_reservation_backed_pool_has_its_own_node_class_with_selector_terms():
    """Karpenter v1.14.1 ec2nodeclass.go: a term is `id` alone (CEL: "'id' is mutually exclusive") or `tags` with
    an optional `ownerID` (^[0-9]{12}$). Other pools keep the shared class, without terms."""
    classes = {c["metadata"]["name"]: c for c in (rk.ec2_node_class(RESERVED, p) for p in rk.node_class_plans(RESERVED))}
    assert classes["gpu-h100"]["spec"]["capacityReservationSelectorTerms"] == [
        {"id": "cr-0123456789abcdef0"},
        {"tags": {"purpose": "llm-serving"}, "ownerID": "123456789012"},
    ]
    assert classes["gpu-a100"]["spec"]["capacityReservationSelectorTerms"] == [{"id": "cr-0bbbbbbbbbbbbbbbb"}]
    assert "capacityReservationSelectorTerms" not in classes["gpu-al2023"]["spec"]
    for name, pool in (("h100", "h100-reserved"), ("h100", "h100-on-demand"), ("l4", "l4-spot")):
        ref = pools_of(name)[pool]["spec"]["template"]["spec"]["nodeClassRef"]["name"]
        assert ref == ("gpu-h100" if name == "h100" else "gpu-al2023")


@requires_upstream
def test_reserved_capacity_gate_is_a_chart_value_pinned_on_only_when_reservations_are_used():
    """karpenter chart 1.14.1 values.yaml: `settings.featureGates.reservedCapacity` (beta, default true); the
    chart's templates/deployment.yaml passes it as FEATURE_GATES ReservedCapacity=..."""
    assert chart_values("karpenter")["settings"]["featureGates"]["reservedCapacity"] is True
    values = rk.controller_values(RESERVED)
    assert_helm_values_known("karpenter", values, free_form=("nodeSelector",))
    assert values["settings"]["featureGates"]["reservedCapacity"] is True
    plain = spec_with({"name": "l4", "gpu_class": "l4"})
    assert "reservedCapacity" not in rk.controller_values(plain)["settings"]["featureGates"]


@requires_upstream
def test_iam_and_interruption_already_cover_reservations():
    """Reference CloudFormation v1.14: RunInstances/CreateFleet on capacity-reservation/* (AllowScopedEC2Instance
    AccessActions), ec2:DescribeCapacityReservations (AllowRegionalReadActions), and the EventBridge rule for
    "EC2 Capacity Reservation Instance Interruption Warning", which the controller parses
    (pkg/controllers/interruption/messages/capacityreservationinterruption/parser.go)."""
    text = (UPSTREAM / "karpenter-cloudformation.v1.14.yaml").read_text()
    assert "capacity-reservation/*" in text and "ec2:DescribeCapacityReservations" in text
    policies = rk.controller_policies(cluster="gpu-test", region="us-west-2", account_id="123456789012",
                                      node_role_arn="arn:aws:iam::123456789012:role/n", queue_arn="arn:aws:sqs:q")
    launch = next(s for s in policies["node-lifecycle"]["Statement"] if s["Sid"] == "AllowScopedEC2InstanceAccessActions")
    assert "arn:aws:ec2:us-west-2:*:capacity-reservation/*" in launch["Resource"]
    assert set(launch["Action"]) == {"ec2:RunInstances", "ec2:CreateFleet"}
    reads = next(s for s in policies["resource-discovery"]["Statement"] if s["Sid"] == "AllowRegionalReadActions")
    assert "ec2:DescribeCapacityReservations" in reads["Action"]


class _CloudFormation(yaml.SafeLoader):
    """Reads CloudFormation's short-form intrinsics (`!GetAtt`, `!Sub` …) as plain values."""


_CloudFormation.add_multi_constructor("!", lambda loader, tag, node: None)

PARSERS = ("scheduledchange", "spotinterruption", "rebalancerecommendation", "statechange",
           "capacityreservationinterruption")


def _go_returns(text: str, method: str) -> str:
    return re.search(rf"func \(p Parser\) {method}\(\) string {{\s*return \"([^\"]+)\"", text).group(1)


@requires_upstream
def test_eventbridge_rules_forward_every_event_karpenter_parses():
    """The rules the reference CloudFormation v1.14 creates, and the (source, detail-type) each of Karpenter's
    interruption parsers accepts (v1.14.1 pkg/controllers/interruption/messages/*/parser.go): the same five."""
    cfn = yaml.load((UPSTREAM / "karpenter-cloudformation.v1.14.yaml").read_text(), Loader=_CloudFormation)
    rules = {(r["Properties"]["EventPattern"]["source"][0], r["Properties"]["EventPattern"]["detail-type"][0])
             for r in cfn["Resources"].values() if r["Type"] == "AWS::Events::Rule"}
    parsed = set()
    for name in PARSERS:
        go = go_module_file("github.com/aws/karpenter-provider-aws", "v1.14.1",
                            f"pkg/controllers/interruption/messages/{name}/parser.go").read_text()
        parsed.add((_go_returns(go, "Source"), _go_returns(go, "DetailType")))
    assert rules == parsed and len(rules) == 5
    patterns = [json.loads(p) for p in rk.interruption_event_patterns().values()]
    assert all(set(p) == {"source", "detail-type"} for p in patterns)
    rendered = [(p["source"][0], p["detail-type"][0]) for p in patterns if len(p["source"]) == len(p["detail-type"]) == 1]
    assert sorted(rendered) == sorted(rules)
