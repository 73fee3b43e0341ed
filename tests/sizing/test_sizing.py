"""Sizing: chosen configurations always fit and are the cheapest; refusals carry numbers; cold start and cost."""

from __future__ import annotations

import functools
import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.catalog.gpus import GPU_CLASSES
from gpu_platform.catalog.models import ARCHITECTURES, architecture, match_architecture
from gpu_platform.sizing import (
    GIB,
    KV_BYTES,
    MAX_AUTO_PIPELINE,
    SizingError,
    kv_cache_gib,
    offered_instances,
    size_model,
    weight_gib,
)
from gpu_platform.spec import PlatformSpec
from gpu_platform.spec.model import Backend, KvCacheDtype, ModelSpec, Quantization
from branches import reaches

ARCHS = sorted(ARCHITECTURES)


def _independent_memory(arch, quantization, kv_cache_dtype, ctx: int) -> tuple[float, float]:
    """The memory model written out again from its sources, so the test does not just call the code under test:
    (weights, KV cache of one ``ctx``-token sequence), GiB, every GPU together. Checkpoint bytes per dtype (FP8 = 1
    byte; MXFP4 = 4 bits + an 8-bit scale per 32 = 4.25 bits, on the experts only), and the KV cache per attention
    kind as vLLM allocates it (vllm/v1/kv_cache_interface.py)."""
    if quantization is not None:
        weight_bytes = arch.params_b * 1e9 * {Quantization.FP8: 1.0}.get(quantization, 0.53125)
    elif arch.weight_dtype.value == "mxfp4":
        weight_bytes = (arch.quantized_params_b * 4.25 / 8 + (arch.params_b - arch.quantized_params_b) * 2) * 1e9
    else:
        weight_bytes = arch.params_b * 1e9 * (1.0 if arch.weight_dtype.value == "fp8" else 2.0)
    kv_bytes = 1.0 if kv_cache_dtype is not KvCacheDtype.AUTO else 2.0
    if arch.attention.value == "multi_head_latent":  # one latent + rope key per token and layer
        sequence = arch.layers * (arch.kv_lora_rank + arch.qk_rope_head_dim) * kv_bytes * ctx
    else:
        window = arch.sliding_window or ctx
        token_layers = (arch.layers - arch.sliding_layers) * ctx + arch.sliding_layers * min(ctx, window)
        sequence = 2 * arch.kv_heads * arch.head_dim * kv_bytes * token_layers
    return weight_bytes / GIB, sequence / GIB


def _kv_split(arch, tp: int) -> int:
    """GPUs of one stage sharing a sequence's KV cache: per-head K/V over at most kv_heads; an MLA latent sits on
    every tensor-parallel rank whole."""
    return 1 if arch.attention.value == "multi_head_latent" else min(tp, arch.kv_heads)


def _independent_need_per_gpu(spec: ModelSpec, tp: int, pp: int) -> float:
    weights, sequence = _independent_memory(spec.arch, spec.quantization, spec.engine.kv_cache_dtype, spec.context_length)
    kv = sequence * spec.concurrency / (_kv_split(spec.arch, tp) * pp)
    return weights / (tp * pp) + kv + 1.5


# Where a spec lands, by the model above: one node, only across nodes, or nowhere. The sizing property tests draw
# specs for each landing from the catalog's facts instead of hoping random specs reach it.
ONE_NODE, ACROSS_NODES, REFUSED = "one node", "across nodes", "refused"
MOST_SEQUENCES = 1024  # ModelSpec.concurrency's upper bound
AUTO_STAGES = (2, 3, 4)  # an automatic multi-node choice splits the layers over at most 4 nodes (sizing/parallelism.py)


def _placements(arch, gpu_class, multi_node: bool):
    """(GPU memory GiB, TP, PP) of every configuration the catalog offers: TP divides the attention heads and fits
    the instance; across nodes each node is one pipeline stage using all of its GPUs."""
    for cls in [GPU_CLASSES[gpu_class]] if gpu_class else GPU_CLASSES.values():
        for inst in cls.instances:
            for tp in (1, 2, 4, 8):
                if tp > inst.gpus or arch.attention_heads % tp:
                    continue
                if not multi_node:
                    yield cls.memory_gib, tp, 1
                elif tp == inst.gpus:
                    yield from ((cls.memory_gib, tp, pp) for pp in AUTO_STAGES if pp <= arch.layers)


