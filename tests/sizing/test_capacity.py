"""A pool's capacity order, its reservations' cost whether used or not, and where a model lands and why.

Expected values are worked by hand: the capacity order Karpenter v1.14.1 applies (reserved, spot, on-demand:
karpenter-provider-aws pkg/providers/instance/instance.go getCapacityType), AWS's billing of ODCRs at the on-demand
rate whether used or not (docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-pricing-billing.html),
and the p5.48xlarge on-demand list price of the catalog's dated source (55.040 USD/h, 2025-08).
"""

from __future__ import annotations

import pytest

from gpu_platform.sizing import (
    capacity_steps,
    class_gpu_capacity,
    placement,
    pool_gpu_ceiling,
    reserved_commitments,
    size_for_platform,
)
from gpu_platform.spec import PlatformSpec
from gpu_platform.spec.model import ModelSpec

ODCR = {"id": "cr-0123456789abcdef0", "instance_type": "p5.48xlarge", "instance_count": 2}
BLOCK = {"tags": {"purpose": "serving"}, "kind": "capacity_block", "instance_type": "p5.48xlarge",
         "instance_count": 1, "upfront_usd": 7000.0}


def platform(*pools: dict) -> PlatformSpec:
    return PlatformSpec.model_validate({"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-t"},
                                        "gpu": {"node_pools": list(pools)}})


def h100(capacity: str, *reservations: dict, **limits) -> dict:
    return {"name": "h100", "gpu_class": "h100", "capacity": capacity, "reservations": list(reservations),
            "limits": limits or {"gpus": 16}}


@pytest.mark.parametrize(
    "pool, expected",
    [
        (h100("reserved_then_on_demand", ODCR), [("reserved", "h100-reserved", 16, False),
                                                 ("on-demand", "h100-on-demand", 16, True)]),
        (h100("reserved_then_spot", ODCR, BLOCK), [("reserved", "h100-reserved", 24, False),
                                                   ("spot", "h100-spot", 16, True)]),
        (h100("reserved_only", ODCR), [("reserved", "h100-reserved", 16, False)]),
        (h100("spot_with_on_demand_fallback", gpus=16, on_demand_gpus=8),
         [("spot", "h100-spot", 16, False), ("on-demand", "h100-on-demand", 8, True)]),
        (h100("on_demand"), [("on-demand", "h100-on-demand", 16, False)]),
    ],
)
def test_capacity_steps_in_the_order_karpenter_tries_them(pool, expected):
    p = platform(pool).gpu.node_pools[0]
    assert [(s.capacity_type, s.node_pool, s.gpus, s.fallback) for s in capacity_steps(p)] == expected
    assert pool_gpu_ceiling(p) == sum(e[2] for e in expected)


def test_reserved_capacity_counts_toward_the_class_ceiling():
    """16 reserved (2 × 8) + 16 on-demand fallback."""
    assert class_gpu_capacity(platform(h100("reserved_then_on_demand", ODCR)), "h100") == 32


def test_an_odcr_costs_the_on_demand_rate_used_or_not_and_a_capacity_block_its_upfront_fee():
    [odcr, block] = reserved_commitments(platform(h100("reserved_then_on_demand", ODCR, BLOCK)).gpu.node_pools[0])
    assert (odcr.selector, odcr.kind, odcr.gpus, odcr.hourly_usd, odcr.upfront_usd) == (
        "cr-0123456789abcdef0", "odcr", 16, 110.08, None)  # 2 × 55.040
    assert "catalog on-demand" in odcr.price_source
    assert (block.selector, block.kind, block.gpus, block.hourly_usd, block.upfront_usd) == (
        "tags purpose=serving", "capacity_block", 8, None, 7000.0)
    discounted = {**ODCR, "hourly_usd": 30.0}  # e.g. under a Savings Plan
    [c] = reserved_commitments(platform(h100("reserved_only", discounted)).gpu.node_pools[0])
    assert (c.hourly_usd, c.price_source) == (60.0, "stated hourly rate")


