"""Pure rendering of a model deployment: vLLM 0.33 arguments and every Kubernetes object a backend needs.

Backends (chosen by :mod:`gpu_platform.sizing`):

- ``kserve``: an ``InferenceService`` in Standard mode on the pinned vLLM ``ClusterServingRuntime``; KServe creates
  the ``<name>-predictor`` Deployment and Service (autoscalerClass ``external``); our KEDA ``ScaledObject`` scales
  that Deployment, so every autoscaling field of the spec reaches KEDA unchanged.
- ``rayservice``: a KubeRay ``RayService`` running Ray Serve's vLLM app across nodes (pipeline parallel between nodes,
  tensor parallel within); Ray Serve autoscales replicas and the in-tree autoscaler adds worker groups.
- ``deployment``: a plain Deployment + Service + KEDA ``ScaledObject``.

Every function returns complete objects (apiVersion, kind, metadata) ready for ``apply_object``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

import yaml

from ..catalog.versions import RAY_VERSION, image
from ..sizing import PROBE_PERIOD_S, Sizing, rollout_surge
from .iam import partition
from .observability import model_slo_rules, vllm_pod_monitor
from ..spec.model import Backend, ModelSpec, Priority
from .labels import (
    DOMAIN,
    GPU_CLASS_LABEL,
    GPU_RESOURCE,
    GPU_TOLERATION,
    MANAGED_BY,
    MONITORING_NAMESPACE,
    PROMETHEUS_URL,
    POOL_LABEL,
    PROXY_NAMESPACE,
)

MODEL_LABEL = f"{DOMAIN}/model"
"""Pod label carrying the workload name (`<model>` or `<model>-canary`); selectors for PDBs and policies."""
MODEL_GROUP_LABEL = f"{DOMAIN}/model-group"
"""Pod label carrying the ModelSpec name (shared by a model and its canary)."""
ROLE_LABEL = f"{DOMAIN}/model-role"
"""`server`, `ray-head`, `ray-worker` or `headroom`."""
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
DO_NOT_DISRUPT = {"karpenter.sh/do-not-disrupt": "true"}

RUNTIME_NAME = "vllm-0-33"
"""The pinned vLLM ClusterServingRuntime (one per cluster, created by ModelServingBase)."""
RUNTIME_FORMAT = "vLLM"
SERVING_PORT = 8080
"""vLLM listens here on every backend (KServe's predictor Service targets 8080)."""
RAY_SERVE_PORT = 8000
CACHE_MOUNT = "/models-cache"
PREFERRED_PRESTOP_S = 15
MAX_REQUEST_S = 120
"""Longest generation we let finish during a drain (grace period = preStop + this)."""
KUBERAY_OPERATOR_LABELS = {"app.kubernetes.io/name": "kuberay-operator"}
POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32"

PRIORITY_CLASSES: dict[Priority, tuple[str, int]] = {
    Priority.CRITICAL: ("gpu-model-critical", 100000),
    Priority.STANDARD: ("gpu-model-standard", 10000),
    Priority.BATCH: ("gpu-model-batch", 1000),
}
HEADROOM_PRIORITY_CLASS = ("gpu-headroom", -100)
"""Placeholder pods: below every workload (negative, never preempting) so any real replica evicts them at once."""

RAY_ACCELERATOR = {"l4": "L4", "a10g": "A10G", "l40s": "L40S", "a100": "A100", "h100": "H100"}

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

# Wake signal for scale-to-zero models: requests the LiteLLM proxy received for the model recently. The fallback
# proxy may publish a better query in `PlatformRef.extras["model_wake_query"]` (a function of the served name).
DEFAULT_WAKE_QUERY = 'sum(rate(litellm_proxy_total_requests_metric_total{{requested_model="{model}"}}[2m]))'


# ------------------------------------------------------------------------------------------------ helpers
def _meta(name: str, namespace: Optional[str] = None, labels: Optional[dict] = None, annotations: Optional[dict] = None):
    meta: dict[str, Any] = {"name": name, "labels": {**MANAGED_BY, **(labels or {})}}
    if namespace:
        meta["namespace"] = namespace
    if annotations:
        meta["annotations"] = annotations
    return meta


AWAIT_MARGIN_S = 300
"""Beyond the modelled cold start before `pulumi up` calls a GPU workload failed (node, image, weights, warm-up)."""


def await_annotations(sizing: Sizing, *, min_replicas: int, placeholder: bool = False) -> dict[str, str]:
    """How long `pulumi up` waits for a GPU workload to become ready (pulumi-kubernetes annotations).

    pulumi-kubernetes gives a Deployment 10 minutes; a GPU replica on a new node often needs longer (the modelled
    cold start), so the wait is that plus a margin. Where readiness is not what `up` should wait for, it does not
    wait: headroom placeholders wait for capacity by design, and a model that may sit at zero replicas is ready
    only when traffic wakes it.
    """
    if placeholder or min_replicas == 0:
        return {"pulumi.com/skipAwait": "true"}
    return {"pulumi.com/timeoutSeconds": str(sizing.cold_start.total_s + AWAIT_MARGIN_S)}


def endpoint_url(name: str, namespace: str, backend: Backend) -> str:
    """The in-cluster OpenAI-compatible base URL (`http://…/v1`) of a model deployed as ``name``."""
    if backend is Backend.KSERVE:
        return f"http://{name}-predictor.{namespace}.svc.cluster.local/v1"
    if backend is Backend.RAYSERVICE:
        return f"http://{name}-serve-svc.{namespace}.svc.cluster.local:{RAY_SERVE_PORT}/v1"
    if backend is Backend.DEPLOYMENT:
        return f"http://{name}.{namespace}.svc.cluster.local/v1"
    raise ValueError(f"endpoint_url needs a concrete backend, got {backend.value}")


def scale_down_seconds(spec: ModelSpec, environment: str) -> int:
    """Scale-down stabilisation: the spec's value, else 900 s in prod and 300 s elsewhere."""
    value = spec.autoscaling.scale_down_stabilization_seconds
    if value is not None:
        return value
    return 900 if environment == "prod" else 300


def _gi(n: float) -> str:
    return f"{int(n)}Gi"


# ------------------------------------------------------------------------------------------------ vLLM args
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


# ------------------------------------------------------------------------------------------------ pod pieces
SERVER_UID = 1000
"""vLLM needs no root: its image defaults to root only for its caches under /root, which we move to HOME_MOUNT."""
HOME_MOUNT = "/home/vllm"
PLACEHOLDER_UID = 65534


def container_security_context(*, uid: int = SERVER_UID, read_only_root: bool = False) -> dict[str, Any]:
    """Non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp."""
    ctx: dict[str, Any] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if read_only_root:
        ctx["readOnlyRootFilesystem"] = True
    return ctx


def pod_security_context() -> dict[str, Any]:
    """Pod-level: non-root, and volumes (weight cache) group-writable by the server's group, chowned only once."""
    return {
        "runAsNonRoot": True,
        "runAsUser": SERVER_UID,
        "runAsGroup": SERVER_UID,
        "fsGroup": SERVER_UID,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_labels(spec: ModelSpec, workload: str, role: str) -> dict[str, str]:
    return {
        **MANAGED_BY,
        MODEL_LABEL: workload,
        MODEL_GROUP_LABEL: spec.name,
        ROLE_LABEL: role,
        "app.kubernetes.io/name": "vllm",
        "app.kubernetes.io/instance": workload,
    }


def node_selector(sizing: Sizing) -> dict[str, str]:
    """Land on the model's pool (its class's pool), on the instance type sizing assumed (GPU count, CPU, memory).

    The pool label keeps a whole-GPU model off a MIG pool of the same class, whose `nvidia.com/gpu` is a slice.
    """
    selector = {GPU_CLASS_LABEL: sizing.gpu_class, INSTANCE_TYPE_LABEL: sizing.instance_type}
    if sizing.pool is not None:
        selector[POOL_LABEL] = sizing.pool
    return selector


def spread(workload: str) -> list[dict[str, Any]]:
    """Prefer spreading replicas over zones and nodes; soft, because scarce GPUs must not block a scale-up."""
    selector = {"matchLabels": {MODEL_LABEL: workload}}
    return [
        {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": selector}
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


def probes(sizing: Sizing, port: int) -> dict[str, Any]:
    """Startup probe sized from the cold-start model; quick readiness; a gentle liveness that tolerates stalls."""
    get = {"path": "/health", "port": port, "scheme": "HTTP"}
    return {
        "startupProbe": {
            "httpGet": get,
            "periodSeconds": PROBE_PERIOD_S,
            "timeoutSeconds": 5,
            "failureThreshold": sizing.startup_failure_threshold,
        },
        "readinessProbe": {"httpGet": get, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {"httpGet": get, "periodSeconds": 30, "timeoutSeconds": 10, "failureThreshold": 5},
    }


def gpu_resources(sizing: Sizing) -> dict[str, Any]:
    """GPU requests == limits (extended resources cannot overcommit); memory request == limit; CPU uncapped."""
    gpus = str(sizing.gpus_per_pod)
    return {
        "requests": {"cpu": str(sizing.cpu), "memory": _gi(sizing.memory_gib), GPU_RESOURCE: gpus},
        "limits": {"memory": _gi(sizing.memory_gib), GPU_RESOURCE: gpus},
    }


def _env(spec: ModelSpec, region: str, hf_secret: Optional[str], sizing: Sizing) -> list[dict[str, Any]]:
    env = [
        # Caches (Hugging Face, vLLM, Triton, torch.compile) go under a writable HOME, as the server is not root.
        {"name": "HOME", "value": HOME_MOUNT},
        {"name": "VLLM_NO_USAGE_STATS", "value": "1"},
        {"name": "DO_NOT_TRACK", "value": "1"},
    ]
    if spec.is_s3:
        env += [
            {"name": "AWS_REGION", "value": region},
            {"name": "AWS_DEFAULT_REGION", "value": region},
            # Bytes; the streamer's buffer is unbounded otherwise (vLLM docs, runai_model_streamer: memory_limit).
            {"name": "RUNAI_STREAMER_MEMORY_LIMIT", "value": str(sizing.streamer_memory_gib * 1024**3)},
        ]
    if spec.cache is not None:
        env.append({"name": "HF_HOME", "value": CACHE_MOUNT})
    if hf_secret:
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": hf_secret, "key": "HF_TOKEN"}}})
    return env


def _volumes(spec: ModelSpec, sizing: Sizing) -> tuple[list[dict], list[dict]]:
    volumes = [
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": _gi(sizing.shm_gib)}},
        {"name": "home", "emptyDir": {"sizeLimit": "20Gi"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "10Gi"}},
    ]
    mounts = [
        {"name": "dshm", "mountPath": "/dev/shm"},
        {"name": "home", "mountPath": HOME_MOUNT},
        {"name": "tmp", "mountPath": "/tmp"},
    ]
    if spec.cache is not None:
        volumes.append({"name": "cache", "persistentVolumeClaim": {"claimName": cache_pvc_name(spec)}})
        mounts.append({"name": "cache", "mountPath": CACHE_MOUNT})
    return volumes, mounts


def _prestop() -> dict[str, Any]:
    # Let endpoints drop the pod before SIGTERM; vLLM then finishes in-flight requests within the grace period.
    return {"preStop": {"sleep": {"seconds": PREFERRED_PRESTOP_S}}}


def service_account_name(spec: ModelSpec) -> Optional[str]:
    """The pod's service account: only S3 models need one (Pod Identity); others use none of the API."""
    return spec.name if spec.is_s3 else None


def hf_secret_name(spec: ModelSpec) -> str:
    return f"{spec.name}-hf-token"


def cache_pvc_name(spec: ModelSpec) -> str:
    return f"{spec.name}-cache"


def _pod_common(spec: ModelSpec, sizing: Sizing, workload: str) -> dict[str, Any]:
    volumes, _ = _volumes(spec, sizing)
    pod: dict[str, Any] = {
        "priorityClassName": PRIORITY_CLASSES[spec.priority][0],
        "nodeSelector": node_selector(sizing),
        "tolerations": [dict(GPU_TOLERATION)],
        "topologySpreadConstraints": spread(workload),
        "terminationGracePeriodSeconds": PREFERRED_PRESTOP_S + MAX_REQUEST_S,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(),
        "volumes": volumes,
    }
    sa = service_account_name(spec)
    if sa:
        pod["serviceAccountName"] = sa
    return pod


def _server_container(
    spec: ModelSpec, sizing: Sizing, region: str, hf_secret: Optional[str], revision: Optional[str], name: str
) -> dict[str, Any]:
    _, mounts = _volumes(spec, sizing)
    return {
        "name": name,
        "args": vllm_args(spec, sizing, revision=revision),
        "env": _env(spec, region, hf_secret, sizing),
        "resources": gpu_resources(sizing),
        "volumeMounts": mounts,
        "securityContext": container_security_context(),
        "lifecycle": _prestop(),
        **probes(sizing, SERVING_PORT),
    }


# ------------------------------------------------------------------------------------------------ autoscaling
def queries(spec: ModelSpec, namespace: str) -> dict[str, str]:
    """PromQL for the scaling signals (vLLM 0.33 metric names; `or vector(0)` keeps a model at zero readable)."""
    sel = f'namespace="{namespace}",model_name="{spec.model_name}"'
    return {
        "waiting": f"sum(vllm:num_requests_waiting{{{sel}}}) or vector(0)",
        "kv_cache": f"avg(vllm:kv_cache_usage_perc{{{sel}}}) or vector(0)",
    }


def wake_query(spec: ModelSpec, template: Optional[str] = None) -> str:
    """A 0/1 signal that wakes a scaled-to-zero model when the proxy sees requests for it."""
    base = (template or DEFAULT_WAKE_QUERY).format(model=spec.model_name)
    return f"clamp_max({base}, 1) or vector(0)"


def hpa_behavior(spec: ModelSpec, environment: str) -> dict[str, Any]:
    """Fast up (no stabilisation, double or +2 pods per minute); slow, one-at-a-time down."""
    return {
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Pods", "value": 2, "periodSeconds": 60},
                {"type": "Percent", "value": 100, "periodSeconds": 60},
            ],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": scale_down_seconds(spec, environment),
            "selectPolicy": "Min",
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 300}],
        },
    }


def cluster_serving_runtime() -> dict[str, Any]:
    """The pinned vLLM 0.33 runtime every InferenceService names (no `latest`, unlike KServe's built-in one)."""
    img = image("vllm")
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "ClusterServingRuntime",
        "metadata": _meta(RUNTIME_NAME, labels={"app.kubernetes.io/version": img.tag}),
        "spec": {
            "supportedModelFormats": [{"name": RUNTIME_FORMAT, "version": "1", "autoSelect": False}],
            # No protocolVersions, like KServe's own kserve-vllmserver: its defaulting webhook sets protocolVersion
            # v2 on every vLLM-format model (inference_service_defaults.go), and the controller refuses a runtime
            # whose list lacks it ("does not support specified protocol version", components/predictor.go).
            # Listing "v1" here stopped every InferenceService we shipped; found by `verify`.
            "containers": [
                {
                    "name": "kserve-container",
                    "image": img.ref,
                    "command": ["vllm", "serve"],
                    "args": [f"--port={SERVING_PORT}"],
                    "ports": [{"containerPort": SERVING_PORT, "protocol": "TCP", "name": "http"}],
                    "securityContext": container_security_context(),
                }
            ],
        },
    }


