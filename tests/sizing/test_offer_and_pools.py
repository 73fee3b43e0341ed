"""What a platform's node pools offer sizing, their GPU ceilings, the RayService upgrade check, and monthly cost.

Expected values are worked by hand from the pools written in each test (and the catalog's dated list prices, as in
tests/resolve/test_cost.py: g6e.12xlarge on-demand 10.493 USD/h for 4 L40S; a month is 730 hours)."""

from __future__ import annotations

from types import SimpleNamespace

from gpu_platform.sizing import offered_instances, size_for_platform
from gpu_platform.sizing.cost import Cost, monthly_usd
from gpu_platform.sizing.pools import class_gpu_capacity
from gpu_platform.spec import PlatformSpec
from gpu_platform.spec.model import Backend, ModelSpec


def platform(*pools) -> PlatformSpec:
    return PlatformSpec.model_validate({"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-t"},
                                        "gpu": {"node_pools": list(pools)}})


def l40s(name: str, gpus: int, types: list[str]) -> dict:
    return {"name": name, "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": gpus},
            "instance_types": types}


def test_two_pools_of_a_class_offer_each_instance_type_once_in_order():
    plat = platform(l40s("a", 8, ["g6e.xlarge", "g6e.2xlarge"]), l40s("b", 8, ["g6e.2xlarge", "g6e.12xlarge"]))
    assert offered_instances(plat) == {"l40s": ["g6e.xlarge", "g6e.2xlarge", "g6e.12xlarge"]}
    assert offered_instances(plat, "b") == {"l40s": ["g6e.2xlarge", "g6e.12xlarge"]}


def test_any_platform_shaped_object_works_pools_without_a_mig_field_included():
    """The docstring promise: any object shaped like a PlatformSpec (another stack's exported spec, a test double)."""
    pool = SimpleNamespace(name="p", gpu_class=SimpleNamespace(value="l40s"), instance_types=["g6e.xlarge"],
                           min_gpus_per_node=None, max_gpus_per_node=None)
    assert offered_instances(SimpleNamespace(gpu=SimpleNamespace(node_pools=[pool]))) == {"l40s": ["g6e.xlarge"]}


def test_a_class_ceiling_adds_every_pool_of_the_class():
    plat = platform(l40s("a", 8, ["g6e.xlarge"]), l40s("b", 16, ["g6e.12xlarge"]),
                    {"name": "l4", "gpu_class": "l4", "capacity": "on_demand", "limits": {"gpus": 4}})
    assert class_gpu_capacity(plat, "l40s") == 24
    assert class_gpu_capacity(plat, "l4") == 4


def test_a_rayservice_upgrade_needs_room_for_a_second_cluster():
    """KubeRay's NewCluster upgrade runs the new RayCluster beside the old one until it is ready: a Llama 3.1 70B
    replica of TP 4 × PP 2 on g6e.12xlarge is 8 GPUs, so one replica needs 16 GPUs of pool ceiling for an upgrade."""
    spec = ModelSpec(name="m", model="s3://weights/llama-3.1-70b", instance_type="g6e.12xlarge",
                     tensor_parallel_size=4, pipeline_parallel_size=2, autoscaling={"min_replicas": 1, "max_replicas": 1})
    roomy = size_for_platform(spec, platform({**l40s("l40s", 16, ["g6e.12xlarge"]),
                                              "disruption": {"expire_after": "Never"}}))
    assert (roomy.backend, roomy.gpus_per_replica, roomy.second_cluster_fits) == (Backend.RAYSERVICE, 8, True)
    tight = size_for_platform(spec, platform({**l40s("l40s", 12, ["g6e.12xlarge"]),
                                              "disruption": {"expire_after": "Never"}}))
    assert tight.second_cluster_fits is False


def test_monthly_figures_are_rounded_to_the_cent():
    """One GPU of a g6e.12xlarge: 10.493 / 4 = 2.62325 USD/h × 730 h = 1914.9725 → 1914.97."""
    assert monthly_usd(10.493 / 4) == 1914.97
    cost = Cost(2.62325, 5.2465, 1.1805, 2.361, "2025-08")
    assert (cost.on_demand_monthly_min, cost.on_demand_monthly_max) == (1914.97, 3829.95)
    assert (cost.spot_monthly_min, cost.spot_monthly_max) == (861.77, 1723.53)
    assert Cost.spot_monthly_max.hourly_field == "spot_hourly_max"  # on the class: the descriptor, naming its field


def test_a_mig_pool_adds_nothing_to_its_classs_whole_gpu_ceiling():
    whole = {"name": "a100", "gpu_class": "a100", "capacity": "on_demand", "limits": {"gpus": 16}}
    mig = {"name": "a100-mig", "gpu_class": "a100", "capacity": "on_demand", "limits": {"gpus": 8},
           "mig": {"strategy": "single", "profiles": {"3g.20gb": 2}}}
    assert class_gpu_capacity(platform(whole, mig), "a100") == 16


def test_a_class_ceiling_reads_duck_typed_pools_without_a_mig_field(monkeypatch):
    """Like offered_instances: a pool object without `mig` (another stack's export, a test double) is whole-GPU.
    The ceiling itself is tested with real pools; here only that such a pool is read."""
    monkeypatch.setattr("gpu_platform.sizing.pools.pool_gpu_ceiling", lambda pool: 8)
    pool = SimpleNamespace(name="p", gpu_class=SimpleNamespace(value="l40s"))
    assert class_gpu_capacity(SimpleNamespace(gpu=SimpleNamespace(node_pools=[pool])), "l40s") == 8
