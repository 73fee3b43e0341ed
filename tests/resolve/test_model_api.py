"""The resolved platform's per-model API: looking a model up by name, resolving one model added from another stack
(its errors name the field and the file), and the `models` output's placement and rounded cost. Found by mutation
testing (tools/mutate): these fields were produced but never checked. Expected values are worked by hand; the
g6e.xlarge prices are the catalog's dated list prices used in tests/resolve/test_cost.py (on-demand 1.861 USD/h,
spot a tenth of a cent from 1.861 × 0.45 = 0.837).
"""

from __future__ import annotations

import pytest

from gpu_platform.resolve import resolve, resolve_model
from gpu_platform.resolve.cost import model_line, model_summary
from gpu_platform.spec import SpecError
from gpu_platform.spec.model import ModelSpec

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-api"}}
L40S = {"name": "l40s", "gpu_class": "l40s", "capacity": "spot_with_on_demand_fallback"}


def _model(name: str, **extra) -> dict:
    return {"name": name, "model": "Qwen/Qwen2.5-7B-Instruct", "gpu_class": "l40s",
            "autoscaling": {"min_replicas": 1, "max_replicas": 4}, **extra}


def test_a_model_is_found_by_name_and_a_missing_one_names_the_known_ones():
    resolved = resolve({**BASE, "gpu": {"node_pools": [L40S]}, "models": [_model("a"), _model("b")]})
    assert resolved.model("b").spec.name == "b"
    assert resolved.model("a").spec.name == "a"
    with pytest.raises(KeyError, match=r"no model 'c'; models: a, b"):
        resolved.model("c")
    empty = resolve({**BASE, "gpu": {"node_pools": [L40S]}})
    with pytest.raises(KeyError, match=r"no model 'a'; models: none"):
        empty.model("a")


def test_resolving_one_model_names_its_field_under_the_given_prefix_and_the_source_file():
    platform = resolve({**BASE, "gpu": {"node_pools": [{"name": "l4", "gpu_class": "l4"}]}}).spec
    spec = ModelSpec.model_validate(_model("m"))  # asks for l40s; the platform offers only l4
    with pytest.raises(SpecError) as raised:
        resolve_model(spec, platform, prefix="models[2].", source="other-stack.yaml")
    [(field, message)] = raised.value.problems
    assert field == "models[2].gpu_class" and "no GPU node pool offers l40s" in message
    assert "other-stack.yaml" in str(raised.value)
    with pytest.raises(SpecError) as bare:
        resolve_model(spec, platform)
    assert [f for f, _ in bare.value.problems] == ["gpu_class"]
    assert bare.value.source is None


def test_the_models_output_states_the_placement_reason_and_costs_rounded_to_a_tenth_of_a_cent():
    resolved = resolve({**BASE, "gpu": {"node_pools": [L40S]}, "models": [_model("qwen")]})
    summary = model_summary(resolved.models[0], resolved.spec)
    assert summary["placement"] == "the one whole-GPU l40s pool; gpu_class l40s is set; g6e.xlarge is its cheapest fit"
    # spot at the minimum (1 replica × 0.837), on-demand at the maximum (4 × 1.861 = 7.444)
    assert summary["cost_per_hour"]["min_replicas"] == 0.837
    assert summary["cost_per_hour"]["max_replicas"] == 7.444


def _line_and_summary(capacity: str, pool: dict | None = None, **model):
    resolved = resolve({**BASE, "gpu": {"node_pools": [{**L40S, "capacity": capacity, **(pool or {})}]},
                        "models": [_model("m", **model)]})
    [m] = resolved.models
    return m, model_line(m, resolved.spec), model_summary(m, resolved.spec)


def test_one_gpu_of_a_four_gpu_node_pays_a_quarter_of_its_price_spot_and_on_demand_and_rounds_to_a_tenth_of_a_cent():
    """g6e.12xlarge: 4 L40S, on-demand 10.493 USD/h, spot 4.722 USD/h. One GPU: 10.493 / 4 = 2.62325 → 2.623;
    three replicas 7.86975 → 7.87; spot 4.722 / 4 = 1.1805."""
    one_gpu = {"instance_type": "g6e.12xlarge", "gpu_count": 1}
    m, _, summary = _line_and_summary("on_demand", **one_gpu, autoscaling={"min_replicas": 1, "max_replicas": 3})
    assert m.sizing.instance_type == "g6e.12xlarge" and m.sizing.gpus_per_replica == 1
    assert summary["cost_per_hour"]["min_replicas"] == 2.623
    assert summary["cost_per_hour"]["max_replicas"] == 7.87
    _, line, summary = _line_and_summary("spot_with_on_demand_fallback", **one_gpu,
                                         autoscaling={"min_replicas": 1, "max_replicas": 1})
    assert summary["cost_per_hour"]["basis"].startswith("1 of 4 GPUs of g6e.12xlarge per replica, spot at the minimum")
    assert (line.usd_hr_min, line.usd_hr_max) == pytest.approx((4.722 / 4, 10.493 / 4))


