"""Sizing per attention kind, checked against numbers worked by hand from each model's config.json (cited in
tests/catalog/test_hf_config.py and gpu_platform/catalog/models.py), and weights against published checkpoint sizes."""

from __future__ import annotations

import pytest

from gpu_platform.catalog.gpus import GPU_CLASSES
from gpu_platform.catalog.models import ARCHITECTURES
from gpu_platform.sizing import GIB, weight_gib
from gpu_platform.sizing.memory import fit
from gpu_platform.spec import ModelSpec

# Published checkpoint sizes (safetensors total on each Hugging Face repository page, GB = 1e9 bytes). The pages
# are not reachable from this machine, so these are as recalled from the model pages and cards: unverified here.
# DeepSeek-V3's 688 GB includes the 14B multi-token-prediction module and BF16 embeddings/norms, which sizing's
# 671B × 1 byte leaves out (vLLM does not load the MTP module unless speculative decoding asks for it).
PUBLISHED_GB = {"qwen3-32b": 65.5, "gpt-oss-120b": 65.3, "deepseek-v3": 688.6, "llama-4-scout-17b-16e": 217.6}


@pytest.mark.parametrize("key", sorted(PUBLISHED_GB))
def test_weights_are_within_5_percent_of_the_published_checkpoint(key):
    assert weight_gib(ARCHITECTURES[key], None) * GIB / 1e9 == pytest.approx(PUBLISHED_GB[key], rel=0.05)


def test_kv_bytes_per_token_per_attention_kind():
    bf16 = 2
    # grouped-query, Qwen3-32B: 2 (K and V) × 64 layers × 8 KV heads × 128 × 2 bytes
    assert ARCHITECTURES["qwen3-32b"].kv_bytes_per_token(bf16) == 2 * 64 * 8 * 128 * 2 == 262_144
    # multi-head latent, DeepSeek-V3: 61 layers × (512 latent + 64 RoPE key) × 2 bytes, no per-head K/V
    assert ARCHITECTURES["deepseek-v3"].kv_bytes_per_token(bf16) == 61 * (512 + 64) * 2 == 70_272


def test_sliding_window_layers_cap_at_the_window():
    oss = ARCHITECTURES["gpt-oss-120b"]  # 18 full layers, 18 with a 128-token window; 8 KV heads of 64
    per_layer_token = 2 * 8 * 64 * 2
    assert oss.kv_bytes_per_sequence(8192, 2) == per_layer_token * (18 * 8192 + 18 * 128) == 306_708_480
    assert oss.kv_bytes_per_sequence(100, 2) == per_layer_token * 36 * 100  # shorter than the window: all layers
    scout = ARCHITECTURES["llama-4-scout-17b-16e"]  # 12 global layers, 36 chunked over 8192 tokens
    assert scout.kv_bytes_per_sequence(32768, 2) == 2 * 8 * 128 * 2 * (12 * 32768 + 36 * 8192) == 2_818_572_288


def test_tensor_parallelism_does_not_split_an_mla_latent():
    """vLLM's MLA backends keep the whole latent on every tensor-parallel rank; per-head K/V is split."""
    h100 = GPU_CLASSES["h100"]
    inst = max(h100.instances, key=lambda i: i.gpus)
    spec = ModelSpec(name="r1", model="deepseek-ai/DeepSeek-R1", max_model_len=16384, concurrency=4)
    kv_total = 61 * 576 * 2 * 16384 * 4 / GIB
    assert fit(spec, h100, inst, 8, 2).kv_gpu == pytest.approx(kv_total / 2)  # split over the 2 pipeline stages only
    qwen = ModelSpec(name="q", model="Qwen/Qwen3-32B", max_model_len=16384, concurrency=4)
    kv_qwen = 2 * 64 * 8 * 128 * 2 * 16384 * 4 / GIB
    assert fit(qwen, h100, inst, 4, 1).kv_gpu == pytest.approx(kv_qwen / 4)


def test_moe_models_keep_every_expert_resident():
    """Memory follows total parameters (all experts are loaded), not the active ones."""
    arch = ARCHITECTURES["qwen3-30b-a3b"]
    assert arch.is_moe and weight_gib(arch, None) == pytest.approx(30.5e9 * 2 / GIB)
