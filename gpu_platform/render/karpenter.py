"""Pure Karpenter decisions: controller IAM, interruption queue and rules, chart values, EC2NodeClasses, NodePools.

Ground truth: Karpenter v1.14 (`karpenter.sh/v1` NodePool, `karpenter.k8s.aws/v1` EC2NodeClass, the chart's
values.yaml and the getting-started CloudFormation). The IAM documents below are statement-for-statement equivalent
to that CloudFormation, with its `${...}` substitutions filled from arguments.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any, Optional

from ..catalog.gpus import GPU_CLASSES
from ..spec import PlatformSpec
from ..spec.gpu import AmiFamily, ConsolidationPolicy, PoolCapacity, GpuNodePoolSpec, NodeClassSpec
from .cluster import platform_tags
from .iam import partition
from .labels import (
    DISCOVERY_TAG,
    DOMAIN,
    GPU_CLASS_LABEL,
    GPU_RESOURCE,
    GPU_TAINT,
    MANAGED_BY,
    NODE_ROLE_LABEL,
    POOL_LABEL,
    SYSTEM_ROLE,
)

NAMESPACE = "kube-system"
"""Where the controller runs (the getting-started guide's default); its pod identity association names it."""
SERVICE_ACCOUNT = "karpenter"
CRD_RELEASE = "karpenter-crd"
RELEASE = "karpenter"

NODE_CLASS_GROUP = "karpenter.k8s.aws"
NODE_CLASS_API = "karpenter.k8s.aws/v1"
NODE_POOL_API = "karpenter.sh/v1"
CAPACITY_TYPE = "karpenter.sh/capacity-type"

GPU_ROLE = "gpu"
CPU_ROLE = "cpu"
"""Node label: the spec pool a node belongs to (both its spot and on-demand NodePools carry the same value)."""
AMI_FAMILY_LABEL = f"{DOMAIN}/ami-family"
"""Node label: `al2023` or `bottlerocket`; the Helm device plugin selects al2023 GPU nodes by it."""
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"
"""The label NVIDIA's charts use to recognise GPU nodes without NFD."""
DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config"
"""Node label choosing the device plugin's named config (time-slicing / MIG) on that node."""

SPOT_WEIGHT = 50
ON_DEMAND_WEIGHT = 10
"""NodePool weights: Karpenter tries higher weights first, so spot is preferred and on-demand is the fallback."""

# Requirement keys Karpenter v1.14 accepts on NodePools (facts.md; the CRD's CEL rules refuse the rest).
ALLOWED_REQUIREMENT_KEYS = frozenset(
    {
        CAPACITY_TYPE,
        "node.kubernetes.io/instance-type",
        "topology.kubernetes.io/zone",
        "kubernetes.io/arch",
        "kubernetes.io/os",
        *(
            f"karpenter.k8s.aws/{k}"
            for k in (
                "instance-category", "instance-family", "instance-generation", "instance-size", "instance-cpu",
                "instance-cpu-manufacturer", "instance-memory", "instance-hypervisor", "instance-local-nvme",
                "instance-gpu-name", "instance-gpu-manufacturer", "instance-gpu-count", "instance-gpu-memory",
                "instance-network-bandwidth", "instance-ebs-bandwidth", "instance-encryption-in-transit-supported",
                "instance-tenancy",
            )
        ),
    }
)


# --------------------------------------------------------------------------------------------- naming
def node_role_name(cluster: str) -> str:
    """IAM role of Karpenter nodes (the reference CloudFormation's name)."""
    return f"KarpenterNodeRole-{cluster}"


def queue_name(cluster: str) -> str:
    """SQS interruption queue: named after the cluster, as the getting-started guide does."""
    return cluster


# --------------------------------------------------------------------------------------------- IAM
CONTROLLER_POLICIES: tuple[str, ...] = (
    "node-lifecycle",
    "iam-integration",
    "eks-integration",
    "interruption",
    "resource-discovery",
    "zonal-shift",
)
"""The controller's policies, one per managed policy of the reference CloudFormation."""


def _doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def controller_policies(
    *, cluster: str, region: str, account_id: str, node_role_arn: str, queue_arn: str
) -> dict[str, dict[str, Any]]:
    """The controller's IAM policies, keyed like the reference CloudFormation's managed policies.

    NodeLifecycle (launch/tag/terminate only what carries this cluster's and a NodePool's tags), IAMIntegration
    (pass the node role, manage the instance profiles it creates), EKSIntegration, Interruption (this queue),
    ResourceDiscovery (regional reads, SSM AMI parameters, pricing) and ZonalShift.
    """
    p = partition(region)
    ec2 = f"arn:{p}:ec2:{region}"
    owned = f"kubernetes.io/cluster/{cluster}"
    cluster_arn = f"arn:{p}:eks:{region}:{account_id}:cluster/{cluster}"
    instance_profiles = f"arn:{p}:iam::{account_id}:instance-profile/*"
    tagged_resources = [
        f"{ec2}:*:fleet/*",
        f"{ec2}:*:instance/*",
        f"{ec2}:*:volume/*",
        f"{ec2}:*:network-interface/*",
        f"{ec2}:*:launch-template/*",
        f"{ec2}:*:spot-instances-request/*",
    ]
    node_lifecycle = _doc(
        [
            {
                "Sid": "AllowScopedEC2InstanceAccessActions",
                "Effect": "Allow",
                "Resource": [
                    f"{ec2}::image/*",
                    f"{ec2}::snapshot/*",
                    f"{ec2}:*:security-group/*",
                    f"{ec2}:*:subnet/*",
                    f"{ec2}:*:capacity-reservation/*",
                    f"{ec2}:*:placement-group/*",
                ],
                "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            },
            {
                "Sid": "AllowScopedEC2LaunchTemplateAccessActions",
                "Effect": "Allow",
                "Resource": f"{ec2}:*:launch-template/*",
                "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
                "Condition": {
                    "StringEquals": {f"aws:ResourceTag/{owned}": "owned"},
                    "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                },
            },
            {
                "Sid": "AllowScopedEC2InstanceActionsWithTags",
                "Effect": "Allow",
                "Resource": tagged_resources,
                "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                "Condition": {
                    "StringEquals": {
                        f"aws:RequestTag/{owned}": "owned",
                        "aws:RequestTag/eks:eks-cluster-name": cluster,
                    },
                    "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
                },
            },
            {
                "Sid": "AllowScopedResourceCreationTagging",
                "Effect": "Allow",
                "Resource": tagged_resources,
                "Action": "ec2:CreateTags",
                "Condition": {
                    "StringEquals": {
                        f"aws:RequestTag/{owned}": "owned",
                        "aws:RequestTag/eks:eks-cluster-name": cluster,
                        "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                    },
                    "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
                },
            },
            {
                "Sid": "AllowScopedResourceTagging",
                "Effect": "Allow",
                "Resource": f"{ec2}:*:instance/*",
                "Action": "ec2:CreateTags",
                "Condition": {
                    "StringEquals": {f"aws:ResourceTag/{owned}": "owned"},
                    "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                    "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster},
                    "ForAllValues:StringEquals": {
                        "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]
                    },
                },
            },
            {
                "Sid": "AllowScopedDeletion",
                "Effect": "Allow",
                "Resource": [f"{ec2}:*:instance/*", f"{ec2}:*:launch-template/*"],
                "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                "Condition": {
                    "StringEquals": {f"aws:ResourceTag/{owned}": "owned"},
                    "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                },
            },
        ]
    )
    iam_integration = _doc(
        [
            {
                "Sid": "AllowPassingInstanceRole",
                "Effect": "Allow",
                "Resource": node_role_arn,
                "Action": "iam:PassRole",
                "Condition": {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]}},
            },
            {
                "Sid": "AllowScopedInstanceProfileCreationActions",
                "Effect": "Allow",
                "Resource": instance_profiles,
                "Action": ["iam:CreateInstanceProfile"],
                "Condition": {
                    "StringEquals": {
                        f"aws:RequestTag/{owned}": "owned",
                        "aws:RequestTag/eks:eks-cluster-name": cluster,
                        "aws:RequestTag/topology.kubernetes.io/region": region,
                    },
                    "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"},
                },
            },
            {
                "Sid": "AllowScopedInstanceProfileTagActions",
                "Effect": "Allow",
                "Resource": instance_profiles,
                "Action": ["iam:TagInstanceProfile"],
                "Condition": {
                    "StringEquals": {
                        f"aws:ResourceTag/{owned}": "owned",
                        "aws:ResourceTag/topology.kubernetes.io/region": region,
                        f"aws:RequestTag/{owned}": "owned",
                        "aws:RequestTag/eks:eks-cluster-name": cluster,
                        "aws:RequestTag/topology.kubernetes.io/region": region,
                    },
                    "StringLike": {
                        "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                        "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    },
                },
            },
            {
                "Sid": "AllowScopedInstanceProfileActions",
                "Effect": "Allow",
                "Resource": instance_profiles,
                "Action": [
                    "iam:AddRoleToInstanceProfile",
                    "iam:RemoveRoleFromInstanceProfile",
                    "iam:DeleteInstanceProfile",
                ],
                "Condition": {
                    "StringEquals": {
                        f"aws:ResourceTag/{owned}": "owned",
                        "aws:ResourceTag/topology.kubernetes.io/region": region,
                    },
                    "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"},
                },
            },
        ]
    )
    eks_integration = _doc(
        [
            {
                "Sid": "AllowAPIServerEndpointDiscovery",
                "Effect": "Allow",
                "Resource": cluster_arn,
                "Action": "eks:DescribeCluster",
            }
        ]
    )
    interruption = _doc(
        [
            {
                "Sid": "AllowInterruptionQueueActions",
                "Effect": "Allow",
                "Resource": queue_arn,
                "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            }
        ]
    )
    zonal_shift = _doc(
        [
            {
                "Sid": "AllowZonalShiftStatusReadOnly",
                "Effect": "Allow",
                "Resource": "*",
                "Action": ["arc-zonal-shift:GetManagedResource"],
                "Condition": {"StringEquals": {"arc-zonal-shift:ResourceIdentifier": cluster_arn}},
            }
        ]
    )
    resource_discovery = _doc(
        [
            {
                "Sid": "AllowRegionalReadActions",
                "Effect": "Allow",
                "Resource": "*",
                "Action": [
                    "ec2:DescribeCapacityReservations",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplates",
                    "ec2:DescribePlacementGroups",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets",
                ],
                "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
            },
            {
                "Sid": "AllowSSMReadActions",
                "Effect": "Allow",
                "Resource": f"arn:{p}:ssm:{region}::parameter/aws/service/*",
                "Action": "ssm:GetParameter",
            },
            {"Sid": "AllowPricingReadActions", "Effect": "Allow", "Resource": "*", "Action": "pricing:GetProducts"},
            {
                "Sid": "AllowUnscopedInstanceProfileListAction",
                "Effect": "Allow",
                "Resource": "*",
                "Action": "iam:ListInstanceProfiles",
            },
            {
                "Sid": "AllowInstanceProfileReadActions",
                "Effect": "Allow",
                "Resource": instance_profiles,
                "Action": "iam:GetInstanceProfile",
            },
        ]
    )
    return {
        "node-lifecycle": node_lifecycle,
        "iam-integration": iam_integration,
        "eks-integration": eks_integration,
        "interruption": interruption,
        "resource-discovery": resource_discovery,
        "zonal-shift": zonal_shift,
    }


def interruption_queue_policy(queue_arn: str) -> dict[str, Any]:
    """Let EventBridge (and SQS) deliver to the queue; refuse any access without TLS."""
    return {
        "Version": "2012-10-17",
        "Id": "EC2InterruptionPolicy",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            {
                "Sid": "DenyHTTP",
                "Effect": "Deny",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Principal": "*",
            },
        ],
    }


