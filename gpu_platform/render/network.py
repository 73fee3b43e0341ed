"""Pure VPC layout: subnet CIDRs per zone, NAT placement, subnet tags."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

from ..spec import NatStrategy, PlatformSpec
from .labels import DISCOVERY_TAG


@dataclass(frozen=True)
class ZoneLayout:
    """The two subnets of one availability zone."""

    zone: str
    public_cidr: str
    private_cidr: str


def subnet_layout(vpc_cidr: str, zones: list[str]) -> list[ZoneLayout]:
    """Split the VPC: one large private subnet per zone (pods take VPC IPs), public subnets from the spare block.

    The VPC is cut into 2^k equal blocks with 2^k > zones; zones take the first blocks as private subnets and the
    last (always unused) block is cut 16 ways into small public subnets for NAT gateways and load balancers.
    """
    vpc = ipaddress.ip_network(vpc_cidr)
    bits = max(1, math.ceil(math.log2(len(zones) + 1)))
    blocks = list(vpc.subnets(prefixlen_diff=bits))
    public = list(blocks[-1].subnets(prefixlen_diff=4))
    return [ZoneLayout(zone, str(public[i]), str(blocks[i])) for i, zone in enumerate(zones)]


def nat_zones(strategy: NatStrategy, zones: list[str]) -> list[str]:
    """Zones that get a NAT gateway."""
    return list(zones) if strategy is NatStrategy.ONE_PER_AZ else list(zones[:1])


def nat_for_zone(strategy: NatStrategy, zones: list[str], zone: str) -> int:
    """Index (into :func:`nat_zones`) of the NAT gateway that private subnets in ``zone`` route through."""
    return zones.index(zone) if strategy is NatStrategy.ONE_PER_AZ else 0


def public_subnet_tags(spec: PlatformSpec, zone: str) -> dict[str, str]:
    return {"Name": f"{spec.cluster.name}-public-{zone}", "kubernetes.io/role/elb": "1"}


def private_subnet_tags(spec: PlatformSpec, zone: str) -> dict[str, str]:
    return {
        "Name": f"{spec.cluster.name}-private-{zone}",
        "kubernetes.io/role/internal-elb": "1",
        DISCOVERY_TAG: spec.cluster.name,
    }


def routed_access_cidrs(spec: PlatformSpec) -> list[str]:
    """The private endpoint's access CIDRs that lie outside the VPC: routed through the transit gateway."""
    vpc = ipaddress.ip_network(spec.network.vpc_cidr)
    return [c for c in spec.cluster.endpoint.private_access_cidrs
            if not ipaddress.ip_network(c).subnet_of(vpc)]  # type: ignore[arg-type]
