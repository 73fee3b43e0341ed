"""NodePools: which instance types Karpenter may launch for a pool, on which capacity, how many, with which labels
and taints, and when it may take nodes away.

A pool with a fallback becomes one NodePool per capacity type, preferred first by weight (reserved, then spot, then
on-demand: see :data:`RESERVED_WEIGHT`); every other pool one. GPU pools are tainted and never consolidated while
busy; the CPU pool bin-packs.
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional

from ...catalog.gpus import GPU_CLASSES
from ...sizing.capacity import ON_DEMAND, RESERVED, SPOT, capacity_steps
from ...spec import PlatformSpec
from ...spec.gpu import AmiFamily, ConsolidationPolicy, GpuNodePoolSpec, PoolCapacity
from ..labels import GPU_CLASS_LABEL, GPU_RESOURCE, GPU_TAINT, MANAGED_BY, NODE_ROLE_LABEL, POOL_LABEL
from ..labels import (
    AMI_FAMILY_LABEL,
    ARCH_LABEL,
    CAPACITY_TYPE,
    CPU_ROLE,
    DEVICE_PLUGIN_CONFIG_LABEL,
    GPU_PRESENT_LABEL,
    GPU_ROLE,
    INSTANCE_CATEGORY,
    INSTANCE_FAMILY,
    INSTANCE_GENERATION,
    INSTANCE_GPU_MANUFACTURER,
    INSTANCE_GPU_NAME,
    INSTANCE_TYPE_LABEL,
    OS_LABEL,
)
from .node_classes import NODE_CLASS_GROUP, pool_node_class_name

NODE_POOL_API = "karpenter.sh/v1"

RESERVED_WEIGHT = 100
SPOT_WEIGHT = 50
ON_DEMAND_WEIGHT = 10
"""NodePool weights: Karpenter tries higher weights first, so reservations (already paid) come first, then spot,
and on-demand is the fallback.

A reserved-first pool is a weighted pair (`<pool>-reserved` allowing only `reserved`, then the fallback NodePool),
not one NodePool allowing `reserved` and the fallback type, although Karpenter v1.14.1 would prefer the reservation
inside one NodePool too (karpenter-provider-aws pkg/providers/instance/instance.go getCapacityType: reserved, spot,
on-demand). Reasons, from the source:

- the pair still prefers reservations: the scheduler tries NodePools by weight, and a pod that could take a
  reservation other pending pods hold waits rather than fall to a lower weight (sigs.k8s.io/karpenter
  pkg/controllers/provisioning/scheduling/scheduler.go addToNewNodeClaim, ReservedOfferingError; the provisioner
  sets DisableReservedCapacityFallback, provisioner.go); a reserved NodePool whose reservations are all used
  offers no available instance type (an exhausted reservation's offering is unavailable, and scheduling fits only
  available offerings: nodeclaim.go fits, cloudprovider/types.go AllocatableOfferingsList), so the fallback
  NodePool launches;
- only the pair can give fallback nodes their own lifetime (`fallback_expire_after`): GPU pools consolidate
  `WhenEmpty`, so in one NodePool an on-demand node would keep running beside a reservation freed by a scale-down,
  paying twice; expiring it sends its pods back to the reservation;
- the reserved NodePool's ceiling is the stated reservations, the fallback's `limits.gpus`.

