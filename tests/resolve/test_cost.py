"""Honest cost: the platform floor, models at the prices of the capacity types their pool can use, the per-GPU
share of multi-GPU nodes, and lines that add up to the totals. Expected numbers are worked by hand from the
cited list prices (catalog/prices.py, catalog/gpus.py), not read from the tables under test."""

from __future__ import annotations

import pytest

from gpu_platform.config import load_stack
from gpu_platform.resolve import resolve
from gpu_platform.resolve.cost import model_summary, platform_cost

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-cost", "kubernetes_version": "1.34"},
        "system_nodes": {"instance_types": ["m7i.large"], "min_size": 2, "desired_size": 2, "max_size": 3},
        "network": {"az_count": 3, "nat": "one_per_az"},
        "operators": {"monitoring": {"prometheus": {"storage_gib": 73, "replicas": 1}}}}


def _pool(capacity, gpu_class="l40s", name="l40s"):
    return {"name": name, "gpu_class": gpu_class, "capacity": capacity}


def _platform(capacity, model):
    return resolve({**BASE, "gpu": {"node_pools": [_pool(capacity)]}, "models": [model]})


QWEN = {"name": "qwen", "model": "Qwen/Qwen2.5-7B-Instruct", "gpu_class": "l40s",
        "autoscaling": {"min_replicas": 1, "max_replicas": 4}}


def test_the_floor_by_hand():
    cost = platform_cost(_platform("on_demand", QWEN).spec, ())
    lines = {line.key: (line.usd_hr_min, line.usd_hr_max) for line in cost.floor}
    assert lines["eks"] == (0.10, 0.10)  # 1.34 is in standard support in 2026-11
    assert lines["nat"] == pytest.approx((3 * 0.045, 3 * 0.045))  # one per zone, 3 zones
    assert lines["system-nodes"] == pytest.approx((2 * 0.1008, 3 * 0.1008))  # min 2 .. max 3 × m7i.large
    assert lines["prometheus-volumes"] == pytest.approx((73 * 0.08 / 730,) * 2)  # 73 GiB gp3 at $0.08/GB-month


def test_a_version_in_extended_support_costs_six_times_as_much():
    spec = resolve({**BASE, "cluster": {"name": "gpu-cost", "kubernetes_version": "1.32"}}).spec
    [eks] = [line for line in platform_cost(spec, ()).floor if line.key == "eks"]
    assert eks.usd_hr_min == 0.60 and "extended" in eks.basis


@pytest.mark.parametrize(("capacity", "low_per_replica", "high_per_replica"), [
    ("on_demand", 1.861, 1.861),  # g6e.xlarge on-demand
    ("spot", 1.861 * 0.45, 1.861 * 0.45),  # spot: the family's 55 % discount
    ("spot_with_on_demand_fallback", 1.861 * 0.45, 1.861),  # spot at the minimum, on-demand at the peak
])
def test_models_are_priced_only_at_the_capacity_types_their_pool_can_use(capacity, low_per_replica, high_per_replica):
    resolved = _platform(capacity, QWEN)
    [model] = resolved.models
    assert model.sizing.instance_type == "g6e.xlarge"
    line = platform_cost(resolved.spec, resolved.models).models["qwen"]
    # the catalog keeps spot prices to a tenth of a cent
    assert line.usd_hr_min == pytest.approx(1 * low_per_replica, abs=0.005)
    assert line.usd_hr_max == pytest.approx(4 * high_per_replica, abs=0.005)


