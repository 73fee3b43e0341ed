"""Voluntary disruption of a model's pods (node drains, consolidation): its PodDisruptionBudgets."""

from __future__ import annotations

from typing import Any, Optional

from ...sizing import Sizing
from ...spec.model import Backend, ModelSpec
from .names import MODEL_LABEL, meta
from .ray import ray_pods_at_minimum


def pdb(name: str, namespace: str, workload: str, *, min_available: Optional[int] = None) -> dict[str, Any]:
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
        "metadata": meta(name, namespace),
        "spec": {**budget, "selector": {"matchLabels": {MODEL_LABEL: workload}}},
    }


def disruption_budgets(spec: ModelSpec, sizing: Sizing) -> list[tuple[str, dict[str, Any]]]:
    """The model's PDB, and its canary's."""
    ns = spec.namespace
    if sizing.backend is Backend.RAYSERVICE:
        # Every pod of a multi-node replica is needed to serve it (a lost stage stops the replica): keep them all
        # through voluntary evictions. A drain then waits for the pool's terminationGracePeriod, which bounds it.
        out = [("pdb", pdb(spec.name, ns, spec.name, min_available=ray_pods_at_minimum(spec, sizing)))]
    else:
        out = [("pdb", pdb(spec.name, ns, spec.name))]
    if spec.canary:
        out.append(("canary-pdb", pdb(f"{spec.name}-canary", ns, f"{spec.name}-canary")))
    return out