The price: when an ODCR ends, Karpenter relabels its nodes on-demand (pkg/controllers/capacityreservation/
capacitytype/controller.go) and the reserved-only NodePool no longer admits them (RequirementsDrifted,
sigs.k8s.io/karpenter pkg/controllers/nodeclaim/disruption/drift.go), so they are replaced through the fallback,
one at a time (`max_drifted`). Capacity Block nodes are removed 40 minutes before the block ends either way
(pkg/controllers/capacityreservation/expiration/controller.go).
"""


# --------------------------------------------------------------------------------------------- what a GPU node is
def gpu_pool_limits(pool: GpuNodePoolSpec, gpus: int) -> dict[str, str]:
    """NodePool limits: GPUs, plus CPU and memory derived from the widest vCPU/memory-per-GPU ratio unless set."""
    instances = [i for i in GPU_CLASSES[pool.gpu_class.value].instances if i.name in pool.allowed_instance_types()]
    cpu = pool.limits.cpu
    if cpu is None:
        cpu = math.ceil(gpus * max(i.vcpu / i.gpus for i in instances))
    memory = pool.limits.memory_gib
    if memory is None:
        memory = math.ceil(gpus * max(i.memory_gib / i.gpus for i in instances))
    return {"cpu": str(cpu), "memory": f"{memory}Gi", **advertised_gpu_limits(pool, gpus)}


def advertised_gpu_limits(pool: GpuNodePoolSpec, gpus: int) -> dict[str, str]:
    """The limit on what the pool's nodes *advertise* for ``gpus`` physical GPUs.

    Karpenter counts a NodePool's usage from its nodes' capacity as the device plugin reports it, not from the
    instance type: time-slicing advertises `replicas` × `nvidia.com/gpu` per GPU, MIG `single` one `nvidia.com/gpu`
    per slice, and MIG `mixed` `nvidia.com/mig-<profile>` resources instead (device plugin 0.20 README). A limit in
    physical GPUs would stop a time-sliced pool at a fraction of its intended size.
    """
    if pool.time_slicing is not None:
        return {GPU_RESOURCE: str(gpus * pool.time_slicing.replicas)}
    if pool.mig is not None:
        if pool.mig.strategy.value == "single":
            return {GPU_RESOURCE: str(gpus * sum(pool.mig.profiles.values()))}
        return {f"nvidia.com/mig-{profile}": str(gpus * n) for profile, n in sorted(pool.mig.profiles.items())}
    return {GPU_RESOURCE: str(gpus)}


def device_plugin_config_name(pool: GpuNodePoolSpec) -> Optional[str]:
    """Name of the Helm device plugin's config entry for this pool's nodes, or None for the default entry."""
    if pool.ami_family is AmiFamily.AL2023 and (pool.time_slicing is not None or pool.mig is not None):
        return pool.name
    return None


def gpu_node_labels(pool: GpuNodePoolSpec) -> dict[str, str]:
    """Labels of a GPU pool's nodes: role, class, pool, AMI family, GPU presence, device plugin config."""
    labels = {
        **pool.labels,
        NODE_ROLE_LABEL: GPU_ROLE,
        GPU_CLASS_LABEL: pool.gpu_class.value,
        POOL_LABEL: pool.name,
        AMI_FAMILY_LABEL: pool.ami_family.value,
        GPU_PRESENT_LABEL: "true",
    }
    config = device_plugin_config_name(pool)
    if config is not None:
        labels[DEVICE_PLUGIN_CONFIG_LABEL] = config
    return labels


def node_lifetime(pool: GpuNodePoolSpec, suffix: str) -> str:
    """`expireAfter` per pool role: fallback nodes (on-demand of a spot pool, spot or on-demand of a reserved pool)
    live `fallback_expire_after` (so their pods go back to the preferred capacity), every other node `expire_after`
    (`Never` for pools hosting multi-node models: the spec enforces it, since Karpenter expires a replica's nodes
    together, budgets or not)."""
    d = pool.disruption
    if any(step.fallback and step.capacity_type == suffix for step in capacity_steps(pool)):
        return d.fallback_expire_after if d.expire_after == "Never" else _shorter(d.fallback_expire_after, d.expire_after)
    return d.expire_after


def _shorter(a: str, b: str) -> str:
    return a if _seconds(a) <= _seconds(b) else b


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


# --------------------------------------------------------------------------------------------- NodePools
def _requirement(key: str, values: list[str], operator: str = "In") -> dict[str, Any]:
    return {"key": key, "operator": operator, "values": values}


def _linux_amd64(capacity_types: list[str]) -> list[dict[str, Any]]:
    """The requirements every NodePool of ours starts with: its capacity type, x86-64 Linux."""
    return [
        _requirement(CAPACITY_TYPE, capacity_types),
        _requirement(ARCH_LABEL, ["amd64"]),
        _requirement(OS_LABEL, ["linux"]),
    ]


_WEIGHTS = {RESERVED: RESERVED_WEIGHT, SPOT: SPOT_WEIGHT, ON_DEMAND: ON_DEMAND_WEIGHT}


def _capacity_values(capacity: PoolCapacity) -> list[tuple[str, Optional[int], list[str]]]:
    """(NodePool suffix, weight, capacity types) per NodePool of the CPU pool (no reservations)."""
    if capacity is PoolCapacity.SPOT_WITH_ON_DEMAND_FALLBACK:
        return [("spot", SPOT_WEIGHT, ["spot"]), ("on-demand", ON_DEMAND_WEIGHT, ["on-demand"])]
    if capacity is PoolCapacity.SPOT:
        return [("spot", None, ["spot"])]
    return [("on-demand", None, ["on-demand"])]


