"""What runs on the system node group (operators, Karpenter): where it is placed and how many replicas it gets."""

from __future__ import annotations

from typing import Any

from ..spec import PlatformSpec
from .labels import NODE_ROLE_LABEL, PROMETHEUS_RELEASE, SYSTEM_ROLE

SYSTEM_NODE_SELECTOR = {NODE_ROLE_LABEL: SYSTEM_ROLE}


def controller_replicas(spec: PlatformSpec, explicit: int | None = None) -> int:
    """Replicas of a leader-elected controller on the system group: ``explicit`` when set, else 2 when the group
    keeps at least two nodes (a drain or a node loss never stops the controller, and the replicas can spread), and
    1 when it may shrink to a single node (a second replica would only share that node)."""
    if explicit is not None:
        return explicit
    return 2 if spec.system_nodes.min_size >= 2 else 1


def operator_replicas(spec: PlatformSpec) -> int:
    """Replicas of each operator controller and webhook (`operators.controller_replicas`, else the default rule)."""
    return controller_replicas(spec, spec.operators.controller_replicas)


def placement() -> dict[str, Any]:
    """System nodes, and explicitly empty tolerations: nothing here may schedule onto tainted GPU nodes."""
    return {"nodeSelector": dict(SYSTEM_NODE_SELECTOR), "tolerations": []}


def release_label() -> dict[str, str]:
    """Label for monitors shipped by charts. Prometheus selects monitors without a label (see
    kube_prometheus_stack_values); the label is kept so the objects also work with a Prometheus that still selects
    by release."""
    return {"release": PROMETHEUS_RELEASE}
