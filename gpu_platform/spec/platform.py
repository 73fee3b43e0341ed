"""The platform's typed configuration: what one `gpu-platform:platform` stack config object holds."""

from __future__ import annotations

import ipaddress
import re
from enum import Enum
from typing import Optional

from pydantic import Field, field_validator, model_validator

from ._base import KMS_ARN, FieldError, SpecModel, matches, short_name
from .fallback import FallbackSpec
from .gpu import GpuSpec
from .model import ModelSpec
from .operators import OperatorsSpec

# EKS versions this release is built and tested against. The floor is the oldest version in EKS standard
# support when the catalog was last reviewed; the ceiling is the newest that Karpenter 1.14 supports.
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.32", "1.33", "1.34", "1.35")

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_CLUSTER_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
_GPU_FAMILY = re.compile(r"^(g|p)\d")  # g4dn, g5, g6e, p4d, p5 ...


class Environment(str, Enum):
    """Deployment tier; production turns on the stricter rules (HA, no spot-only pools, fallback chains)."""

    DEV, STAGING, PROD = "dev", "staging", "prod"


class NatStrategy(str, Enum):
    """How private subnets reach the internet (image pulls, model downloads, cloud LLM APIs)."""

    SINGLE = "single"
    """One NAT gateway for the whole VPC: cheapest, but an AZ outage cuts egress for every AZ."""
    ONE_PER_AZ = "one_per_az"
    """One NAT gateway per AZ: egress survives the loss of an AZ."""


class AccessPolicy(str, Enum):
    """EKS access policy granted to an admin access entry."""

    CLUSTER_ADMIN, ADMIN, EDIT, VIEW = "cluster_admin", "admin", "edit", "view"


class CapacityType(str, Enum):
    """EC2 purchasing option."""

    ON_DEMAND, SPOT = "on_demand", "spot"


class ControlPlaneLog(str, Enum):
    """EKS control-plane log stream shipped to CloudWatch."""

    API, AUDIT, AUTHENTICATOR = "api", "audit", "authenticator"
    CONTROLLER_MANAGER, SCHEDULER = "controllerManager", "scheduler"


def _cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 CIDR block such as 10.0.0.0/16 ({exc})") from None
    if net.version != 4:
        raise ValueError("must be an IPv4 CIDR block")
    return str(net)


class NetworkSpec(SpecModel):
    """The VPC the cluster runs in: one public and one private subnet per availability zone."""

    vpc_cidr: str = "10.0.0.0/16"
    """IPv4 CIDR of the VPC, /16 to /20. Private subnets get the larger half (pods take VPC IPs with the VPC CNI)."""
    az_count: int = Field(default=2, ge=2, le=6)
    """Number of availability zones to spread subnets over (EKS needs at least 2; use 3 for production HA)."""
    availability_zones: Optional[list[str]] = None
    """Explicit zone names (e.g. `us-west-2a`); default: the first `az_count` available zones of the region."""
    nat: NatStrategy = NatStrategy.SINGLE
    """NAT gateway layout: `single` (cheap) or `one_per_az` (survives an AZ outage)."""

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_cidr(cls, v: str) -> str:
        v = _cidr(v)
        prefix = ipaddress.ip_network(v).prefixlen
        if not 16 <= prefix <= 20:
            raise ValueError(f"prefix must be between /16 and /20 to leave room for pod IPs (got /{prefix})")
        return v

    @model_validator(mode="after")
    def _zones(self) -> "NetworkSpec":
        if self.availability_zones is not None:
            if len(self.availability_zones) != self.az_count:
                raise FieldError(
                    "availability_zones",
                    f"lists {len(self.availability_zones)} zones but az_count is {self.az_count}",
                )
            if len(set(self.availability_zones)) != len(self.availability_zones):
                raise FieldError("availability_zones", "zone names must be unique")
        return self


