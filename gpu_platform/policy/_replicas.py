"""Who scales a workload and between which bounds: HPAs and KEDA ScaledObjects matched to their targets.

Shared by the spread, PDB and scale-down rules; registers no rule itself, so importing it never changes the
checklist order.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from ..plan.engine import PlanResource
from ._workloads import PodTemplate, as_dict, dig, namespace_of, pod_templates, quantity
from .view import PlanView


def autoscaler_targets(view: PlanView) -> Iterator[tuple[PlanResource, Optional[PlanResource], Any, Any, Any]]:
    """(autoscaler, target or None, min, max, scaleDown stabilization window) for HPAs and ScaledObjects."""
    for r in view.kind("HorizontalPodAutoscaler", "ScaledObject"):
        ns = namespace_of(r)
        if r.inputs.get("kind") == "HorizontalPodAutoscaler":
            ref = as_dict(dig(r.inputs, "spec", "scaleTargetRef"))
            lo, hi = dig(r.inputs, "spec", "minReplicas", default=1), dig(r.inputs, "spec", "maxReplicas")
            window = dig(r.inputs, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds")
        else:
            ref = as_dict(dig(r.inputs, "spec", "scaleTargetRef"))
            lo, hi = dig(r.inputs, "spec", "minReplicaCount", default=0), dig(r.inputs, "spec", "maxReplicaCount", default=100)
            window = dig(
                r.inputs, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior", "scaleDown",
                "stabilizationWindowSeconds",
            )
        kind, name = str(ref.get("kind") or "Deployment"), str(ref.get("name") or "")
        target = view.find(kind, ns, name)
        if target is None and kind == "Deployment" and name.endswith("-predictor"):
            target = view.find("InferenceService", ns, name[: -len("-predictor")])
        yield r, target, lo, hi, window


def scaled_range(view: PlanView, t: PodTemplate) -> tuple[int, int]:
    """The template's replica bounds; an autoscaler that targets the workload overrides spec.replicas."""
    lo, hi = t.min_replicas, t.max_replicas
    if t.resource.inputs.get("kind") in ("Deployment", "StatefulSet"):
        for _, target, a_lo, a_hi, _ in autoscaler_targets(view):
            if target is t.resource:
                lo, hi = int(quantity(a_lo)), max(int(quantity(a_hi)), lo)
    return lo, hi


def min_replicas(view: PlanView, t: PodTemplate) -> int:
    return scaled_range(view, t)[0]


def max_replicas(view: PlanView, t: PodTemplate) -> int:
    return scaled_range(view, t)[1]


def uses_gpu(r: PlanResource) -> bool:
    return any(t.uses_gpu for t in pod_templates(r))
