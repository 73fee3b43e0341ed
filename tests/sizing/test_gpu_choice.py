"""Sizing chooses among the GPU classes of 2026 (H100 ×1 and ×8, H200, B200, A100 80GB): worked examples by hand.

Memory per GPU (sizing/memory.py's model, computed here by hand), GiB = 2**30 bytes, gpu_memory_utilization 0.92:
    usable  = driver GiB × 0.92:  H100 79.6 → 73.232,  H200 140.4 → 129.168,  A100-80GB 80.0 → 73.6
    need    = weights / TP + KV / min(TP, kv_heads) + 1.5
Prices (us-east-1 on-demand, Karpenter v1.14.1's table of 2026-07-06): p5.4xlarge 6.88, p4de.24xlarge 27.447,
p5.48xlarge 55.04, p5en.48xlarge 63.296, p6-b200.48xlarge 113.933.
"""

from __future__ import annotations

from gpu_platform.resolve import resolve
from gpu_platform.sizing import offered_instances, size_model
from gpu_platform.spec.model import ModelSpec

BASE = {"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-test"}}

# Llama 3.1 70B (config.json: 80 layers, 64 attention heads, 8 KV heads, head_dim 128; 70.6 B parameters):
#   weights BF16 = 70.6e9 × 2 / 2**30                      = 131.50 GiB
#   KV per token = 2 × 80 × 8 × 128 × 2 bytes               = 327 680 bytes
#   KV at 32 768 tokens × 16 sequences = 327 680 × 524 288 / 2**30 = 160 GiB exactly
# need per GPU: TP1 131.50 + 160 + 1.5 = 293.0 | TP2 65.75 + 80 + 1.5 = 147.25 | TP4 32.87 + 40 + 1.5 = 74.37
#               TP8 16.44 + 20 + 1.5 = 37.94
# H200 (129.168): TP2 no, TP4 yes  →  one p5en.48xlarge at TP 4 (same price at TP 8: the smaller TP wins).
# H100 (73.232):  TP4 no (74.37),  TP8 yes → one p5.48xlarge at TP 8, and 55.04 < 63.296: cheaper than H200.
SEVENTY_B = {"name": "m", "model": "s3://weights/llama-3.1-70b", "max_model_len": 32768, "concurrency": 16}


def offered(*pools: dict):
    return offered_instances(resolve({**BASE, "gpu": {"node_pools": list(pools)}}).spec)


def pool(name: str, cls: str, **extra) -> dict:
    return {"name": name, "gpu_class": cls, "capacity": "on_demand", "limits": {"gpus": 16}, **extra}


def test_70b_bf16_fits_one_h200_node_at_tp4():
    s = size_model(ModelSpec(**SEVENTY_B), offered(pool("h200", "h200"), pool("b200", "b200")))
    assert (s.gpu_class, s.instance_type, s.tensor_parallel_size, s.pipeline_parallel_size) == (
        "h200", "p5en.48xlarge", 4, 1)
    assert abs(s.need_gib_per_gpu - (70.6e9 * 2 / 2**30 / 4 + 40 + 1.5)) < 0.01
    assert abs(s.usable_gib_per_gpu - 140.4 * 0.92) < 0.01


def test_70b_bf16_goes_to_the_cheaper_h100_node_when_a_pool_offers_it():
    s = size_model(ModelSpec(**SEVENTY_B), offered(pool("h100", "h100"), pool("h200", "h200"), pool("b200", "b200")))
    assert (s.gpu_class, s.instance_type, s.tensor_parallel_size) == ("h100", "p5.48xlarge", 8)
    assert s.cost.on_demand_hourly_min == 55.04


