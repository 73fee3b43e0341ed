"""Mocked provider behaviour for the offline plan: realistic outputs, and loud failures for unknown invokes.

Outputs are deterministic (derived from the URN-ish name) so two plans of the same program are identical and the
plan diff only shows real changes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Optional

import pulumi

ACCOUNT_ID = "123456789012"


class UnknownInvokeError(RuntimeError):
    """The program called a provider function that the offline plan does not model."""


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _eks_cluster_outputs(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    cluster = inputs.get("name") or name
    oidc_id = _hex(f"oidc/{cluster}", 32).upper()
    endpoint = f"https://{_hex(f'endpoint/{cluster}', 32).upper()}.gr7.{region}.eks.amazonaws.com"
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "kubernetes", "cluster": {"server": endpoint, "certificate-authority-data": "bW9jay1jYQ=="}}
        ],
        "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
        "current-context": "aws",
        "users": [
            {
                "name": "aws",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", cluster, "--output", "json"],
                    }
                },
            }
        ],
    }
    issuer = f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"
    return {
        **inputs,
        "kubeconfig": kubeconfig,
        "kubeconfigJson": json.dumps(kubeconfig),
        "oidcIssuer": issuer,
        "oidcProviderUrl": issuer,
        "oidcProviderArn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.eks.{region}.amazonaws.com/id/{oidc_id}",
        "clusterSecurityGroupId": f"sg-{_hex(f'csg/{cluster}', 17)}",
        "nodeSecurityGroupId": f"sg-{_hex(f'nsg/{cluster}', 17)}",
        "clusterIngressRuleId": f"sgrule-{_hex(f'ing/{cluster}', 10)}",
    }


# EC2-style id prefixes for the AWS resources the platform creates.
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
}


class PlanMocks(pulumi.runtime.Mocks):
    """Mocks for every provider the platform uses. Extend ``invokes`` to model more functions."""

    def _zones(self) -> list[str]:
        from ..catalog.regions import zones_of

        # An unlisted Region answers with three zones, the most every Region has.
        return zones_of(self.region) or [f"{self.region}{z}" for z in "abc"]

    def __init__(self, region: str = "us-west-2") -> None:
        self.region = region
        self.invokes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            # The Region's real zone names (catalog/regions.py), not six invented ones for every Region.
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda a: {
                "names": self._zones(),
                "zoneIds": [f"{self.region[:3]}{self.region.split('-')[-1]}-az{i}" for i in range(1, len(self._zones()) + 1)],
                "id": self.region,
            },
            "aws:index/getCallerIdentity:getCallerIdentity": lambda a: {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/plan",
                "userId": "AIDAPLAN",
                "id": ACCOUNT_ID,
            },
            "aws:index/getPartition:getPartition": lambda a: {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
            },
            "aws:index/getRegion:getRegion": lambda a: {"name": self.region, "region": self.region, "id": self.region},
            "aws:iam/getPolicyDocument:getPolicyDocument": lambda a: {
                "json": json.dumps({"Version": "2012-10-17", "Statement": a.get("statements", [])}),
                "id": "policy",
            },
        }

    # -- invokes ---------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        handler = self.invokes.get(args.token)
        if handler is None:
            raise UnknownInvokeError(
                f"the offline plan does not model the invoke {args.token!r}; "
                "add it to gpu_platform.plan.mocks.PlanMocks.invokes"
            )
        return handler(args.args)

    # -- resources -------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[Optional[str], dict]:
        typ, name, inputs = args.typ, args.name, dict(args.inputs)
        if typ == "eks:index:Cluster":
            return f"{name}-id", _eks_cluster_outputs(name, inputs, self.region)
        if typ.startswith("kubernetes:"):
            return self._kubernetes(name, inputs)
        if typ.startswith("aws:"):
            return self._aws(typ, name, inputs)
        if typ.startswith("random:"):
            value = _hex(f"random/{name}", 32)
            return f"{name}-id", {**inputs, "result": value}
        return f"{name}-id", inputs

    def _kubernetes(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        if "apiVersion" not in inputs:  # Helm releases and other non-object resources: echo the inputs
            return f"{name}-id", inputs
        meta = dict(inputs.get("metadata") or {})
        meta.setdefault("name", name)
        ns = meta.get("namespace")
        rid = f"{ns}/{meta['name']}" if ns else meta["name"]
        # Identity only: echoing whole specs back makes the SDK resolve every nested field as an output, which
        # costs more than the registration itself, and nothing reads a live object's spec back.
        return rid, {"apiVersion": inputs["apiVersion"], "kind": inputs.get("kind"), "metadata": meta}

    def _aws(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        module, _, kind = typ.partition(":")[2].partition("/")
        service = module
        prefix = _ID_PREFIX.get(typ)
        rid = f"{prefix}-{_hex(typ + name, 17)}" if prefix else inputs.get("name") or f"{name}-{_hex(name, 6)}"
        state: dict[str, Any] = {**inputs, "id": rid}
        res_name = inputs.get("name") or name
        if service == "iam":
            kind_name = kind.split(":")[0]
            arn_kind = {"role": "role", "policy": "policy", "instanceProfile": "instance-profile"}.get(kind_name)
            if arn_kind:
                state["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:{arn_kind}/{res_name}"
                state.setdefault("name", res_name)
                rid = res_name if arn_kind != "policy" else state["arn"]
        elif service == "sqs":
            state["arn"] = f"arn:aws:sqs:{self.region}:{ACCOUNT_ID}:{res_name}"
            state["url"] = f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{res_name}"
            rid = state["url"]
        elif service == "kms" and kind.startswith("key:"):
            key_id = f"{_hex(name, 8)}-{_hex(name + '1', 4)}-{_hex(name + '2', 4)}-{_hex(name + '3', 4)}-{_hex(name + '4', 12)}"
            state["arn"] = f"arn:aws:kms:{self.region}:{ACCOUNT_ID}:key/{key_id}"
            state["keyId"] = key_id
            rid = key_id
        else:
            state.setdefault("arn", f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{kind.split(':')[0].lower()}/{rid}")
        state["id"] = rid
        return rid, state
