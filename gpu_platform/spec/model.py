"""`ModelSpec`: one vLLM model deployment (the `models:` entries of a stack, or `ModelDeployment` args)."""

from __future__ import annotations

import re
from enum import Enum
from typing import Mapping, Optional

from pydantic import Field, field_validator, model_validator

from ..catalog.gpus import GPU_CLASSES, find_instance
from ..catalog.architecture import Architecture
from ..catalog.models import ARCHITECTURES, match_architecture
from .architecture import ArchitectureSpec
from ._base import K8S_NAME, FieldError, SpecModel, checked, matches

# DNS-1035 label; 40 characters leaves room for suffixes (`-predictor`, `-serve-svc`, `-canary`, `-headroom`) and
# RayService's 53-character limit.
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_HF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$")
_REVISION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")
_SERVED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,127}$")
_CONFIG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]*$")

# Flags vLLM 0.33 no longer accepts (argparse fails on them): facts.md, "Also removed".
REMOVED_VLLM_FLAGS: dict[str, str] = {
    "--disable-log-requests": "request logging is off by default; use --enable-log-requests to turn it on",
    "--swap-space": "removed in the V1 engine",
    "--num-scheduler-steps": "removed in the V1 engine",
    "--use-v2-block-manager": "removed; the V2 block manager is the only one",
    "--guided-decoding-backend": "removed; structured outputs are configured per request",
    "--worker-use-ray": "removed; use --distributed-executor-backend ray",
    "--preemption-mode": "removed in the V1 engine",
    "--tokenizer-pool-size": "removed",
    "--task": "replaced by --runner / --convert",
    "--max-seq-len-to-capture": "removed",
    "--disable-frontend-multiprocessing": "removed",
}

