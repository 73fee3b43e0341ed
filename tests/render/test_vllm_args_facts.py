"""The rendered `vllm serve` command line against vLLM 0.33.0 as read from its wheel (../shared/upstream/facts.md),
not against the library's own flag tables: every flag exists, none is removed, and every value is concrete.

Why a value must be concrete: vLLM's argparse types read `None` as "unset" for optional fields (vllm/engine/
arg_utils.py `optional_type`: `if val == "" or val == "None": return None`, seen in vLLM's source in the stored
index; not re-read in the 0.33.0 wheel, so unverified there), and types the others strictly (`int`, `float`,
choices). Ray Serve gets the same settings as `engine_kwargs`, where a `None` flag becomes the string "None" for an
integer field: a `--max-num-batched-tokens=None` is never right, and dropping a set value silently serves with
vLLM's device default instead of the operator's choice.
"""

from __future__ import annotations

import pytest

from gpu_platform.render import model as rm
from gpu_platform.sizing import size_model
from gpu_platform.spec.model import ModelSpec
from support import requires_upstream
from vllm_facts import DOCUMENTED_ELSEWHERE, vllm_033_flags

HF = {"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "revision": "0e9e39f", "gpu_class": "l40s"}
SPECS = {
    "defaults": HF,
    "every-engine-option": dict(
        HF, quantization="fp8", cache={"size_gib": 40, "read_write_many": True}, max_model_len=4096,
        engine={"max_num_seqs": 64, "max_num_batched_tokens": 8192, "kv_cache_dtype": "fp8", "enforce_eager": True,
                "trust_remote_code": True, "enable_prefix_caching": False, "gpu_memory_utilization": 0.9},
    ),
    "s3-pipeline": {"name": "big", "model": "s3://weights/llama-3.1-70b-instruct/", "gpu_class": "l40s",
                    "pipeline_parallel_size": 2},
}

# How vLLM parses each value we render (vllm/engine/arg_utils.py: EngineArgs field types; `--dtype` choices from
# facts.md; `--kv-cache-dtype` choices from vLLM's engine-args reference (auto, fp8, fp8_e5m2, fp8_e4m3)).
INT = {"--tensor-parallel-size", "--pipeline-parallel-size", "--max-model-len", "--max-num-seqs",
       "--max-num-batched-tokens"}
FLOAT = {"--gpu-memory-utilization"}
CHOICES = {
    "--dtype": {"auto", "half", "float16", "bfloat16", "float", "float32"},
    "--kv-cache-dtype": {"auto", "fp8", "fp8_e5m2", "fp8_e4m3"},
}


def flags_of(case: str) -> tuple[ModelSpec, list[str]]:
    spec = ModelSpec(**SPECS[case])
    return spec, rm.vllm_flags(spec, size_model(spec))


@requires_upstream
@pytest.mark.parametrize("case", sorted(SPECS))
def test_every_rendered_flag_is_a_vllm_033_flag_per_the_wheel(case):
    present, removed = vllm_033_flags()
    _, flags = flags_of(case)
    for arg in flags:
        flag = arg.split("=", 1)[0]
        assert flag not in removed, f"{flag} was removed in vLLM 0.33 (facts.md)"
        assert flag in present | DOCUMENTED_ELSEWHERE, f"{flag} is not a vLLM 0.33 flag per facts.md"


@pytest.mark.parametrize("case", sorted(SPECS))
def test_every_rendered_value_is_concrete_and_parses_(case):
    _, flags = flags_of(case)
    for arg in flags:
        flag, eq, value = arg.partition("=")
        if not eq:
            continue
        assert value not in ("", "None", "null"), f"{arg}: vLLM reads this as unset"
        if flag in INT:
            assert int(value) >= 1, arg
        elif flag in FLOAT:
            assert 0 < float(value) <= 1, arg
        elif flag in CHOICES:
            assert value in CHOICES[flag], arg


def test_unset_engine_options_render_no_flag_and_set_ones_render_their_value():
    _, default = flags_of("defaults")
    names = [a.split("=", 1)[0] for a in default]
    assert "--max-num-batched-tokens" not in names and "--max-num-seqs" not in names
    _, full = flags_of("every-engine-option")
    for expected in ("--max-num-batched-tokens=8192", "--max-num-seqs=64", "--quantization=fp8",
                     "--kv-cache-dtype=fp8", "--enforce-eager", "--trust-remote-code", "--no-enable-prefix-caching",
                     "--gpu-memory-utilization=0.9", "--max-model-len=4096"):
        assert expected in full, expected


def test_ray_serve_engine_kwargs_carry_typed_values_never_none():
    """Ray Serve builds vLLM's EngineArgs from these keyword arguments: an integer field must get an int."""
    for case in SPECS:
        spec = ModelSpec(**SPECS[case])
        kwargs = rm.engine_kwargs(spec, size_model(spec))
        assert all(v is not None and v != "None" for v in kwargs.values()), (case, kwargs)
    spec = ModelSpec(**SPECS["every-engine-option"])
    kwargs = rm.engine_kwargs(spec, size_model(spec))
    assert kwargs["max_num_batched_tokens"] == 8192 and kwargs["max_num_seqs"] == 64
    assert kwargs["enable_prefix_caching"] is False and kwargs["enforce_eager"] is True


@requires_upstream
def test_the_renderers_flag_table_names_only_vllm_033_flags():
    """VLLM_033_FLAGS is what the renderer checks itself against; it must hold no flag the wheel lacks."""
    present, removed = vllm_033_flags()
    assert not rm.VLLM_033_FLAGS & removed
    assert rm.VLLM_033_FLAGS <= present | DOCUMENTED_ELSEWHERE, sorted(rm.VLLM_033_FLAGS - present)