def priority_classes() -> list[dict[str, Any]]:
    """PriorityClasses for model pods and the preemptible, never-preempting warm-headroom placeholders."""
    out = [
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": _meta(name),
            "value": value,
            "globalDefault": False,
            "description": f"gpu-platform model pods ({prio.value})",
        }
        for prio, (name, value) in PRIORITY_CLASSES.items()
    ]
    name, value = HEADROOM_PRIORITY_CLASS
    out.append(
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": _meta(name),
            "value": value,
            "globalDefault": False,
            "preemptionPolicy": "Never",
            "description": "gpu-platform warm-headroom placeholders: evicted first, never evict anything",
        }
    )
    return out


# ------------------------------------------------------------------------------------------------ namespace
def namespace_objects(namespace: str, gpu_quota: int) -> list[tuple[str, dict[str, Any]]]:
    """The model namespace with default-deny policies (ingress only from the proxy and Prometheus), a GPU quota
    and container defaults. ``gpu_quota`` caps the GPUs all pods in the namespace may request."""
    ns_labels = {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"}
    model_pods = {"matchExpressions": [{"key": MODEL_LABEL, "operator": "Exists"}]}
    return [
        ("namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(namespace, labels=ns_labels)}),
        (
            "default-deny",
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": _meta("default-deny", namespace),
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            },
        ),
        (
            "allow-proxy-and-prometheus",
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": _meta("allow-proxy-and-prometheus", namespace),
                "spec": {
                    "podSelector": model_pods,
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}
                                for ns in (PROXY_NAMESPACE, MONITORING_NAMESPACE)
                            ],
                            "ports": [
                                {"protocol": "TCP", "port": SERVING_PORT},
                                {"protocol": "TCP", "port": RAY_SERVE_PORT},
                            ],
                        }
                    ],
                },
            },
        ),
        (
            "allow-egress",
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": _meta("allow-egress", namespace),
                "spec": {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        # DNS.
                        {
                            "to": [
                                {
                                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                                }
                            ],
                            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                        },
                        # EKS Pod Identity agent (credentials for S3 weights).
                        {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT_CIDR}}], "ports": [{"protocol": "TCP", "port": 80}]},
                        # Weights: Hugging Face Hub and S3 over TLS.
                        {"ports": [{"protocol": "TCP", "port": 443}]},
                    ],
                },
            },
        ),
        (
            "gpu-quota",
            {
                "apiVersion": "v1",
                "kind": "ResourceQuota",
                "metadata": _meta("gpu-quota", namespace),
                "spec": {"hard": {f"requests.{GPU_RESOURCE}": str(gpu_quota)}},
            },
        ),
        (
            "limits",
            {
                "apiVersion": "v1",
                "kind": "LimitRange",
                "metadata": _meta("limits", namespace),
                "spec": {
                    "limits": [
                        {
                            "type": "Container",
                            # The GPU default must be explicit: the LimitRanger admission plugin defaults a
                            # missing limit to `max` (plugin/pkg/admission/limitranger), and an extended resource's
                            # request to its limit, so without it every container that names no GPU (an injected
                            # sidecar, KServe's agent) would ask for 8 and the pod would break the GPU quota.
                            # Found by `verify` (ReplicaSet FailedCreate: requested nvidia.com/gpu=9).
                            "defaultRequest": {"cpu": "100m", "memory": "128Mi", GPU_RESOURCE: "0"},
                            "default": {"memory": "512Mi", GPU_RESOURCE: "0"},
                            "max": {GPU_RESOURCE: "8"},
                        }
                    ]
                },
            },
        ),
    ]