QUEUE_RETENTION_SECONDS = 300
"""Interruption messages older than 5 minutes are useless (a spot warning gives 2)."""

INTERRUPTION_EVENTS: dict[str, tuple[str, str]] = {
    "health": ("aws.health", "AWS Health Event"),
    "spot": ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    "rebalance": ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
    "state-change": ("aws.ec2", "EC2 Instance State-change Notification"),
    "reservation": ("aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"),
}
"""EventBridge rules forwarding interruption signals to the queue: short key → (source, detail-type)."""


def interruption_event_patterns() -> dict[str, str]:
    """Event pattern JSON per rule key (stable key order for clean diffs)."""
    import json

    return {
        key: json.dumps({"source": [source], "detail-type": [detail]}, sort_keys=True)
        for key, (source, detail) in INTERRUPTION_EVENTS.items()
    }


# --------------------------------------------------------------------------------------------- chart values
def controller_replicas(spec: PlatformSpec) -> int:
    """2 for leader-election failover, unless the system group may run a single node (anti-affinity would block)."""
    if spec.gpu.karpenter.replicas is not None:
        return spec.gpu.karpenter.replicas
    return 2 if spec.system_nodes.min_size >= 2 else 1


def controller_values(spec: PlatformSpec) -> dict[str, Any]:
    """Values for the `karpenter` chart: cluster, interruption queue, identity, placement on the system group."""
    cluster = spec.cluster.name
    return {
        "settings": {
            "clusterName": cluster,
            "interruptionQueue": queue_name(cluster),
            "featureGates": {"spotToSpotConsolidation": spec.gpu.karpenter.spot_to_spot_consolidation},
        },
        "replicas": controller_replicas(spec),
        "logLevel": spec.gpu.karpenter.log_level,
        # The pod identity association names this service account; the chart's generated name must not drift.
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        # Karpenter must not run on nodes it manages: pin it to the managed system node group.
        "nodeSelector": {"kubernetes.io/os": "linux", NODE_ROLE_LABEL: SYSTEM_ROLE},
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


# --------------------------------------------------------------------------------------------- EC2NodeClass
@dataclass(frozen=True)
class NodeClassPlan:
    """One EC2NodeClass to render: name, AMI family and volume settings, optional user data."""

    name: str
    family: AmiFamily
    settings: NodeClassSpec
    user_data: Optional[str] = None
    role: str = GPU_ROLE


def gpu_node_class_name(family: AmiFamily) -> str:
    return f"gpu-{family.value}"


def node_class_plans(spec: PlatformSpec) -> list[NodeClassPlan]:
    """Every EC2NodeClass the spec needs: one per AMI family in use by GPU pools, one per pool whose nodes need
    boot-time configuration (MIG partitioning on al2023, time-slicing on bottlerocket), and `cpu`."""
    gpu = spec.gpu
    plans = [NodeClassPlan(gpu_node_class_name(f), f, getattr(gpu, f.value)) for f in gpu.families_in_use()]
    for pool in gpu.node_pools:
        data = pool_user_data(pool)
        if data is not None:
            plans.append(NodeClassPlan(f"gpu-{pool.name}", pool.ami_family, getattr(gpu, pool.ami_family.value), data))
    if gpu.cpu_pool.enabled:
        cpu_settings = gpu.al2023.model_copy(
            update={"root_volume_gib": gpu.cpu_pool.root_volume_gib, "instance_store_raid0": False}
        )
        plans.append(NodeClassPlan(CPU_ROLE, AmiFamily.AL2023, cpu_settings, role=CPU_ROLE))
    return plans


def pool_node_class_name(pool: GpuNodePoolSpec) -> str:
    """The EC2NodeClass a GPU pool's NodePools reference."""
    if pool_user_data(pool) is not None:
        return f"gpu-{pool.name}"
    return gpu_node_class_name(pool.ami_family)


MIG_UNIT = "gpu-platform-mig.service"


def mig_boot_script(pool: GpuNodePoolSpec) -> str:
    """User data that installs a systemd unit applying and verifying the pool's MIG layout on every boot.

    Changing MIG mode resets the GPUs, which nvidia-persistenced and nvidia-fabricmanager block while they run, so
    the unit runs before them (and stops them if they are already up), then starts them again. The kubelet
    *requires* the unit (a drop-in): if the layout cannot be created or does not verify (every GPU carrying its
    instances, counted in `nvidia-smi -L`), the kubelet never starts, the node never joins and Karpenter replaces
    it after its registration timeout, instead of a node serving whole GPUs where slices were promised.
    Written from the NVIDIA MIG user guide and systemd's ordering semantics; not run here (no GPU).
    """
    assert pool.mig is not None
    instances = ",".join(p for p, n in pool.mig.profiles.items() for _ in range(n))
    per_gpu = sum(pool.mig.profiles.values())
    return textwrap.dedent(
        f"""\
        #!/bin/bash
        # MIG layout of pool {pool.name}: {dict(pool.mig.profiles)} on every GPU.
        set -euo pipefail
        cat > /usr/local/bin/gpu-platform-mig <<'SCRIPT'
        #!/bin/bash
        set -euo pipefail
        systemctl stop nvidia-persistenced.service nvidia-fabricmanager.service 2>/dev/null || true
        gpus=$(nvidia-smi --query-gpu=index --format=csv,noheader)
        for gpu in $gpus; do
          nvidia-smi -i "$gpu" -mig 1
          nvidia-smi mig -i "$gpu" -dci || true
          nvidia-smi mig -i "$gpu" -dgi || true
          nvidia-smi mig -i "$gpu" -cgi {instances} -C
        done
        want=$(( $(echo "$gpus" | wc -w) * {per_gpu} ))
        got=$(nvidia-smi -L | grep -c '^  MIG ' || true)
        if [ "$got" -ne "$want" ]; then echo "MIG layout: $got instances, expected $want" >&2; exit 1; fi
        systemctl start nvidia-fabricmanager.service 2>/dev/null || true
        systemctl start nvidia-persistenced.service 2>/dev/null || true
        SCRIPT
        chmod 0755 /usr/local/bin/gpu-platform-mig
        cat > /etc/systemd/system/{MIG_UNIT} <<'UNIT'
        [Unit]
        Description=gpu-platform MIG layout of pool {pool.name} (before the NVIDIA services and the kubelet)
        After=systemd-modules-load.service
        Before=nvidia-persistenced.service nvidia-fabricmanager.service kubelet.service
        [Service]
        Type=oneshot
        RemainAfterExit=yes
        ExecStart=/usr/local/bin/gpu-platform-mig
        [Install]
        WantedBy=multi-user.target
        UNIT
        mkdir -p /etc/systemd/system/kubelet.service.d
        cat > /etc/systemd/system/kubelet.service.d/00-gpu-platform-mig.conf <<'DROPIN'
        [Unit]
        Requires={MIG_UNIT}
        After={MIG_UNIT}
        DROPIN
        systemctl daemon-reload
        systemctl enable --now {MIG_UNIT}
        """
    )


def pool_user_data(pool: GpuNodePoolSpec) -> Optional[str]:
    """Boot-time GPU configuration a pool's nodes need, or None.

    al2023 + MIG: a systemd unit, required by the kubelet, that applies and verifies the MIG layout on every boot
    before the NVIDIA services start (see mig_boot_script), so the device plugin finds the slices on its first scan
    and a node whose layout failed never joins.
    bottlerocket + time-slicing: its built-in device plugin is configured through settings, not a ConfigMap.
    """
    if pool.ami_family is AmiFamily.AL2023 and pool.mig is not None:
        return "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"//\"\n\n" \
            "--//\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\n\n" + mig_boot_script(pool) + "\n--//--\n"
    if pool.ami_family is AmiFamily.BOTTLEROCKET and pool.time_slicing is not None:
        ts = pool.time_slicing
        return textwrap.dedent(
            f"""\
            [settings.kubelet-device-plugins.nvidia]
            device-sharing-strategy = "time-slicing"

            [settings.kubelet-device-plugins.nvidia.time-slicing]
            replicas = {ts.replicas}
            rename-by-default = false
            fail-requests-greater-than-one = {str(ts.fail_requests_greater_than_one).lower()}
            """
        )
    return None


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
        return [{"deviceName": "/dev/xvda", "rootVolume": True, "ebs": _ebs(settings.root_volume_gib, settings, fast=True)}]
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
    return {
        "apiVersion": NODE_CLASS_API,
        "kind": "EC2NodeClass",
        "metadata": {"name": plan.name, "labels": dict(MANAGED_BY)},
        "spec": body,
    }


# --------------------------------------------------------------------------------------------- NodePools
def _requirement(key: str, values: list[str], operator: str = "In") -> dict[str, Any]:
    return {"key": key, "operator": operator, "values": values}


def _capacity_values(capacity: PoolCapacity) -> list[tuple[str, Optional[int], list[str]]]:
    """(NodePool suffix, weight, capacity types) per NodePool of a pool."""
    if capacity is PoolCapacity.SPOT_WITH_ON_DEMAND_FALLBACK:
        return [("spot", SPOT_WEIGHT, ["spot"]), ("on-demand", ON_DEMAND_WEIGHT, ["on-demand"])]
    if capacity is PoolCapacity.SPOT:
        return [("spot", None, ["spot"])]
    return [("on-demand", None, ["on-demand"])]


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
    """`expireAfter` per pool role: the on-demand fallback of a spot pool lives `fallback_expire_after` (so its pods
    go back to spot), every other node `expire_after` (`Never` for pools hosting multi-node models: the spec
    enforces it, since Karpenter expires a replica's nodes together, budgets or not)."""
    d = pool.disruption
    if suffix == "on-demand" and pool.capacity is PoolCapacity.SPOT_WITH_ON_DEMAND_FALLBACK:
        return d.fallback_expire_after if d.expire_after == "Never" else _shorter(d.fallback_expire_after, d.expire_after)
    return d.expire_after


def _shorter(a: str, b: str) -> str:
    return a if _seconds(a) <= _seconds(b) else b


def _seconds(duration: str) -> int:
    import re

    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


def gpu_node_pools(spec: PlatformSpec, pool: GpuNodePoolSpec) -> list[dict[str, Any]]:
    """The NodePools of one GPU pool: spot (weight 50) then on-demand (weight 10), or just one of them.

    Consolidation is `WhenEmpty`: Karpenter never evicts pods from a busy GPU node to bin-pack; it removes a node
    only after it has had no workload pods for `consolidate_after`. Drift replaces one node at a time.
    """
    catalog = GPU_CLASSES[pool.gpu_class.value]
    d = pool.disruption
    out = []
    for suffix, weight, capacity_types in _capacity_values(pool.capacity):
        gpus = pool.limits.gpus
        if suffix == "on-demand" and pool.capacity is PoolCapacity.SPOT_WITH_ON_DEMAND_FALLBACK:
            gpus = pool.limits.on_demand_gpus if pool.limits.on_demand_gpus is not None else pool.limits.gpus
        requirements = [
            _requirement(CAPACITY_TYPE, capacity_types),
            _requirement("kubernetes.io/arch", ["amd64"]),
            _requirement("kubernetes.io/os", ["linux"]),
            _requirement("karpenter.k8s.aws/instance-gpu-manufacturer", ["nvidia"]),
            _requirement("karpenter.k8s.aws/instance-gpu-name", [catalog.gpu_name]),
            _requirement("karpenter.k8s.aws/instance-family", list(dict.fromkeys(
                t.split(".")[0] for t in pool.allowed_instance_types()))),
            _requirement("node.kubernetes.io/instance-type", pool.allowed_instance_types()),
        ]
        spec_body: dict[str, Any] = {
            "template": {
                "metadata": {"labels": gpu_node_labels(pool)},
                "spec": {
                    "nodeClassRef": {"group": NODE_CLASS_GROUP, "kind": "EC2NodeClass", "name": pool_node_class_name(pool)},
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
        if weight is not None:
            spec_body["weight"] = weight
        out.append(
            {
                "apiVersion": NODE_POOL_API,
                "kind": "NodePool",
                "metadata": {"name": f"{pool.name}-{suffix}", "labels": {**MANAGED_BY, POOL_LABEL: pool.name}},
                "spec": spec_body,
            }
        )
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
                    "nodeClassRef": {"group": NODE_CLASS_GROUP, "kind": "EC2NodeClass", "name": CPU_ROLE},
                    "requirements": [
                        _requirement(CAPACITY_TYPE, capacity_types),
                        _requirement("kubernetes.io/arch", ["amd64"]),
                        _requirement("kubernetes.io/os", ["linux"]),
                        _requirement("karpenter.k8s.aws/instance-category", list(cpu.instance_categories)),
                        _requirement("karpenter.k8s.aws/instance-generation", [str(cpu.min_generation - 1)], "Gt"),
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
        if weight is not None:
            body["weight"] = weight
        out.append(
            {
                "apiVersion": NODE_POOL_API,
                "kind": "NodePool",
                "metadata": {"name": f"{CPU_ROLE}-{suffix}", "labels": {**MANAGED_BY, POOL_LABEL: CPU_ROLE}},
                "spec": body,
            }
        )
    return out
