"""`engine.extra_args` refuses the flags vLLM 0.33.0 removed and the flags a typed field sets, checked against vLLM
0.33.0 as read from its wheel (../shared/upstream/facts.md), never by iterating the spec's own tables.
"""

from __future__ import annotations

import pytest

from gpu_platform.render import model as rm
from gpu_platform.resolve import resolve
from gpu_platform.sizing import size_model
from gpu_platform.spec import SpecError
from gpu_platform.spec.model import ModelSpec
from support import requires_upstream
from vllm_facts import vllm_033_flags

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}
QWEN = {"name": "qwen", "model": "Qwen/Qwen2.5-7B-Instruct"}

# facts.md, vLLM 0.33.0 table: `--disable-log-requests` is **removed** (argparse fails on it), and "Also removed
# (no CLI flag)" lists the other ten. Copied here so the test runs without ../shared; the test below keeps the copy
# equal to the file.
REMOVED_IN_033 = [
    "--disable-log-requests", "--swap-space", "--num-scheduler-steps", "--use-v2-block-manager",
    "--guided-decoding-backend", "--worker-use-ray", "--preemption-mode", "--tokenizer-pool-size", "--task",
    "--max-seq-len-to-capture", "--disable-frontend-multiprocessing",
]

# Flags whose value a typed field (or the serving backend) already puts on the command line, with vLLM 0.33's
# aliases for the same destination (facts.md: `-tp`, `-pp`, `-q`; `--device-memory-utilization` is a new alias of
# `--gpu-memory-utilization`; `--enable-prefix-caching` is a BooleanOptionalAction, so `--no-enable-prefix-caching`
# too; the positional model overrides `--model`). A second value in extra_args would fight the first.
OWNED_IN_033 = {
    "--model": "model",
    "--served-model-name": "served_name",
    "--tensor-parallel-size": "tensor_parallel_size", "-tp": "tensor_parallel_size",
    "--pipeline-parallel-size": "pipeline_parallel_size", "-pp": "pipeline_parallel_size",
    "--max-model-len": "max_model_len",
    "--dtype": "dtype",
    "--quantization": "quantization", "-q": "quantization",
    "--gpu-memory-utilization": "engine.gpu_memory_utilization",
    "--device-memory-utilization": "engine.gpu_memory_utilization",
    "--max-num-seqs": "engine.max_num_seqs",
    "--max-num-batched-tokens": "engine.max_num_batched_tokens",
    "--enable-prefix-caching": "engine.enable_prefix_caching",
    "--no-enable-prefix-caching": "engine.enable_prefix_caching",
    "--kv-cache-dtype": "engine.kv_cache_dtype",
    "--port": "(the serving backend)",
    "--host": "(the serving backend)",
    "--load-format": "(derived from the model source)",
    "--download-dir": "cache",
    "--revision": "revision",
}


def extra_args_problems(arg: str) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        resolve({**BASE, "models": [{**QWEN, "engine": {"extra_args": ["--enforce-eager", arg]}}]})
    return dict(info.value.problems)


@requires_upstream
def test_the_removed_list_here_is_facts_md():
    assert set(REMOVED_IN_033) == vllm_033_flags()[1]


@pytest.mark.parametrize("flag", REMOVED_IN_033)
def test_flags_removed_in_vllm_033_are_refused(flag):
    (path, message), = extra_args_problems(f"{flag}=1").items()
    assert path == "models[0].engine.extra_args"
    assert flag in message and "removed in vLLM 0.33" in message


@pytest.mark.parametrize("flag, field", sorted(OWNED_IN_033.items()))
def test_flags_a_typed_field_sets_are_refused_naming_the_field(flag, field):
    (path, message), = extra_args_problems(f"{flag}=1").items()
    assert path == "models[0].engine.extra_args"
    assert message == f"{flag} is set from the typed field `{field}`; set that instead"


@requires_upstream
def test_the_owned_flags_here_exist_in_vllm_033():
    present, _ = vllm_033_flags()
    assert set(OWNED_IN_033) - present == {"--revision"}  # not in facts.md: see vllm_facts.DOCUMENTED_ELSEWHERE


def test_every_valued_flag_the_renderer_emits_is_refused_in_extra_args():
    """Independent of both tables: render a spec that sets every engine option and check each `--flag=value`."""
    spec = ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", revision="0e9e39f", gpu_class="l40s",
                     quantization="fp8", max_model_len=4096, cache={"size_gib": 40, "read_write_many": True},
                     engine={"max_num_seqs": 64, "max_num_batched_tokens": 8192, "kv_cache_dtype": "fp8"})
    valued = {a.split("=", 1)[0] for a in rm.vllm_flags(spec, size_model(spec)) if "=" in a}
    assert len(valued) >= 10
    for flag in sorted(valued):
        assert "typed field" in next(iter(extra_args_problems(f"{flag}=1").values())), flag