def rollout_strategy(spec: ModelSpec) -> dict[str, Any]:
    """How a model's Deployment (ours, or KServe's `<name>-predictor`) replaces its pods.

    A ReadWriteOnce cache volume is attached to one node: a surge pod elsewhere can never mount it and the
    rollout would wait forever, so those models recreate (a short outage the fallback proxy absorbs). Everything
    else surges one replica and never drops below the current count; the namespace's GPU quota counts that surge
    replica (gpu_quota), or the quota would refuse it at max replicas. KServe's default, 25 % surge and 25 %
    unavailable, is replaced through `predictor.deploymentStrategy` (deployment_reconciler.go at v0.20.0).
    """
    # Both users of this strategy run Deployment pods (ours, or KServe's predictor): ask as the Deployment backend.
    if rollout_surge(spec, Backend.DEPLOYMENT) == 0:
        return {"type": "Recreate"}
    return {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def gpu_quota(specs: list[ModelSpec], sizings: list[Sizing]) -> int:
    """GPUs a namespace needs at peak: max replicas plus a rollout's surge, canary and headroom placeholders."""
    total = 0
    for spec, s in zip(specs, sizings):
        replicas = spec.autoscaling.max_replicas + (spec.canary.replicas if spec.canary else 0) + spec.headroom_replicas
        total += (replicas + rollout_surge(spec, s.backend)) * s.gpus_per_replica
    return total


# ------------------------------------------------------------------------------------------------ per model
@dataclass
class RenderedModel:
    """Everything one ModelDeployment registers, in order, plus its outputs."""

    objects: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """``(part, object)``: the component registers each as ``f"{name}-{part}"``."""
    endpoint: str = ""
    canary_endpoint: Optional[str] = None
    s3_policy: Optional[str] = None
    """Read-only IAM policy JSON for the model's Pod Identity role (S3 sources)."""
    hf_secret: Optional[str] = None
    """Name of the Secret that must carry `HF_TOKEN` (filled by the component with a Pulumi secret)."""


def s3_read_policy(spec: ModelSpec, region: str) -> Optional[str]:
    """Least-privilege read of the weights prefix (and decrypt with its KMS key, if any)."""
    if not spec.is_s3:
        return None
    bucket, prefix = spec.s3_bucket, spec.s3_prefix
    p = partition(region)  # arn:aws-cn / arn:aws-us-gov outside the commercial partition
    objects = f"arn:{p}:s3:::{bucket}/{prefix}/*" if prefix else f"arn:{p}:s3:::{bucket}/*"
    list_stmt: dict[str, Any] = {
        "Sid": "ListWeights", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": f"arn:{p}:s3:::{bucket}"
    }
    if prefix:
        list_stmt["Condition"] = {"StringLike": {"s3:prefix": [f"{prefix}/*", prefix]}}
    statements = [
        {"Sid": "ReadWeights", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": objects},
        list_stmt,
    ]
    if spec.source.s3_kms_key_arn:
        statements.append(
            {"Sid": "DecryptWeights", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": spec.source.s3_kms_key_arn}
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def _pdb(name: str, namespace: str, workload: str, *, min_available: Optional[int] = None) -> dict[str, Any]:
    """At most one serving pod evicted at a time, or (``min_available``) a fixed floor of pods.

    ``maxUnavailable`` (and a percentage ``minAvailable``) make the disruption controller read the pods' owner's
    scale subresource; RayCluster has none, so such a PDB allows no eviction at all and reports
    CalculateExpectedPodCountFailed (pkg/controller/disruption/disruption.go getExpectedPodCount; seen by
    `verify`). An integer ``minAvailable`` only counts the selected pods.
    """
    budget: dict[str, Any] = {"maxUnavailable": 1} if min_available is None else {"minAvailable": min_available}
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(name, namespace),
        "spec": {**budget, "selector": {"matchLabels": {MODEL_LABEL: workload}}},
    }


def ray_pods_at_minimum(spec: ModelSpec, sizing: Sizing) -> int:
    """Pods of a RayService's cluster at its minimum: the head plus `pipeline_parallel_size` hosts per replica."""
    return 1 + spec.autoscaling.min_replicas * sizing.pipeline_parallel_size


def inference_service(
    spec: ModelSpec,
    sizing: Sizing,
    *,
    region: str,
    workload: Optional[str] = None,
    revision: Optional[str] = None,
    replicas: Optional[tuple[int, int]] = None,
    hf_secret: Optional[str] = None,
) -> dict[str, Any]:
    """KServe InferenceService (Standard mode) on the pinned vLLM ClusterServingRuntime; scaled by our ScaledObject."""
    workload = workload or spec.name
    ns = spec.namespace
    lo, hi = replicas or (spec.autoscaling.min_replicas, spec.autoscaling.max_replicas)
    container = _server_container(spec, sizing, region, hf_secret, revision, "kserve-container")
    container.pop("name")
    # KServe appends these to the runtime's args; repeating the port keeps the pod right even where it replaces them.
    container["args"] = [*container["args"], f"--port={SERVING_PORT}"]
    predictor: dict[str, Any] = {
        "minReplicas": lo,
        "maxReplicas": hi,
        "labels": pod_labels(spec, workload, "server"),
        "annotations": dict(DO_NOT_DISRUPT),
        "deploymentStrategy": rollout_strategy(spec),
        **_pod_common(spec, sizing, workload),
        "model": {"modelFormat": {"name": RUNTIME_FORMAT}, "runtime": RUNTIME_NAME, **container},
    }
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": _meta(
            workload,
            ns,
            labels={MODEL_GROUP_LABEL: spec.name},
            annotations={
                **await_annotations(sizing, min_replicas=lo),
                "serving.kserve.io/deploymentMode": "Standard",
                # `external`: KServe creates no autoscaler and leaves the Deployment's replicas alone; our ScaledObject
                # on `<name>-predictor` owns them. (With `keda`, KServe's translation keeps only
                # stabilizationWindowSeconds of the behaviour, no cooldown or polling, copies thresholds as strings
                # KEDA 2.20 cannot parse, and its webhook insists on target.value: keda_reconciler.go and
                # inference_service_validation.go at v0.20.0.) `none`: fixed replicas (canaries) from minReplicas.
                "serving.kserve.io/autoscalerClass": "external" if replicas is None else "none",
            },
        ),
        "spec": {"predictor": predictor},
    }


def deployment(
    spec: ModelSpec,
    sizing: Sizing,
    *,
    region: str,
    workload: Optional[str] = None,
    revision: Optional[str] = None,
    replicas: Optional[int] = None,
    hf_secret: Optional[str] = None,
) -> dict[str, Any]:
    """A plain Deployment running `vllm serve` (replicas owned by KEDA unless ``replicas`` is fixed)."""
    workload = workload or spec.name
    container = _server_container(spec, sizing, region, hf_secret, revision, "vllm")
    container["image"] = image("vllm").ref
    container["command"] = ["vllm", "serve"]
    container["args"] = [*container["args"], f"--port={SERVING_PORT}"]
    container["ports"] = [{"name": "http", "containerPort": SERVING_PORT, "protocol": "TCP"}]
    labels = pod_labels(spec, workload, "server")
    body: dict[str, Any] = {
        "selector": {"matchLabels": {MODEL_LABEL: workload}},
        "strategy": rollout_strategy(spec),
        "progressDeadlineSeconds": max(600, sizing.startup_budget_s + sizing.cold_start.node_s + sizing.cold_start.image_s),
        "template": {
            "metadata": {"labels": labels, "annotations": dict(DO_NOT_DISRUPT)},
            "spec": {**_pod_common(spec, sizing, workload), "containers": [container]},
        },
    }
    if replicas is not None:
        body = {"replicas": replicas, **body}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(
            workload, spec.namespace, labels={MODEL_GROUP_LABEL: spec.name},
            annotations=await_annotations(sizing, min_replicas=spec.autoscaling.min_replicas if replicas is None else replicas),
        ),
        "spec": body,
    }


