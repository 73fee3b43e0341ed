"""Sizing.report(): the JSON the `models` stack output and the plan summary carry. Built from a Sizing written out
by hand (not sized), so every key and value below is worked from the inputs: a consumer reads `backend` as a string,
`cold_start.total_s` / `warm_s` and the monthly cost figures, which are not dataclass fields."""

from __future__ import annotations

import json

from gpu_platform.sizing import Cost, Sizing
from gpu_platform.sizing.startup import ColdStart
from gpu_platform.spec.model import Backend


def _sizing() -> Sizing:
    return Sizing(
        name="big", architecture="llama-3.1-70b", backend=Backend.RAYSERVICE, gpu_class="l40s",
        instance_type="g6e.12xlarge", gpus_per_node=4, tensor_parallel_size=4, pipeline_parallel_size=2,
        dtype="bfloat16", context_length=8192, concurrency=32, gpu_memory_utilization=0.9, weights_gib=131.5,
        kv_cache_gib=80.0, kv_bytes_per_token=327680.0, overhead_gib_per_gpu=2.5, need_gib_per_gpu=29.44,
        usable_gib_per_gpu=40.05, kv_token_capacity=250000, cpu=44, memory_gib=360, shm_gib=16,
        streamer_memory_gib=8,
        cold_start=ColdStart(node_s=150, image_s=90, weights_s=40, warmup_s=120, source="s3-stream", source_gibps=1.5),
        startup_budget_s=600,
        cost=Cost(on_demand_hourly_min=2.5, on_demand_hourly_max=10.0, spot_hourly_min=1.125, spot_hourly_max=4.5,
                  prices_as_of="2025-08"),
        min_replicas=1, max_replicas=4, pool="l40s-ray", second_cluster_fits=False,
    )


def test_the_report_is_every_field_plus_the_derived_figures_by_hand():
    assert _sizing().report() == {
        "name": "big", "architecture": "llama-3.1-70b",
        "backend": "rayservice",  # the enum's value, not the enum
        "gpu_class": "l40s", "instance_type": "g6e.12xlarge", "gpus_per_node": 4,
        "tensor_parallel_size": 4, "pipeline_parallel_size": 2,
        "gpus_per_replica": 8,  # TP 4 × PP 2
        "dtype": "bfloat16", "context_length": 8192, "concurrency": 32, "gpu_memory_utilization": 0.9,
        "weights_gib": 131.5, "kv_cache_gib": 80.0, "kv_bytes_per_token": 327680.0, "overhead_gib_per_gpu": 2.5,
        "need_gib_per_gpu": 29.44, "usable_gib_per_gpu": 40.05, "kv_token_capacity": 250000, "cpu": 44,
        "memory_gib": 360, "shm_gib": 16, "streamer_memory_gib": 8,
        "cold_start": {"node_s": 150, "image_s": 90, "weights_s": 40, "warmup_s": 120, "source": "s3-stream",
                       "source_gibps": 1.5,
                       "total_s": 400,  # 150 + 90 + 40 + 120
                       "warm_s": 160},  # weights 40 + warm-up 120
        "startup_budget_s": 600,
        "cost": {"on_demand_hourly_min": 2.5, "on_demand_hourly_max": 10.0, "spot_hourly_min": 1.125,
                 "spot_hourly_max": 4.5, "prices_as_of": "2025-08",
                 # × 730 hours a month
                 "on_demand_monthly_min": 1825.0, "on_demand_monthly_max": 7300.0,
                 "spot_monthly_min": 821.25, "spot_monthly_max": 3285.0},
        "min_replicas": 1, "max_replicas": 4, "pool": "l40s-ray", "second_cluster_fits": False,
    }


def test_the_report_is_plain_json():
    """A stack output must serialise: no enums or dataclasses left inside (json.dumps refuses a Cost object)."""
    report = _sizing().report()
    assert json.loads(json.dumps(report)) == report
    assert type(report["backend"]) is str and type(report["cost"]) is dict and type(report["cold_start"]) is dict