def test_placement_says_which_pool_why_and_how_many_replicas_the_reservations_hold():
    l40s = {"name": "l40s", "gpu_class": "l40s", "capacity": "reserved_then_on_demand", "limits": {"gpus": 8},
            "reservations": [{"id": "cr-0aaaaaaaaaaaaaaaa", "instance_type": "g6e.xlarge", "instance_count": 3}]}
    plat = platform(l40s)
    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", gpu_class="l40s")
    sized = size_for_platform(spec, plat)
    assert (sized.instance_type, sized.tensor_parallel_size, sized.pipeline_parallel_size) == ("g6e.xlarge", 1, 1)
    where = placement(spec, sized, plat)
    assert where.pool == "l40s"
    assert where.reason == "the one whole-GPU l40s pool; gpu_class l40s is set; g6e.xlarge is its cheapest fit"
    assert [s.capacity_type for s in where.capacity] == ["reserved", "on-demand"]
    assert where.reserved_replicas == 3  # one 1-GPU replica per reserved g6e.xlarge
    named = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", pool="l40s",
                      instance_type="g6e.2xlarge")
    where = placement(named, size_for_platform(named, plat), plat)
    assert where.reason.startswith("named by the model (pool); instance_type g6e.2xlarge is set")
    assert where.reserved_replicas == 0  # the reservations hold g6e.xlarge only


def test_placement_without_pools():
    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", gpu_class="l40s")
    plat = PlatformSpec.model_validate({"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-t"}})
    where = placement(spec, size_for_platform(spec, plat), plat)
    assert (where.pool, where.capacity, where.reserved_replicas) == (None, (), 0)


def _reserved_l40s(instance_type: str, count: int, gpus: int = 32) -> PlatformSpec:
    return platform({"name": "l40s", "gpu_class": "l40s", "capacity": "reserved_then_on_demand",
                     "limits": {"gpus": gpus}, "disruption": {"expire_after": "Never"},
                     "reservations": [{"id": "cr-0aaaaaaaaaaaaaaaa", "instance_type": instance_type,
                                       "instance_count": count}]})


@pytest.mark.parametrize("tp, held", [(1, 8), (2, 4), (4, 2)])
def test_reserved_multi_gpu_nodes_hold_as_many_replicas_as_their_gpus_divide(tp, held):
    """Two reserved g6e.12xlarge are 8 L40S: 8 one-GPU replicas, 4 of TP 2, 2 of TP 4."""
    plat = _reserved_l40s("g6e.12xlarge", 2)
    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", instance_type="g6e.12xlarge",
                     tensor_parallel_size=tp)
    assert placement(spec, size_for_platform(spec, plat), plat).reserved_replicas == held


def test_a_pipeline_parallel_replica_takes_one_reserved_node_per_stage():
    """Three reserved g6e.48xlarge hold one replica of TP 8 × PP 2 (two nodes each); the third node is left over."""
    plat = _reserved_l40s("g6e.48xlarge", 3, gpus=48)
    spec = ModelSpec(name="m", model="s3://weights/llama-3.1-405b", instance_type="g6e.48xlarge",
                     tensor_parallel_size=8, pipeline_parallel_size=2, quantization="fp8", max_model_len=8192,
                     concurrency=4)
    sized = size_for_platform(spec, plat)
    assert (sized.tensor_parallel_size, sized.pipeline_parallel_size) == (8, 2)
    assert placement(spec, sized, plat).reserved_replicas == 1


def test_placement_reasons_say_what_decided():
    plat = platform({"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 8}})
    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct")
    assert placement(spec, size_for_platform(spec, plat), plat).reason == (
        "the one whole-GPU l40s pool; g6e.xlarge (l40s) is the cheapest offered instance that fits")
    bare = PlatformSpec.model_validate({"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-t"}})
    assert placement(spec, size_for_platform(spec, bare), bare).reason == "the platform declares no GPU node pools"
