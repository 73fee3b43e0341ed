"""EC2NodeClasses: which AMI, volumes, subnets, security group, IAM role and user data Karpenter's nodes boot with.

One class per AMI family the GPU pools use, one per pool that needs boot-time GPU configuration
(:mod:`.user_data`) or has capacity reservations, and `cpu`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ...spec import PlatformSpec
from ...spec.gpu import AmiFamily, GpuNodePoolSpec, NodeClassSpec
from ..cluster import platform_tags
from ..labels import DISCOVERY_TAG, MANAGED_BY
from ..labels import CPU_ROLE
from .user_data import pool_user_data

NODE_CLASS_GROUP = "karpenter.k8s.aws"
NODE_CLASS_API = "karpenter.k8s.aws/v1"


def node_role_name(cluster: str) -> str:
    """IAM role of Karpenter nodes (the reference CloudFormation's name)."""
    return f"KarpenterNodeRole-{cluster}"


@dataclass(frozen=True)
class NodeClassPlan:
    """One EC2NodeClass to render: name, AMI family and volume settings, optional user data."""

    name: str
    family: AmiFamily
    settings: NodeClassSpec
    user_data: Optional[str] = None
    reservation_terms: tuple[dict[str, Any], ...] = ()
    """`capacityReservationSelectorTerms` (a reservation-backed pool's own class only)."""


def gpu_node_class_name(family: AmiFamily) -> str:
    """The EC2NodeClass shared by the GPU pools of one AMI family that need no user data of their own."""
    return f"gpu-{family.value}"


def _own_node_class_name(pool: GpuNodePoolSpec) -> str:
    """The EC2NodeClass of a pool whose nodes need their own user data."""
    return f"gpu-{pool.name}"


def reservation_selector_terms(pool: GpuNodePoolSpec) -> tuple[dict[str, Any], ...]:
    """`capacityReservationSelectorTerms` of a pool's reservations: `id` alone, or `tags` with an optional
    `ownerID` (Karpenter v1.14.1 pkg/apis/v1/ec2nodeclass.go: `id` excludes the other fields). Karpenter resolves
    them with ec2:DescribeCapacityReservations into `status.capacityReservations` (id, instanceType,
    availabilityZone, ownerID, reservationType default|capacity-block, state active|expiring, endTime)."""
    terms = []
    for r in pool.reservations:
        if r.id is not None:
            terms.append({"id": r.id})
        else:
            term: dict[str, Any] = {"tags": dict(r.tags or {})}
            if r.owner_id is not None:
                term["ownerID"] = r.owner_id
            terms.append(term)
    return tuple(terms)


def _needs_own_class(pool: GpuNodePoolSpec) -> bool:
    """Boot-time configuration, or reservations: Karpenter offers an EC2NodeClass's reservations to every NodePool
    using it that allows `reserved` (reserved_capacity_resolver.go reads `nodeClass.CapacityReservations()`), so a
    pool's reservations stay in a class of its own."""
    return pool_user_data(pool) is not None or bool(pool.reservations)


def node_class_plans(spec: PlatformSpec) -> list[NodeClassPlan]:
    """Every EC2NodeClass the spec needs: one per AMI family in use by GPU pools, one per pool whose nodes need
    boot-time configuration (MIG partitioning on al2023, time-slicing on bottlerocket) or that has capacity
    reservations, and `cpu`."""
    gpu = spec.gpu
    plans = [NodeClassPlan(gpu_node_class_name(f), f, getattr(gpu, f.value)) for f in gpu.families_in_use()]
    for pool in gpu.node_pools:
        if _needs_own_class(pool):
            settings = getattr(gpu, pool.ami_family.value)
            plans.append(NodeClassPlan(_own_node_class_name(pool), pool.ami_family, settings, pool_user_data(pool),
                                       reservation_terms=reservation_selector_terms(pool)))
    if gpu.cpu_pool.enabled:
        cpu_settings = gpu.al2023.model_copy(
            update={"root_volume_gib": gpu.cpu_pool.root_volume_gib, "instance_store_raid0": False}
        )
        plans.append(NodeClassPlan(CPU_ROLE, AmiFamily.AL2023, cpu_settings))
    return plans


def pool_node_class_name(pool: GpuNodePoolSpec) -> str:
    """The EC2NodeClass a GPU pool's NodePools reference."""
    if _needs_own_class(pool):
        return _own_node_class_name(pool)
    return gpu_node_class_name(pool.ami_family)


def _ebs(size: int, settings: NodeClassSpec, *, fast: bool, snapshot: Optional[str] = None) -> dict[str, Any]:
    ebs: dict[str, Any] = {"volumeSize": f"{size}Gi", "volumeType": "gp3", "deleteOnTermination": True}
    if snapshot is not None:
        # EC2 refuses an encryption flag on volumes restored from a snapshot: they inherit its encryption, so the
        # image-cache snapshot must itself be encrypted (see README).
        ebs["snapshotID"] = snapshot
    else:
        ebs["encrypted"] = True
    if settings.kms_key_arn is not None:
        ebs["kmsKeyID"] = settings.kms_key_arn
    if fast:
        ebs["iops"] = settings.volume_iops
        ebs["throughput"] = settings.volume_throughput_mibps
    return ebs


def block_device_mappings(family: AmiFamily, settings: NodeClassSpec) -> list[dict[str, Any]]:
    """Encrypted gp3 volumes. al2023: one root volume holds the OS and images. bottlerocket: a small OS volume
    and a data volume for images (optionally restored from the image-cache snapshot)."""
    if family is AmiFamily.AL2023:
        root = _ebs(settings.root_volume_gib, settings, fast=True)
        return [{"deviceName": "/dev/xvda", "rootVolume": True, "ebs": root}]
    return [
        {"deviceName": "/dev/xvda", "ebs": _ebs(settings.root_volume_gib, settings, fast=False)},
        {
            # Karpenter computes ephemeral-storage from the volume marked rootVolume; on Bottlerocket that is the
            # data volume, where containerd and the kubelet live.
            "deviceName": "/dev/xvdb",
            "rootVolume": True,
            "ebs": _ebs(settings.data_volume_gib, settings, fast=True, snapshot=settings.image_cache_snapshot_id),
        },
    ]


def ami_alias(family: AmiFamily, settings: NodeClassSpec) -> str:
    """`al2023@v20251103` / `bottlerocket@latest`: Karpenter resolves the NVIDIA variant for GPU instance types."""
    return f"{family.value}@{settings.ami_version}"


def node_tags(spec: PlatformSpec, node_class: str) -> dict[str, str]:
    """EC2 tags of Karpenter's instances, volumes and launch templates (cost attribution by class and pool;
    Karpenter adds `karpenter.sh/nodepool` itself)."""
    return {**platform_tags(spec), "managed-by": "karpenter", "gpu-platform/node-class": node_class}


def ec2_node_class(spec: PlatformSpec, plan: NodeClassPlan) -> dict[str, Any]:
    """An EC2NodeClass: IMDSv2 only (hop limit 1: pods cannot reach node credentials), encrypted gp3 volumes,
    subnets and security groups found by tags, the node role."""
    cluster = spec.cluster.name
    body: dict[str, Any] = {
        "role": node_role_name(cluster),
        "amiSelectorTerms": [{"alias": ami_alias(plan.family, plan.settings)}],
        "subnetSelectorTerms": [{"tags": {DISCOVERY_TAG: cluster}}],
        # Only the EKS-created cluster security group, as the managed system node group uses: it admits the
        # control plane and every other node of the cluster. pulumi-eks's node group is tagged
        # kubernetes.io/cluster/<name> too, and a node with two such groups breaks the first LoadBalancer Service
        # (the cloud provider needs exactly one tagged group per node to add its rules to).
        "securityGroupSelectorTerms": [{"tags": {"aws:eks:cluster-name": cluster}}],
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpProtocolIPv6": "disabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "blockDeviceMappings": block_device_mappings(plan.family, plan.settings),
        "tags": node_tags(spec, plan.name),
    }
    if plan.settings.instance_store_raid0:
        body["instanceStorePolicy"] = "RAID0"
    if plan.user_data is not None:
        body["userData"] = plan.user_data
    if plan.reservation_terms:
        body["capacityReservationSelectorTerms"] = [dict(t) for t in plan.reservation_terms]
    return {
        "apiVersion": NODE_CLASS_API,
        "kind": "EC2NodeClass",
        "metadata": {"name": plan.name, "labels": dict(MANAGED_BY)},
        "spec": body,
    }
