"""A refusal names the one field to change and carries the numbers a user needs to change it, exactly.

Every number below is worked by hand from Llama 3.1 405B's config.json (126 layers, 128 attention heads, 8 KV heads,
head_dim 128; 405.9 B parameters in BF16) and the GPUs' memory (L40S 44.5 GiB usable by CUDA, A100 40 GiB):
- weights: 405.9e9 × 2 B = 811.8e9 B = 756.06 GiB (FP8: 378.03 GiB), split over every GPU of a replica;
- KV cache: 126 layers × 8 KV heads × 128 × 2 (K and V) × 2 B = 516,096 B per token; the defaults (8 sequences of
  8,192 tokens) are 65,536 tokens = 31.5 GiB; 64 × 131,072 tokens = 4,032 GiB;
- runtime: 1.5 GiB per GPU;
- usable: memory × gpu_memory_utilization (default 0.92): L40S 40.94 GiB, A100 36.8 GiB per GPU.
"""

from __future__ import annotations

import pytest

from gpu_platform.sizing import SizingError, size_for_platform, size_model
from gpu_platform.spec import PlatformSpec
from gpu_platform.spec.model import ModelSpec

BIG = "s3://weights/llama-3.1-405b"
ADVICE = "lower max_model_len or concurrency, quantize, or choose larger GPUs"
ONE_NODE = " (backend kserve is limited to one node; use rayservice to split across nodes)"
CANNOT_SPLIT = "configuration can split llama-3.1-405b (128 attention heads, 126 layers) as requested"
ACROSS_NODES = "; across nodes tensor_parallel_size must equal the instance's GPU count"


def refusal(offered=None, **fields) -> SizingError:
    with pytest.raises(SizingError) as info:
        size_model(ModelSpec(name="big", model=BIG, **fields), offered)
    return info.value


def test_the_closest_single_node_is_the_one_with_the_most_memory_and_the_hint_names_rayservice():
    """L40S, one node: the 8-GPU g6e.48xlarge comes closest. Need 756.06 + 31.5 + 8 × 1.5 = 799.56 GiB; it offers
    8 × 40.94 = 327.52 GiB."""
    err = refusal(gpu_class="l40s", backend="kserve")
    assert err.field == "gpu_class"
    assert err.message == (
        "llama-3.1-405b needs 800 GiB (756 weights + 32 KV cache for 8×8192 tokens + 1.5/GPU runtime), "
        f"g6e.48xlarge with TP 8 offers 328 GiB usable at gpu_memory_utilization 0.92; {ADVICE}{ONE_NODE}"
    )


def test_the_weights_in_a_refusal_are_the_quantized_ones():
    """FP8 halves the weights: 378.03 + 31.5 + 12 = 421.53 GiB, still more than 327.52."""
    err = refusal(gpu_class="l40s", backend="kserve", quantization="fp8")
    assert err.message.startswith("llama-3.1-405b needs 422 GiB (378 weights + 32 KV cache for 8×8192 tokens")


@pytest.mark.parametrize("field", ["tensor_parallel_size", "gpu_count"])
def test_between_equally_close_instances_the_cheaper_one_is_named(field):
    """TP 4 on L40S: g6e.12xlarge and g6e.24xlarge both have 4 L40S (same memory, same shortfall); the 12xlarge is
    cheaper. Need 756.06 + 31.5 + 4 × 1.5 = 793.56 GiB; it offers 4 × 40.94 = 163.76 GiB. The field to change is
    the one that fixed the size of the replica."""
    err = refusal(gpu_class="l40s", backend="kserve", **{field: 4})
    assert err.field == field
    assert err.message == (
        "llama-3.1-405b needs 794 GiB (756 weights + 32 KV cache for 8×8192 tokens + 1.5/GPU runtime), "
        f"g6e.12xlarge with TP 4 offers 164 GiB usable at gpu_memory_utilization 0.92; {ADVICE}{ONE_NODE}"
    )