class EndpointAccessSpec(SpecModel):
    """Who can reach the Kubernetes API server."""

    public: bool = True
    """Expose the API endpoint on the internet (restricted to `public_access_cidrs`)."""
    private: bool = True
    """Expose the API endpoint inside the VPC (nodes then talk to it without leaving the VPC)."""
    public_access_cidrs: list[str] = Field(default_factory=lambda: ["0.0.0.0/0"])
    """CIDRs allowed to reach the public endpoint. Only meaningful when `public` is true."""
    private_access_cidrs: list[str] = Field(default_factory=list)
    """Extra CIDRs (VPN, peered VPCs, CI runners) allowed to reach the private endpoint on 443.
    Required when `public` is false, because otherwise nothing outside the VPC (including `pulumi up`) can reach the API.
    Each must be routable: inside `network.vpc_cidr` (runners or a bastion in the VPC), or reached through
    `transit_gateway_id`."""
    transit_gateway_id: Optional[str] = None
    """Transit gateway (`tgw-…`) that carries the VPN / CI networks: the platform attaches the VPC to it and routes
    every `private_access_cidrs` entry outside the VPC through it (the return path the API endpoint needs)."""

    @field_validator("transit_gateway_id")
    @classmethod
    def _tgw(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not re.match(r"^tgw-[0-9a-f]{8,17}$", v):
            raise ValueError("must be a transit gateway id such as tgw-0123456789abcdef0")
        return v

    @field_validator("public_access_cidrs", "private_access_cidrs")
    @classmethod
    def _cidrs(cls, v: list[str]) -> list[str]:
        return [_cidr(c) for c in v]

    @model_validator(mode="after")
    def _paths(self) -> "EndpointAccessSpec":
        if not self.public and not self.private:
            raise FieldError("private", "at least one of public or private endpoint access must be enabled")
        if self.public and not self.public_access_cidrs:
            raise FieldError("public_access_cidrs", "must list at least one CIDR when the public endpoint is on")
        if not self.public and not self.private_access_cidrs:
            raise FieldError(
                "private_access_cidrs",
                "a private-only endpoint needs at least one access path (VPN, peered VPC or CI runner CIDR)",
            )
        return self


class AccessEntrySpec(SpecModel):
    """An IAM principal granted Kubernetes access through an EKS access entry (authentication mode API)."""

    name: str
    """Short key for the entry (Kubernetes-name style), used in resource names."""
    principal_arn: str
    """IAM role or user ARN, e.g. `arn:aws:iam::123456789012:role/platform-admins`."""
    policy: AccessPolicy = AccessPolicy.CLUSTER_ADMIN
    """EKS access policy to associate: cluster_admin, admin, edit or view."""
    namespaces: Optional[list[str]] = None
    """Restrict the policy to these namespaces; default: cluster-wide. Not allowed with cluster_admin."""

    _name = short_name("name", max_len=40)
    _arn = matches("principal_arn", pattern=_PRINCIPAL_ARN,
                   message="must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)")

    @model_validator(mode="after")
    def _scope(self) -> "AccessEntrySpec":
        if self.namespaces is not None:
            if not self.namespaces:
                raise FieldError("namespaces", "must not be empty; omit it for cluster-wide access")
            if self.policy is AccessPolicy.CLUSTER_ADMIN:
                raise FieldError("namespaces", "cluster_admin is cluster-wide; use admin, edit or view to scope it")
        return self


class SecretsEncryptionSpec(SpecModel):
    """Envelope encryption of Kubernetes Secrets with KMS."""

    enabled: bool = True
    """Encrypt Secrets in etcd with a KMS key."""
    kms_key_arn: Optional[str] = None
    """Existing KMS key to use; default: the platform creates one with yearly rotation."""

    _arn = matches("kms_key_arn", pattern=KMS_ARN, message="must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")

    @model_validator(mode="after")
    def _consistent(self) -> "SecretsEncryptionSpec":
        if not self.enabled and self.kms_key_arn is not None:
            raise FieldError("kms_key_arn", "is set but encryption is disabled")
        return self


class SystemNodeGroupSpec(SpecModel):
    """The small managed node group for controllers (Karpenter cannot run on nodes it manages)."""

    instance_types: list[str] = Field(default_factory=lambda: ["m7i.large", "m6i.large"], min_length=1)
    """CPU instance types, in preference order."""
    min_size: int = Field(default=2, ge=1, le=50)
    """Minimum node count (2+ keeps Karpenter and CoreDNS available during node replacement)."""
    desired_size: int = Field(default=2, ge=1, le=50)
    """Initial node count; later changes are ignored so an autoscaler may own it."""
    max_size: int = Field(default=3, ge=1, le=50)
    """Maximum node count."""
    disk_size_gib: int = Field(default=50, ge=20, le=1000)
    """Encrypted gp3 root volume size."""
    capacity_type: CapacityType = CapacityType.ON_DEMAND
    """Purchasing option; on_demand is strongly advised since Karpenter itself runs here."""

    @field_validator("instance_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        for t in v:
            if not _INSTANCE_TYPE.match(t):
                raise ValueError(f"{t!r} is not an EC2 instance type such as m7i.large")
            if _GPU_FAMILY.match(t):
                raise ValueError(f"{t!r} is a GPU instance; the system group is for CPU controllers")
        if len(set(v)) != len(v):
            raise ValueError("instance types must be unique")
        return v

    @model_validator(mode="after")
    def _sizes(self) -> "SystemNodeGroupSpec":
        if self.min_size > self.max_size:
            raise FieldError("max_size", f"must be ≥ min_size ({self.min_size})")
        if not self.min_size <= self.desired_size <= self.max_size:
            raise FieldError(
                "desired_size", f"must be between min_size ({self.min_size}) and max_size ({self.max_size})"
            )
        return self


CLUSTER_NAME_MAX = 30
"""The longest IAM role derived from the cluster name is `<cluster>-karpenter-controller-role` (+26) plus Pulumi's
autoname suffix (+8): 30 + 34 = 64, IAM's limit (tests/stacks plans a 30-character name and checks every name)."""


class ClusterSpec(SpecModel):
    """The EKS control plane."""

    name: str
    """EKS cluster name; also names the Karpenter queue and IAM roles. Lowercase, 3–30 characters."""
    kubernetes_version: str = SUPPORTED_KUBERNETES_VERSIONS[-2]
    """Kubernetes minor version (`1.34`). Supported: see `SUPPORTED_KUBERNETES_VERSIONS`."""
    endpoint: EndpointAccessSpec = Field(default_factory=EndpointAccessSpec)
    """API endpoint exposure."""
    admins: list[AccessEntrySpec] = Field(default_factory=list)
    """IAM principals granted Kubernetes access (EKS access entries; the deployer is always admin)."""
    secrets_encryption: SecretsEncryptionSpec = Field(default_factory=SecretsEncryptionSpec)
    """KMS envelope encryption for Kubernetes Secrets."""
    log_types: list[ControlPlaneLog] = Field(
        default_factory=lambda: [ControlPlaneLog.API, ControlPlaneLog.AUDIT, ControlPlaneLog.AUTHENTICATOR]
    )
    """Control-plane logs shipped to CloudWatch."""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not (3 <= len(v) <= CLUSTER_NAME_MAX) or not _CLUSTER_NAME.match(v):
            raise ValueError(
                f"must be 3–{CLUSTER_NAME_MAX} characters of lowercase letters, digits and '-', starting with a "
                "letter (it prefixes IAM role names, which IAM caps at 64 characters after Pulumi's 8-character "
                "autoname suffix)"
            )
        return v

    @field_validator("kubernetes_version", mode="before")
    @classmethod
    def _version(cls, v: object) -> str:
        v = str(v)
        from ..catalog.versions import EKS_ADDON_VERSIONS

        unpinned = [addon for addon, versions in EKS_ADDON_VERSIONS.items() if v not in versions]
        if v in SUPPORTED_KUBERNETES_VERSIONS and unpinned:
            pinned = set.intersection(*(set(versions) for versions in EKS_ADDON_VERSIONS.values()))
            raise ValueError(
                f"Kubernetes {v} has no pinned {', '.join(unpinned)} add-on version yet "
                f"(gpu_platform/catalog/versions.py); choose one of {', '.join(sorted(pinned))}"
            )
        if v not in SUPPORTED_KUBERNETES_VERSIONS:
            raise ValueError(
                f"Kubernetes {v} is not supported; choose one of {', '.join(SUPPORTED_KUBERNETES_VERSIONS)}"
            )
        return v

    @field_validator("admins")
    @classmethod
    def _unique(cls, v: list[AccessEntrySpec]) -> list[AccessEntrySpec]:
        for attr in ("name", "principal_arn"):
            seen: set[str] = set()
            for i, entry in enumerate(v):
                value = getattr(entry, attr)
                if value in seen:
                    raise ValueError(f"admins[{i}].{attr} {value!r} is duplicated")
                seen.add(value)
        return v


class PlatformSpec(SpecModel):
    """Everything one environment's platform needs: the `gpu-platform:platform` stack config object."""

    environment: Environment
    """Deployment tier: dev, staging or prod."""
    region: str
    """AWS region; must match the stack's `aws:region` (filled from it when omitted)."""
    cluster: ClusterSpec
    """EKS control plane."""
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    """VPC layout."""
    system_nodes: SystemNodeGroupSpec = Field(default_factory=SystemNodeGroupSpec)
    """Managed node group for controllers."""
    tags: dict[str, str] = Field(default_factory=dict)
    """AWS tags applied to every taggable resource (cost attribution); `environment` and `cluster` are added."""
    gpu: GpuSpec = Field(default_factory=GpuSpec)
    """GPU capacity: Karpenter GPU and CPU node pools per GPU class, node classes (AMI pins, volumes), GPU sharing
    (time-slicing, MIG), device plugin and DCGM exporter. Production refuses spot-only pools and floating AMIs."""
    operators: OperatorsSpec = Field(default_factory=OperatorsSpec)
    """Cluster operators (cert-manager, KServe, KubeRay, KEDA) and monitoring (kube-prometheus-stack, dashboards,
    alerts); all on the system nodes. Production must keep monitoring, Alertmanager and persistent Prometheus."""
    models: list[ModelSpec] = Field(default_factory=list)
    """vLLM model deployments on this platform (`ModelDeployment` each): unique names; each must fit a GPU class
    the platform has a node pool for (sized when the platform is resolved, before any resource, so a model that
    cannot fit fails there)."""
    fallback: FallbackSpec = Field(default_factory=FallbackSpec)
    """The LiteLLM gateway in front of the models, with fallback chains to cloud LLM APIs (`FallbackProxy`). Chains
    name model groups: a model's served name, or an `external_models` name. In prod every model needs a chain."""

    def platform_only(self) -> "PlatformSpec":
        """This spec without its models and gateway (what GpuPlatform builds; the rest are their own components)."""
        return self.model_copy(update={"models": [], "fallback": self.fallback.model_copy(
            update={"external_models": [], "chains": [], "model_stacks": []})})

    _region = matches("region", pattern=_REGION, message="must be an AWS region such as us-west-2")

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if key.lower().startswith("aws:"):
                raise ValueError(f"tag key {key!r}: the aws: prefix is reserved")
            if not 1 <= len(key) <= 128 or len(str(value)) > 256:
                raise ValueError(f"tag {key!r}: keys are 1–128 and values at most 256 characters")
        return v