def _sequences_range(arch, quantization, kv_cache_dtype, utilization, gpu_class, ctx, landing) -> tuple[int, int]:
    """The concurrencies at which ``ctx``-token sequences land in ``landing``, kept 1e-6 GiB clear of every edge
    (lo > hi: none). Per GPU the need is affine in the concurrency c: weights/(TP·PP) + 1.5 + c·sequence/(split·PP)."""
    weights, sequence = _independent_memory(arch, quantization, kv_cache_dtype, ctx)

    def edges(multi_node):  # (most sequences surely fitting some placement, fewest surely fitting none)
        most, fewest = -math.inf, -math.inf
        for memory, tp, pp in _placements(arch, gpu_class, multi_node):
            room = memory * utilization - weights / (tp * pp) - 1.5
            per = sequence / (_kv_split(arch, tp) * pp)
            most = max(most, math.floor((room - 1e-6) / per))
            fewest = max(fewest, math.floor((room + 1e-6) / per) + 1)
        return most, fewest

    single_most, single_none = edges(False)
    multi_most, multi_none = edges(True)
    lo, hi = {
        ONE_NODE: (1, single_most),
        ACROSS_NODES: (single_none, multi_most),
        REFUSED: (max(single_none, multi_none), MOST_SEQUENCES),
    }[landing]
    return max(lo, 1), min(hi, MOST_SEQUENCES)


@functools.lru_cache(maxsize=None)
def _archs_landing(landing, quantization, kv_cache_dtype, utilization, gpu_class) -> list[str]:
    """Architectures some spec lands in ``landing`` for: at the shortest context for one node, the longest else."""
    out = []
    for key in ARCHS:
        arch = ARCHITECTURES[key]
        ctx = 256 if landing == ONE_NODE else arch.max_context
        lo, hi = _sequences_range(arch, quantization, kv_cache_dtype, utilization, gpu_class, ctx, landing)
        if lo <= hi:
            out.append(key)
    return out


@st.composite
def landing_specs(draw, landing, gpu_class=st.sampled_from([None, *GPU_CLASSES])):
    """Specs that land in ``landing``: the architecture among those that can, then the context, then the concurrency
    from the range that lands there (at the fallback context of _archs_landing when the drawn one has none)."""
    quantization = draw(st.sampled_from([None, Quantization.FP8, Quantization.AWQ]))
    kv_cache_dtype = draw(st.sampled_from([KvCacheDtype.AUTO, KvCacheDtype.FP8]))
    utilization = draw(st.sampled_from([0.8, 0.9, 0.92, 0.95]))
    cls = draw(gpu_class)
    archs = _archs_landing(landing, quantization, kv_cache_dtype, utilization, cls)
    assert archs, f"no architecture lands {landing} with {quantization, kv_cache_dtype, utilization, cls}"
    arch = ARCHITECTURES[draw(st.sampled_from(archs))]
    ctx = draw(st.integers(min_value=256, max_value=arch.max_context))
    lo, hi = _sequences_range(arch, quantization, kv_cache_dtype, utilization, cls, ctx, landing)
    if lo > hi:
        ctx = 256 if landing == ONE_NODE else arch.max_context
        lo, hi = _sequences_range(arch, quantization, kv_cache_dtype, utilization, cls, ctx, landing)
    return ModelSpec(
        name="m", model=f"s3://weights/{arch.key}-instruct/", quantization=quantization, max_model_len=ctx,
        concurrency=draw(st.integers(min_value=lo, max_value=hi)), gpu_class=cls,
        engine={"gpu_memory_utilization": utilization, "kv_cache_dtype": kv_cache_dtype.value},
    )


landed = st.sampled_from([ONE_NODE, ACROSS_NODES, REFUSED]).flatmap(
    lambda landing: st.tuples(st.just(landing), landing_specs(landing))
)


