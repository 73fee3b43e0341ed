"""Read the numbers sizing needs from a Hugging Face `config.json` (the file every checkpoint ships beside its
weights), so a model the catalog does not know can be described by naming that file.

Field names are those of the transformers configuration classes: `num_hidden_layers`, `num_attention_heads`,
`num_key_value_heads`, `head_dim`, `max_position_embeddings`; multimodal checkpoints (Gemma 3, Mistral Small 3.1,
Llama 4) keep them under `text_config`. The attention kind follows what the file declares: `kv_lora_rank` (DeepSeek
MLA, configuration_deepseek_v3.py), `layer_types` (gpt-oss, Gemma 3: "sliding_attention" / "full_attention"),
`sliding_window_pattern` (Gemma 3: one global layer in every N), `attention_chunk_size` with `no_rope_layer_interval`
(Llama 4: chunked local layers, every Nth global; configuration_llama4.py), or a `sliding_window` with
`use_sliding_window` (Mistral 7B v0.1, Qwen2). A config does not state its parameter count, so it is estimated from
the layer shapes (embeddings, attention, dense or expert MLPs); the estimate is within a few percent of the published
counts (tests/catalog/test_hf_config.py) and a description may give `params_b` instead.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from .architecture import AttentionKind, WeightDtype


class ConfigJsonError(ValueError):
    """A config.json sizing cannot read: the message names the missing or odd key."""


def _text(config: Mapping[str, Any]) -> Mapping[str, Any]:
    text = config.get("text_config")
    return text if isinstance(text, Mapping) else config


def _int(cfg: Mapping[str, Any], *keys: str, default: Optional[int] = None) -> int:
    for key in keys:
        value = cfg.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    if default is not None:
        return default
    raise ConfigJsonError(f"config.json has no positive integer {' or '.join(keys)}")


def _attention(cfg: Mapping[str, Any], layers: int) -> dict[str, Any]:
    if cfg.get("kv_lora_rank"):
        return {"attention": AttentionKind.MULTI_HEAD_LATENT, "kv_lora_rank": _int(cfg, "kv_lora_rank"),
                "qk_rope_head_dim": _int(cfg, "qk_rope_head_dim")}
    layer_types = cfg.get("layer_types")
    if isinstance(layer_types, list) and "sliding_attention" in layer_types:
        return {"attention": AttentionKind.SLIDING_WINDOW, "sliding_window": _int(cfg, "sliding_window"),
                "sliding_layers": sum(1 for t in layer_types if t == "sliding_attention")}
    if cfg.get("sliding_window_pattern") and cfg.get("sliding_window"):
        pattern = _int(cfg, "sliding_window_pattern")
        return {"attention": AttentionKind.SLIDING_WINDOW, "sliding_window": _int(cfg, "sliding_window"),
                "sliding_layers": layers - layers // pattern}
    if cfg.get("attention_chunk_size"):
        interval = _int(cfg, "no_rope_layer_interval", default=4)
        return {"attention": AttentionKind.SLIDING_WINDOW, "sliding_window": _int(cfg, "attention_chunk_size"),
                "sliding_layers": layers - layers // interval}
    if cfg.get("sliding_window") and cfg.get("use_sliding_window", True) and "use_sliding_window" in cfg:
        return {"attention": AttentionKind.SLIDING_WINDOW, "sliding_window": _int(cfg, "sliding_window"),
                "sliding_layers": layers}
    heads, kv = _int(cfg, "num_attention_heads"), _int(cfg, "num_key_value_heads", "num_attention_heads")
    return {"attention": AttentionKind.FULL if kv == heads else AttentionKind.GROUPED_QUERY}


def _attention_params(cfg: Mapping[str, Any], hidden: int, heads: int, kv: int, head_dim: int) -> int:
    if cfg.get("kv_lora_rank"):  # MLA projections (configuration_deepseek_v3.py)
        q_lora, kv_lora = cfg.get("q_lora_rank") or 0, _int(cfg, "kv_lora_rank")
        nope, rope, v = _int(cfg, "qk_nope_head_dim"), _int(cfg, "qk_rope_head_dim"), _int(cfg, "v_head_dim")
        q = hidden * q_lora + q_lora * heads * (nope + rope) if q_lora else hidden * heads * (nope + rope)
        return q + hidden * (kv_lora + rope) + kv_lora * heads * (nope + v) + heads * v * hidden
    return 2 * hidden * heads * head_dim + 2 * hidden * kv * head_dim


def _mlp_params(cfg: Mapping[str, Any], hidden: int, layers: int) -> tuple[int, int]:
    """(all MLP parameters, those in routed experts)."""
    experts = cfg.get("num_local_experts") or cfg.get("num_experts") or cfg.get("n_routed_experts") or 0
    dense_inter = _int(cfg, "intermediate_size_mlp", "intermediate_size")
    if not experts:
        return layers * 3 * hidden * dense_inter, 0
    expert_inter = _int(cfg, "moe_intermediate_size", "intermediate_size")
    dense_layers = cfg.get("first_k_dense_replace") or 0
    step = cfg.get("interleave_moe_layer_step") or cfg.get("decoder_sparse_step") or 1
    moe_layers = (layers - dense_layers) // step
    shared = (cfg.get("n_shared_experts") or (1 if "interleave_moe_layer_step" in cfg else 0)) * expert_inter
    shared += cfg.get("shared_expert_intermediate_size") or 0
    routed = moe_layers * experts * 3 * hidden * expert_inter
    return routed + moe_layers * 3 * hidden * shared + (layers - moe_layers) * 3 * hidden * dense_inter, routed


def architecture_fields(config: Mapping[str, Any]) -> dict[str, Any]:
    """The architecture numbers a config.json states (field names of :class:`~.architecture.Architecture`)."""
    cfg = _text(config)
    layers = _int(cfg, "num_hidden_layers", "n_layers")
    heads = _int(cfg, "num_attention_heads")
    kv = _int(cfg, "num_key_value_heads", "num_attention_heads")
    hidden = _int(cfg, "hidden_size")
    head_dim = _int(cfg, "head_dim", default=hidden // heads)
    if cfg.get("kv_lora_rank"):
        head_dim = _int(cfg, "qk_nope_head_dim") + _int(cfg, "qk_rope_head_dim")
    vocab = _int(cfg, "vocab_size")
    mlp, routed = _mlp_params(cfg, hidden, layers)
    embeddings = vocab * hidden * (1 if (config.get("tie_word_embeddings") or cfg.get("tie_word_embeddings")) else 2)
    params = embeddings + layers * _attention_params(cfg, hidden, heads, kv, head_dim) + mlp
    quant = (config.get("quantization_config") or {}).get("quant_method")
    fields: dict[str, Any] = {
        "layers": layers, "attention_heads": heads, "kv_heads": kv, "head_dim": head_dim,
        "max_context": _int(cfg, "max_position_embeddings"), "params_b": round(params / 1e9, 2),
        **_attention(cfg, layers),
    }
    if quant == "fp8":
        fields["weight_dtype"] = WeightDtype.FP8
    elif quant == "mxfp4":  # gpt-oss: the routed experts only (`modules_to_not_convert` keeps the rest BF16)
        fields["weight_dtype"], fields["quantized_params_b"] = WeightDtype.MXFP4, round(routed / 1e9, 2)
    elif quant:
        raise ConfigJsonError(f"config.json quantization {quant!r}: describe the checkpoint with `quantization:` "
                              "and the architecture numbers inline instead")
    elif str(cfg.get("torch_dtype") or config.get("torch_dtype") or "") == "float16":
        fields["weight_dtype"] = WeightDtype.FP16
    return fields
