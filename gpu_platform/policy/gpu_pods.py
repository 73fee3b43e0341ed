"""GPU pods: how GPU workloads request, reach, share and survive on GPU nodes, and how they start.

Scheduling (GPU requests equal limits, the nvidia.com/gpu taint and its toleration, spreading replicas) and
serving (shared memory for NCCL, a weight cache that outlives the pod, probes that allow for model loading).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ._replicas import max_replicas
from ._workloads import PodTemplate, as_dict, as_list, dig, quantity
from .registry import WORKLOAD_KINDS, rule
from .view import PlanView

MIN_STARTUP_BUDGET_S = 120
"""A startup probe must allow at least this long (initialDelay + period × failureThreshold) before liveness
takes over: loading weights and capturing CUDA graphs takes minutes even for small models."""


@rule(
    "gpu-requests-equal-limits",
    "Containers that use GPUs set nvidia.com/gpu in limits, and requests (if set) equal limits: GPUs cannot be "
    "overcommitted, and a request without a limit is rejected by the API server.",
    WORKLOAD_KINDS,
)
def _gpu_requests_limits(view: PlanView):
    for t in view.gpu_templates:
        for c in t.gpu_containers:
            res = as_dict(c.get("resources"))
            limits, requests = as_dict(res.get("limits")), as_dict(res.get("requests"))
            for key in sorted({k for k in [*limits, *requests] if str(k).startswith(("nvidia.com/gpu", "nvidia.com/mig-"))}):
                if key not in limits:
                    yield t.resource, f"{t.where(c)}: requests {key} without a limit; set limits.{key}"
                elif key in requests and quantity(requests[key]) != quantity(limits[key]):
                    yield t.resource, (
                        f"{t.where(c)}: requests.{key}={requests[key]} differs from limits.{key}={limits[key]}; "
                        "set them equal"
                    )


def _tolerates_gpu_taint(spec: dict[str, Any]) -> bool:
    for tol in as_list(spec.get("tolerations")):
        tol = as_dict(tol)
        if tol.get("operator") == "Exists" and not tol.get("key") and tol.get("effect") in (None, "", "NoSchedule"):
            return True  # tolerates every taint
        if tol.get("key") != "nvidia.com/gpu" or tol.get("effect") not in (None, "", "NoSchedule"):
            continue
        if tol.get("operator") == "Exists" or str(tol.get("value")) == "true":
            return True
    return False


@rule(
    "gpu-pods-tolerate-taint",
    "Pods that request GPUs tolerate the nvidia.com/gpu:NoSchedule taint every GPU node carries (otherwise they "
    "never schedule).",
    WORKLOAD_KINDS,
)
def _gpu_tolerations(view: PlanView):
    for t in view.gpu_templates:
        if not _tolerates_gpu_taint(t.spec):
            yield t.resource, f"{t.path}: requests GPUs but does not tolerate nvidia.com/gpu:NoSchedule"


@rule(
    "gpu-nodepool-tainted",
    "Karpenter NodePools that launch GPU instances taint their nodes nvidia.com/gpu=true:NoSchedule, so only "
    "GPU workloads land on (and pay for) them.",
    ("NodePool",),
)
def _gpu_nodepool_taint(view: PlanView):
    for r in view.gpu_nodepools:
        taints = as_list(dig(r.inputs, "spec", "template", "spec", "taints"))
        if not any(as_dict(t).get("key") == "nvidia.com/gpu" and as_dict(t).get("effect") == "NoSchedule" for t in taints):
            yield r, "GPU NodePool without the nvidia.com/gpu:NoSchedule taint in spec.template.spec.taints"


@rule(
    "gpu-spread",
    "GPU serving workloads that may run two or more replicas spread them across nodes or zones "
    "(topologySpreadConstraints or pod anti-affinity), so one node or zone loss does not take every replica.",
    WORKLOAD_KINDS,
)
def _spread(view: PlanView):
    for t in view.gpu_templates:
        if not t.serving_containers or max_replicas(view, t) < 2:
            continue
        if as_list(t.spec.get("topologySpreadConstraints")):
            continue
        if dig(t.spec, "affinity", "podAntiAffinity"):
            continue
        yield t.resource, f"{t.path}: up to {max_replicas(view, t)} GPU replicas without topologySpreadConstraints or podAntiAffinity"


def _volumes(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(as_dict(v).get("name")): as_dict(v) for v in as_list(spec.get("volumes"))}


def _serving_outside_ray(view: PlanView) -> Iterator[tuple[PodTemplate, dict[str, Any]]]:
    """Every GPU serving container with its template, except in Ray pods: KubeRay adds /dev/shm and probes itself."""
    for t in view.gpu_templates:
        if t.operator != "kuberay":
            for c in t.serving_containers:
                yield t, c


@rule(
    "gpu-dev-shm",
    "GPU serving containers mount a memory-backed emptyDir at /dev/shm: NCCL and PyTorch dataloaders need more "
    "than the runtime's 64 MiB default (KubeRay adds it to Ray pods itself).",
    WORKLOAD_KINDS,
)
def _dev_shm(view: PlanView):
    for t, c in _serving_outside_ray(view):
        mounts = [as_dict(m) for m in as_list(c.get("volumeMounts"))]
        shm = [m for m in mounts if m.get("mountPath") == "/dev/shm"]
        if not shm:
            yield t.resource, f"{t.where(c)}: no volume mounted at /dev/shm"
            continue
        vol = _volumes(t.spec).get(str(shm[0].get("name")), {})
        if dig(vol, "emptyDir", "medium") != "Memory":
            yield t.resource, f"{t.where(c)}: /dev/shm volume {shm[0].get('name')!r} is not an emptyDir with medium: Memory"


# Generic ephemeral volumes and emptyDirs die with the pod, so they are no cache.
_CACHE_SOURCES = ("persistentVolumeClaim", "hostPath", "csi", "nfs")


_STREAMER = re.compile(r"load[_-]format[\"']?\s*[:= ]\s*[\"']?runai_streamer")
_OBJECT_STORE = re.compile(r"\b(s3|gs)://")


def _streams_from_object_store(t: PodTemplate, container: dict[str, Any]) -> bool:
    """vLLM's Run:ai streamer reading from S3/GCS: the bucket is the durable cache, streamed straight to the GPU."""
    text = " ".join(str(a) for a in [*as_list(container.get("command")), *as_list(container.get("args"))])
    if t.operator == "kuberay":
        text += " " + str(dig(t.resource.inputs, "spec", "serveConfigV2") or "")
    return bool(_STREAMER.search(text) and _OBJECT_STORE.search(text))