# By hand: Llama 3.1 8B is 8.03e9 × 2 B = 15.0 GiB of weights, 8 × 8192 tokens × 128 KiB = 8 GiB of KV cache, + 1.5:
# 24.5 GiB <= 44.5 × 0.92 = 40.9 on one L40S. Llama 3.1 405B is 405.9e9 × 2 B = 756 GiB, more than one H100 node's
# 8 × 79.6 × 0.92 = 586 usable; over 2 nodes at 16 × 16384 tokens (126 layers × 8 heads × 128 × 2 × 2 B = 504 KiB a
# token: 126 GiB) it needs 756/16 + 126/16 + 1.5 = 56.6 <= 73.2 per GPU. Even 4 nodes of 8 L4s hold only
# 4 × 8 × 22.5 × 0.92 = 662 GiB < 756; 128 sequences of 131072 tokens (8064 GiB of KV) outgrow 4 nodes of 8 B200s:
# 756/32 + 8064/32 + 1.5 = 277 > 179 × 0.92 = 165 per GPU.
@reaches(ONE_NODE, ACROSS_NODES, REFUSED)
@example((ONE_NODE, ModelSpec(name="m", model="s3://weights/llama-3.1-8b", gpu_class="l40s")))
@example((ACROSS_NODES, ModelSpec(name="m", model="s3://weights/llama-3.1-405b", gpu_class="h100", max_model_len=16384,
                                  concurrency=16)))
@example((REFUSED, ModelSpec(name="m", model="s3://weights/llama-3.1-405b", gpu_class="l4")))
@example((REFUSED, ModelSpec(name="m", model="s3://weights/llama-3.1-405b", max_model_len=131072, concurrency=128)))
@given(landed)
def test_a_chosen_configuration_always_fits(branch, landed):
    landing, spec = landed
    try:
        s = size_model(spec)
    except SizingError as exc:
        branch(REFUSED)
        assert landing == REFUSED, f"refused what fits {landing}: {exc}"
        weights, _ = _independent_memory(spec.arch, spec.quantization, spec.engine.kv_cache_dtype, spec.context_length)
        assert exc.field == ("gpu_class" if spec.gpu_class else "model")
        assert f"{weights:.0f} weights" in exc.message and f"{spec.concurrency}×{spec.context_length} tokens" in exc.message
        assert "GiB usable" in exc.message
        return
    branch(ACROSS_NODES if s.pipeline_parallel_size > 1 else ONE_NODE)
    assert landing == (ACROSS_NODES if s.pipeline_parallel_size > 1 else ONE_NODE)
    cls = GPU_CLASSES[s.gpu_class]
    assert spec.gpu_class in (None, s.gpu_class)
    usable = cls.memory_gib * spec.engine.gpu_memory_utilization
    need = _independent_need_per_gpu(spec, s.tensor_parallel_size, s.pipeline_parallel_size)
    assert need <= usable + 1e-6
    assert s.need_gib_per_gpu <= s.usable_gib_per_gpu
    inst = next(i for i in cls.instances if i.name == s.instance_type)
    assert s.tensor_parallel_size <= inst.gpus
    assert spec.arch.attention_heads % s.tensor_parallel_size == 0
    assert s.kv_token_capacity >= spec.context_length * spec.concurrency
    if s.pipeline_parallel_size > 1:
        assert s.backend is Backend.RAYSERVICE and s.tensor_parallel_size == inst.gpus
    else:
        assert s.backend is Backend.KSERVE


@example(ModelSpec(name="m", model="s3://weights/llama-3.1-8b"))
@given(landing_specs(ONE_NODE, gpu_class=st.none()))
def test_the_choice_is_the_cheapest_single_node_fit(spec):
    s = size_model(spec)
    assert s.pipeline_parallel_size == 1  # a single node fits (the model above): never more nodes
    for cls in GPU_CLASSES.values():
        for inst in cls.instances:
            for tp in (1, 2, 4, 8):
                if tp > inst.gpus or spec.arch.attention_heads % tp:
                    continue
                if _independent_need_per_gpu(spec, tp, 1) <= cls.memory_gib * spec.engine.gpu_memory_utilization:
                    assert inst.on_demand_usd_hr >= s.cost.on_demand_hourly_max / (spec.autoscaling.max_replicas) - 1e-6


