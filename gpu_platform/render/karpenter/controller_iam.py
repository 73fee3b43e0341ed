"""The Karpenter controller's IAM policies: what it may launch, tag, pass, read and delete.

Statement-for-statement equivalent to the managed policies of Karpenter v1.14's getting-started CloudFormation,
with its `${...}` substitutions filled from arguments. Every write is scoped by tags: this cluster's ownership tag
plus a NodePool's tag (instances, fleets, launch templates) or an EC2NodeClass's tag (instance profiles), so the
controller can never touch what another cluster or a human launched.
"""

from __future__ import annotations

from typing import Any, Optional

from ..iam import partition

CONTROLLER_POLICIES: tuple[str, ...] = (
    "node-lifecycle",
    "iam-integration",
    "eks-integration",
    "interruption",
    "resource-discovery",
    "zonal-shift",
)
"""The controller's policies, one per managed policy of the reference CloudFormation."""

NODEPOOL_TAG = "karpenter.sh/nodepool"
"""Tag Karpenter puts on what it launches for a NodePool."""
NODECLASS_TAG = "karpenter.k8s.aws/ec2nodeclass"
"""Tag Karpenter puts on the instance profiles it creates for an EC2NodeClass."""
CLUSTER_NAME_TAG = "eks:eks-cluster-name"
REGION_TAG = "topology.kubernetes.io/region"


