"""How a model's workloads roll out: how its Deployment replaces pods, and how long `pulumi up` waits for them."""

from __future__ import annotations

from typing import Any

from ...sizing import Sizing, rollout_surge
from ...spec.model import Backend, ModelSpec

AWAIT_MARGIN_S = 300
"""Beyond the modelled cold start before `pulumi up` calls a GPU workload failed (node, image, weights, warm-up)."""


def await_annotations(sizing: Sizing, *, min_replicas: int, placeholder: bool = False) -> dict[str, str]:
    """How long `pulumi up` waits for a GPU workload to become ready (pulumi-kubernetes annotations).

    pulumi-kubernetes gives a Deployment 10 minutes; a GPU replica on a new node often needs longer (the modelled
    cold start), so the wait is that plus a margin. Where readiness is not what `up` should wait for, it does not
    wait: headroom placeholders wait for capacity by design, and a model that may sit at zero replicas is ready
    only when traffic wakes it.
    """
    if placeholder or min_replicas == 0:
        return {"pulumi.com/skipAwait": "true"}
    return {"pulumi.com/timeoutSeconds": str(sizing.cold_start.total_s + AWAIT_MARGIN_S)}


def rollout_strategy(spec: ModelSpec) -> dict[str, Any]:
    """How a model's Deployment (ours, or KServe's `<name>-predictor`) replaces its pods.

    A ReadWriteOnce cache volume is attached to one node: a surge pod elsewhere can never mount it and the
    rollout would wait forever, so those models recreate (a short outage the fallback proxy absorbs). Everything
    else surges one replica and never drops below the current count; the namespace's GPU quota counts that surge
    replica (gpu_quota), or the quota would refuse it at max replicas. KServe's default, 25 % surge and 25 %
    unavailable, is replaced through `predictor.deploymentStrategy` (deployment_reconciler.go at v0.20.0).
    """
    # Both users of this strategy run Deployment pods (ours, or KServe's predictor): ask as the Deployment backend.
    if rollout_surge(spec, Backend.DEPLOYMENT) == 0:
        return {"type": "Recreate"}
    return {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