# By hand: 32 sequences of 131072 tokens of Llama 3.1 405B are 32 × 63 GiB of KV cache; with its 756 GiB of weights
# one 8-GPU B200 node (the largest) needs 756/8 + 2016/8 + 1.5 = 348 > 179 × 0.92 = 165 GiB per GPU; 4 such nodes 88.
@example(ModelSpec(name="m", model="s3://weights/llama-3.1-405b", max_model_len=131072, concurrency=32))
@given(landing_specs(ACROSS_NODES, gpu_class=st.none()))
def test_multi_node_only_when_no_single_node_fits(spec):
    s = size_model(spec)
    assert 1 < s.pipeline_parallel_size <= MAX_AUTO_PIPELINE and s.backend is Backend.RAYSERVICE
    single = ModelSpec(**{**spec.model_dump(mode="json", exclude_none=True), "backend": "kserve"})
    with pytest.raises(SizingError) as info:
        size_model(single)
    assert info.value.field == "model" and "rayservice" in info.value.message


@reaches("streamed from s3", "downloaded from the hub")
@example("llama-3.2-1b", "llama-3.1-405b", "s3://weights/")
@example("deepseek-v3", "qwen2.5-7b", "org/")
@given(st.sampled_from(ARCHS), st.sampled_from(ARCHS), st.sampled_from(["s3://weights/", "org/"]))
def test_the_probe_budget_grows_with_model_size(branch, a, b, source):
    branch("streamed from s3" if source.startswith("s3") else "downloaded from the hub")
    small, large = sorted((ARCHITECTURES[a], ARCHITECTURES[b]), key=lambda x: x.params_b)

    def budget(arch):
        model = f"{source}{arch.key}" if source.startswith("s3") else f"org/{arch.key}"
        # The same placement for every architecture (4 GPUs × 4 nodes, 4-bit), so only the model size varies.
        spec = ModelSpec(
            name="m", model=model, instance_type="g6e.12xlarge", tensor_parallel_size=4, pipeline_parallel_size=4,
            quantization="awq", max_model_len=1024, concurrency=1,
        )
        return size_model(spec).startup_budget_s

    assert budget(small) <= budget(large)


def test_the_probe_budget_covers_weights_and_warmup_with_margin():
    s = size_model(ModelSpec(name="m", model="s3://weights/llama-3.1-8b", gpu_class="l40s"))
    cs = s.cold_start
    assert s.startup_budget_s >= 2 * (cs.weights_s + cs.warmup_s)
    assert s.startup_failure_threshold * 10 >= s.startup_budget_s
    assert cs.total_s == cs.node_s + cs.image_s + cs.weights_s + cs.warmup_s
    assert cs.warm_s < cs.total_s


def test_s3_streaming_is_modelled_faster_than_the_hub_and_the_cache_in_between():
    hub = size_model(ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", gpu_class="l40s"))
    s3 = size_model(ModelSpec(name="m", model="s3://weights/llama-3.1-8b", gpu_class="l40s"))
    cache = size_model(
        ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", gpu_class="l40s", cache={"size_gib": 40},
                  autoscaling={"max_replicas": 1})
    )
    assert s3.cold_start.weights_s < cache.cold_start.weights_s < hub.cold_start.weights_s
    assert (s3.cold_start.source, cache.cold_start.source, hub.cold_start.source) == ("s3-stream", "pvc-cache", "hf-hub")


def test_refusals_carry_the_numbers():
    spec = ModelSpec(name="big", model="s3://weights/llama-3.1-405b", instance_type="g6e.xlarge", backend="kserve")
    with pytest.raises(SizingError) as info:
        size_model(spec)
    err = info.value
    assert err.field == "instance_type"
    # By hand, Llama 3.1 405B (config.json: 126 layers, 8 KV heads, head_dim 128; 405.9 B parameters, bf16):
    #   weights  405.9e9 × 2 / 2**30                              = 756.05 GiB
    #   KV cache 2 × 126 × 8 × 128 × 2 bytes × 8 sequences × 8192 = 31.5 GiB (the spec defaults: 8 × 8192 tokens)
    #   need     756.05 + 31.5 + 1.5 runtime                       = 789.05 GiB
    assert "needs 789 GiB (756 weights + 32 KV cache for 8×8192 tokens + 1.5/GPU runtime)" in err.message
    assert "g6e.xlarge with TP 1" in err.message and "GiB usable" in err.message