def _doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def _allow(sid: str, resource: Any, action: Any, condition: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    statement = {"Sid": sid, "Effect": "Allow", "Resource": resource, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def _tags(kind: str, tags: dict[str, Any]) -> dict[str, Any]:
    """Condition keys on the tags of the resource acted on (`ResourceTag`) or of the request (`RequestTag`)."""
    return {f"aws:{kind}/{key}": value for key, value in tags.items()}


class _Scope:
    """The tag conditions of one cluster: which tags mark what this cluster's Karpenter owns."""

    def __init__(self, cluster: str, region: str) -> None:
        self.cluster = cluster
        self.owned = {f"kubernetes.io/cluster/{cluster}": "owned"}
        self.region = region

    def nodepool_resource(self) -> dict[str, Any]:
        """The resource is this cluster's and a NodePool's."""
        return {
            "StringEquals": _tags("ResourceTag", self.owned),
            "StringLike": _tags("ResourceTag", {NODEPOOL_TAG: "*"}),
        }

    def nodepool_request(self, **also_equal: Any) -> dict[str, Any]:
        """The request tags the new resource as this cluster's and a NodePool's."""
        equal = {**_tags("RequestTag", {**self.owned, CLUSTER_NAME_TAG: self.cluster}), **also_equal}
        return {"StringEquals": equal, "StringLike": _tags("RequestTag", {NODEPOOL_TAG: "*"})}

    def profile_tags(self, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(StringEquals, StringLike) for an instance profile of this cluster's EC2NodeClasses, on the resource or
        on the request (a request also names the cluster)."""
        tags = {**self.owned, CLUSTER_NAME_TAG: self.cluster} if kind == "RequestTag" else dict(self.owned)
        return _tags(kind, {**tags, REGION_TAG: self.region}), _tags(kind, {NODECLASS_TAG: "*"})


def controller_policies(
    *, cluster: str, region: str, account_id: str, node_role_arn: str, queue_arn: str
) -> dict[str, dict[str, Any]]:
    """The controller's IAM policies, keyed like the reference CloudFormation's managed policies.

    NodeLifecycle (launch/tag/terminate only what carries this cluster's and a NodePool's tags), IAMIntegration
    (pass the node role, manage the instance profiles it creates), EKSIntegration, Interruption (this queue),
    ResourceDiscovery (regional reads, SSM AMI parameters, pricing) and ZonalShift.
    """
    p = partition(region)
    scope = _Scope(cluster, region)
    cluster_arn = f"arn:{p}:eks:{region}:{account_id}:cluster/{cluster}"
    instance_profiles = f"arn:{p}:iam::{account_id}:instance-profile/*"
    return {
        "node-lifecycle": _node_lifecycle(f"arn:{p}:ec2:{region}", scope),
        "iam-integration": _iam_integration(node_role_arn, instance_profiles, scope),
        "eks-integration": _doc([_allow("AllowAPIServerEndpointDiscovery", cluster_arn, "eks:DescribeCluster")]),
        "interruption": _doc(
            [
                _allow(
                    "AllowInterruptionQueueActions",
                    queue_arn,
                    ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
                )
            ]
        ),
        "resource-discovery": _resource_discovery(p, region, instance_profiles),
        "zonal-shift": _doc(
            [
                _allow(
                    "AllowZonalShiftStatusReadOnly",
                    "*",
                    ["arc-zonal-shift:GetManagedResource"],
                    {"StringEquals": {"arc-zonal-shift:ResourceIdentifier": cluster_arn}},
                )
            ]
        ),
    }


def _node_lifecycle(ec2: str, scope: _Scope) -> dict[str, Any]:
    """Launch from any image/subnet/security group, but only with launch templates of this cluster's NodePools, and
    tag, terminate and delete only what those NodePools launched."""
    launch = ["ec2:RunInstances", "ec2:CreateFleet"]
    launch_actions = ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]
    tagged_resources = [
        f"{ec2}:*:{kind}/*"
        for kind in ("fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request")
    ]
    launched_from = [f"{ec2}::image/*", f"{ec2}::snapshot/*"] + [
        f"{ec2}:*:{kind}/*"
        for kind in ("security-group", "subnet", "capacity-reservation", "placement-group")
    ]
    return _doc(
        [
            _allow("AllowScopedEC2InstanceAccessActions", launched_from, launch),
            _allow("AllowScopedEC2LaunchTemplateAccessActions", f"{ec2}:*:launch-template/*", launch,
                   scope.nodepool_resource()),
            _allow("AllowScopedEC2InstanceActionsWithTags", tagged_resources, [*launch, "ec2:CreateLaunchTemplate"],
                   scope.nodepool_request()),
            _allow("AllowScopedResourceCreationTagging", tagged_resources, "ec2:CreateTags",
                   scope.nodepool_request(**{"ec2:CreateAction": launch_actions})),
            _allow(
                "AllowScopedResourceTagging",
                f"{ec2}:*:instance/*",
                "ec2:CreateTags",
                {
                    **scope.nodepool_resource(),
                    "StringEqualsIfExists": _tags("RequestTag", {CLUSTER_NAME_TAG: scope.cluster}),
                    "ForAllValues:StringEquals": {"aws:TagKeys": [CLUSTER_NAME_TAG, "karpenter.sh/nodeclaim", "Name"]},
                },
            ),
            _allow("AllowScopedDeletion", [f"{ec2}:*:instance/*", f"{ec2}:*:launch-template/*"],
                   ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"], scope.nodepool_resource()),
        ]
    )


def _iam_integration(node_role_arn: str, instance_profiles: str, scope: _Scope) -> dict[str, Any]:
    """Pass the node role to EC2, and create, tag and manage only the instance profiles of this cluster's
    EC2NodeClasses."""
    resource_equal, resource_like = scope.profile_tags("ResourceTag")
    request_equal, request_like = scope.profile_tags("RequestTag")
    ec2_services = ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]
    return _doc(
        [
            _allow("AllowPassingInstanceRole", node_role_arn, "iam:PassRole",
                   {"StringEquals": {"iam:PassedToService": ec2_services}}),
            _allow("AllowScopedInstanceProfileCreationActions", instance_profiles, ["iam:CreateInstanceProfile"],
                   {"StringEquals": request_equal, "StringLike": request_like}),
            _allow("AllowScopedInstanceProfileTagActions", instance_profiles, ["iam:TagInstanceProfile"],
                   {"StringEquals": {**resource_equal, **request_equal},
                    "StringLike": {**resource_like, **request_like}}),
            _allow(
                "AllowScopedInstanceProfileActions",
                instance_profiles,
                ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
                {"StringEquals": resource_equal, "StringLike": resource_like},
            ),
        ]
    )


_REGIONAL_READS = [
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
]


def _resource_discovery(p: str, region: str, instance_profiles: str) -> dict[str, Any]:
    """Reads: EC2 in this Region, the SSM parameters naming AMIs, prices, instance profiles."""
    return _doc(
        [
            _allow("AllowRegionalReadActions", "*", list(_REGIONAL_READS),
                   {"StringEquals": {"aws:RequestedRegion": region}}),
            _allow("AllowSSMReadActions", f"arn:{p}:ssm:{region}::parameter/aws/service/*", "ssm:GetParameter"),
            _allow("AllowPricingReadActions", "*", "pricing:GetProducts"),
            _allow("AllowUnscopedInstanceProfileListAction", "*", "iam:ListInstanceProfiles"),
            _allow("AllowInstanceProfileReadActions", instance_profiles, "iam:GetInstanceProfile"),
        ]
    )
