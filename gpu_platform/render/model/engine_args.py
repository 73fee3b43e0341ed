"""vLLM 0.33 arguments: the `vllm serve` command line, and the same settings as Ray Serve's engine kwargs."""

from __future__ import annotations

import json
from typing import Any, Optional

from ...sizing import Sizing
from ...spec.model import ModelSpec
from .names import CACHE_MOUNT

# `vllm serve` flags that exist in vLLM 0.33.0 (facts.md); every flag we render must be in this set.
VLLM_033_FLAGS = frozenset(
    {
        "--model", "--served-model-name", "--tensor-parallel-size", "--pipeline-parallel-size", "--max-model-len",
        "--gpu-memory-utilization", "--device-memory-utilization", "--max-num-seqs", "--max-num-batched-tokens",
        "--enable-prefix-caching", "--no-enable-prefix-caching", "--quantization", "--quantization-config", "--dtype",
        "--download-dir", "--port", "--host", "--api-key", "--enable-log-requests", "--no-enable-log-requests",
        "--disable-log-stats", "--kv-cache-dtype", "--enforce-eager", "--trust-remote-code", "--enable-chunked-prefill",
        "--load-format", "--max-log-len", "--enable-auto-tool-choice", "--tool-call-parser", "--chat-template",
        "--uvicorn-log-level", "--otlp-traces-endpoint", "--api-server-count", "--headless", "--config", "--revision",
        "--runner", "--convert",
    }
)


def vllm_flags(spec: ModelSpec, sizing: Sizing, *, revision: Optional[str] = None) -> list[str]:
    """`vllm serve` flags (`--flag=value`) for ``spec`` as sized; the positional model goes first (see vllm_args).

    The `=` form keeps list-valued flags (`--served-model-name`) from swallowing the next argument.
    """
    e = spec.engine
    flags = [
        f"--served-model-name={spec.model_name}",
        f"--dtype={sizing.dtype}",
        f"--max-model-len={sizing.context_length}",
        f"--gpu-memory-utilization={e.gpu_memory_utilization}",
        f"--tensor-parallel-size={sizing.tensor_parallel_size}",
    ]
    if sizing.pipeline_parallel_size > 1:
        flags.append(f"--pipeline-parallel-size={sizing.pipeline_parallel_size}")
    if spec.quantization is not None:
        flags.append(f"--quantization={spec.quantization.value}")
    if e.kv_cache_dtype.value != "auto":
        flags.append(f"--kv-cache-dtype={e.kv_cache_dtype.value}")
    if e.max_num_seqs is not None:
        flags.append(f"--max-num-seqs={e.max_num_seqs}")
    if e.max_num_batched_tokens is not None:
        flags.append(f"--max-num-batched-tokens={e.max_num_batched_tokens}")
    flags.append("--enable-prefix-caching" if e.enable_prefix_caching else "--no-enable-prefix-caching")
    if e.enforce_eager:
        flags.append("--enforce-eager")
    if e.trust_remote_code:
        flags.append("--trust-remote-code")
    if spec.is_s3:
        # Stream safetensors from S3 straight into GPU memory (Run:ai streamer; credentials from Pod Identity).
        flags.append("--load-format=runai_streamer")
    else:
        rev = revision or spec.revision
        if rev:
            flags.append(f"--revision={rev}")
        if spec.cache is not None:
            flags.append(f"--download-dir={CACHE_MOUNT}")
    flags += list(e.extra_args)
    return flags


def vllm_args(spec: ModelSpec, sizing: Sizing, *, revision: Optional[str] = None) -> list[str]:
    """Arguments after `vllm serve`: the positional model, then flags."""
    return [spec.model, *vllm_flags(spec, sizing, revision=revision)]


def engine_kwargs(spec: ModelSpec, sizing: Sizing) -> dict[str, Any]:
    """The same engine settings as vLLM EngineArgs keyword arguments (Ray Serve's `engine_kwargs`)."""
    out: dict[str, Any] = {}
    for flag in vllm_flags(spec, sizing):
        key, _, value = flag[2:].partition("=")
        if key == "served-model-name":
            continue  # Ray Serve takes it from model_loading_config.model_id
        if key.startswith("no-"):
            out[key[3:].replace("-", "_")] = False
            continue
        key = key.replace("-", "_")
        if not value:
            out[key] = True
        else:
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = value
    return out
