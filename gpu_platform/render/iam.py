"""Pure IAM documents shared by every component that needs AWS permissions."""

from __future__ import annotations

import json
from typing import Any, Iterable


def policy_json(statements: Iterable[dict[str, Any]]) -> str:
    """A policy document as the JSON string AWS expects (stable key order for clean diffs)."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def service_trust_policy(*services: str) -> str:
    """Trust policy letting AWS services (e.g. ``ec2.amazonaws.com``) assume a role."""
    return policy_json(
        [{"Effect": "Allow", "Principal": {"Service": list(services) if len(services) > 1 else services[0]},
          "Action": "sts:AssumeRole"}]
    )


def pod_identity_trust_policy() -> str:
    """Trust policy for EKS Pod Identity: the agent assumes the role and tags the session with pod attributes."""
    return policy_json(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ]
    )


def partition(region: str) -> str:
    """AWS partition of ``region``: ARNs are `arn:aws-cn:…` in China and `arn:aws-us-gov:…` in GovCloud."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def managed_policy_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


NODE_ROLE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
)
"""Managed policies every EKS worker node role needs (Karpenter's reference CloudFormation uses the same set)."""
