"""The shape of a serving pod: placement, resources, volumes, environment, probes, drain and security context.

Every backend's GPU pods (KServe's predictor, our Deployment, Ray workers) are built from these pieces, so a
decision about the pod (how long to drain, what is writable, where it lands) is taken once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ...sizing import PROBE_PERIOD_S, Sizing
from ...spec.model import ModelSpec
from .. import _common
from ..labels import GPU_CLASS_LABEL, GPU_RESOURCE, GPU_TOLERATION, HOSTNAME_LABEL, MANAGED_BY, POOL_LABEL, ZONE_LABEL
from .names import (
    CACHE_MOUNT,
    INSTANCE_TYPE_LABEL,
    MODEL_GROUP_LABEL,
    MODEL_LABEL,
    ROLE_LABEL,
    SERVING_PORT,
    cache_pvc_name,
    service_account_name,
)
from .priority import PRIORITY_CLASSES
from .engine_args import vllm_args

SERVER_UID = 1000
"""vLLM needs no root: its image defaults to root only for its caches under /root, which we move to HOME_MOUNT."""
HOME_MOUNT = "/home/vllm"
PLACEHOLDER_UID = 65534
PREFERRED_PRESTOP_S = 15
MAX_REQUEST_S = 120
"""Longest generation we let finish during a drain (grace period = preStop + this)."""


@dataclass(frozen=True)
class Workload:
    """One serving workload of a model: the model itself, or its canary on another revision."""

    name: str
    """`<model>` or `<model>-canary`: the object name and the MODEL_LABEL of its pods."""
    region: str
    revision: Optional[str] = None
    """Model revision to serve instead of the spec's (canaries)."""
    hf_secret: Optional[str] = None
    """Secret carrying `HF_TOKEN`, if the model needs one."""


def gib(n: float) -> str:
    return f"{int(n)}Gi"


def container_security_context(*, uid: int = SERVER_UID, read_only_root: bool = False) -> dict[str, Any]:
    """Non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp."""
    return _common.container_security_context(uid, read_only_root=read_only_root)


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
        for key in (ZONE_LABEL, HOSTNAME_LABEL)
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
        "requests": {"cpu": str(sizing.cpu), "memory": gib(sizing.memory_gib), GPU_RESOURCE: gpus},
        "limits": {"memory": gib(sizing.memory_gib), GPU_RESOURCE: gpus},
    }


def server_env(spec: ModelSpec, region: str, hf_secret: Optional[str], sizing: Sizing) -> list[dict[str, Any]]:
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


def server_volumes(spec: ModelSpec, sizing: Sizing) -> tuple[list[dict], list[dict]]:
    """The pod's volumes and the server's mounts: shared memory, a writable HOME and /tmp, the weight cache."""
    volumes = [
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": gib(sizing.shm_gib)}},
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


def gpu_pod(spec: ModelSpec, sizing: Sizing, workload: str) -> dict[str, Any]:
    """Pod fields every GPU serving pod shares (containers excepted): placement, drain, security, volumes."""
    volumes, _ = server_volumes(spec, sizing)
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


def server_container(spec: ModelSpec, sizing: Sizing, workload: Workload, name: str) -> dict[str, Any]:
    """The `vllm serve` container (no image or command: KServe takes them from the runtime)."""
    _, mounts = server_volumes(spec, sizing)
    return {
        "name": name,
        "args": vllm_args(spec, sizing, revision=workload.revision),
        "env": server_env(spec, workload.region, workload.hf_secret, sizing),
        "resources": gpu_resources(sizing),
        "volumeMounts": mounts,
        "securityContext": container_security_context(),
        "lifecycle": _prestop(),
        **probes(sizing, SERVING_PORT),
    }