def test_a_replica_pays_its_share_of_a_multi_gpu_node():
    """1 of the 8 H100s of a p5.48xlarge ($55.04/h) is $6.88/h, not the whole node."""
    model = {"name": "small", "model": "Qwen/Qwen2.5-7B-Instruct", "instance_type": "p5.48xlarge",
             "gpu_count": 1, "autoscaling": {"min_replicas": 1, "max_replicas": 2}}
    resolved = resolve({**BASE, "gpu": {"node_pools": [_pool("on_demand", "h100", "h100")]}, "models": [model]})
    line = platform_cost(resolved.spec, resolved.models).models["small"]
    assert (line.usd_hr_min, line.usd_hr_max) == pytest.approx((55.040 / 8, 2 * 55.040 / 8))
    assert "alone on its node pays all 8" in line.basis


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_lines_add_up(stack):
    _, resolved = load_stack(stack)
    report = platform_cost(resolved.spec, resolved.models).report()
    low = sum(line["usd_per_hour_min"] for line in report["lines"])
    high = sum(line["usd_per_hour_max"] for line in report["lines"])
    assert report["total_usd_per_hour"] == pytest.approx([low, high], abs=0.01)
    assert {line["key"] for line in report["lines"]} >= {"eks", "nat", "system-nodes"}
    assert len({line["key"] for line in report["lines"]}) == len(report["lines"])  # a diff pairs lines by key
    models = [line for line in report["lines"] if line["key"].startswith("model/")]
    assert len(models) == len(resolved.models)


def test_the_models_output_carries_the_sizing_report_as_data():
    resolved = _platform("on_demand", QWEN)
    summary = model_summary(resolved.models[0], resolved.spec)
    assert set(summary) == {"weights_gib", "kv_cache_gib", "instance_type", "pool", "gpus_per_replica",
                            "tensor_parallel", "pipeline_parallel", "backend", "placement", "cold_start_seconds",
                            "cost_per_hour"}
    assert summary["cold_start_seconds"]["new_node"] > summary["cold_start_seconds"]["warm_node"] > 0
    assert summary["cost_per_hour"]["max_replicas"] == pytest.approx(4 * 1.861, abs=1e-3)


def test_reserved_capacity_is_paid_whether_used_or_not_and_holds_the_first_replicas():
    """An ODCR of 2 × g6e.xlarge costs 2 × $1.861/h in the floor; it holds the first two one-GPU replicas, so the
    model pays on-demand only for replicas 3 and 4."""
    pool = {**_pool("reserved_then_on_demand"), "reservations": [
        {"id": "cr-0123456789abcdef0", "instance_type": "g6e.xlarge", "instance_count": 2}]}
    resolved = resolve({**BASE, "gpu": {"node_pools": [pool]}, "models": [QWEN]})
    cost = platform_cost(resolved.spec, resolved.models)
    [reservation] = [line for line in cost.floor if line.key.startswith("reservation/")]
    assert (reservation.usd_hr_min, reservation.usd_hr_max) == pytest.approx((2 * 1.861, 2 * 1.861))
    model = cost.models["qwen"]
    assert (model.usd_hr_min, model.usd_hr_max) == pytest.approx((0.0, 2 * 1.861))
    assert "2 replica(s) on reserved capacity" in model.basis
    assert cost.report()["total_usd_per_hour"][1] == pytest.approx(sum(l.usd_hr_max for l in cost.lines), abs=0.01)


def test_a_capacity_block_is_paid_up_front_not_by_the_hour():
    pool = {**_pool("reserved_only"), "reservations": [
        {"id": "cr-0123456789abcdef1", "kind": "capacity_block", "instance_type": "g6e.xlarge",
         "instance_count": 5, "upfront_usd": 1234.0}]}  # 4 replicas + a rollout's surge must fit (resolve)
    resolved = resolve({**BASE, "gpu": {"node_pools": [pool]}, "models": [QWEN]})
    cost = platform_cost(resolved.spec, resolved.models)
    [block] = [line for line in cost.floor if line.key.startswith("reservation/")]
    assert block.usd_hr_max == 0.0 and "$1,234 paid up front" in block.basis
    assert cost.models["qwen"].usd_hr_max == 0.0  # every replica fits the block


