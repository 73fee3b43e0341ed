"""What sizing needs to know about a transformer: its weights and what one sequence keeps in the KV cache.

The KV cache depends on the attention kind (vLLM's KV cache specs: vllm/v1/kv_cache_interface.py —
``FullAttentionSpec``, ``SlidingWindowSpec``, ``ChunkedLocalAttentionSpec``, ``MLAAttentionSpec``)::

    full / grouped-query   2 × kv_heads × head_dim × bytes      per token per layer (keys and values)
    multi-head latent      (kv_lora_rank + qk_rope_head_dim) × bytes   per token per layer (one latent, no per-head K/V)
    sliding window         as grouped-query, but a sliding layer keeps at most `window` tokens of each sequence

Tensor parallelism splits per-head K/V across GPUs (replicating KV heads once TP exceeds them); an MLA latent is not
split by head, so every tensor-parallel GPU holds all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional

GIB = 2**30


class AttentionKind(str, Enum):
    """How a model's attention stores keys and values."""

    FULL = "full"
    """Multi-head attention: one K/V head per query head (`num_key_value_heads` = `num_attention_heads`)."""
    GROUPED_QUERY = "grouped_query"
    """Grouped-query attention: query heads share `kv_heads` K/V heads."""
    MULTI_HEAD_LATENT = "multi_head_latent"
    """DeepSeek's MLA: one compressed latent (`kv_lora_rank`) plus a decoupled RoPE key per token and layer."""
    SLIDING_WINDOW = "sliding_window"
    """Grouped-query attention where `sliding_layers` layers attend to the last `sliding_window` tokens only (Gemma 3,
    gpt-oss, Llama 4's chunked local layers); the others attend to the whole sequence."""


class WeightDtype(str, Enum):
    """Precision the checkpoint stores its weights in."""

    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"
    """8-bit floating point (DeepSeek-V3/R1 block-wise FP8)."""
    MXFP4 = "mxfp4"
    """OCP microscaling FP4: 4-bit values plus one 8-bit scale per 32, 4.25 bits a weight (gpt-oss experts)."""


BYTES_PER_WEIGHT: dict[WeightDtype, float] = {
    WeightDtype.BF16: 2.0,
    WeightDtype.FP16: 2.0,
    WeightDtype.FP8: 1.0,
    WeightDtype.MXFP4: 4.25 / 8,
}


@dataclass(frozen=True)
class Architecture:
    """One transformer architecture as it matters for memory."""

    key: str
    """Catalog key used in config (`llama-3.1-8b`), or the model's name for an inline description."""
    params_b: float
    """Parameters in billions (all experts for MoE models: every expert's weights are resident)."""
    layers: int
    """Decoder layers (`num_hidden_layers`); pipeline parallelism splits these."""
    attention_heads: int
    """Query heads (`num_attention_heads`); the tensor-parallel size must divide it."""
    kv_heads: int
    """Key/value heads (`num_key_value_heads`); below TP they are replicated."""
    head_dim: int
    """Size of one attention head."""
    max_context: int
    """Largest `max_model_len` the model supports (`max_position_embeddings`)."""
    aliases: tuple[str, ...] = ()
    """Lower-case fragments that identify the architecture in a model id or S3 prefix."""
    hf_id: str = ""
    """A canonical Hugging Face repository with these numbers (for documentation and examples)."""
    active_params_b: Optional[float] = None
    """Parameters used per token (MoE); None for dense models (all of them)."""
    attention: AttentionKind = AttentionKind.GROUPED_QUERY
    sliding_window: Optional[int] = None
    """Tokens a sliding-window layer attends to."""
    sliding_layers: int = 0
    """How many layers use the sliding window (the rest attend to the whole sequence)."""
    kv_lora_rank: Optional[int] = None
    """MLA: size of the compressed K/V latent cached per token and layer."""
    qk_rope_head_dim: Optional[int] = None
    """MLA: size of the decoupled RoPE key cached beside the latent."""
    weight_dtype: WeightDtype = WeightDtype.BF16
    """Precision of the checkpoint's weights."""
    quantized_params_b: Optional[float] = None
    """Parameters (billions) stored in `weight_dtype` when only some are (gpt-oss: the MoE experts in MXFP4, the rest
    BF16); None: all of them."""
    source: str = ""
    """Where the numbers were read (the model's config.json)."""

    # -- memory --------------------------------------------------------------------------------------
    def weight_bytes(self, bytes_per_param: Optional[float] = None) -> float:
        """Bytes of the weights: at ``bytes_per_param`` when the serving quantizes them, else as the checkpoint
        stores them (`weight_dtype`, for `quantized_params_b` of them, BF16 for the rest)."""
        if bytes_per_param is not None:
            return self.params_b * 1e9 * bytes_per_param
        native = BYTES_PER_WEIGHT[self.weight_dtype]
        quantized = self.params_b if self.quantized_params_b is None else self.quantized_params_b
        return (quantized * native + (self.params_b - quantized) * BYTES_PER_WEIGHT[WeightDtype.BF16]) * 1e9

    def kv_bytes_per_layer_token(self, kv_dtype_bytes: float) -> float:
        """KV-cache bytes one token occupies in one (full-attention) layer."""
        if self.attention is AttentionKind.MULTI_HEAD_LATENT:
            return (self.kv_lora_rank or 0) * kv_dtype_bytes + (self.qk_rope_head_dim or 0) * kv_dtype_bytes
        return 2 * self.kv_heads * self.head_dim * kv_dtype_bytes

    def kv_bytes_per_sequence(self, tokens: int, kv_dtype_bytes: float) -> float:
        """KV-cache bytes of one sequence of ``tokens`` tokens across all layers."""
        window = self.sliding_window or tokens
        full_layers = self.layers - self.sliding_layers
        per_layer_token = self.kv_bytes_per_layer_token(kv_dtype_bytes)
        return per_layer_token * (full_layers * tokens + self.sliding_layers * min(tokens, window))

    def kv_bytes_per_token(self, kv_dtype_bytes: float) -> float:
        """KV-cache bytes one token occupies across all layers, with every layer attending to it (the most a token
        can cost; sliding layers cost less once a sequence outgrows their window)."""
        return self.layers * self.kv_bytes_per_layer_token(kv_dtype_bytes)

    def kv_split(self, tensor_parallel: int) -> int:
        """How many ways tensor parallelism splits the KV cache: per-head K/V over at most `kv_heads` GPUs; an MLA
        latent not at all (every tensor-parallel rank caches it whole)."""
        if self.attention is AttentionKind.MULTI_HEAD_LATENT:
            return 1
        return min(tensor_parallel, self.kv_heads)

    @property
    def is_moe(self) -> bool:
        return self.active_params_b is not None and self.active_params_b < self.params_b
