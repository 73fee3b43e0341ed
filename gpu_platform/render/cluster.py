"""Pure decisions about the EKS cluster: tags, access entries, node group shape, add-ons, storage class."""

from __future__ import annotations

from typing import Any, Optional

from ..spec import AccessPolicy, CapacityType, PlatformSpec
from .iam import partition
from .labels import NODE_ROLE_LABEL, SYSTEM_ROLE

ACCESS_POLICY_NAMES: dict[AccessPolicy, str] = {
    AccessPolicy.CLUSTER_ADMIN: "AmazonEKSClusterAdminPolicy",
    AccessPolicy.ADMIN: "AmazonEKSAdminPolicy",
    AccessPolicy.EDIT: "AmazonEKSEditPolicy",
    AccessPolicy.VIEW: "AmazonEKSViewPolicy",
}


def access_policy_arn(policy: AccessPolicy, region: str) -> str:
    """`arn:<partition>:eks::aws:cluster-access-policy/<name>`: the partition follows the Region (GovCloud, China)."""
    return f"arn:{partition(region)}:eks::aws:cluster-access-policy/{ACCESS_POLICY_NAMES[policy]}"


def platform_tags(spec: PlatformSpec) -> dict[str, str]:
    """Tags on every taggable AWS resource: the user's, plus cluster and environment for cost attribution."""
    return {
        **spec.tags,
        "gpu-platform/cluster": spec.cluster.name,
        "gpu-platform/environment": spec.environment.value,
        "managed-by": "pulumi",
    }


def access_entries(spec: PlatformSpec) -> dict[str, dict[str, Any]]:
    """`eks.Cluster(access_entries=...)` for the configured admins (authentication mode API)."""
    entries: dict[str, dict[str, Any]] = {}
    for admin in spec.cluster.admins:
        scope: dict[str, Any] = {"type": "cluster"}
        if admin.namespaces:
            scope = {"type": "namespace", "namespaces": list(admin.namespaces)}
        entries[admin.name] = {
            "principal_arn": admin.principal_arn,
            "access_policies": {
                admin.policy.value: {"policy_arn": access_policy_arn(admin.policy, spec.region), "access_scope": scope}
            },
        }
    return entries


def system_node_labels() -> dict[str, str]:
    return {NODE_ROLE_LABEL: SYSTEM_ROLE}


def system_node_group_args(spec: PlatformSpec) -> dict[str, Any]:
    """Shape of the managed controller node group (inputs to `aws.eks.NodeGroup`, camel-free snake_case)."""
    nodes = spec.system_nodes
    return {
        # Follows the control plane: without it the group stays on the minor it was created with, and EKS refuses
        # the next control-plane upgrade once nodes would lag too far (EKS version skew policy).
        "version": spec.cluster.kubernetes_version,
        "ami_type": "AL2023_x86_64_STANDARD",
        "capacity_type": "SPOT" if nodes.capacity_type is CapacityType.SPOT else "ON_DEMAND",
        "instance_types": list(nodes.instance_types),
        "scaling_config": {"min_size": nodes.min_size, "desired_size": nodes.desired_size, "max_size": nodes.max_size},
        "update_config": {"max_unavailable": 1},
        "labels": system_node_labels(),
    }


def launch_template_args(disk_size_gib: int) -> dict[str, Any]:
    """IMDSv2 only with a hop limit of 1 (pods cannot reach node credentials), encrypted gp3 root volume."""
    return {
        "metadata_options": {
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 1,
        },
        "block_device_mappings": [
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "volume_size": disk_size_gib,
                    "volume_type": "gp3",
                    "encrypted": "true",
                    "delete_on_termination": "true",
                },
            }
        ],
    }


EBS_CSI_SERVICE_ACCOUNT = ("kube-system", "ebs-csi-controller-sa")


def default_storage_class() -> dict[str, Any]:
    """Encrypted gp3 StorageClass, the default for PVCs (model weight caches, Prometheus)."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": "gp3-encrypted",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": "ebs.csi.aws.com",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
        "reclaimPolicy": "Delete",
        "parameters": {"type": "gp3", "encrypted": "true", "fsType": "ext4"},
    }


def principal_of(caller_arn: str) -> str:
    """The IAM principal behind a caller ARN: an assumed-role session (`arn:aws:sts::1:assumed-role/Deploy/ci`) is
    its role (`arn:aws:iam::1:role/Deploy`); users and roles are themselves."""
    parts = caller_arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
    return caller_arn


def creator_conflict(spec: PlatformSpec, caller_arn: str) -> Optional[int]:
    """Index of the `cluster.admins` entry for the principal running the deployment, if any: EKS already gives the
    cluster's creator an access entry (bootstrapClusterCreatorAdminPermissions), and refuses a second one for the
    same principal ("The specified access entry resource is already in use")."""
    me = principal_of(caller_arn)
    for i, admin in enumerate(spec.cluster.admins):
        # Role ARNs may carry a path (role/team/Deploy); the assumed-role ARN does not.
        arn = admin.principal_arn
        if arn == me or (":role/" in arn and me.split(":role/")[0] == arn.split(":role/")[0]
                         and arn.rsplit("/", 1)[-1] == me.rsplit("/", 1)[-1]):
            return i
    return None


def coredns_configuration(spec: PlatformSpec) -> dict[str, Any]:
    """CoreDNS add-on configuration: on the system nodes, at least two replicas, one disrupted at a time, so cluster
    DNS never depends on a GPU node Karpenter may remove. Keys as the EKS user guide's CoreDNS configuration examples
    use them (read there; not checked against `describe-addon-configuration`, which needs AWS)."""
    return {
        "nodeSelector": system_node_labels(),
        "replicaCount": max(2, min(spec.system_nodes.min_size, 3)),
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
    }