@rule(
    "gpu-weight-cache",
    "GPU serving containers get weights from a cache that outlives the pod (a PVC, a node-local hostPath, a CSI or "
    "NFS volume, or a pvc:// storageUri) or stream them from in-region object storage (vLLM --load-format "
    "runai_streamer from s3://), so a restart or scale-out does not download the model from the hub again.",
    WORKLOAD_KINDS,
)
def _weight_cache(view: PlanView):
    for t in view.gpu_templates:
        if str(t.extra.get("storageUri") or "").startswith("pvc://"):
            continue
        volumes = _volumes(t.spec)
        for c in t.serving_containers:
            cached = _streams_from_object_store(t, c)
            for m in as_list(c.get("volumeMounts")):
                vol = volumes.get(str(as_dict(m).get("name")), {})
                if any(src in vol for src in _CACHE_SOURCES):
                    cached = True
            if not cached:
                yield t.resource, (
                    f"{t.where(c)}: no weight cache mounted (PVC, hostPath, CSI or NFS volume, or a pvc:// "
                    "storageUri) and no object-storage streaming; every start downloads the weights again"
                )


def _probe_budget(probe: dict[str, Any]) -> float:
    return (
        quantity(probe.get("initialDelaySeconds", 0))
        + quantity(probe.get("periodSeconds", 10)) * quantity(probe.get("failureThreshold", 3))
    )


@rule(
    "gpu-probes",
    "GPU serving containers have a startup probe that allows for model loading (at least "
    f"{MIN_STARTUP_BUDGET_S}s), a readiness probe that gates traffic, and a liveness probe that restarts a hung "
    "server only after startup succeeded (KubeRay manages Ray pods' probes itself).",
    WORKLOAD_KINDS,
)
def _probes(view: PlanView):
    for t, c in _serving_outside_ray(view):
        missing = [p for p in ("startupProbe", "readinessProbe", "livenessProbe") if not as_dict(c.get(p))]
        if missing:
            yield t.resource, f"{t.where(c)}: missing {', '.join(missing)}"
            continue
        budget = _probe_budget(as_dict(c["startupProbe"]))
        if budget < MIN_STARTUP_BUDGET_S:
            yield t.resource, (
                f"{t.where(c)}: startupProbe allows {budget:g}s before liveness takes over; "
                f"allow at least {MIN_STARTUP_BUDGET_S}s for model loading"
            )