def _node_pool(name: str, pool_label: str, body: dict[str, Any], weight: Optional[int]) -> dict[str, Any]:
    if weight is not None:
        body["weight"] = weight
    return {
        "apiVersion": NODE_POOL_API,
        "kind": "NodePool",
        "metadata": {"name": name, "labels": {**MANAGED_BY, POOL_LABEL: pool_label}},
        "spec": body,
    }


def _node_class_ref(name: str) -> dict[str, str]:
    return {"group": NODE_CLASS_GROUP, "kind": "EC2NodeClass", "name": name}


def gpu_node_pools(spec: PlatformSpec, pool: GpuNodePoolSpec) -> list[dict[str, Any]]:
    """The NodePools of one GPU pool, one per capacity type in the pool's order (sizing.capacity_steps), weighted
    when there are several: reserved 100, spot 50, on-demand 10.

    Consolidation is `WhenEmpty`: Karpenter never evicts pods from a busy GPU node to bin-pack; it removes a node
    only after it has had no workload pods for `consolidate_after`. Drift replaces one node at a time.
    """
    catalog = GPU_CLASSES[pool.gpu_class.value]
    instance_types = pool.allowed_instance_types()
    d = pool.disruption
    steps = capacity_steps(pool)
    out = []
    for step in steps:
        suffix, gpus = step.capacity_type, step.gpus
        weight = _WEIGHTS[suffix] if len(steps) > 1 else None
        requirements = [
            *_linux_amd64([suffix]),
            _requirement(INSTANCE_GPU_MANUFACTURER, ["nvidia"]),
            _requirement(INSTANCE_GPU_NAME, [catalog.gpu_name]),
            _requirement(INSTANCE_FAMILY, list(dict.fromkeys(t.split(".")[0] for t in instance_types))),
            _requirement(INSTANCE_TYPE_LABEL, instance_types),
        ]
        body: dict[str, Any] = {
            "template": {
                "metadata": {"labels": gpu_node_labels(pool)},
                "spec": {
                    "nodeClassRef": _node_class_ref(pool_node_class_name(pool)),
                    "requirements": requirements,
                    "taints": [dict(GPU_TAINT)],
                    "expireAfter": node_lifetime(pool, suffix),
                    "terminationGracePeriod": d.termination_grace_period,
                },
            },
            "disruption": {
                "consolidationPolicy": "WhenEmpty",
                "consolidateAfter": d.consolidate_after,
                "budgets": [{"nodes": d.max_disrupted}, {"nodes": d.max_drifted, "reasons": ["Drifted"]}],
            },
            "limits": gpu_pool_limits(pool, gpus),
        }
        out.append(_node_pool(f"{pool.name}-{suffix}", pool.name, body, weight))
    return out


def cpu_node_pools(spec: PlatformSpec) -> list[dict[str, Any]]:
    """The general-purpose CPU NodePool(s): no taint, bin-packing consolidation, current-generation c/m/r."""
    cpu = spec.gpu.cpu_pool
    if not cpu.enabled:
        return []
    out = []
    for suffix, weight, capacity_types in _capacity_values(cpu.capacity):
        body: dict[str, Any] = {
            "template": {
                "metadata": {"labels": {NODE_ROLE_LABEL: CPU_ROLE, POOL_LABEL: CPU_ROLE}},
                "spec": {
                    "nodeClassRef": _node_class_ref(CPU_ROLE),
                    "requirements": [
                        *_linux_amd64(capacity_types),
                        _requirement(INSTANCE_CATEGORY, list(cpu.instance_categories)),
                        _requirement(INSTANCE_GENERATION, [str(cpu.min_generation - 1)], "Gt"),
                    ],
                    "expireAfter": cpu.expire_after,
                },
            },
            "disruption": {
                "consolidationPolicy": "WhenEmpty"
                if cpu.consolidation is ConsolidationPolicy.WHEN_EMPTY
                else "WhenEmptyOrUnderutilized",
                "consolidateAfter": cpu.consolidate_after,
                "budgets": [{"nodes": "10%"}],
            },
            "limits": {"cpu": str(cpu.limits_cpu), "memory": f"{cpu.limits_memory_gib}Gi"},
        }
        out.append(_node_pool(f"{CPU_ROLE}-{suffix}", CPU_ROLE, body, weight))
    return out
