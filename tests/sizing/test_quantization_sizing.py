"""Every quantization a spec accepts must size, at a weight size worked out from how the method stores a parameter.

Bytes per parameter, from the formats (not from sizing's table):
- fp8: one byte per weight (8-bit float); the per-tensor/per-channel scales are negligible.
- AWQ and GPTQ (and their Marlin kernels, which read the same checkpoints): 4-bit weights plus a 16-bit scale (and a
  packed zero point) per group of 128 weights: 4 + 16/128 (+ 4/128 or 16/128) bits, between 4 and 4.25 bits,
  i.e. 0.5 to 0.53125 bytes.
- bitsandbytes: pre-quantized 4-bit (NF4/FP4, a 32-bit absmax per block of 64: 4.5 bits) or 8-bit (LLM.int8) checkpoints;
  so between 0.5 and 1 byte. vLLM 0.33's `--quantization` takes all of these (facts.md: `--quantization` / `-q`).
Llama 3.1 8B has 8.03 B parameters (its model card), stored as bf16: 2 bytes each.
"""

from __future__ import annotations

import pytest

from gpu_platform.catalog.models import architecture
from gpu_platform.sizing import GIB, size_model, weight_gib
from gpu_platform.spec.model import ModelSpec, Quantization

PARAMS = 8.03e9
BYTES_PER_PARAM_BOUNDS = {
    "fp8": (1.0, 1.0),
    "awq": (0.5, 0.53125),
    "awq_marlin": (0.5, 0.53125),
    "gptq": (0.5, 0.53125),
    "gptq_marlin": (0.5, 0.53125),
    "bitsandbytes": (0.5, 1.0),
}


def test_the_bounds_here_cover_every_quantization_the_spec_accepts():
    assert {q.value for q in Quantization} == set(BYTES_PER_PARAM_BOUNDS)


@pytest.mark.parametrize("method", sorted(BYTES_PER_PARAM_BOUNDS))
def test_every_quantization_sizes_at_its_formats_weight_size(method):
    low, high = BYTES_PER_PARAM_BOUNDS[method]
    gib = weight_gib(architecture("llama-3.1-8b"), Quantization(method))
    assert PARAMS * low / GIB - 1e-6 <= gib <= PARAMS * high / GIB + 1e-6
    assert gib < PARAMS * 2 / GIB  # smaller than the bf16 checkpoint
    s = size_model(ModelSpec(name="m", model="meta-llama/Llama-3.1-8B-Instruct", quantization=method))
    assert s.gpus_per_replica >= 1 and s.instance_type
