"""A model architecture described in the config, for a model the catalog does not know: its numbers typed inline, or
read from the model's own `config.json` (the file every Hugging Face checkpoint ships beside its weights)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from pydantic import Field, model_validator

from ..catalog.architecture import Architecture, AttentionKind, WeightDtype
from ..catalog.hf_config import ConfigJsonError, architecture_fields
from ..catalog.models import ARCHITECTURES
from ._base import FieldError, SpecModel

_NUMBERS = ("params_b", "layers", "attention_heads", "kv_heads", "head_dim", "max_context")


def _read_config_json(path: str) -> dict[str, Any]:
    if path.startswith("s3://"):
        raise FieldError("config_json", "the offline plan cannot read S3: copy the file into the project "
                                        f"(`aws s3 cp {path} models/<name>/config.json`) and name that path")
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FieldError("config_json", f"{path}: no such file (paths are relative to the directory `pulumi` and "
                                        f"`gpu-platform` run in, {Path.cwd()})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FieldError("config_json", f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict):
        raise FieldError("config_json", f"{path}: must hold a JSON object")
    return data


def _catalog_fields(key: str) -> dict[str, Any]:
    arch = ARCHITECTURES.get(key)
    if arch is None:
        raise FieldError("catalog", f"unknown architecture {key!r}; known: {', '.join(ARCHITECTURES)}")
    fields = (f for f in ArchitectureSpec.model_fields if f not in ("catalog", "config_json"))
    return {f: getattr(arch, f) for f in fields if getattr(arch, f) not in (None, 0)}


class ArchitectureSpec(SpecModel):
    """The numbers sizing needs about a model: a catalog entry (`catalog`), its `config.json` (`config_json`), or
    typed here; numbers typed here override the entry's or the file's (a YaRN-extended `max_context`, say).
    Parameters come from the model card: a config.json does not state them, so read from one they are estimated from
    the layer shapes."""

    catalog: Optional[str] = None
    """Catalog architecture key (`qwen3-32b`, `deepseek-v3`, `gpt-oss-120b` …: docs/configuration.md lists them)."""
    config_json: Optional[str] = None
    """Path of the model's `config.json`, relative to the directory the program runs in (the project root): its
    layers, heads, KV heads, head size, context, attention kind and weight dtype fill the fields below."""
    params_b: Optional[float] = Field(default=None, gt=0, le=10000)
    """Parameters in billions, every expert of an MoE model included (all are resident in GPU memory)."""
    active_params_b: Optional[float] = Field(default=None, gt=0)
    """Parameters used per token (MoE models); at most `params_b`."""
    layers: Optional[int] = Field(default=None, ge=1, le=1000)
    """Decoder layers (`num_hidden_layers`)."""
    attention_heads: Optional[int] = Field(default=None, ge=1, le=1024)
    """Query heads (`num_attention_heads`)."""
    kv_heads: Optional[int] = Field(default=None, ge=1, le=1024)
    """Key/value heads (`num_key_value_heads`); must divide `attention_heads`."""
    head_dim: Optional[int] = Field(default=None, ge=8, le=1024)
    """Size of one attention head (`head_dim`, else hidden_size ÷ heads)."""
    max_context: Optional[int] = Field(default=None, ge=256)
    """Longest sequence the model supports (`max_position_embeddings`)."""
    attention: Optional[AttentionKind] = None
    """full, grouped_query, multi_head_latent or sliding_window; default: grouped_query (full when kv_heads equals
    attention_heads)."""
    sliding_window: Optional[int] = Field(default=None, ge=1)
    """sliding_window attention: tokens a windowed layer attends to."""
    sliding_layers: Optional[int] = Field(default=None, ge=1)
    """sliding_window attention: how many layers use the window; default: all."""
    kv_lora_rank: Optional[int] = Field(default=None, ge=1)
    """multi_head_latent attention: the latent size cached per token and layer."""
    qk_rope_head_dim: Optional[int] = Field(default=None, ge=0)
    """multi_head_latent attention: the decoupled RoPE key cached beside the latent."""
    weight_dtype: Optional[WeightDtype] = None
    """Precision of the checkpoint's weights (bf16, fp16, fp8, mxfp4); default: bf16."""
    quantized_params_b: Optional[float] = Field(default=None, gt=0)
    """Parameters (billions) stored in `weight_dtype` when only some are (gpt-oss: the experts in MXFP4)."""

    @model_validator(mode="before")
    @classmethod
    def _fill(cls, data: Any) -> Any:
        """Start from the catalog entry or the config.json the description names; typed numbers win."""
        if not isinstance(data, dict):
            return data
        catalog, config_json = data.get("catalog"), data.get("config_json")
        if catalog is not None and config_json is not None:
            raise FieldError("config_json", "name a catalog entry or a config.json, not both")
        if isinstance(catalog, str):
            found = _catalog_fields(catalog)
        elif isinstance(config_json, str):
            try:
                found = architecture_fields(_read_config_json(config_json))
            except ConfigJsonError as exc:
                raise FieldError("config_json", f"{config_json}: {exc}") from None
        else:
            return data
        return {**found, **{k: v for k, v in data.items() if v is not None}}

    @model_validator(mode="after")
    def _consistent(self) -> "ArchitectureSpec":
        missing = [f for f in _NUMBERS if getattr(self, f) is None]
        if missing:
            raise FieldError(missing[0], "required to describe the architecture (or name its config_json)")
        if self.attention_heads % self.kv_heads:  # type: ignore[operator]
            raise FieldError("kv_heads", f"{self.kv_heads} KV heads do not divide {self.attention_heads} attention "
                                         "heads: each KV head serves a whole group of query heads")
        for field in ("active_params_b", "quantized_params_b"):
            value = getattr(self, field)
            if value is not None and value > self.params_b:  # type: ignore[operator]
                raise FieldError(field, f"{value}B is more than the model's {self.params_b}B parameters")
        self._check_attention()
        return self

    def _check_attention(self) -> None:
        kind = self.attention
        if kind is AttentionKind.MULTI_HEAD_LATENT and (self.kv_lora_rank is None or self.qk_rope_head_dim is None):
            raise FieldError("kv_lora_rank", "multi_head_latent attention caches kv_lora_rank + qk_rope_head_dim "
                                             "values per token: give both")
        if kind is AttentionKind.SLIDING_WINDOW and self.sliding_window is None:
            raise FieldError("sliding_window", "sliding_window attention needs the window (tokens)")
        if kind is not AttentionKind.SLIDING_WINDOW and (self.sliding_window or self.sliding_layers):
            raise FieldError("sliding_window", "applies to attention: sliding_window only")
        if self.sliding_layers is not None and self.sliding_layers > self.layers:  # type: ignore[operator]
            raise FieldError("sliding_layers", f"cannot exceed the model's {self.layers} layers")
        if kind is AttentionKind.FULL and self.kv_heads != self.attention_heads:
            raise FieldError("attention", "full attention has one KV head per query head; with fewer KV heads use "
                                          "grouped_query")

    def to_architecture(self, key: str) -> Architecture:
        """The catalog form of this description (named by its catalog key, else by ``key``)."""
        key = self.catalog or key
        kind = self.attention or (
            AttentionKind.FULL if self.kv_heads == self.attention_heads else AttentionKind.GROUPED_QUERY
        )
        sliding = (self.sliding_layers or self.layers) if kind is AttentionKind.SLIDING_WINDOW else 0
        return Architecture(
            key, self.params_b, self.layers, self.attention_heads, self.kv_heads, self.head_dim,  # type: ignore[arg-type]
            self.max_context, active_params_b=self.active_params_b, attention=kind,  # type: ignore[arg-type]
            sliding_window=self.sliding_window if sliding else None, sliding_layers=sliding,
            kv_lora_rank=self.kv_lora_rank, qk_rope_head_dim=self.qk_rope_head_dim,
            weight_dtype=self.weight_dtype or WeightDtype.BF16, quantized_params_b=self.quantized_params_b,
            source=self.config_json or (ARCHITECTURES[self.catalog].source if self.catalog else "described inline"),
        )
