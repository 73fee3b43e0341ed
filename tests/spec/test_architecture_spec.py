"""A model the catalog does not know: described inline or by its config.json; a wrong description names the field."""

from __future__ import annotations

import json

import pytest

from gpu_platform.resolve import resolve
from gpu_platform.spec import ModelSpec, SpecError, validate_spec

from catalog.test_hf_config import GPT_OSS_120B

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
