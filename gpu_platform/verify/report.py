"""Pure: turn what the control plane said into verify's verdict and its printed lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence

from .harness import ApplyResult, Event

# Warnings that say "this is not a real cluster", not "your object is wrong": no nodes, no kubelet, no Prometheus
# or Ray dashboard behind the cluster DNS names our objects point at, no metrics API for the HPA. Each entry:
# (event source or "" for any, reason regex, message regex, why it is environmental).
ENVIRONMENTAL: tuple[tuple[str, str, str, str], ...] = (
    ("", r"^FailedGetExternalMetric$|^FailedComputeMetricsReplicas$", r"",
     "the HPA controller has no external metrics API here (KEDA's metrics adapter is not run)"),
    ("", r"^KEDAScalerFailed$|^KEDAScaleTargetDeactivationFailed$|^KEDAScalerFailedToGetMetrics$",
     r"(no such host|connection refused|dial tcp|context deadline exceeded|i/o timeout)",
     "KEDA cannot reach Prometheus: there is no Prometheus or cluster DNS here"),
    ("", r"^ScaledObjectCheckFailed$", r"(no such host|connection refused|dial tcp|i/o timeout)",
     "KEDA cannot reach Prometheus: there is no Prometheus or cluster DNS here"),
    ("", r".*", r"(:8265|:52365|dashboard).*(no such host|connection refused|dial tcp|i/o timeout)",
     "KubeRay cannot reach the Ray dashboard: no pod runs without nodes"),
    ("", r"^FailedScheduling$", r"", "no scheduler or nodes here"),
    ("", r".*", r"the object has been modified; please apply your changes to the latest version",
     "an optimistic-concurrency conflict between two writers; the controller retries (every cluster sees these)"),
    ("ipallocator-repair-controller", r"^ClusterIPNotAllocated$", r"is not allocated; repairing$",
     "the API server allocated the Service's ClusterIP when it created it; the repair loop reads Services and "
     "IPAddresses from informer caches and, when its IPAddress cache lags (a loaded machine), recreates it "
     "(k8s.io/kubernetes v1.34.4 pkg/registry/core/service/ipallocator/controller/repairip.go): nothing about the "
     "Service is wrong"),
)


def _keda_applied_current_spec(so: dict, objects: Mapping[tuple[str, str, str], dict]) -> bool:
    """KEDA has turned this ScaledObject's current spec into its HPA (what it does only after its checks pass)."""
    status, spec = so.get("status") or {}, so.get("spec") or {}
    hpa = objects.get((so["metadata"].get("namespace", ""), "HorizontalPodAutoscaler", status.get("hpaName", "")))
    if hpa is None:
        return False
    h = hpa.get("spec") or {}
    target = spec.get("scaleTargetRef") or {}
    return (
        h.get("scaleTargetRef", {}).get("name") == target.get("name")
        and h.get("maxReplicas") == spec.get("maxReplicaCount")
        and h.get("minReplicas") == max(1, spec.get("minReplicaCount", 1))
    )


def resolved_by_current_state(
    event: Event, obj: Optional[dict], objects: Optional[Mapping[tuple[str, str, str], dict]] = None
) -> bool:
    """A warning the object's current state has since overcome (controllers retry; events stay behind).

    Applied one by one, objects meet their dependencies a moment later than they would in a real rollout: a
    ScaledObject before KServe has created its target, a ReplicaSet before its ServiceAccount. What counts is
    where the controller ended: a ScaledObject whose current spec KEDA has turned into its HPA (it re-checks the
    target on every reconcile), a ReplicaSet that now has all its pods.
    """
    if obj is None:
        return False
    status = obj.get("status") or {}
    if event.kind == "ReplicaSet" and event.reason == "FailedCreate":
        return status.get("replicas", 0) >= (obj.get("spec") or {}).get("replicas", 0)
    if event.kind == "ScaledObject" and event.reason == "ScaledObjectCheckFailed":
        # Ready can be False here only because the triggers cannot reach Prometheus (none runs here); the
        # target check passed if KEDA built the HPA from the spec the object has now.
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
        return ready or _keda_applied_current_spec(obj, objects or {})
    return False


def is_environmental(event: Event) -> bool:
    for source, reason, message, _why in ENVIRONMENTAL:
        if source and source != event.source:
            continue
        if re.search(reason, event.reason) and (not message or re.search(message, event.message)):
            return True
    return False


@dataclass
class Verdict:
    """What verify found: every applied object's answer and every controller error about our objects."""

    derived: int = 0
    """Objects the controllers made from ours (InferenceService → Deployment, ScaledObject → HPA …)."""
    applied: list[ApplyResult] = field(default_factory=list)
    controller_errors: list[Event] = field(default_factory=list)
    environmental: list[Event] = field(default_factory=list)
    resolved: list[Event] = field(default_factory=list)

    @property
    def rejected(self) -> list[ApplyResult]:
        return [r for r in self.applied if not r.admitted]

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.controller_errors

    def lines(self) -> list[str]:
        out = [f"{r.ref}: {r.message}" for r in self.rejected]
        out += [f"{e.kind} {e.namespace}/{e.name}: {e.source or 'controller'}: {e.reason}: {e.message}"
                for e in self.controller_errors]
        total = len(self.applied)
        admitted = total - len(self.rejected)
        errors = len(self.rejected) + len(self.controller_errors)
        out.append(f"verify: admitted {admitted}/{total}, derived {self.derived}, errors {errors}")
        return out


def judge(
    applied: Sequence[ApplyResult],
    events: Iterable[Event],
    derived: int,
    objects: Optional[Mapping[tuple[str, str, str], dict]] = None,
) -> Verdict:
    """``objects``: the cluster's objects at the end, keyed by (namespace, kind, name)."""
    objects = objects or {}
    verdict = Verdict(applied=list(applied), derived=derived)
    for e in events:
        if is_environmental(e):
            verdict.environmental.append(e)
        elif resolved_by_current_state(e, objects.get((e.namespace, e.kind, e.name)), objects):
            verdict.resolved.append(e)
        else:
            verdict.controller_errors.append(e)
    return verdict
