"""Known model architectures: the numbers sizing needs (parameters, layers, attention heads, KV heads, head size,
maximum context), read from each model's `config.json` on the Hugging Face Hub (reviewed 2026-11).

A model id (`meta-llama/Llama-3.1-8B-Instruct`) or an S3 prefix (`s3://weights/llama-3.1-8b-instruct/`) is matched
to an architecture by the longest alias contained in its last path segment; a spec may also name the architecture
explicitly. Instruct/base variants and Llama 3.3 share their architecture's numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from .architecture import Architecture, AttentionKind, WeightDtype

GQA, MLA, SWA = AttentionKind.GROUPED_QUERY, AttentionKind.MULTI_HEAD_LATENT, AttentionKind.SLIDING_WINDOW


def _a(key, params_b, layers, heads, kv, head_dim, ctx, aliases, hf_id, **more) -> Architecture:
    return Architecture(key, params_b, layers, heads, kv, head_dim, ctx, (key, *aliases), hf_id,
                        source=more.pop("source", f"{hf_id}/config.json"), **more)


ARCHITECTURES: dict[str, Architecture] = {
    a.key: a
    for a in (
        _a("llama-3.2-1b", 1.24, 16, 32, 8, 64, 131072, (), "meta-llama/Llama-3.2-1B-Instruct"),
        _a("llama-3.2-3b", 3.21, 28, 24, 8, 128, 131072, (), "meta-llama/Llama-3.2-3B-Instruct"),
        _a("llama-3.1-8b", 8.03, 32, 32, 8, 128, 131072, ("llama-3-8b", "meta-llama-3.1-8b"), "meta-llama/Llama-3.1-8B-Instruct"),
        _a("llama-3.1-70b", 70.6, 80, 64, 8, 128, 131072, ("llama-3.3-70b", "llama-3-70b", "meta-llama-3.1-70b"), "meta-llama/Llama-3.1-70B-Instruct"),
        _a("llama-3.1-405b", 405.9, 126, 128, 8, 128, 131072, ("meta-llama-3.1-405b",), "meta-llama/Llama-3.1-405B-Instruct"),
        _a("qwen2.5-3b", 3.09, 36, 16, 2, 128, 32768, (), "Qwen/Qwen2.5-3B-Instruct"),
        _a("qwen2.5-7b", 7.62, 28, 28, 4, 128, 32768, (), "Qwen/Qwen2.5-7B-Instruct"),
        _a("qwen2.5-14b", 14.8, 48, 40, 8, 128, 32768, (), "Qwen/Qwen2.5-14B-Instruct"),
        _a("qwen2.5-32b", 32.8, 64, 40, 8, 128, 32768, (), "Qwen/Qwen2.5-32B-Instruct"),
        _a("qwen2.5-72b", 72.7, 80, 64, 8, 128, 32768, (), "Qwen/Qwen2.5-72B-Instruct"),
        _a("mistral-7b", 7.25, 32, 32, 8, 128, 32768, (), "mistralai/Mistral-7B-Instruct-v0.3"),
        _a("mixtral-8x7b", 46.7, 32, 32, 8, 128, 32768, (), "mistralai/Mixtral-8x7B-Instruct-v0.1"),
        _a("gemma-2-9b", 9.24, 42, 16, 8, 256, 8192, (), "google/gemma-2-9b-it"),
        _a("gemma-2-27b", 27.2, 46, 32, 16, 128, 8192, (), "google/gemma-2-27b-it"),
        # -- 2025-26 families. Numbers from each repository's config.json (params from the model card).
        _a("qwen3-8b", 8.19, 36, 32, 8, 128, 40960, (), "Qwen/Qwen3-8B"),
        _a("qwen3-32b", 32.8, 64, 64, 8, 128, 40960, (), "Qwen/Qwen3-32B"),
        _a("qwen3-30b-a3b", 30.5, 48, 32, 4, 128, 40960, (), "Qwen/Qwen3-30B-A3B", active_params_b=3.3),
        _a("qwen3-235b-a22b", 235.1, 94, 64, 4, 128, 40960, (), "Qwen/Qwen3-235B-A22B", active_params_b=22.0),
        # Llama 4: three of every four layers use chunked local attention over 8192 tokens (`attention_chunk_size`;
        # every 4th is a global NoPE layer), which vLLM caches like a sliding window (ChunkedLocalAttentionSpec).
        _a("llama-4-scout-17b-16e", 108.6, 48, 40, 8, 128, 10485760, ("llama-4-scout",),
           "meta-llama/Llama-4-Scout-17B-16E-Instruct", active_params_b=17.0, attention=SWA, sliding_window=8192,
           sliding_layers=36),
        _a("llama-4-maverick-17b-128e", 401.6, 48, 40, 8, 128, 1048576, ("llama-4-maverick",),
           "meta-llama/Llama-4-Maverick-17B-128E-Instruct", active_params_b=17.0, attention=SWA,
           sliding_window=8192, sliding_layers=36),
        # DeepSeek-V3/R1: MLA (kv_lora_rank 512 + qk_rope_head_dim 64 cached per token and layer), FP8 weights.
        # 671B main-model parameters; the checkpoint also carries the 14B multi-token-prediction module vLLM does
        # not load unless speculative decoding asks for it.
        _a("deepseek-v3", 671.0, 61, 128, 128, 192, 163840, ("deepseek-v3-0324",), "deepseek-ai/DeepSeek-V3",
           active_params_b=37.0, attention=MLA, kv_lora_rank=512, qk_rope_head_dim=64, weight_dtype=WeightDtype.FP8),
        _a("deepseek-r1", 671.0, 61, 128, 128, 192, 163840, ("deepseek-r1-0528",), "deepseek-ai/DeepSeek-R1",
           active_params_b=37.0, attention=MLA, kv_lora_rank=512, qk_rope_head_dim=64, weight_dtype=WeightDtype.FP8),
        # gpt-oss: MoE experts in MXFP4 (128 or 32 experts × 3 × 2880² per layer), everything else BF16; every other
        # layer a 128-token sliding window (`layer_types`).
        _a("gpt-oss-120b", 116.8, 36, 64, 8, 64, 131072, (), "openai/gpt-oss-120b", active_params_b=5.1,
           attention=SWA, sliding_window=128, sliding_layers=18, weight_dtype=WeightDtype.MXFP4,
           quantized_params_b=114.7),
        _a("gpt-oss-20b", 20.9, 24, 64, 8, 64, 131072, (), "openai/gpt-oss-20b", active_params_b=3.6,
           attention=SWA, sliding_window=128, sliding_layers=12, weight_dtype=WeightDtype.MXFP4,
           quantized_params_b=19.1),
        # Gemma 3: five local (1024-token sliding window) layers for every global one (`sliding_window_pattern` 6).
        _a("gemma-3-4b", 4.3, 34, 8, 4, 256, 131072, (), "google/gemma-3-4b-it", attention=SWA,
           sliding_window=1024, sliding_layers=29),
        _a("gemma-3-12b", 12.2, 48, 16, 8, 256, 131072, (), "google/gemma-3-12b-it", attention=SWA,
           sliding_window=1024, sliding_layers=40),
        _a("gemma-3-27b", 27.4, 62, 32, 16, 128, 131072, (), "google/gemma-3-27b-it", attention=SWA,
           sliding_window=1024, sliding_layers=52),
        _a("mistral-small-3.1-24b", 24.0, 40, 32, 8, 128, 131072,
           ("mistral-small-3.1-24b-instruct", "mistral-small-3.2-24b", "mistral-small-24b"),
           "mistralai/Mistral-Small-3.1-24B-Instruct-2503"),
    )
}

_SEP = re.compile(r"[_\s]+")
# An alias must end at a boundary so `qwen2.5-3b` does not match `qwen2.5-32b`.
_ALIASES = tuple(
    (len(alias), re.compile(re.escape(alias) + r"(?![0-9.])"), arch)
    for arch in ARCHITECTURES.values()
    for alias in arch.aliases
)


def architecture(key: str) -> Architecture:
    """The architecture ``key``; a KeyError lists the known keys."""
    try:
        return ARCHITECTURES[key]
    except KeyError:
        raise KeyError(f"unknown architecture {key!r}; known: {', '.join(ARCHITECTURES)}") from None


@lru_cache(maxsize=1024)
def match_architecture(model: str) -> Optional[Architecture]:
    """The architecture a Hugging Face id or S3 URI names, by the longest alias in its last path segment."""
    segment = _SEP.sub("-", model.rstrip("/").rsplit("/", 1)[-1].lower())
    best: Optional[tuple[int, Architecture]] = None
    for length, pattern, arch in _ALIASES:
        if (best is None or length > best[0]) and pattern.search(segment):
            best = (length, arch)
    return best[1] if best else None