def service(spec: ModelSpec, workload: Optional[str] = None) -> dict[str, Any]:
    """ClusterIP Service on port 80 for the Deployment backend (same shape as KServe's predictor Service)."""
    workload = workload or spec.name
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(workload, spec.namespace, labels={MODEL_LABEL: workload}),
        "spec": {
            "type": "ClusterIP",
            "selector": {MODEL_LABEL: workload},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def predictor_name(workload: str) -> str:
    """The Deployment (and Service) KServe's Standard mode creates for an InferenceService's predictor."""
    return f"{workload}-predictor"


def scaled_object(
    spec: ModelSpec, *, environment: str, wake: Optional[str] = None, target: Optional[str] = None
) -> dict[str, Any]:
    """KEDA ScaledObject: queue depth, KV-cache pressure and (scale-to-zero) wake-ups.

    ``target`` is the Deployment it scales: the model's own (Deployment backend) or KServe's `<name>-predictor`.
    """
    a = spec.autoscaling
    q = queries(spec, spec.namespace)

    def prom(name: str, query: str, threshold: str, metric_type: str) -> dict[str, Any]:
        return {
            "type": "prometheus",
            "name": name,
            "metricType": metric_type,
            "metadata": {"serverAddress": PROMETHEUS_URL, "query": query, "threshold": threshold},
        }

    triggers = [prom("waiting-requests", q["waiting"], str(a.target_waiting_requests), "AverageValue")]
    if a.target_kv_cache_usage is not None:
        triggers.append(prom("kv-cache-usage", q["kv_cache"], str(a.target_kv_cache_usage), "Value"))
    if a.scale_to_zero:
        triggers.append(prom("wake", wake_query(spec, wake), "1", "Value"))
    body: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target or spec.name},
        "minReplicaCount": a.min_replicas,
        "maxReplicaCount": a.max_replicas,
        "pollingInterval": a.polling_interval_seconds,
        "advanced": {"horizontalPodAutoscalerConfig": {"behavior": hpa_behavior(spec, environment)}},
        "triggers": triggers,
    }
    if a.scale_to_zero:
        body["cooldownPeriod"] = a.idle_seconds_before_zero
        # A fresh replica needs minutes to serve: do not judge it idle before then.
        body["initialCooldownPeriod"] = a.idle_seconds_before_zero
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _meta(spec.name, spec.namespace, labels={MODEL_LABEL: spec.name}),
        "spec": body,
    }


