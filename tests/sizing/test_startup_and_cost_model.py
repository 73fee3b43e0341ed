"""The cold-start timeline, the serving dtype and the per-replica cost, worked by hand.

Numbers: Llama 3.1 70B is 70.6e9 × 2 B = 131.50 GiB of BF16 weights; Llama 3.1 8B in FP8 is 8.03e9 B = 7.478 GiB.
The model's rates (sizing/startup.py, each with its reasoning there): S3 streaming at min(2.5 GiB/s, NIC Gbps / 8 / 2),
a PVC cache at 0.5 GiB/s; the 10 GiB vLLM image pulls at 0.15 GiB/s (67 s); warm-up 45 s + 1.5 s per GiB on a GPU
(20 s + 0.5 s with enforce_eager, which skips CUDA-graph capture). g6e.12xlarge: 4 L40S, 100 Gbps, on-demand 10.493
and spot 4.722 USD/h; an L40S node is ready in 150 s.
"""

from __future__ import annotations

import dataclasses

import pytest

from gpu_platform.catalog.gpus import GPU_CLASSES
from gpu_platform.sizing import SizingError, size_model
from gpu_platform.sizing.offer import candidate_instances
from gpu_platform.sizing.serving import resolve_dtype
from gpu_platform.spec.model import ModelSpec

SEVENTY = {"name": "m", "model": "s3://weights/llama-3.1-70b", "instance_type": "g6e.12xlarge",
           "tensor_parallel_size": 4, "pipeline_parallel_size": 2}


@pytest.mark.parametrize("eager, warmup_s", [(False, 70), (True, 29)])
def test_a_pipeline_stage_loads_its_share_of_the_weights(eager, warmup_s):
    """TP 4 × PP 2: each node streams 131.50 / 2 = 65.75 GiB at 2.5 GiB/s (its 100 Gbps NIC allows 6.25): 27 s.
    Each GPU holds 65.75 / 4 = 16.44 GiB: warm-up 45 + 24.66 → 70 s, or 20 + 8.22 → 29 s eager."""
    s = size_model(ModelSpec(**SEVENTY, engine={"enforce_eager": eager}))
    cs = s.cold_start
    assert (cs.node_s, cs.image_s, cs.weights_s, cs.warmup_s, cs.source, cs.source_gibps) == (
        150, 67, 27, warmup_s, "s3-stream", 2.5)
    assert (s.weights_gib, s.concurrency) == (131.5, 8)


def test_a_cached_quantized_model_loads_from_the_pvc_and_reports_weights_to_the_hundredth():
    """FP8 8B: 7.478 GiB → 7.48; from the cache at 0.5 GiB/s: 14.96 → 15 s; warm-up 45 + 11.22 → 57 s."""
    s = size_model(ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", gpu_class="l40s",
                             quantization="fp8", cache={"size_gib": 10}, autoscaling={"max_replicas": 1},
                             concurrency=3))
    assert (s.weights_gib, s.concurrency) == (7.48, 3)
    assert (s.cold_start.weights_s, s.cold_start.warmup_s, s.cold_start.source, s.cold_start.source_gibps) == (
        15, 57, "pvc-cache", 0.5)


def test_one_gpu_of_a_shared_node_costs_a_quarter_of_it():
    """gpu_count 1 on g6e.12xlarge, 1–3 replicas: on-demand 10.493 / 4 = 2.62325 to 7.86975, spot 4.722 / 4 =
    1.1805 to 3.5415 USD/h, each rounded to a tenth of a cent."""
    s = size_model(ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", instance_type="g6e.12xlarge",
                             gpu_count=1, autoscaling={"min_replicas": 1, "max_replicas": 3}))
    c = s.cost
    assert (c.on_demand_hourly_min, c.on_demand_hourly_max) == (2.623, 7.87)
    assert (c.spot_hourly_min, c.spot_hourly_max) == (1.181, 3.542)


def test_an_instance_type_no_pool_launches_is_refused_naming_the_field():
    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", instance_type="g6e.12xlarge")
    with pytest.raises(SizingError) as info:
        size_model(spec, {"l40s": ["g6e.xlarge"]})
    assert (info.value.field, info.value.message) == (
        "instance_type", "no GPU node pool launches g6e.12xlarge; pools offer l40s: g6e.xlarge")