def test_a_model_too_large_for_any_single_node_backend_names_the_model():
    spec = ModelSpec(name="big", model="s3://weights/llama-3.1-405b", backend="deployment", max_model_len=131072,
                     concurrency=64)
    with pytest.raises(SizingError) as info:
        size_model(spec)
    assert info.value.field == "model" and "rayservice" in info.value.message


def test_weights_and_kv_cache_arithmetic():
    arch = architecture("llama-3.1-8b")
    assert weight_gib(arch, None) == pytest.approx(8.03e9 * 2 / GIB)
    assert weight_gib(arch, Quantization.FP8) == pytest.approx(8.03e9 * 1 / GIB)  # FP8: one byte per weight
    # Llama 3.1 8B: 32 layers × 8 KV heads × 128 × 2 (K and V) × 2 bytes = 128 KiB per token.
    assert arch.kv_bytes_per_token(KV_BYTES[KvCacheDtype.AUTO]) == 128 * 1024
    assert kv_cache_gib(arch, KvCacheDtype.AUTO, 8192) == pytest.approx(1.0)
    assert kv_cache_gib(arch, KvCacheDtype.FP8, 8192) == pytest.approx(0.5)


def test_known_choices():
    eight = size_model(ModelSpec(name="m", model="s3://weights/llama-3.1-8b", gpu_class="l40s"))
    assert (eight.instance_type, eight.tensor_parallel_size, eight.backend) == ("g6e.xlarge", 1, Backend.KSERVE)
    seventy = size_model(ModelSpec(name="m", model="s3://weights/llama-3.1-70b", gpu_class="l40s", pipeline_parallel_size=2))
    assert (seventy.instance_type, seventy.tensor_parallel_size, seventy.pipeline_parallel_size) == ("g6e.12xlarge", 4, 2)
    assert seventy.backend is Backend.RAYSERVICE and seventy.gpus_per_replica == 8
    big = size_model(ModelSpec(name="m", model="s3://weights/llama-3.1-405b", gpu_class="h100", max_model_len=16384,
                               concurrency=16))
    assert (big.instance_type, big.tensor_parallel_size, big.pipeline_parallel_size) == ("p5.48xlarge", 8, 2)


@reaches("scales to zero", "keeps replicas")
@example(0, 2, 1)
@example(3, 1, 0)
@given(
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=0, max_value=3),
)
def test_cost_scales_with_replicas_and_headroom(branch, lo, extra, headroom):
    branch("scales to zero" if lo == 0 else "keeps replicas")
    hi = lo + extra
    auto = {"min_replicas": lo, "max_replicas": hi, "scale_to_zero": lo == 0}
    s = size_model(ModelSpec(name="m", model="s3://weights/llama-3.1-8b", instance_type="g6e.xlarge", autoscaling=auto,
                             headroom_replicas=headroom))
    # g6e.xlarge us-east-1 on-demand list price, 1.861 USD/h as of 2025-08 (the catalog's dated source, as in
    # tests/sizing/test_capacity.py); a month is 730 hours (AWS pricing's 365 × 24 / 12).
    price = 1.861
    assert s.cost.on_demand_hourly_min == pytest.approx(price * (lo + headroom), abs=1e-3)
    assert s.cost.on_demand_hourly_max == pytest.approx(price * (hi + headroom), abs=1e-3)
    assert s.cost.spot_hourly_max <= s.cost.on_demand_hourly_max
    assert s.cost.on_demand_monthly_max == pytest.approx(s.cost.on_demand_hourly_max * 730, abs=0.01)
    assert s.cost.prices_as_of == "2025-08"
    assert s.min_replicas <= s.max_replicas


def test_pod_shape_fits_the_node():
    for cls in GPU_CLASSES.values():
        for inst in cls.instances:
            s = size_model(ModelSpec(name="m", model="s3://weights/llama-3.2-1b", instance_type=inst.name,
                                     tensor_parallel_size=1, max_model_len=1024, concurrency=1))
            assert 1 <= s.cpu < inst.vcpu and s.memory_gib < inst.memory_gib
            assert s.shm_gib <= s.memory_gib // 4 or s.shm_gib == 1