def serve_config(spec: ModelSpec, sizing: Sizing, environment: str) -> str:
    """Ray Serve config (the RayService `serveConfigV2` string): the OpenAI app over vLLM with autoscaling."""
    a = spec.autoscaling
    llm: dict[str, Any] = {
        "model_loading_config": {"model_id": spec.model_name, "model_source": spec.model},
        "accelerator_type": RAY_ACCELERATOR[sizing.gpu_class],
        "engine_kwargs": engine_kwargs(spec, sizing),
        "deployment_config": {
            "autoscaling_config": {
                "min_replicas": a.min_replicas,
                "max_replicas": a.max_replicas,
                "target_ongoing_requests": a.target_waiting_requests * 8,
                "upscale_delay_s": 30,
                "downscale_delay_s": scale_down_seconds(spec, environment),
            }
        },
        "runtime_env": {"env_vars": {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}},
        # One bundle per engine worker (Ray multiplies it by TP × PP), packed: a tensor-parallel group fills one
        # node, pipeline stages spill onto the next (ray/llm/_internal/common/placement.py, Ray 2.56.0).
        "placement_group_config": {
            "bundle_per_worker": {"GPU": 1, "CPU": max(1, sizing.cpu // max(1, sizing.gpus_per_pod))},
            "strategy": "PACK",
        },
    }
    config = {
        "applications": [
            {
                "name": spec.name,
                "route_prefix": "/",
                "import_path": "ray.serve.llm:build_openai_app",
                "args": {"llm_configs": [llm]},
            }
        ]
    }
    return yaml.safe_dump(config, sort_keys=False)


def ray_upgrade_strategy(new_cluster_fits: bool) -> dict[str, str]:
    """How KubeRay 1.7 rolls a RayService change (rayservice_types.go; the default is NewCluster).

    NewCluster starts a second, complete cluster and switches traffic once it serves: zero downtime, but twice the
    GPUs at max replicas. Where the pools cannot hold two clusters, that second cluster never schedules and the
    upgrade waits forever, so `None`: serve-config changes (model args, autoscaling) apply in place, and a change to
    the cluster itself (image, resources, node shape) needs the RayService recreated (the plan warns).
    """
    return {"type": "NewCluster" if new_cluster_fits else "None"}


def ray_service(
    spec: ModelSpec,
    sizing: Sizing,
    *,
    environment: str,
    region: str,
    hf_secret: Optional[str],
) -> dict[str, Any]:
    """KubeRay RayService: a CPU head and one multi-host worker group per replica (one pod per pipeline stage)."""
    img = image("ray-llm").ref
    a = spec.autoscaling
    env = _env(spec, region, hf_secret, sizing)
    volumes, mounts = _volumes(spec, sizing)
    sa = service_account_name(spec)
    head_pod: dict[str, Any] = {
        "priorityClassName": PRIORITY_CLASSES[spec.priority][0],
        # The head runs the in-tree autoscaler sidecar, which talks to the API server: the one pod with a token.
        "automountServiceAccountToken": True,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(),
        "volumes": [v for v in volumes if v["name"] in ("home", "tmp")],
        "containers": [
            {
                "name": "ray-head",
                "image": img,
                "env": env,
                "volumeMounts": [m for m in mounts if m["name"] in ("home", "tmp")],
                "resources": {"requests": {"cpu": "2", "memory": "8Gi"}, "limits": {"memory": "8Gi"}},
                "ports": [
                    {"name": "gcs", "containerPort": 6379},
                    {"name": "dashboard", "containerPort": 8265},
                    {"name": "serve", "containerPort": RAY_SERVE_PORT},
                    {"name": "metrics", "containerPort": 8080},
                ],
                "securityContext": container_security_context(),
            }
        ],
    }
    worker_pod: dict[str, Any] = {**_pod_common(spec, sizing, spec.name), "volumes": volumes}
    worker_pod.pop("serviceAccountName", None)
    if sa:
        # Workers stream the weights; the head keeps the autoscaler's own service account (KubeRay's RBAC).
        worker_pod["serviceAccountName"] = sa
    worker_pod["containers"] = [
        {
            "name": "ray-worker",
            "image": img,
            "env": env,
            "resources": gpu_resources(sizing),
            "volumeMounts": mounts,
            "securityContext": container_security_context(),
            "lifecycle": {"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}},
        }
    ]
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": _meta(
            spec.name, spec.namespace, labels={MODEL_GROUP_LABEL: spec.name},
            annotations=await_annotations(sizing, min_replicas=a.min_replicas),
        ),
        "spec": {
            "upgradeStrategy": ray_upgrade_strategy(sizing.second_cluster_fits),
            "serveConfigV2": serve_config(spec, sizing, environment),
            "rayClusterConfig": {
                "rayVersion": RAY_VERSION,
                "enableInTreeAutoscaling": True,
                "autoscalerOptions": {
                    "upscalingMode": "Default",
                    "idleTimeoutSeconds": scale_down_seconds(spec, environment),
                    "securityContext": container_security_context(),
                },
                "headGroupSpec": {
                    # num-cpus 0 keeps model replicas off the head; it only runs the controller and the proxy.
                    "rayStartParams": {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
                    "template": {
                        "metadata": {"labels": pod_labels(spec, spec.name, "ray-head")},
                        "spec": head_pod,
                    },
                },
                "workerGroupSpecs": [
                    {
                        "groupName": "gpu",
                        # One replica = `pipeline_parallel_size` hosts, scaled as a unit.
                        "numOfHosts": sizing.pipeline_parallel_size,
                        "replicas": a.min_replicas,
                        "minReplicas": a.min_replicas,
                        "maxReplicas": a.max_replicas,
                        "rayStartParams": {},
                        "template": {
                            "metadata": {
                                "labels": pod_labels(spec, spec.name, "ray-worker"),
                                "annotations": dict(DO_NOT_DISRUPT),
                            },
                            "spec": worker_pod,
                        },
                    }
                ],
            },
        },
    }


def ray_internal_policy(spec: ModelSpec) -> dict[str, Any]:
    """Ray head and workers talk on many ports (GCS, object store, NCCL) among themselves; KubeRay polls the head."""
    own = {"matchLabels": {MODEL_LABEL: spec.name}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(f"{spec.name}-ray", spec.namespace),
        "spec": {
            "podSelector": own,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": [{"podSelector": own}]},
                {
                    "from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": dict(KUBERAY_OPERATOR_LABELS)}}],
                    "ports": [{"protocol": "TCP", "port": 8265}, {"protocol": "TCP", "port": 52365}],
                },
            ],
            "egress": [{"to": [{"podSelector": own}]}],
        },
    }


