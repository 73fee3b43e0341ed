"""The Karpenter controller's Helm release: where it runs, how many replicas, and the values of its chart."""

from __future__ import annotations

from typing import Any

from ...spec import PlatformSpec
from ..labels import NODE_ROLE_LABEL, SYSTEM_ROLE
from ..system import controller_replicas
from ..labels import OS_LABEL
from .interruption import queue_name

NAMESPACE = "kube-system"
"""Where the controller runs (the getting-started guide's default); its pod identity association names it."""
SERVICE_ACCOUNT = "karpenter"
CRD_RELEASE = "karpenter-crd"
RELEASE = "karpenter"


def controller_values(spec: PlatformSpec) -> dict[str, Any]:
    """Values for the `karpenter` chart: cluster, interruption queue, identity, placement on the system group."""
    cluster = spec.cluster.name
    return {
        "settings": {
            "clusterName": cluster,
            "interruptionQueue": queue_name(cluster),
            "featureGates": feature_gates(spec),
        },
        "replicas": controller_replicas(spec, spec.gpu.karpenter.replicas),
        "logLevel": spec.gpu.karpenter.log_level,
        # The pod identity association names this service account; the chart's generated name must not drift.
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        # Karpenter must not run on nodes it manages: pin it to the managed system node group.
        "nodeSelector": {OS_LABEL: "linux", NODE_ROLE_LABEL: SYSTEM_ROLE},
        # The node's resolver (the VPC's), not cluster DNS: Karpenter must keep working while CoreDNS has no node
        # to run on (the Karpenter docs recommend Default whenever CoreDNS could depend on Karpenter's nodes).
        "dnsPolicy": "Default",
        "controller": {
            # The controller finds its Region through IMDS unless told; the system nodes allow pods one hop to IMDS
            # (hop limit 1, so pods cannot reach node credentials), which a pod on the pod network never gets.
            # The chart documents exactly this override (values.yaml controller.env: AWS_REGION).
            "env": [{"name": "AWS_REGION", "value": spec.region}],
            "resources": {
                "requests": {"cpu": "500m", "memory": "1Gi"},
                "limits": {"memory": "1Gi"},
            },
        },
    }


def feature_gates(spec: PlatformSpec) -> dict[str, bool]:
    """`settings.featureGates`. `reservedCapacity` is beta and on by default in chart 1.14.1 (values.yaml), which
    the chart passes as `FEATURE_GATES=ReservedCapacity=...` (templates/deployment.yaml); without it Karpenter
    resolves no reservation offerings (reserved_capacity_resolver.go) and launches nothing for a `reserved`
    NodePool. Pools with reservations pin it on, so a changed chart default cannot silently idle them."""
    gates = {"spotToSpotConsolidation": spec.gpu.karpenter.spot_to_spot_consolidation}
    if any(pool.capacity.reserved for pool in spec.gpu.node_pools):
        gates["reservedCapacity"] = True
    return gates