def test_the_cost_output_adds_the_lines_per_hour_and_per_month():
    """Two floor lines and one model line, written by hand: floor 0.10 + 0.045 = 0.145 to 0.10 + 0.09 = 0.19 USD/h;
    with the model, 0.145 + 1.861 = 2.006 to 0.19 + 7.444 = 7.634 USD/h; × 730 h = 1464.38 → 1464 and
    5572.82 → 5573 USD a month."""
    from gpu_platform.resolve.cost import CostLine, PlatformCost

    floor = (CostLine("eks", "EKS control plane", 0.10, 0.10, "standard support"),
             CostLine("nat", "NAT gateway", 0.045, 0.09, "1 to 2"))
    cost = PlatformCost(floor, {"m": CostLine("model/m", "model m (1–4 replicas)", 1.861, 7.444, "g6e.xlarge")})
    assert PlatformCost(floor, {"m": CostLine("model/m", "m", 1.8614, 7.4446, "b")}).report()["total_usd_per_hour"] == [
        2.006, 7.635]  # 2.0064 and 7.6346 to the tenth of a cent
    report = cost.report()
    assert [line["key"] for line in report["lines"]] == ["eks", "nat", "model/m"]
    assert report["lines"][1] == {"key": "nat", "item": "NAT gateway", "usd_per_hour_min": 0.045,
                                  "usd_per_hour_max": 0.09, "basis": "1 to 2"}
    assert report["floor_usd_per_hour"] == [0.145, 0.19]
    assert report["total_usd_per_hour"] == [2.006, 7.634]
    assert report["total_usd_per_month"] == [1464, 5573]
    assert report["prices_as_of"] == {"gpu_instances": "2025-08", "platform": "2026-11"}


def test_a_model_deployments_cost_output_by_hand():
    """model_cost_report: the ModelDeployment's `cost` output, every key. Spot g6e.xlarge is $1.861 × (1 − 0.55) =
    $0.837/h (the catalog keeps a tenth of a cent) for the one minimum replica; the 4 at peak are on-demand."""
    from gpu_platform.resolve.cost import model_cost_report

    resolved = _platform("spot_with_on_demand_fallback", QWEN)
    assert model_cost_report(resolved.models[0], resolved.spec) == {
        "usd_per_hour_min": 0.837, "usd_per_hour_max": 7.444,  # 4 × 1.861
        "usd_per_month_min": 611.01, "usd_per_month_max": 5434.12,  # × 730 hours
        "basis": "1 × g6e.xlarge per replica, spot at the minimum, on-demand at the maximum (pool l40s); "
                 "g6e.xlarge priced 2025-08"}


def test_a_cost_output_rounds_the_hour_to_a_tenth_of_a_cent_and_the_month_from_the_unrounded_hour():
    """1 of the 4 L40S of a g6e.12xlarge ($10.493/h) is $2.62325/h: $2.623 shown; the month is 730 × 2.62325 =
    $1914.9725, shown to the cent (not 730 × 2.623 = $1914.79)."""
    from gpu_platform.resolve.cost import model_cost_report

    model = {"name": "one", "model": "Qwen/Qwen2.5-7B-Instruct", "instance_type": "g6e.12xlarge", "gpu_count": 1,
             "autoscaling": {"min_replicas": 1, "max_replicas": 3}}
    resolved = resolve({**BASE, "gpu": {"node_pools": [_pool("on_demand")]}, "models": [model]})
    assert model_cost_report(resolved.models[0], resolved.spec) == {
        "usd_per_hour_min": 2.623, "usd_per_hour_max": 7.87,  # 3 × 2.62325 = 7.86975
        "usd_per_month_min": 1914.97, "usd_per_month_max": 5744.92,  # 730 × 7.86975 = 5744.9175
        "basis": "1 of 4 GPUs of g6e.12xlarge per replica, on-demand (pool l40s); a replica alone on its node pays "
                 "all 4; g6e.12xlarge priced 2025-08"}