def serving_image(backend: Backend) -> str:
    """The image a backend's GPU pods run (what a warm node should already have pulled)."""
    return image("ray-llm" if backend is Backend.RAYSERVICE else "vllm").ref


def headroom(spec: ModelSpec, sizing: Sizing) -> Optional[dict[str, Any]]:
    """Placeholder pods holding warm GPU nodes of the model's shape, with the serving image already pulled."""
    if spec.headroom_replicas == 0:
        return None
    workload = f"{spec.name}-headroom"
    gpus = str(sizing.gpus_per_pod)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(
            workload, spec.namespace, labels={MODEL_GROUP_LABEL: spec.name},
            annotations=await_annotations(sizing, min_replicas=spec.headroom_replicas, placeholder=True),
        ),
        "spec": {
            "replicas": spec.headroom_replicas * sizing.nodes_per_replica,
            "selector": {"matchLabels": {MODEL_LABEL: workload}},
            "template": {
                "metadata": {"labels": pod_labels(spec, workload, "headroom")},
                "spec": {
                    "priorityClassName": HEADROOM_PRIORITY_CLASS[0],
                    "nodeSelector": node_selector(sizing),
                    "tolerations": [dict(GPU_TOLERATION)],
                    "terminationGracePeriodSeconds": 0,
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": PLACEHOLDER_UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": "placeholder",
                            # The serving image itself, idling: the node keeps it pulled for the replica that
                            # preempts us.
                            "image": serving_image(sizing.backend),
                            "command": ["sleep", "infinity"],
                            "resources": {
                                "requests": {"cpu": "10m", "memory": "16Mi", GPU_RESOURCE: gpus},
                                "limits": {"cpu": "10m", "memory": "16Mi", GPU_RESOURCE: gpus},
                            },
                            # Nothing to serve; the probes only confirm the placeholder process is alive.
                            "readinessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 60},
                            "livenessProbe": {"exec": {"command": ["true"]}, "periodSeconds": 60},
                            "securityContext": container_security_context(uid=PLACEHOLDER_UID, read_only_root=True),
                        }
                    ],
                },
            },
        },
    }


