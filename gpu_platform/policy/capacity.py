"""How serving capacity comes and goes: scale-down pacing of GPU autoscalers, disruption budgets that keep
replicas through drains and consolidation, and a GPU quota per namespace.
"""

from __future__ import annotations

from typing import Any

from ..plan.engine import UNKNOWN
from ._replicas import autoscaler_targets, min_replicas, uses_gpu
from ._workloads import as_dict, dig, is_placeholder, namespace_of, pod_templates, quantity, selector_matches
from .registry import WORKLOAD_KINDS, rule
from .view import PlanView

MIN_SCALE_DOWN_STABILIZATION_S = 300
"""GPU replicas take minutes to come back (node launch, image pull, weight load); shrinking on a shorter window
than this trades a brief dip in load for a cold start when it returns."""
GPU_QUOTA_KEYS = ("requests.nvidia.com/gpu",)
"""ResourceQuota keys that cap GPUs per namespace (extended resources are quota'd by requests only)."""


@rule(
    "gpu-scale-down-stabilization",
    "Autoscalers of GPU workloads (HPA, KEDA ScaledObject, KServe autoScaling) set an explicit scale-down "
    f"stabilization window of at least {MIN_SCALE_DOWN_STABILIZATION_S}s: replicas take minutes to come back.",
    ("HorizontalPodAutoscaler", "ScaledObject", "InferenceService"),
)
def _scale_down(view: PlanView):
    def short(window: Any) -> bool:
        return window is None or window == UNKNOWN or quantity(window) < MIN_SCALE_DOWN_STABILIZATION_S

    for r, target, _lo, _hi, window in autoscaler_targets(view):
        if target is not None and not uses_gpu(target):
            continue  # CPU workloads (the proxy) may scale down quickly
        if short(window):
            got = "unset" if window is None else f"{window}s"
            yield r, f"scale-down stabilizationWindowSeconds is {got}; set ≥ {MIN_SCALE_DOWN_STABILIZATION_S}s for GPU workloads"
    for r in view.kind("InferenceService"):
        annotations = as_dict(dig(r.inputs, "metadata", "annotations"))
        if annotations.get("serving.kserve.io/autoscalerClass", "hpa") in ("external", "none"):
            continue
        for comp in ("predictor", "transformer", "explainer"):
            body = as_dict(dig(r.inputs, "spec", comp))
            if not body or not any(t.uses_gpu for t in pod_templates(r) if t.path == f"spec.{comp}"):
                continue
            lo = int(quantity(body.get("minReplicas", 1)))
            hi = int(quantity(body.get("maxReplicas", lo)))
            if hi <= lo:
                continue  # fixed size: KServe creates no autoscaler
            window = dig(body, "autoScaling", "behavior", "scaleDown", "stabilizationWindowSeconds")
            if short(window):
                got = "unset" if window is None else f"{window}s"
                yield r, (
                    f"spec.{comp}.autoScaling.behavior.scaleDown.stabilizationWindowSeconds is {got}; "
                    f"set ≥ {MIN_SCALE_DOWN_STABILIZATION_S}s"
                )




_DYNAMIC_LABELS = {"kuberay": ("ray.io/cluster",)}


@rule(
    "pdb",
    "Workloads that run two or more replicas have a PodDisruptionBudget selecting their pods, so node "
    "drains and Karpenter consolidation cannot evict them all at once.",
    ("Deployment", "StatefulSet", "InferenceService", "RayService", "RayCluster", "LeaderWorkerSet",
     "PodDisruptionBudget"),
)
def _pdb(view: PlanView):
    pdbs = view.kind("PodDisruptionBudget")
    for t in view.templates:
        if t.resource.inputs.get("kind") not in ("Deployment", "StatefulSet", "InferenceService", "RayService",
                                                 "RayCluster", "LeaderWorkerSet"):
            continue
        if t.path.endswith("workerSpec"):
            continue  # KServe multi-node workers belong to the predictor's pod group
        if t.placeholder or (t.containers and all(is_placeholder(c) for c in t.containers)):
            continue  # warm-headroom placeholders exist to be evicted

        if min_replicas(view, t) < 2:
            continue  # an autoscaler's minimum, when one targets the workload, overrides spec.replicas
        dynamic = _DYNAMIC_LABELS.get(t.operator or "", ())
        if not any(
            namespace_of(p) == t.namespace and selector_matches(dig(p.inputs, "spec", "selector"), t.labels, dynamic)
            for p in pdbs
        ):
            yield t.resource, (
                f"{t.path}: {min_replicas(view, t)}+ replicas and no PodDisruptionBudget in namespace "
                f"{t.namespace} selects labels {t.labels}"
            )


@rule(
    "pdb-computable",
    "PodDisruptionBudgets over pods whose owner has no scale subresource (KubeRay's RayCluster) use an integer "
    "minAvailable: for maxUnavailable or a percentage the disruption controller needs the owner's scale, fails "
    "(CalculateExpectedPodCountFailed) and allows no eviction at all (kubernetes pkg/controller/disruption).",
    ("PodDisruptionBudget", "RayService", "RayCluster"),
)
def _pdb_computable(view: PlanView):
    ray = [t for t in view.templates if t.operator == "kuberay"]
    for p in view.kind("PodDisruptionBudget"):
        spec = as_dict(dig(p.inputs, "spec"))
        min_available = spec.get("minAvailable")
        if "maxUnavailable" not in spec and not (isinstance(min_available, str) and min_available.endswith("%")):
            continue
        selector = dig(p.inputs, "spec", "selector")
        owners = [t for t in ray if namespace_of(p) == t.namespace
                  and selector_matches(selector, t.labels, _DYNAMIC_LABELS["kuberay"])]
        if owners:
            yield p, (
                f"selects RayCluster pods ({owners[0].resource.inputs.get('kind')} "
                f"{dig(owners[0].resource.inputs, 'metadata', 'name')}); use an integer spec.minAvailable"
            )


@rule(
    "gpu-quota",
    "Every namespace that runs GPU pods has a ResourceQuota capping requests.nvidia.com/gpu, so one team's "
    "runaway autoscaler cannot take every GPU.",
    ("ResourceQuota", *WORKLOAD_KINDS),
)
def _gpu_quota(view: PlanView):
    quotas: dict[str, bool] = {}
    for q in view.kind("ResourceQuota"):
        hard = as_dict(dig(q.inputs, "spec", "hard"))
        if any(k in hard for k in GPU_QUOTA_KEYS):
            quotas[namespace_of(q)] = True
    seen: set[str] = set()
    for t in view.gpu_templates:
        if t.namespace in seen or quotas.get(t.namespace):
            continue
        seen.add(t.namespace)
        yield t.resource, f"namespace {t.namespace} runs GPU pods but no ResourceQuota sets requests.nvidia.com/gpu"
