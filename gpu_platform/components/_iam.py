"""Small IAM building blocks shared by components (pod identity roles, managed policy attachments)."""

from __future__ import annotations

from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws

from ..render.iam import managed_policy_arn, partition, pod_identity_trust_policy


def attach_managed_policies(
    name: str, role: aws.iam.Role, policies: Sequence[str], parent: pulumi.Resource, *, region: str
) -> list[aws.iam.RolePolicyAttachment]:
    """Attach AWS-managed policies by name (``AmazonEKSWorkerNodePolicy``) to ``role``, in ``region``'s partition."""
    return [
        aws.iam.RolePolicyAttachment(
            f"{name}-{policy}",
            role=role.name,
            policy_arn=managed_policy_arn(policy, partition(region)),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for policy in policies
    ]


def pod_identity_role(
    name: str,
    *,
    cluster_name: pulumi.Input[str],
    namespace: str,
    service_account: str,
    parent: pulumi.Resource,
    inline_policy: Optional[pulumi.Input[str]] = None,
    managed_policies: Sequence[str] = (),
    tags: Optional[dict[str, str]] = None,
    associate: bool = True,
    region: Optional[str] = None,
) -> tuple[aws.iam.Role, Optional[aws.eks.PodIdentityAssociation]]:
    """An IAM role for one Kubernetes service account through EKS Pod Identity (no static keys, no IRSA OIDC).

    ``associate=False`` when something else owns the association (an EKS add-on's `pod_identity_associations`):
    EKS allows one association per (namespace, service account) and refuses a second ("Association already
    exists"), which would stop `pulumi up` at that add-on and everything after it.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=pod_identity_trust_policy(),
        description=f"EKS Pod Identity role for {namespace}/{service_account}",
        tags=tags,
        opts=opts,
    )
    if inline_policy is not None:
        aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=inline_policy, opts=opts)
    if managed_policies:
        if region is None:
            raise ValueError("pod_identity_role: managed_policies need the region (its partition names their ARNs)")
        attach_managed_policies(name, role, managed_policies, parent, region=region)
    if not associate:
        return role, None
    association = aws.eks.PodIdentityAssociation(
        f"{name}-pod-identity",
        cluster_name=cluster_name,
        namespace=namespace,
        service_account=service_account,
        role_arn=role.arn,
        tags=tags,
        opts=opts,
    )
    return role, association