def test_node_pools_restrict_the_choice_and_mig_pools_are_not_offered():
    platform = PlatformSpec.model_validate(
        {
            "environment": "dev",
            "region": "us-west-2",
            "cluster": {"name": "gpu-test"},
            "gpu": {
                "node_pools": [
                    {"name": "l4", "gpu_class": "l4", "max_gpus_per_node": 1},
                    {"name": "a100", "gpu_class": "a100", "mig": {"strategy": "single", "profiles": {"3g.20gb": 2}}},
                ]
            },
        }
    )
    offered = offered_instances(platform)
    assert set(offered) == {"l4"} and all(i.startswith("g6.") for i in offered["l4"])
    assert "g6.12xlarge" not in offered["l4"]
    s = size_model(ModelSpec(name="m", model="Qwen/Qwen2.5-7B-Instruct"), offered)
    assert s.gpu_class == "l4" and s.instance_type in offered["l4"]
    with pytest.raises(SizingError) as info:
        size_model(ModelSpec(name="m", model="Qwen/Qwen2.5-7B-Instruct", gpu_class="a100"), offered)
    assert info.value.field == "gpu_class" and "no GPU node pool offers a100" in info.value.message


@pytest.mark.parametrize(
    "model, key",
    [
        ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"),
        ("meta-llama/Llama-3.3-70B-Instruct", "llama-3.1-70b"),
        ("Qwen/Qwen2.5-32B-Instruct", "qwen2.5-32b"),
        ("Qwen/Qwen2.5-3B-Instruct", "qwen2.5-3b"),
        ("s3://weights/mixtral-8x7b-instruct-v0.1/", "mixtral-8x7b"),
        ("google/gemma-2-9b-it", "gemma-2-9b"),
    ],
)
def test_architecture_is_recognised_from_the_model_id(model, key):
    assert match_architecture(model).key == key


def test_catalog_numbers_are_consistent():
    for arch in ARCHITECTURES.values():
        assert arch.attention_heads % arch.kv_heads == 0, arch.key
        # MLA's query/key head is qk_nope_head_dim + qk_rope_head_dim (128 + 64 for DeepSeek-V3), not a power of two
        mla = arch.attention.value == "multi_head_latent"
        assert arch.max_context >= 8192 and arch.layers > 0 and (mla or math.log2(arch.head_dim).is_integer())
        assert arch.sliding_layers < arch.layers and (arch.sliding_layers == 0) == (arch.sliding_window is None)


def test_the_streamer_buffer_fits_inside_the_pod_memory_limit():
    """RUNAI_STREAMER_MEMORY_LIMIT is unbounded by default, so streaming can push the pod past its limit.
    Worked by hand: g6e.xlarge (32 GiB, 1 GPU) -> pod 25 GiB, /dev/shm 4 GiB, vLLM processes 3 + 2 = 5 GiB,
    buffer (25 - 4 - 5) // 2 = 8 GiB; p5.48xlarge (2048 GiB) is capped at 16 GiB; a tiny pod still gets 1 GiB."""
    from gpu_platform.sizing import streamer_memory_gib

    assert streamer_memory_gib(25, 4, 1) == 8
    assert streamer_memory_gib(1738, 32, 8) == 16
    assert streamer_memory_gib(6, 1, 1) == 1
    spec = ModelSpec(name="m", model="s3://weights/meta-llama/Llama-3.1-8B-Instruct/", gpu_class="l40s")
    s = size_model(spec)
    assert (s.instance_type, s.memory_gib, s.shm_gib, s.streamer_memory_gib) == ("g6e.xlarge", 25, 4, 8)
    # Buffer + /dev/shm + the processes stay under the pod's memory limit.
    assert s.streamer_memory_gib + s.shm_gib + 5 <= s.memory_gib