def test_across_nodes_the_closest_is_the_most_nodes_and_the_message_counts_them():
    """RayService on L40S with a 131,072-token context for 64 sequences: even four g6e.48xlarge (the most pipeline
    stages sizing tries) fall short. Need 756.06 + 4032 + 32 × 1.5 = 4836.06 GiB; they offer 32 × 40.94 = 1310.08.
    No one-node hint: this backend already spans nodes."""
    err = refusal(gpu_class="l40s", backend="rayservice", max_model_len=131072, concurrency=64)
    assert err.field == "gpu_class"
    assert err.message == (
        "llama-3.1-405b needs 4836 GiB (756 weights + 4032 KV cache for 64×131072 tokens + 1.5/GPU runtime), "
        f"4×g6e.48xlarge with TP 8 offers 1310 GiB usable at gpu_memory_utilization 0.92; {ADVICE}"
    )


def test_a_fixed_pipeline_depth_is_what_the_message_counts():
    """Two stages: 756.06 + 4032 + 16 × 1.5 = 4812.06 GiB against 16 × 40.94 = 655.04."""
    err = refusal(gpu_class="l40s", backend="rayservice", pipeline_parallel_size=2, max_model_len=131072,
                  concurrency=64)
    assert "), 2×g6e.48xlarge with TP 8 offers 655 GiB usable" in err.message
    assert err.message.startswith("llama-3.1-405b needs 4812 GiB")


def test_an_automatic_backend_gets_no_one_node_hint():
    """A100 at TP 2 (p4d.24xlarge): 756.06 + 31.5 + 3 = 790.56 GiB against 2 × 36.8 = 73.6 GiB."""
    err = refusal(gpu_class="a100", tensor_parallel_size=2)
    assert err.field == "tensor_parallel_size"
    assert err.message == (
        "llama-3.1-405b needs 791 GiB (756 weights + 32 KV cache for 8×8192 tokens + 1.5/GPU runtime), "
        f"p4d.24xlarge with TP 2 offers 74 GiB usable at gpu_memory_utilization 0.92; {ADVICE}"
    )


def test_no_split_on_a_named_instance_names_it():
    """TP 2 on the one-GPU g6e.xlarge: there is nothing to size, so no numbers, and no across-nodes advice."""
    err = refusal(instance_type="g6e.xlarge", tensor_parallel_size=2)
    assert (err.field, err.message) == ("instance_type", f"no g6e.xlarge {CANNOT_SPLIT}")


def test_no_split_across_nodes_explains_the_tensor_parallel_rule():
    """Across nodes vLLM's TP group stays inside a node and fills it, so TP 2 on 4-GPU nodes cannot pipeline."""
    err = refusal(instance_type="g6e.12xlarge", tensor_parallel_size=2, pipeline_parallel_size=2)
    assert (err.field, err.message) == ("instance_type", f"no g6e.12xlarge {CANNOT_SPLIT}{ACROSS_NODES}")
    err = refusal(gpu_class="h100", tensor_parallel_size=2, pipeline_parallel_size=2)
    assert (err.field, err.message) == ("tensor_parallel_size", f"no h100 {CANNOT_SPLIT}{ACROSS_NODES}")


def test_no_split_anywhere_lists_what_was_tried():
    """Without a class: every GPU class of the catalog (none has a 2-GPU instance); with pools: what they offer."""
    err = refusal(tensor_parallel_size=2, pipeline_parallel_size=2)
    assert err.message == f"no l4, a10g, l40s, a100, a100-80gb, h100, h200, b200 {CANNOT_SPLIT}{ACROSS_NODES}"
    err = refusal({"l40s": ["g6e.xlarge"], "a10g": ["g5.xlarge"]}, tensor_parallel_size=2)
    assert (err.field, err.message) == ("tensor_parallel_size", f"no l40s, a10g {CANNOT_SPLIT}")


def test_a_model_nothing_can_hold_names_the_model():
    """No constraint but the model: the field is `model`. B200 (p6-b200.48xlarge, 8 × 178.9 GiB × 0.92 = 1317 GiB)
    comes closest to 756.06 + 4032 + 12 = 4800.06 GiB."""
    err = refusal(backend="kserve", max_model_len=131072, concurrency=64)
    assert err.field == "model"
    assert "), p6-b200.48xlarge with TP 8 offers 1317 GiB usable" in err.message
    assert err.message.startswith("llama-3.1-405b needs 4800 GiB (756 weights + 4032 KV cache")


def test_what_the_pools_offer_is_spelled_out():
    err = refusal({}, gpu_class="l40s")
    assert (err.field, err.message) == (
        "gpu_class", "the platform has no dedicated (unshared) GPU node pools (add one under gpu.node_pools)")
    err = refusal({"l40s": ["g6e.xlarge", "g6e.12xlarge"], "l4": ["g6.xlarge"]}, gpu_class="h100")
    assert (err.field, err.message) == (
        "gpu_class", "no GPU node pool offers h100; pools offer l40s: g6e.xlarge, g6e.12xlarge; l4: g6.xlarge")