def metrics_monitor(spec: ModelSpec, backend: Backend) -> dict[str, Any]:
    """PodMonitor for every serving pod of the model group (canary included): vLLM's `/metrics` on the serving port,
    or Ray's metrics port on RayService pods (Ray Serve exports the engine's metrics through its metrics agent)."""
    port = 8080 if backend is Backend.RAYSERVICE else SERVING_PORT
    return vllm_pod_monitor(f"{spec.name}-vllm", spec.namespace, {MODEL_GROUP_LABEL: spec.name}, port=port)


def render_model(
    spec: ModelSpec,
    sizing: Sizing,
    *,
    environment: str,
    region: str,
    wake: Optional[str] = None,
    with_hf_token: bool = False,
    monitor: bool = True,
) -> RenderedModel:
    """All objects for one model on the backend sizing chose.

    ``monitor``: add the PodMonitor that feeds Prometheus the vLLM metrics the KEDA triggers, dashboards and alerts
    read (needs the Prometheus Operator CRDs, so the component passes False when monitoring is off).
    """
    out = RenderedModel()
    ns = spec.namespace
    backend = sizing.backend
    hf_secret = hf_secret_name(spec) if with_hf_token else None
    if hf_secret:
        out.hf_secret = hf_secret
        out.objects.append(
            (
                "hf-token",
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": _meta(hf_secret, ns),
                    "type": "Opaque",
                    "stringData": {"HF_TOKEN": ""},
                },
            )
        )
    if spec.is_s3:
        out.s3_policy = s3_read_policy(spec, region)
        out.objects.append(
            (
                "sa",
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": _meta(service_account_name(spec), ns),  # type: ignore[arg-type]
                    "automountServiceAccountToken": False,
                },
            )
        )
    if spec.cache is not None:
        pvc_spec: dict[str, Any] = {
            "accessModes": ["ReadWriteMany" if spec.cache.read_write_many else "ReadWriteOnce"],
            "resources": {"requests": {"storage": _gi(spec.cache.size_gib)}},
        }
        if spec.cache.storage_class:
            pvc_spec["storageClassName"] = spec.cache.storage_class
        out.objects.append(
            (
                "cache",
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": _meta(cache_pvc_name(spec), ns),
                    "spec": pvc_spec,
                },
            )
        )
    canary = spec.canary
    if backend is Backend.KSERVE:
        out.objects += [
            ("isvc", inference_service(spec, sizing, region=region, hf_secret=hf_secret)),
            ("scaledobject", scaled_object(spec, environment=environment, wake=wake, target=predictor_name(spec.name))),
        ]
        if canary:
            out.objects.append(
                (
                    "canary",
                    inference_service(
                        spec, sizing, region=region, workload=f"{spec.name}-canary",
                        revision=canary.revision, replicas=(canary.replicas, canary.replicas), hf_secret=hf_secret,
                    ),
                )
            )
    elif backend is Backend.DEPLOYMENT:
        out.objects += [
            ("deployment", deployment(spec, sizing, region=region, hf_secret=hf_secret)),
            ("service", service(spec)),
            ("scaledobject", scaled_object(spec, environment=environment, wake=wake)),
        ]
        if canary:
            out.objects += [
                (
                    "canary",
                    deployment(
                        spec, sizing, region=region, workload=f"{spec.name}-canary", revision=canary.revision,
                        replicas=canary.replicas, hf_secret=hf_secret,
                    ),
                ),
                ("canary-service", service(spec, f"{spec.name}-canary")),
            ]
    elif backend is Backend.RAYSERVICE:
        out.objects += [
            ("rayservice", ray_service(spec, sizing, environment=environment, region=region, hf_secret=hf_secret)),
            ("ray-policy", ray_internal_policy(spec)),
        ]
    else:  # pragma: no cover - sizing always resolves AUTO
        raise ValueError(f"unresolved backend {backend}")
    if backend is Backend.RAYSERVICE:
        # Every pod of a multi-node replica is needed to serve it (a lost stage stops the replica): keep them all
        # through voluntary evictions. A drain then waits for the pool's terminationGracePeriod, which bounds it.
        out.objects.append(("pdb", _pdb(spec.name, ns, spec.name, min_available=ray_pods_at_minimum(spec, sizing))))
    else:
        out.objects.append(("pdb", _pdb(spec.name, ns, spec.name)))
    if canary:
        out.objects.append(("canary-pdb", _pdb(f"{spec.name}-canary", ns, f"{spec.name}-canary")))
    placeholder = headroom(spec, sizing)
    if placeholder is not None:
        out.objects.append(("headroom", placeholder))
    if monitor:
        out.objects.append(("metrics", metrics_monitor(spec, backend)))
        if spec.ttft_p95_slo_seconds is not None:
            # A recording rule, not an alert: the platform's one TTFT alert compares each model with its own SLO.
            slo = model_slo_rules([(spec.model_name, spec.ttft_p95_slo_seconds)], namespace=spec.namespace)
            out.objects.append(("slo", slo))
    out.endpoint = endpoint_url(spec.name, ns, backend)
    if canary:
        out.canary_endpoint = endpoint_url(f"{spec.name}-canary", ns, backend)
    return out