def test_a_second_ray_cluster_fits_only_within_the_pools_gpu_ceilings():
    """KubeRay's default RayService upgrade (NewCluster) runs a second full cluster until the new one serves.
    By hand: prod's h100 pool (on_demand, 16 GPUs) vs llama-405b at 1 replica × 16 GPUs -> 32 > 16: does not fit;
    a spot+fallback l40s pool of 8 + 8 holds two clusters of 1 replica × 8 GPUs."""
    from gpu_platform.sizing import class_gpu_capacity, ray_new_cluster_fits

    platform = PlatformSpec.model_validate({
        "environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-test"},
        "gpu": {"node_pools": [
            {"name": "h100", "gpu_class": "h100", "capacity": "on_demand", "min_gpus_per_node": 8,
             "limits": {"gpus": 16}},
            {"name": "l40s", "gpu_class": "l40s", "limits": {"gpus": 8, "on_demand_gpus": 8}},
        ]},
    })
    assert class_gpu_capacity(platform, "h100") == 16 and class_gpu_capacity(platform, "l40s") == 16
    big = size_model(ModelSpec(name="b", model="s3://weights/llama-3.1-405b-instruct", gpu_class="h100",
                               autoscaling={"min_replicas": 1, "max_replicas": 1}))
    assert big.gpus_per_replica == 16
    assert not ray_new_cluster_fits(big, class_gpu_capacity(platform, "h100"))
    assert ray_new_cluster_fits(big, None)  # no pools declared: nothing bounds it here


def _pools_platform(*pools):
    return PlatformSpec.model_validate({"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-t"},
                                        "gpu": {"node_pools": list(pools)}})


_WHOLE_A100 = {"name": "a100", "gpu_class": "a100", "capacity": "on_demand", "limits": {"gpus": 16}}
_MIG_A100 = {"name": "a100-mig", "gpu_class": "a100", "capacity": "on_demand", "limits": {"gpus": 8},
             "mig": {"strategy": "single", "profiles": {"3g.20gb": 2}}}


def test_a_model_runs_on_its_classs_whole_gpu_pool_never_on_a_mig_pool_of_the_same_class():
    """MIG `single` advertises each slice as nvidia.com/gpu: a whole-GPU model selected by class alone could land on
    a slice with a fraction of the memory. The node selector names the pool."""
    from gpu_platform.render.model import node_selector
    from gpu_platform.sizing import size_for_platform

    platform = _pools_platform(_WHOLE_A100, _MIG_A100)
    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", gpu_class="a100")
    sized = size_for_platform(spec, platform)
    assert sized.pool == "a100"
    assert node_selector(sized)["gpu-platform.io/pool"] == "a100"


def test_a_class_with_two_whole_gpu_pools_needs_the_model_to_name_one():
    from gpu_platform.sizing import size_for_platform

    spot = {**_WHOLE_A100, "name": "a100-batch", "capacity": "spot_with_on_demand_fallback"}
    platform = _pools_platform(_WHOLE_A100, spot)
    spec = {"name": "m", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu_class": "a100"}
    with pytest.raises(SizingError) as info:
        size_for_platform(ModelSpec(**spec), platform)
    assert (info.value.field, info.value.message) == ("pool", "gpu class a100 has several pools (a100, a100-batch); name one")
    assert size_for_platform(ModelSpec(**spec, pool="a100-batch"), platform).pool == "a100-batch"
    with pytest.raises(SizingError, match="'a100-mig' is a MIG pool"):
        size_for_platform(ModelSpec(**spec, pool="a100-mig"), _pools_platform(_WHOLE_A100, _MIG_A100))


def test_the_plan_summary_line_of_a_sized_model():
    """Llama 3.1 8B on L40S: weights 8.03e9 × 2 B = 14.96 GiB + KV 8 × 8,192 tokens × 128 KiB = 8 GiB + 1.5 runtime =
    24.5 GiB of 44.5 × 0.92 = 40.9 usable. g6e.xlarge is $1.861/h on demand and $0.837 spot (catalog, 2025-08), for
    1 to 2 replicas; a month is 730 hours: $1,358.53 and $2,717.06."""
    s = size_model(ModelSpec(name="chat", model="s3://weights/llama-3.1-8b", gpu_class="l40s"))
    assert s.summary() == (
        "chat: llama-3.1-8b kserve on 1×g6e.xlarge (TP 1, PP 1), 24.5/40.9 GiB per GPU, "
        f"cold start ~{s.cold_start.total_s}s, $1.86–3.72/h on-demand ($1,359–2,717/mo; spot $0.84–1.67/h; "
        "prices 2025-08)"
    )
