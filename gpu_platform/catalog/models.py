"""Known model architectures: the numbers sizing needs (parameters, layers, attention heads, KV heads, head size,
maximum context), read from each model's `config.json` on the Hugging Face Hub (reviewed 2026-11).

A model id (`meta-llama/Llama-3.1-8B-Instruct`) or an S3 prefix (`s3://weights/llama-3.1-8b-instruct/`) is matched
to an architecture by the longest alias contained in its last path segment; a spec may also name the architecture
explicitly. Instruct/base variants and Llama 3.3 share their architecture's numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional


@dataclass(frozen=True)
class Architecture:
    """One transformer architecture as it matters for memory: weights and the per-token KV cache."""

    key: str
    """Catalog key used in config (`llama-3.1-8b`)."""
    params_b: float
    """Parameters in billions (all experts for MoE models: every expert's weights are resident)."""
    layers: int
    """Decoder layers (`num_hidden_layers`); pipeline parallelism splits these."""
    attention_heads: int
    """Query heads (`num_attention_heads`); the tensor-parallel size must divide it."""
    kv_heads: int
    """Key/value heads (`num_key_value_heads`, grouped-query attention); below TP they are replicated."""
    head_dim: int
    """Size of one attention head."""
    max_context: int
    """Largest `max_model_len` the model supports (`max_position_embeddings`)."""
    aliases: tuple[str, ...]
    """Lower-case fragments that identify the architecture in a model id or S3 prefix."""
    hf_id: str
    """A canonical Hugging Face repository with these numbers (for documentation and examples)."""

    def kv_bytes_per_token(self, kv_dtype_bytes: float) -> float:
        """KV-cache bytes one token occupies across all layers (keys and values)."""
        return 2 * self.layers * self.kv_heads * self.head_dim * kv_dtype_bytes


def _a(key, params_b, layers, heads, kv, head_dim, ctx, aliases, hf_id) -> Architecture:
    return Architecture(key, params_b, layers, heads, kv, head_dim, ctx, (key, *aliases), hf_id)


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
