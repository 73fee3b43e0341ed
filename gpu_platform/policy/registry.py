"""The checklist's bookkeeping: what a rule is, what a violation is, and the decorator rules register with.

Rules register when their module is imported; :mod:`gpu_platform.policy.rules` puts them in checklist order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..plan.engine import PlanResource
from .view import PlanView

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "InferenceService",
                  "RayService", "RayCluster", "LeaderWorkerSet")
"""Kinds whose pod templates the workload rules read."""


@dataclass(frozen=True)
class Violation:
    """One failed rule on one resource."""

    rule: str
    urn: str
    resource: str
    """Human name: ``Deployment models/llama (llama-deployment)``."""
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.resource}: {self.message}"


CheckFn = Callable[[PlanView], Iterable[tuple[PlanResource, str]]]


@dataclass(frozen=True)
class Rule:
    """A checklist item. ``check`` yields ``(resource, message)`` pairs; :func:`run_rule` turns them into violations."""

    id: str
    description: str
    applies_to: tuple[str, ...]
    """Kubernetes kinds or Pulumi types the rule inspects (documentation and policy-pack metadata)."""
    check: CheckFn
    offline_only: bool = False
    """True when the policy pack cannot evaluate it (pulumi_policy unwraps secrets, so secretness is invisible)."""


REGISTERED: list[Rule] = []
"""Every rule, in the order their modules were imported (``rules.RULES`` is the checklist order)."""


def rule(id: str, description: str, applies_to: tuple[str, ...], offline_only: bool = False):
    def register(fn: CheckFn) -> CheckFn:
        REGISTERED.append(Rule(id, description, applies_to, fn, offline_only))
        return fn

    return register