def test_long_kv_needs_h200_at_tp8():
    """64 sequences: KV = 640 GiB. H100 TP8: 16.44 + 80 + 1.5 = 97.94 > 73.232 (no single node; multi-node is only
    tried when no single node fits, and H200 TP8 fits: 97.94 ≤ 129.168), B200 TP8 fits too but costs 113.933."""
    spec = ModelSpec(**{**SEVENTY_B, "concurrency": 64})
    s = size_model(spec, offered(pool("h100", "h100"), pool("h200", "h200"), pool("b200", "b200")))
    assert (s.gpu_class, s.instance_type, s.tensor_parallel_size, s.pipeline_parallel_size) == (
        "h200", "p5en.48xlarge", 8, 1)


def test_b200_alone_holds_70b_at_tp2():
    """B200 179.0 × 0.92 = 164.68 ≥ TP2's 147.25: two GPUs suffice (TP1's 293 does not fit)."""
    s = size_model(ModelSpec(**SEVENTY_B), offered(pool("b200", "b200")))
    assert (s.instance_type, s.tensor_parallel_size) == ("p6-b200.48xlarge", 2)
    assert s.cost.prices_as_of == "2026-07-06"


def test_p5e_is_chosen_only_from_a_pool_that_names_it():
    named = offered(pool("h200-block", "h200", instance_types=["p5e.48xlarge"]))
    assert size_model(ModelSpec(**SEVENTY_B), named).instance_type == "p5e.48xlarge"
    assert offered(pool("h200", "h200")) == {"h200": ["p5en.48xlarge"]}


# Llama 3.1 8B (32 layers, 8 KV heads, head_dim 128; 8.03 B parameters), 8192 tokens × 8 sequences:
#   weights = 8.03e9 × 2 / 2**30 = 14.96 GiB; KV = 2 × 32 × 8 × 128 × 2 × 65 536 / 2**30 = 8 GiB
#   TP1 need = 14.96 + 8 + 1.5 = 24.46 ≤ 73.232 (H100) and ≤ 73.6 (A100 80GB)
# h100 pool: p5.4xlarge 6.88 vs p5.48xlarge 55.04; a100-80gb pool: p4de 27.447 → p5.4xlarge.
EIGHT_B = {"name": "m", "model": "s3://weights/llama-3.1-8b", "max_model_len": 8192, "concurrency": 8}


def test_a_small_model_takes_the_single_gpu_p5_when_cheapest():
    s = size_model(ModelSpec(**EIGHT_B), offered(pool("h100", "h100"), pool("a100-80gb", "a100-80gb")))
    assert (s.gpu_class, s.instance_type, s.tensor_parallel_size, s.gpus_per_node) == ("h100", "p5.4xlarge", 1, 1)
    assert s.cost.on_demand_hourly_min == 6.88


def test_a_pool_of_eight_gpu_nodes_keeps_the_small_model_off_p5_4xlarge():
    s = size_model(ModelSpec(**EIGHT_B), offered(pool("h100", "h100", min_gpus_per_node=8)))
    assert (s.instance_type, s.tensor_parallel_size) == ("p5.48xlarge", 1)


def test_a100_80gb_holds_what_a100_40gb_cannot_on_one_gpu():
    """A100 40GB: 40.0 × 0.92 = 36.8 ≥ 24.46 too, so use 32 sequences: KV 32 GiB, need 14.96 + 32 + 1.5 = 48.46:
    over A100 40GB's 36.8 at TP1 (p4d then needs TP2: 7.48 + 16 + 1.5 = 24.98, at 21.958), within A100 80GB's 73.6.
    p4d is cheaper, so sizing takes p4d at TP 2; pinned to a100-80gb it takes p4de at TP 1."""
    spec = {**EIGHT_B, "concurrency": 32}
    both = offered(pool("a100", "a100"), pool("a100-80gb", "a100-80gb"))
    s = size_model(ModelSpec(**spec), both)
    assert (s.instance_type, s.tensor_parallel_size) == ("p4d.24xlarge", 2)
    s = size_model(ModelSpec(**spec, gpu_class="a100-80gb"), both)
    assert (s.instance_type, s.tensor_parallel_size) == ("p4de.24xlarge", 1)
