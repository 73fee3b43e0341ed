"""The production checklist for GPU serving on Kubernetes, as pure rules over plan resources.

Every rule has an id, a description, the kinds or types it looks at, and a function from a :class:`PlanView` to
violations. Rules that need the whole stack (a PDB for a workload, DCGM once GPU nodes exist, a GPU quota per
namespace) read the view; a rule whose subject is absent (no GPU NodePool, no autoscaler) simply finds nothing.

An object may opt out of named rules with the annotation ``gpu-platform.io/policy-exempt: "rule-a,rule-b"``;
the exemption is part of the object, so it shows up in review and in the plan diff.

The rules live by concern, one module each; this module puts them in checklist order (the order of ``RULES``,
``check --list`` and the policy pack) and re-exports the public names:

- :mod:`.gpu_pods`: GPU requests, taints and tolerations, spreading, /dev/shm, weight cache, probes;
- :mod:`.capacity`: scale-down stabilization, PodDisruptionBudgets, GPU quotas;
- :mod:`.gpu_nodes`: DCGM exporter and device plugin once GPU nodes exist;
- :mod:`.security`: IMDSv2, non-root pods, no plain-text credentials;
- :mod:`.pinning`: images, AMIs and charts pinned.
"""

from __future__ import annotations

from . import capacity, gpu_nodes, gpu_pods, pinning, security
from .capacity import GPU_QUOTA_KEYS, MIN_SCALE_DOWN_STABILIZATION_S
from .gpu_pods import MIN_STARTUP_BUDGET_S
from .pinning import image_problem
from .registry import REGISTERED, WORKLOAD_KINDS, CheckFn, Rule, Violation, rule
from .view import ENVIRONMENT_TAG, PlanView

CHECKLIST = (gpu_pods, capacity, gpu_nodes, security, pinning)
"""The rule modules in checklist order; within a module, rules keep the order they are defined in."""

RULES: list[Rule] = [r for m in CHECKLIST for r in REGISTERED if r.check.__module__ == m.__name__]
if len(RULES) != len(REGISTERED):  # a rule module missing from CHECKLIST would otherwise check nothing, silently
    _missing = sorted({r.check.__module__ for r in REGISTERED} - {m.__name__ for m in CHECKLIST})
    raise ImportError(f"rule modules missing from CHECKLIST: {_missing}")

RULE_IDS = tuple(r.id for r in RULES)

__all__ = [
    "CHECKLIST",
    "CheckFn",
    "ENVIRONMENT_TAG",
    "GPU_QUOTA_KEYS",
    "MIN_SCALE_DOWN_STABILIZATION_S",
    "MIN_STARTUP_BUDGET_S",
    "PlanView",
    "RULES",
    "RULE_IDS",
    "Rule",
    "Violation",
    "WORKLOAD_KINDS",
    "image_problem",
    "rule",
]