# Flags the renderer owns: setting them in extra_args would fight the typed fields.
OWNED_VLLM_FLAGS: dict[str, str] = {
    "--model": "model",
    "--served-model-name": "served_name",
    "--tensor-parallel-size": "tensor_parallel_size",
    "-tp": "tensor_parallel_size",
    "--pipeline-parallel-size": "pipeline_parallel_size",
    "-pp": "pipeline_parallel_size",
    "--max-model-len": "max_model_len",
    "--dtype": "dtype",
    "--quantization": "quantization",
    "-q": "quantization",
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


def _known(key: Optional[str], table: Mapping[str, object], what: str) -> Optional[str]:
    """``key`` when it names an entry of a catalog ``table`` (or is unset), else an error listing the known ones."""
    if key is not None and key not in table:
        raise ValueError(f"unknown {what} {key!r}; known: {', '.join(table)}")
    return key


class Dtype(str, Enum):
    """Weight/activation precision (`--dtype`). `auto` = bfloat16 where the GPU supports it, else float16."""

    AUTO = "auto"
    BFLOAT16 = "bfloat16"
    FLOAT16 = "float16"


class Quantization(str, Enum):
    """Weight quantization method of the checkpoint (`--quantization`); the checkpoint must already be quantized
    (except `fp8`, which vLLM can apply on load)."""

    FP8 = "fp8"
    AWQ = "awq"
    AWQ_MARLIN = "awq_marlin"
    GPTQ = "gptq"
    GPTQ_MARLIN = "gptq_marlin"
    BITSANDBYTES = "bitsandbytes"


class KvCacheDtype(str, Enum):
    """KV-cache precision (`--kv-cache-dtype`); fp8 halves KV memory at a small quality cost."""

    AUTO = "auto"
    FP8 = "fp8"
    FP8_E4M3 = "fp8_e4m3"
    FP8_E5M2 = "fp8_e5m2"


# Namespaces the platform's own components live in (render/: labels, operators, gpu, karpenter); a model there
# would put its default-deny NetworkPolicies and GPU quota on them. tests/spec/test_model_spec.py keeps this in sync.
PLATFORM_NAMESPACES = frozenset(
    {"llm-gateway", "monitoring", "kserve", "keda", "kuberay-system", "cert-manager", "gpu-system", "karpenter"}
)


class Backend(str, Enum):
    """How the model is served."""

    AUTO = "auto"
    """KServe when one node fits the model, RayService when it needs several."""
    KSERVE = "kserve"
    """KServe `InferenceService` (Standard mode) on the pinned vLLM `ClusterServingRuntime`, scaled by KEDA."""
    RAYSERVICE = "rayservice"
    """KubeRay `RayService` running vLLM across nodes (pipeline parallel between nodes)."""
    DEPLOYMENT = "deployment"
    """Plain Deployment + Service + KEDA `ScaledObject`, for clusters without KServe (one node per replica)."""


class Priority(str, Enum):
    """Scheduling priority of the model's pods (a PriorityClass); higher preempts lower when GPUs are short."""

    CRITICAL, STANDARD, BATCH = "critical", "standard", "batch"


class EngineSpec(SpecModel):
    """vLLM engine options (vLLM 0.33 flags)."""

    gpu_memory_utilization: float = Field(default=0.92, gt=0.5, le=0.98)
    """Fraction of each GPU's memory vLLM may use for weights, activations and KV cache (vLLM 0.33 default 0.92).
    Sizing checks the fit against it."""
    max_num_seqs: Optional[int] = Field(default=None, ge=1, le=4096)
    """Maximum concurrent sequences per replica (`--max-num-seqs`); default: vLLM's device default (256, or 1024 on
    H100-class GPUs)."""
    max_num_batched_tokens: Optional[int] = Field(default=None, ge=256, le=1_048_576)
    """Token budget per scheduler step (`--max-num-batched-tokens`); default: vLLM's device default."""
    enable_prefix_caching: bool = True
    """Reuse KV cache across requests that share a prefix (on by default in vLLM 0.33)."""
    kv_cache_dtype: KvCacheDtype = KvCacheDtype.AUTO
    """KV-cache precision (`--kv-cache-dtype`); `auto` follows the model dtype."""
    enforce_eager: bool = False
    """Disable CUDA graphs (`--enforce-eager`): faster start, slower decode. Sizing shortens the warm-up estimate."""
    trust_remote_code: bool = False
    """Allow the checkpoint's custom Python code (`--trust-remote-code`). Off unless the model needs it."""
    extra_args: list[str] = Field(default_factory=list)
    """Further `vllm serve` flags as `--flag=value` or `--flag`. Flags removed in vLLM 0.33 and flags that a typed
    field already sets are refused."""

    @field_validator("extra_args")
    @classmethod
    def _extra(cls, v: list[str]) -> list[str]:
        for i, arg in enumerate(v):
            if not arg.startswith("-"):
                raise ValueError(f"extra_args[{i}] {arg!r}: must be a flag such as --enforce-eager or --flag=value")
            flag = arg.split("=", 1)[0]
            if flag in REMOVED_VLLM_FLAGS:
                raise ValueError(f"{flag} was removed in vLLM 0.33 ({REMOVED_VLLM_FLAGS[flag]})")
            if flag in OWNED_VLLM_FLAGS:
                raise ValueError(f"{flag} is set from the typed field `{OWNED_VLLM_FLAGS[flag]}`; set that instead")
        return v


class AutoscalingSpec(SpecModel):
    """Replica bounds and the signals that move between them. Scale-up is fast; scale-down slow and gentle."""

    min_replicas: int = Field(default=1, ge=0, le=100)
    """Replicas kept running. 0 needs `scale_to_zero: true` (requests during 0→1 are held by the fallback proxy)."""
    max_replicas: int = Field(default=2, ge=1, le=100)
    """Upper bound of replicas (each replica holds `gpu_count` GPUs)."""
    scale_to_zero: bool = False
    """Let the model scale to zero replicas when idle (requires `min_replicas: 0`)."""
    target_waiting_requests: int = Field(default=4, ge=1, le=1000)
    """Scale up when more than this many requests wait per replica (`vllm:num_requests_waiting`)."""
    target_kv_cache_usage: Optional[float] = Field(default=0.85, gt=0.1, le=1.0)
    """Also scale up when average KV-cache usage (`vllm:kv_cache_usage_perc`, 0..1) exceeds this; None: off."""
    scale_down_stabilization_seconds: Optional[int] = Field(default=None, ge=0, le=3600)
    """How long load must stay low before replicas are removed; default 900 s in prod, 300 s elsewhere.
    Production refuses less than 600 s (a cold start costs minutes; flapping costs GPUs)."""
    idle_seconds_before_zero: int = Field(default=900, ge=60, le=86400)
    """With scale-to-zero: idle time before the last replica goes (KEDA `cooldownPeriod`)."""
    polling_interval_seconds: int = Field(default=15, ge=5, le=300)
    """How often KEDA evaluates the triggers."""

    @model_validator(mode="after")
    def _bounds(self) -> "AutoscalingSpec":
        if self.min_replicas > self.max_replicas:
            raise FieldError("max_replicas", f"must be ≥ min_replicas ({self.min_replicas})")
        if self.min_replicas == 0 and not self.scale_to_zero:
            raise FieldError("min_replicas", "0 means scale-to-zero; set scale_to_zero: true as well (or use ≥ 1)")
        if self.scale_to_zero and self.min_replicas != 0:
            raise FieldError("scale_to_zero", f"needs min_replicas: 0 (got {self.min_replicas})")
        return self


_REVISION_MESSAGE = "must be a Git revision (commit hash, branch or tag)"


class CanarySpec(SpecModel):
    """A second, smaller deployment of a new model revision that takes a share of the traffic (split by the proxy)."""

    revision: str
    """The new revision (Hugging Face commit/branch) under test."""
    traffic_percent: int = Field(ge=1, le=50)
    """Share of requests the fallback proxy sends to the canary (1–50)."""
    replicas: int = Field(default=1, ge=1, le=10)
    """Replicas of the canary (fixed; it is not autoscaled)."""

    _revision = matches("revision", pattern=_REVISION, message=_REVISION_MESSAGE)


class SourceSpec(SpecModel):
    """Credentials for the model source. Hugging Face uses a token (a Pulumi secret); S3 uses EKS Pod Identity."""

    hf_token_config_key: Optional[str] = None
    """Stack config key holding the Hugging Face token as a secret (`pulumi config set --secret hfToken …`), for
    gated models. Library users pass `hf_token=` to `ModelDeployment` instead."""
    s3_kms_key_arn: Optional[str] = None
    """KMS key that encrypts the S3 weights (the read-only role gets kms:Decrypt on it)."""


class CacheSpec(SpecModel):
    """A PersistentVolumeClaim that caches downloaded weights across pod restarts (`--download-dir`)."""

    size_gib: int = Field(ge=10, le=16384)
    """Volume size; must hold the weights (sizing checks it with 20% headroom)."""
    storage_class: Optional[str] = None
    """StorageClass of the claim; default: the cluster default (the platform's encrypted gp3 EBS class)."""
    read_write_many: bool = False
    """The class supports ReadWriteMany (EFS, FSx): replicas on different nodes share the cache. With an EBS class
    (ReadWriteOnce) the model must have `max_replicas: 1`."""


class ModelSpec(SpecModel):
    """One model served by vLLM: what to serve, on which GPUs, how it scales and who may call it."""

    name: str
    """Deployment name: a DNS label (lowercase letters, digits, '-'), at most 40 characters, unique per platform."""
    model: str
    """Hugging Face model id (`meta-llama/Llama-3.1-8B-Instruct`) or S3 prefix (`s3://bucket/llama-3.1-8b/`)
    holding safetensors weights (streamed with vLLM's Run:ai streamer)."""
    revision: Optional[str] = None
    """Hugging Face revision (commit hash, branch or tag); pin a commit in production. Not used for S3."""
    architecture: Optional[ArchitectureSpec] = None
    """The model's architecture: a catalog key (`architecture: qwen3-32b`, short for `{catalog: qwen3-32b}`), or its
    description (numbers inline, or the path of its `config.json`) for a model the catalog does not know. Default:
    recognised from `model`."""
    served_name: Optional[str] = None
    """Model name clients send (`--served-model-name`, and the metrics' `model_name` label); default: `name`."""
    dtype: Dtype = Dtype.AUTO
    """Weight precision (`--dtype`)."""
    quantization: Optional[Quantization] = None
    """Quantization of the checkpoint (`--quantization`); None: unquantized."""
    max_model_len: Optional[int] = Field(default=None, ge=256)
    """Maximum tokens per sequence (prompt + output); default: the architecture's maximum capped at 8192.
    Must not exceed the architecture's maximum context."""
    concurrency: int = Field(default=8, ge=1, le=1024)
    """Sequences per replica whose KV cache must fit at `max_model_len` tokens each: the sizing target."""
    gpu_class: Optional[str] = None
    """GPU class (`l4`, `a10g`, `l40s`, `a100`, `h100`); default: the cheapest class that fits."""
    instance_type: Optional[str] = None
    """EC2 instance type (`g6e.xlarge`); default: the cheapest instance of the class that fits."""
    pool: Optional[str] = None
    """GPU node pool to run on (`gpu.node_pools[].name`); default: the class's only whole-GPU pool. Needed when a
    class has several pools (say spot L40S for batch and on-demand L40S for chat)."""
    gpu_count: Optional[int] = Field(default=None, ge=1, le=64)
    """GPUs per replica (= tensor_parallel_size × pipeline_parallel_size); default: derived."""
    tensor_parallel_size: Optional[int] = Field(default=None, ge=1, le=8)
    """GPUs one layer is split over, within a node (`--tensor-parallel-size`); default: the smallest that fits."""
    pipeline_parallel_size: Optional[int] = Field(default=None, ge=1, le=16)
    """Nodes the layers are split over (`--pipeline-parallel-size`); above 1 the model needs a RayService."""
    engine: EngineSpec = Field(default_factory=EngineSpec)
    """vLLM engine options."""
    backend: Backend = Backend.AUTO
    """Serving backend; `auto` picks KServe for one node and RayService for several."""
    autoscaling: AutoscalingSpec = Field(default_factory=AutoscalingSpec)
    """Replica bounds and scaling signals."""
    canary: Optional[CanarySpec] = None
    """Run a new revision beside the current one and send it a share of the traffic."""
    source: SourceSpec = Field(default_factory=SourceSpec)
    """Model source credentials."""
    cache: Optional[CacheSpec] = None
    """Weight cache volume; None: weights are fetched at every start (fine for S3 streaming)."""
    namespace: str = "models"
    """Kubernetes namespace (shared by models; it gets default-deny NetworkPolicies and a GPU quota)."""
    priority: Priority = Priority.STANDARD
    """Scheduling priority class of the model's pods."""
    ttft_p95_slo_seconds: Optional[float] = Field(default=None, gt=0, le=120)
    """This model's time-to-first-token SLO: the platform alerts when its p95 stays above it. Default: the
    platform-wide `operators.alerts.ttft_p95_slo_seconds`."""
    headroom_replicas: int = Field(default=0, ge=0, le=10)
    """Low-priority placeholder pods, each the size of one replica, that keep warm GPU nodes (with the vLLM image
    pulled) ready; a real replica preempts one instantly instead of waiting minutes for a node."""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if len(v) > 40 or not _DNS_LABEL.match(v):
            raise ValueError(
                "must be a DNS label: lowercase letters, digits and '-', starting with a letter, at most 40 characters"
            )
        return v

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, v: str) -> str:
        if len(v) > 63 or not K8S_NAME.match(v):
            raise ValueError("must be a Kubernetes namespace name (lowercase letters, digits and '-', ≤ 63)")
        if v in ("default", "kube-system", "kube-public", "kube-node-lease"):
            raise ValueError(f"{v!r} is a system namespace; use a dedicated one such as `models`")
        if v in PLATFORM_NAMESPACES:
            raise ValueError(
                f"{v!r} belongs to the platform's own components (its NetworkPolicies, quota and PodMonitors would "
                "apply to them); use a dedicated one such as `models`"
            )
        return v

    def workload_names(self, backend: "Backend") -> list[str]:
        """Names of the workloads (Deployments, Services, ScaledObjects, InferenceServices…) this model creates in
        its namespace: two models of one namespace must not share any."""
        names = [self.name]
        if self.canary is not None:
            names.append(f"{self.name}-canary")
        if self.headroom_replicas:
            names.append(f"{self.name}-headroom")
        if backend is Backend.KSERVE:  # KServe's Standard mode names the Deployment and Service `<isvc>-predictor`
            names += [f"{n}-predictor" for n in list(names) if not n.endswith("-headroom")]
        return names

    @field_validator("model")
    @classmethod
    def _model(cls, v: str) -> str:
        if v.startswith("s3://"):
            if not _S3_URI.match(v):
                raise ValueError("must be s3://<bucket>/<prefix> with a valid bucket name")
        elif not _HF_ID.match(v):
            raise ValueError("must be a Hugging Face id (`org/name`) or an S3 URI (`s3://bucket/prefix`)")
        return v

    _revision = matches("revision", pattern=_REVISION, message=_REVISION_MESSAGE)
    _served = matches(
        "served_name", pattern=_SERVED_NAME, message="must be 1–128 characters of letters, digits and . _ / : -"
    )
    @field_validator("architecture", mode="before")
    @classmethod
    def _catalog_key(cls, v: object) -> object:
        """`architecture: <key>` is short for `{catalog: <key>}`; an unknown key is refused here, naming the field."""
        return {"catalog": _known(v, ARCHITECTURES, "architecture")} if isinstance(v, str) else v
    _class = checked("gpu_class", check=lambda v: _known(v, GPU_CLASSES, "GPU class"))

    @field_validator("instance_type")
    @classmethod
    def _instance(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and find_instance(v) is None:
            known = ", ".join(i.name for c in GPU_CLASSES.values() for i in c.instances)
            raise ValueError(f"unknown GPU instance type {v!r}; known: {known}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "ModelSpec":
        arch = self._architecture()
        if arch is None:
            raise FieldError(
                "architecture",
                f"cannot tell the architecture of {self.model!r}; set it to one of {', '.join(ARCHITECTURES)}, or "
                "describe it (its numbers, or `config_json:` naming its config.json)",
            )
        if self.max_model_len is not None and self.max_model_len > arch.max_context:
            raise FieldError(
                "max_model_len", f"{self.max_model_len} exceeds {arch.key}'s maximum context of {arch.max_context}"
            )
        if self.is_s3 and self.revision is not None:
            raise FieldError("revision", "applies to Hugging Face models only; version S3 weights by prefix")
        if self.is_s3 and self.source.hf_token_config_key:
            raise FieldError("source.hf_token_config_key", "is for Hugging Face models; S3 uses Pod Identity")
        if self.source.hf_token_config_key and not _CONFIG_KEY.match(self.source.hf_token_config_key):
            raise FieldError("source.hf_token_config_key", "must be a config key such as hfToken")
        if self.source.s3_kms_key_arn and not self.is_s3:
            raise FieldError("source.s3_kms_key_arn", "applies to s3:// models only")
        if self.instance_type is not None:
            cls_, inst = find_instance(self.instance_type)  # type: ignore[misc]
            if self.gpu_class is not None and cls_.name != self.gpu_class:
                raise FieldError("instance_type", f"{inst.name} carries {cls_.name} GPUs, not {self.gpu_class}")
        tp, pp, n = self.tensor_parallel_size, self.pipeline_parallel_size, self.gpu_count
        if tp is not None and arch.attention_heads % tp:
            raise FieldError(
                "tensor_parallel_size", f"must divide {arch.key}'s {arch.attention_heads} attention heads (got {tp})"
            )
        if pp is not None and pp > arch.layers:
            raise FieldError("pipeline_parallel_size", f"cannot exceed {arch.key}'s {arch.layers} layers")
        if n is not None:
            if tp is not None and n % tp:
                raise FieldError("tensor_parallel_size", f"must divide gpu_count ({n}); got {tp}")
            if pp is not None and n % pp:
                raise FieldError("pipeline_parallel_size", f"must divide gpu_count ({n}); got {pp}")
            if tp is not None and pp is not None and tp * pp != n:
                raise FieldError("gpu_count", f"must equal tensor_parallel_size × pipeline_parallel_size ({tp * pp})")
            if tp is not None and pp is None and tp != n:  # an unset pipeline is one stage: sizing would use tp GPUs
                raise FieldError(
                    "gpu_count",
                    f"must equal tensor_parallel_size ({tp}) on one node; to split across nodes set "
                    f"pipeline_parallel_size: {n // tp}",
                )
        if self.canary is not None:
            if self.is_s3:
                raise FieldError("canary", "canary revisions need a Hugging Face model (S3 is versioned by prefix)")
            if self.canary.revision == self.revision:
                raise FieldError("canary.revision", "must differ from the current revision")
        if self.cache is not None and not self.cache.read_write_many and self.autoscaling.max_replicas > 1:
            raise FieldError(
                "cache.read_write_many",
                f"a ReadWriteOnce cache cannot be shared by {self.autoscaling.max_replicas} replicas on different "
                "nodes; use a ReadWriteMany class (EFS) or max_replicas: 1",
            )
        if self.cache is not None and self.cache.read_write_many is False and self.canary is not None:
            raise FieldError("cache.read_write_many", "the canary would share a ReadWriteOnce cache; use ReadWriteMany")
        if self.backend is Backend.RAYSERVICE and self.cache is not None:
            raise FieldError("cache", "RayService workers stream weights; use an s3:// source instead of a cache")
        if self.backend is Backend.RAYSERVICE and self.canary is not None:
            raise FieldError("canary", "canary revisions are supported on the kserve and deployment backends")
        return self

    # -- derived ---------------------------------------------------------------------------------------
    @property
    def is_s3(self) -> bool:
        """True when the weights come from S3 (streamed with the Run:ai streamer)."""
        return self.model.startswith("s3://")

    def _architecture(self) -> Optional[Architecture]:
        if self.architecture is not None:
            return self.architecture.to_architecture(self.name)
        return match_architecture(self.model)

    @property
    def arch(self) -> Architecture:
        """The :class:`~gpu_platform.catalog.architecture.Architecture` of the model (catalog or described)."""
        arch = self._architecture()
        assert arch is not None  # _consistent refused the spec otherwise
        return arch

    @property
    def model_name(self) -> str:
        """The served model name (`served_name`, defaulting to `name`)."""
        return self.served_name or self.name

    @property
    def context_length(self) -> int:
        """`max_model_len`, or the architecture's maximum capped at 8192."""
        return self.max_model_len or min(self.arch.max_context, 8192)

    @property
    def s3_bucket(self) -> Optional[str]:
        return self.model[5:].split("/", 1)[0] if self.is_s3 else None

    @property
    def s3_prefix(self) -> Optional[str]:
        if not self.is_s3:
            return None
        rest = self.model[5:].split("/", 1)
        return rest[1].strip("/") if len(rest) > 1 else ""
