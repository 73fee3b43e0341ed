"""Reading a model's config.json: the numbers sizing needs, per attention kind, and a parameter estimate close to the
published counts. The configs below are the fields of each model's own config.json as mirrored in the sources cited
(the Hugging Face files themselves are not reachable from here); expected totals come from the model cards."""

from __future__ import annotations

import pytest

from gpu_platform.catalog.architecture import AttentionKind, WeightDtype
from gpu_platform.catalog.hf_config import ConfigJsonError, architecture_fields

# meta-llama/Llama-3.1-8B-Instruct config.json; model card: 8.03B parameters.
LLAMA_31_8B = {"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
               "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
               "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
# Qwen/Qwen3-32B config.json (hidden 5120, intermediate 25600, 64 layers, 64/8 heads, head_dim 128); card: 32.8B.
QWEN3_32B = {"hidden_size": 5120, "intermediate_size": 25600, "num_hidden_layers": 64, "num_attention_heads": 64,
             "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936, "max_position_embeddings": 40960,
             "tie_word_embeddings": False, "sliding_window": None, "use_sliding_window": False}
# deepseek-ai/DeepSeek-V3: inference/configs/config_671B.json and the HF config.json field names; README: 671B
# total (the 14B multi-token-prediction module is separate), 37B active.
DEEPSEEK_V3 = {"hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048,
               "num_hidden_layers": 61, "first_k_dense_replace": 3, "n_routed_experts": 256, "n_shared_experts": 1,
               "num_attention_heads": 128, "num_key_value_heads": 128, "q_lora_rank": 1536, "kv_lora_rank": 512,
               "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 129280,
               "max_position_embeddings": 163840, "quantization_config": {"quant_method": "fp8"}}
# openai/gpt-oss-120b: openai/gpt-oss gpt_oss/torch/model.py ModelConfig (36 layers, 128 experts, hidden and
# intermediate 2880, 64/8 heads of 64, sliding window 128 on even layers) and the HF config's layer_types and
# quantization_config (MXFP4 experts); README: 117B total, 5.1B active.
GPT_OSS_120B = {"hidden_size": 2880, "intermediate_size": 2880, "num_hidden_layers": 36, "num_local_experts": 128,
                "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 201088,
                "max_position_embeddings": 131072, "sliding_window": 128,
                "layer_types": ["sliding_attention", "full_attention"] * 18,
                "quantization_config": {"quant_method": "mxfp4"}}
# google/gemma-3-27b-it config.json text_config (google-deepmind/gemma _gemma.py: 62 layers, 32/16 heads of 128,
# 1024-token window, 5 local : 1 global).
GEMMA_3_27B = {"text_config": {"hidden_size": 5376, "intermediate_size": 21504, "num_hidden_layers": 62,
                               "num_attention_heads": 32, "num_key_value_heads": 16, "head_dim": 128,
                               "vocab_size": 262208, "max_position_embeddings": 131072, "sliding_window": 1024,
                               "sliding_window_pattern": 6}}
# meta-llama/Llama-4-Scout-17B-16E-Instruct text_config (transformers configuration_llama4.py field names; card:
# 109B total, 17B active; chunked attention over 8192 tokens, every 4th layer global).
LLAMA_4_SCOUT = {"text_config": {"hidden_size": 5120, "intermediate_size": 8192, "intermediate_size_mlp": 16384,
                                 "num_hidden_layers": 48, "num_local_experts": 16, "interleave_moe_layer_step": 1,
                                 "num_attention_heads": 40, "num_key_value_heads": 8, "head_dim": 128,
                                 "vocab_size": 202048, "max_position_embeddings": 10485760,
                                 "attention_chunk_size": 8192, "no_rope_layer_interval": 4}}


@pytest.mark.parametrize(("config", "published_b"), [
    (LLAMA_31_8B, 8.03), (QWEN3_32B, 32.8), (DEEPSEEK_V3, 671.0), (GPT_OSS_120B, 116.8), (LLAMA_4_SCOUT, 108.6),
])
def test_parameter_estimate_is_within_3_percent_of_the_model_card(config, published_b):
    assert architecture_fields(config)["params_b"] == pytest.approx(published_b, rel=0.03)


def test_grouped_query_model():
    f = architecture_fields(QWEN3_32B)
    assert (f["layers"], f["attention_heads"], f["kv_heads"], f["head_dim"], f["max_context"]) == (64, 64, 8, 128, 40960)
    assert f["attention"] is AttentionKind.GROUPED_QUERY and "weight_dtype" not in f
    assert architecture_fields(LLAMA_31_8B)["head_dim"] == 4096 // 32  # no head_dim key: hidden ÷ heads


def test_multi_head_latent_and_fp8():
    f = architecture_fields(DEEPSEEK_V3)
    assert f["attention"] is AttentionKind.MULTI_HEAD_LATENT
    assert (f["kv_lora_rank"], f["qk_rope_head_dim"], f["head_dim"]) == (512, 64, 128 + 64)
    assert f["weight_dtype"] is WeightDtype.FP8


def test_sliding_window_from_layer_types_pattern_and_chunks():
    oss = architecture_fields(GPT_OSS_120B)
    assert (oss["attention"], oss["sliding_window"], oss["sliding_layers"]) == (AttentionKind.SLIDING_WINDOW, 128, 18)
    # the experts: 36 layers × 128 experts × 3 × 2880² = 114.65B in MXFP4
    assert oss["weight_dtype"] is WeightDtype.MXFP4 and oss["quantized_params_b"] == pytest.approx(114.65, abs=0.01)
    gemma = architecture_fields(GEMMA_3_27B)
    assert (gemma["sliding_window"], gemma["sliding_layers"]) == (1024, 62 - 62 // 6)
    scout = architecture_fields(LLAMA_4_SCOUT)
    assert (scout["sliding_window"], scout["sliding_layers"]) == (8192, 36)


def test_what_it_cannot_read_is_named():
    with pytest.raises(ConfigJsonError, match="num_hidden_layers"):
        architecture_fields({"hidden_size": 4096})
    with pytest.raises(ConfigJsonError, match="awq"):
        architecture_fields({**LLAMA_31_8B, "quantization_config": {"quant_method": "awq"}})
