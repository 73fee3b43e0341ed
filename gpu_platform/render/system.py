"""Placement and sizing shared by the operator add-ons: system nodes only, replicas per environment."""

from __future__ import annotations

from typing import Any

from ...spec import PlatformSpec
from ...spec.platform import Environment
from ..labels import NODE_ROLE_LABEL, PROMETHEUS_RELEASE, SYSTEM_ROLE

SYSTEM_NODE_SELECTOR = {NODE_ROLE_LABEL: SYSTEM_ROLE}


def controller_replicas(spec: PlatformSpec) -> int:
    """Replicas per leader-elected controller: the spec's choice, else 2 in prod (a drain never stops them) and 1
    elsewhere."""
    explicit = spec.operators.controller_replicas
    if explicit is not None:
        return explicit
    return 2 if spec.environment is Environment.PROD else 1


def placement() -> dict[str, Any]:
    """System nodes, and explicitly empty tolerations: nothing here may schedule onto tainted GPU nodes."""
    return {"nodeSelector": dict(SYSTEM_NODE_SELECTOR), "tolerations": []}


def release_label() -> dict[str, str]:
    """Label for monitors shipped by charts. Prometheus selects monitors without a label (see
    kube_prometheus_stack_values); the label is kept so the objects also work with a Prometheus that still selects
    by release."""
    return {"release": PROMETHEUS_RELEASE}