def test_a_pipeline_parallel_replica_pays_for_every_stage():
    """TP 1 × PP 2 on g6e.xlarge (1 GPU, 1.861 USD/h): a replica is two nodes, 2 × 1.861 = 3.722 USD/h."""
    # a replica's nodes are created together, so Karpenter must not expire them together (resolve refuses 720h)
    m, _, summary = _line_and_summary("on_demand", {"disruption": {"expire_after": "Never"}},
                                      instance_type="g6e.xlarge", tensor_parallel_size=1,
                                   pipeline_parallel_size=2, autoscaling={"min_replicas": 1, "max_replicas": 1})
    assert (m.sizing.tensor_parallel_size, m.sizing.pipeline_parallel_size) == (1, 2)
    assert summary["cost_per_hour"]["min_replicas"] == summary["cost_per_hour"]["max_replicas"] == 3.722


def _line(pool: dict, **model):
    resolved = resolve({**BASE, "gpu": {"node_pools": [{"name": "l40s", "gpu_class": "l40s", **pool}]},
                        "models": [_model("m", **model)]})
    return model_line(resolved.models[0], resolved.spec)


ODCR = {"id": "cr-0123456789abcdef0", "instance_type": "g6e.xlarge"}


@pytest.mark.parametrize("pool, model, low, high, basis", [
    ({"capacity": "on_demand"}, {}, 1.861, 4 * 1.861,
     "1 × g6e.xlarge per replica, on-demand (pool l40s); g6e.xlarge priced 2025-08"),
    ({"capacity": "spot"}, {}, 0.837, 4 * 0.837,
     "1 × g6e.xlarge per replica, spot (pool l40s); g6e.xlarge priced 2025-08"),
    # two reserved replicas are already paid: 1 replica costs nothing more, 4 cost 2 more
    ({"capacity": "reserved_then_on_demand", "reservations": [{**ODCR, "instance_count": 2}]}, {}, 0.0, 2 * 1.861,
     "1 × g6e.xlarge per replica, 2 replica(s) on reserved capacity (already paid), the rest on-demand (pool l40s); "
     "g6e.xlarge priced 2025-08"),
    ({"capacity": "reserved_then_spot", "reservations": [{**ODCR, "instance_count": 2}]}, {}, 0.0, 2 * 0.837,
     "1 × g6e.xlarge per replica, 2 replica(s) on reserved capacity (already paid), the rest spot (pool l40s); "
     "g6e.xlarge priced 2025-08"),
    # four reserved instances hold all three replicas: nothing more to pay, and no "rest"
    ({"capacity": "reserved_only", "reservations": [{**ODCR, "instance_count": 4}]},
     {"autoscaling": {"min_replicas": 1, "max_replicas": 3}}, 0.0, 0.0,
     "1 × g6e.xlarge per replica, all 3 replica(s) on reserved capacity (already paid) (pool l40s); "
     "g6e.xlarge priced 2025-08"),
], ids=["on-demand", "spot", "reserved-then-on-demand", "reserved-then-spot", "reserved-only"])
def test_a_model_line_prices_each_capacity_type_its_pool_uses(pool, model, low, high, basis):
    """Qwen2.5-7B on one L40S (g6e.xlarge: on-demand 1.861, spot 0.837 USD/h), 1–4 replicas unless stated."""
    line = _line(pool, **model)
    assert (line.key, line.basis) == ("model/m", basis)
    autoscaling = model.get("autoscaling", {"min_replicas": 1, "max_replicas": 4})
    assert line.item == f"model m ({autoscaling['min_replicas']}–{autoscaling['max_replicas']} replicas)"
    assert (line.usd_hr_min, line.usd_hr_max) == pytest.approx((low, high))


def test_headroom_counts_as_replicas_and_a_shared_node_is_priced_per_gpu():
    """One warm headroom replica: 2–5 replicas of 1 GPU on g6e.12xlarge (4 L40S; spot 4.722, on-demand 10.493 USD/h):
    spot at the minimum 2 × 4.722 / 4 = 2.361, on-demand at the maximum 5 × 10.493 / 4 = 13.11625."""
    line = _line({"capacity": "spot_with_on_demand_fallback", "limits": {"gpus": 8}},
                 instance_type="g6e.12xlarge", gpu_count=1, headroom_replicas=1)
    assert line.item == "model m (2–5 replicas, 1 of them headroom/canary)"
    assert line.basis == (
        "1 of 4 GPUs of g6e.12xlarge per replica, spot at the minimum, on-demand at the maximum (pool l40s); "
        "a replica alone on its node pays all 4; g6e.12xlarge priced 2025-08")
    assert (line.usd_hr_min, line.usd_hr_max) == pytest.approx((2.361, 13.11625))
