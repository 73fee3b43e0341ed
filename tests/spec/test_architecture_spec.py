"""A model the catalog does not know: described inline or by its config.json; a wrong description names the field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gpu_platform

from gpu_platform.resolve import resolve
from gpu_platform.spec import ModelSpec, SpecError, validate_spec

from catalog.test_hf_config import DEEPSEEK_V3, GPT_OSS_120B, LLAMA_31_8B

INLINE = {"params_b": 14.7, "layers": 40, "attention_heads": 40, "kv_heads": 8, "head_dim": 128, "max_context": 32768}


def problems(architecture) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        validate_spec(ModelSpec, {"name": "m", "model": "acme/private-14b", "architecture": architecture})
    return dict(info.value.problems)


def test_an_unknown_model_deploys_when_described_inline():
    platform = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-x"},
                "models": [{"name": "m", "model": "acme/private-14b", "architecture": INLINE}]}
    [model] = resolve(platform).models
    arch = model.spec.arch
    assert (arch.key, arch.layers, arch.kv_heads, arch.attention.value) == ("m", 40, 8, "grouped_query")
    # 14.7B × 2 bytes: the sizing report carries it
    assert model.sizing.weights_gib == pytest.approx(14.7e9 * 2 / 2**30, abs=0.01)


@pytest.mark.parametrize(("change", "field", "fragment"), [
    ({"kv_heads": 6}, "architecture.kv_heads", "do not divide 40"),
    ({"active_params_b": 20}, "architecture.active_params_b", "more than"),
    ({"attention": "multi_head_latent"}, "architecture.kv_lora_rank", "give both"),
    ({"attention": "sliding_window"}, "architecture.sliding_window", "needs the window"),
    ({"attention": "full"}, "architecture.attention", "grouped_query"),
    ({"sliding_window": 4096}, "architecture.sliding_window", "sliding_window only"),
    ({"layers": None}, "architecture.layers", "required"),
])
def test_a_wrong_description_fails_naming_the_field(change, field, fragment):
    found = problems({**INLINE, **change})
    assert field in found and fragment in found[field], found


def test_a_config_json_can_be_named_instead(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "config.json").write_text(json.dumps(GPT_OSS_120B))
    monkeypatch.chdir(tmp_path)  # paths are relative to where the program runs (the project root)
    spec = ModelSpec(name="oss", model="s3://weights/private-oss/", architecture={"config_json": "models/config.json"})
    arch = spec.arch
    assert (arch.layers, arch.sliding_window, arch.sliding_layers, arch.weight_dtype.value) == (36, 128, 18, "mxfp4")
    # typed numbers win over the file's (a YaRN-extended context, say)
    longer = ModelSpec(name="oss", model="s3://weights/x/", architecture={"config_json": "models/config.json",
                                                                          "max_context": 262144})
    assert longer.arch.max_context == 262144


def test_config_json_problems_are_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "no such file" in problems({"config_json": "missing.json"})["architecture.config_json"]
    assert "cannot read S3" in problems({"config_json": "s3://b/m/config.json"})["architecture.config_json"]
    (tmp_path / "bad.json").write_text("{not json")
    assert "not a readable JSON" in problems({"config_json": "bad.json"})["architecture.config_json"]
    assert "not both" in problems({"config_json": "bad.json", "catalog": "qwen3-8b"})["architecture.config_json"]


def test_a_catalog_key_is_short_for_its_entry():
    assert ModelSpec(name="m", model="acme/x", architecture="qwen3-32b").arch.layers == 64
    assert "unknown architecture" in problems("qwen9-1t")["architecture"]


# ------------------------------------------------------------------------------------ what a description gives
# deepseek-ai/DeepSeek-V3 config.json: 61 layers, 128 query and 128 KV heads, kv_lora_rank 512, qk_rope_head_dim 64,
# qk_nope_head_dim 128, max_position_embeddings 163840; README: 671B total, 37B active.
MLA_INLINE = {"params_b": 671.0, "active_params_b": 37.0, "layers": 61, "attention_heads": 128, "kv_heads": 128,
              "head_dim": 192, "max_context": 163840, "attention": "multi_head_latent"}
MLA_MESSAGE = "multi_head_latent attention caches kv_lora_rank + qk_rope_head_dim values per token: give both"


def arch_of(architecture):
    return ModelSpec(name="m", model="acme/private-14b", architecture=architecture).arch


@pytest.mark.parametrize(("description", "field", "message"), [
    ({**MLA_INLINE}, "kv_lora_rank", MLA_MESSAGE),
    ({**MLA_INLINE, "kv_lora_rank": 512}, "kv_lora_rank", MLA_MESSAGE),
    ({**MLA_INLINE, "qk_rope_head_dim": 64}, "kv_lora_rank", MLA_MESSAGE),
    ({**INLINE, "attention": "sliding_window"}, "sliding_window",
     "sliding_window attention needs the window (tokens)"),
    ({**INLINE, "sliding_window": 4096}, "sliding_window", "applies to attention: sliding_window only"),
    ({**INLINE, "attention": "sliding_window", "sliding_window": 4096, "sliding_layers": 41}, "sliding_layers",
     "cannot exceed the model's 40 layers"),
    ({**INLINE, "attention": "full"}, "attention",
     "full attention has one KV head per query head; with fewer KV heads use grouped_query"),
])
def test_an_attention_refusal_names_the_field_to_set_and_says_why(description, field, message):
    assert problems(description) == {f"architecture.{field}": message}


def test_an_inline_mla_architecture_caches_one_latent_per_token_and_layer():
    arch = arch_of({**MLA_INLINE, "kv_lora_rank": 512, "qk_rope_head_dim": 64})
    assert (arch.attention.value, arch.kv_lora_rank, arch.qk_rope_head_dim) == ("multi_head_latent", 512, 64)
    assert (arch.params_b, arch.active_params_b, arch.sliding_layers, arch.sliding_window) == (671.0, 37.0, 0, None)
    assert arch.kv_bytes_per_layer_token(2) == (512 + 64) * 2  # BF16 latent + RoPE key, not 2 × 128 heads × 192
    assert arch.source == "described inline"


@pytest.mark.parametrize(("kv_heads", "kind"), [(40, "full"), (8, "grouped_query")])
def test_without_an_attention_kind_the_head_counts_decide_it(kv_heads, kind):
    arch = arch_of({**INLINE, "kv_heads": kv_heads})
    assert (arch.attention.value, arch.sliding_layers, arch.sliding_window) == (kind, 0, None)
    assert (arch.key, arch.source, arch.weight_dtype.value) == ("m", "described inline", "bf16")


def test_a_sliding_window_may_cover_every_layer_and_does_by_default():
    windowed = {**INLINE, "attention": "sliding_window", "sliding_window": 4096}
    every = arch_of({**windowed, "sliding_layers": 40})
    assert (every.sliding_window, every.sliding_layers) == (4096, 40)
    assert arch_of(windowed).sliding_layers == 40
    half = arch_of({**windowed, "sliding_layers": 20})
    assert (half.sliding_window, half.sliding_layers) == (4096, 20)


def test_an_inline_moe_keeps_its_active_and_quantized_parameters():
    # openai/gpt-oss-120b: README 117B total (116.8), 5.1B active; MXFP4 experts 36 × 128 × 3 × 2880² ≈ 114.7B;
    # 36 layers, 64/8 heads of 64, every other layer a 128-token window (layer_types), context 131072.
    arch = arch_of({"params_b": 116.8, "active_params_b": 5.1, "quantized_params_b": 114.7, "weight_dtype": "mxfp4",
                    "layers": 36, "attention_heads": 64, "kv_heads": 8, "head_dim": 64, "max_context": 131072,
                    "attention": "sliding_window", "sliding_window": 128, "sliding_layers": 18})
    assert (arch.params_b, arch.active_params_b, arch.quantized_params_b) == (116.8, 5.1, 114.7)
    assert (arch.weight_dtype.value, arch.sliding_window, arch.sliding_layers) == ("mxfp4", 128, 18)


def test_a_deepseek_v3_config_json_gives_its_mla_numbers(tmp_path, monkeypatch):
    (tmp_path / "models" / "deepseek-v3").mkdir(parents=True)
    (tmp_path / "models" / "deepseek-v3" / "config.json").write_text(json.dumps(DEEPSEEK_V3))
    monkeypatch.chdir(tmp_path)
    arch = arch_of({"config_json": "models/deepseek-v3/config.json"})
    assert (arch.layers, arch.attention_heads, arch.kv_heads, arch.max_context) == (61, 128, 128, 163840)
    # head_dim: qk_nope_head_dim 128 + qk_rope_head_dim 64 (the query/key head size)
    assert (arch.head_dim, arch.kv_lora_rank, arch.qk_rope_head_dim) == (192, 512, 64)
    assert (arch.attention.value, arch.weight_dtype.value) == ("multi_head_latent", "fp8")
    assert arch.source == "models/deepseek-v3/config.json"


def test_a_catalog_entry_cites_the_config_json_its_numbers_come_from():
    assert arch_of("deepseek-v3").source == "deepseek-ai/DeepSeek-V3/config.json"
    assert arch_of({"catalog": "qwen3-32b"}).source == "Qwen/Qwen3-32B/config.json"


def test_an_unknown_catalog_key_is_refused_listing_the_known_ones():
    found = problems({"catalog": "qwen9-1t"})
    assert list(found) == ["architecture.catalog"]
    head, known = found["architecture.catalog"].split("; known: ")
    assert head == "unknown architecture 'qwen9-1t'"
    assert {"qwen3-32b", "deepseek-v3", "gpt-oss-120b"} <= set(known.split(", "))


def test_a_config_json_in_s3_or_not_an_object_is_refused_saying_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert problems({"config_json": "s3://b/m/config.json"}) == {"architecture.config_json": (
        "the offline plan cannot read S3: copy the file into the project "
        "(`aws s3 cp s3://b/m/config.json models/<name>/config.json`) and name that path")}
    (tmp_path / "list.json").write_text("[1, 2]")
    assert problems({"config_json": "list.json"}) == {"architecture.config_json": "list.json: must hold a JSON object"}


def test_a_config_json_is_read_as_utf8_whatever_the_locale(tmp_path):
    # JSON exchanged between systems is UTF-8 (RFC 8259 §8.1); a machine whose locale is plain C (ASCII) must read
    # a config.json holding non-ASCII text all the same. A fresh interpreter, to have that locale.
    config = {**LLAMA_31_8B, "_name_or_path": "/modèles/llama-3.1-8b"}
    (tmp_path / "config.json").write_bytes(json.dumps(config, ensure_ascii=False).encode("utf-8"))
    code = ("import locale; from gpu_platform.spec import ModelSpec; "
            "a = ModelSpec(name='m', model='acme/x', architecture={'config_json': 'config.json'}).arch; "
            "print(locale.getpreferredencoding(False), a.layers, a.kv_heads, a.max_context)")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
           "PYTHONPATH": str(Path(gpu_platform.__file__).resolve().parents[1])}
    if env.get("MUTANT_UNDER_TEST") == "stats":  # `make mutate`'s coverage pass: a child process cannot report to it
        del env["MUTANT_UNDER_TEST"]
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    encoding, *numbers = run.stdout.split() or ["?"]
    assert run.returncode == 0, run.stderr
    assert encoding.lower().replace("-", "") != "utf8", "the test needs a non-UTF-8 locale"
    assert numbers == ["32", "8", "131072"]  # meta-llama/Llama-3.1-8B-Instruct config.json