def test_a_class_the_pools_do_not_offer_has_no_candidate_instances():
    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct")
    assert candidate_instances(spec, GPU_CLASSES["h100"], {"l40s": ["g6e.xlarge"]}) == []
    assert [i.name for i in candidate_instances(spec, GPU_CLASSES["l40s"], {"l40s": ["g6e.12xlarge"]})] == [
        "g6e.12xlarge"]


def test_the_serving_dtype_is_bfloat16_where_the_gpu_has_it():
    """Every catalog class is Ampere or newer (bfloat16); a class without it (Turing's T4, Volta's V100) serves
    float16, and asking it for bfloat16 is refused."""
    l4 = GPU_CLASSES["l4"]
    turing = dataclasses.replace(l4, name="t4", bf16=False)
    auto = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct")
    assert (resolve_dtype(auto, l4), resolve_dtype(auto, turing)) == ("bfloat16", "float16")
    assert resolve_dtype(ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", dtype="float16"), l4) == "float16"
    with pytest.raises(SizingError) as info:
        resolve_dtype(ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", dtype="bfloat16"), turing)
    assert (info.value.field, info.value.message) == ("dtype", "t4 GPUs do not support bfloat16; use float16 or auto")


def test_a_weight_cache_needs_a_fifth_more_than_the_weights():
    """Llama 3.1 8B in BF16 is 14.96 GiB; with 20 % headroom 17.95: 17 GiB is refused, 18 is enough."""
    spec = {"name": "m", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu_class": "l40s",
            "autoscaling": {"max_replicas": 1}}
    with pytest.raises(SizingError) as info:
        size_model(ModelSpec(**spec, cache={"size_gib": 17}))
    assert (info.value.field, info.value.message) == (
        "cache.size_gib", "17 GiB cannot hold llama-3.1-8b's weights with headroom (needs ≥ 18 GiB)")
    assert size_model(ModelSpec(**spec, cache={"size_gib": 18})).instance_type == "g6e.xlarge"


def test_headroom_and_canary_replicas_are_paid_on_top_of_the_autoscaled_ones():
    """1–3 autoscaled replicas + 2 headroom + 1 canary = 4–6 g6e.xlarge at 1.861 (spot 0.837) USD/h."""
    s = size_model(ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", revision="0e9e39f", gpu_class="l40s",
                             headroom_replicas=2, canary={"revision": "1a2b3c4", "traffic_percent": 10, "replicas": 1},
                             autoscaling={"min_replicas": 1, "max_replicas": 3}))
    assert (s.cost.on_demand_hourly_min, s.cost.on_demand_hourly_max) == (7.444, 11.166)
    assert (s.cost.spot_hourly_min, s.cost.spot_hourly_max) == (3.348, 5.022)


@pytest.mark.parametrize("instance_type, gibps", [("g6e.xlarge", 1.25), ("g6e.8xlarge", 1.562)])
def test_s3_streaming_takes_half_the_nic_below_the_streamers_ceiling(instance_type, gibps):
    """20 Gbps / 8 bits / 2 = 1.25 GB/s; 25 Gbps → 1.5625, reported to the thousandth (1.562)."""
    s = size_model(ModelSpec(name="m", model="s3://weights/llama-3.1-8b", instance_type=instance_type))
    assert (s.cold_start.source, s.cold_start.source_gibps) == ("s3-stream", gibps)


def test_the_sizing_reports_the_cache_need_to_the_hundredth_and_the_utilisation_it_used():
    """1,000 tokens × 8 sequences × 128 KiB = 0.977 GiB → 0.98."""
    s = size_model(ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", gpu_class="l40s",
                             max_model_len=1000, engine={"gpu_memory_utilization": 0.8}))
    assert (s.kv_cache_gib, s.gpu_memory_utilization) == (0.98, 0.8)
    explicit = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", dtype="bfloat16")
    assert resolve_dtype(explicit, GPU_CLASSES["l4"]) == "bfloat16"