def _platform(*pools):
    return PlatformSpec.model_validate({"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-t"},
                                        "gpu": {"node_pools": list(pools)}})


_A100 = {"name": "a100", "gpu_class": "a100", "capacity": "on_demand", "limits": {"gpus": 16}}
_L40S = {"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 8}}
_MIG = {"name": "a100-mig", "gpu_class": "a100", "capacity": "on_demand", "limits": {"gpus": 8},
        "mig": {"strategy": "single", "profiles": {"3g.20gb": 2}}}
SMALL = "meta-llama/Llama-3.1-8B-Instruct"


def _pool_refusal(platform, **fields) -> SizingError:
    with pytest.raises(SizingError) as info:
        size_for_platform(ModelSpec(name="m", model=SMALL, **fields), platform)
    return info.value


def test_a_model_naming_a_missing_pool_is_told_which_pools_exist():
    err = _pool_refusal(_platform(_A100, _L40S), pool="h100")
    assert (err.field, err.message) == ("pool", "no GPU node pool named 'h100' (pools: a100, l40s)")
    err = _pool_refusal(PlatformSpec.model_validate(
        {"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-t"}}), pool="h100")
    assert (err.field, err.message) == ("pool", "no GPU node pool named 'h100' (pools: none)")


def test_a_mig_pool_and_a_pool_of_another_class_are_refused_by_name():
    err = _pool_refusal(_platform(_A100, _MIG), pool="a100-mig")
    assert (err.field, err.message) == (
        "pool", "'a100-mig' is a MIG pool: its GPUs are slices, which whole-GPU serving does not size; "
                "use a whole-GPU pool")
    err = _pool_refusal(_platform(_A100, _L40S), pool="l40s", gpu_class="a100")
    assert (err.field, err.message) == ("pool", "'l40s' runs l40s, not gpu_class a100")


def test_the_closest_configuration_counts_the_kv_cache_copies_beyond_the_kv_heads():
    """Qwen3-235B-A22B has 4 KV heads (config.json num_key_value_heads 4, 94 layers, head_dim 128): beyond TP 4 each
    rank keeps a whole KV head, so TP 8 holds the cache twice. KV: 94 × 4 × 128 × 2 × 2 B = 192,512 B per token ×
    64 × 40,960 tokens = 470 GiB; weights 235.1e9 × 2 B = 437.9 GiB. On L40S, one node:
    TP 4: need 437.9 + 470 + 6 = 913.9 against 163.76 usable (short by 750); TP 8: 437.9 + 940 + 12 = 1389.9
    against 327.52 (short by 1062); TP 1 and 2 are shorter still. The closest is TP 4, on the cheaper 4-GPU node."""
    with pytest.raises(SizingError) as info:
        size_model(ModelSpec(name="moe", model="s3://weights/qwen3-235b-a22b", gpu_class="l40s", backend="kserve",
                             max_model_len=40960, concurrency=64))
    assert info.value.message == (
        "qwen3-235b-a22b needs 914 GiB (438 weights + 470 KV cache for 64×40960 tokens + 1.5/GPU runtime), "
        f"g6e.12xlarge with TP 4 offers 164 GiB usable at gpu_memory_utilization 0.92; {ADVICE}{ONE_NODE}"
    )


def test_pipeline_parallel_on_a_one_node_backend_is_refused_at_its_field():
    err = refusal(gpu_class="l40s", backend="kserve", pipeline_parallel_size=2)
    assert (err.field, err.message) == (
        "pipeline_parallel_size",
        "backend kserve serves one node per replica; pipeline parallel across nodes needs backend rayservice (or auto)")


def test_pools_that_offer_nothing_or_another_class_are_named():
    err = refusal({}, gpu_class="l40s")
    assert (err.field, err.message) == (
        "gpu_class", "the platform has no dedicated (unshared) GPU node pools (add one under gpu.node_pools)")
    err = refusal({"h100": ["p5.48xlarge"]}, instance_type="g6e.xlarge")
    assert (err.field, err.message) == ("instance_type", "no GPU node pool launches g6e.xlarge; pools offer h100: p5.48xlarge")
