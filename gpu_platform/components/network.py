"""`Network`: the platform's VPC — a public and a private subnet per zone, an internet gateway, NAT gateway(s), and
the route to the API endpoint's access networks through a transit gateway when one is given."""

from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_aws as aws

# pulumi_aws.ec2's package __init__ loads ~200 resource modules (~0.6 s); importing the modules we use directly keeps
# `plan` close to the engine's floor (see benchmarks/bench_plan.py).
from pulumi_aws.ec2.eip import Eip
from pulumi_aws.ec2.internet_gateway import InternetGateway
from pulumi_aws.ec2.nat_gateway import NatGateway
from pulumi_aws.ec2.route_table import RouteTable
from pulumi_aws.ec2.route_table_association import RouteTableAssociation
from pulumi_aws.ec2.subnet import Subnet
from pulumi_aws.ec2.vpc import Vpc

from ..render import cluster as rc
from ..render import network as rn
from ..spec import PlatformSpec
from ._validate import fail


class Network(pulumi.ComponentResource):
    """A VPC with one public and one private subnet per zone, an internet gateway and NAT gateway(s)."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, spec: PlatformSpec, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("gpu-platform:index:Network", name, None, opts)
        self._name, self._spec = name, spec
        self._child = pulumi.ResourceOptions(parent=self)
        self._tags = rc.platform_tags(spec)
        zones = spec.network.availability_zones or self._zones(spec, self._child)
        layout = rn.subnet_layout(spec.network.vpc_cidr, zones)

        vpc = Vpc(
            f"{name}-vpc",
            cidr_block=spec.network.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=self._named("vpc"),
            opts=self._child,
        )
        igw = InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=self._named("igw"), opts=self._child)
        public = self._public_subnets(vpc, igw, layout)
        nats = self._nat_gateways(zones, public, igw)
        private = [
            Subnet(
                f"{name}-private-{z.zone}",
                vpc_id=vpc.id,
                cidr_block=z.private_cidr,
                availability_zone=z.zone,
                tags={**self._tags, **rn.private_subnet_tags(spec, z.zone)},
                opts=self._child,
            )
            for z in layout
        ]
        self._private_routes(vpc, layout, zones, private, nats)

        self.zones = zones
        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private])
        self.register_outputs(
            {"vpcId": self.vpc_id, "publicSubnetIds": self.public_subnet_ids, "privateSubnetIds": self.private_subnet_ids}
        )

    def _named(self, suffix: str) -> dict[str, str]:
        return {**self._tags, "Name": f"{self._spec.cluster.name}-{suffix}"}

    def _public_subnets(self, vpc: Vpc, igw: InternetGateway, layout: list) -> list[Subnet]:
        name = self._name
        public_rt = RouteTable(
            f"{name}-public-rt",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags=self._named("public"),
            opts=self._child,
        )
        public = []
        for z in layout:
            pub = Subnet(
                f"{name}-public-{z.zone}",
                vpc_id=vpc.id,
                cidr_block=z.public_cidr,
                availability_zone=z.zone,
                map_public_ip_on_launch=False,
                tags={**self._tags, **rn.public_subnet_tags(self._spec, z.zone)},
                opts=self._child,
            )
            RouteTableAssociation(
                f"{name}-public-{z.zone}", subnet_id=pub.id, route_table_id=public_rt.id, opts=self._child
            )
            public.append(pub)
        return public

    def _nat_gateways(self, zones: list[str], public: list[Subnet], igw: InternetGateway) -> list[NatGateway]:
        nats = []
        for zone in rn.nat_zones(self._spec.network.nat, zones):
            eip = Eip(f"{self._name}-nat-{zone}", domain="vpc", tags=self._named(f"nat-{zone}"), opts=self._child)
            nats.append(
                NatGateway(
                    f"{self._name}-nat-{zone}",
                    allocation_id=eip.id,
                    subnet_id=public[zones.index(zone)].id,
                    tags=self._named(f"nat-{zone}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )
        return nats

    def _private_routes(self, vpc: Vpc, layout: list, zones: list[str], private: list[Subnet], nats: list) -> None:
        # The API endpoint's access path: the VPN / CI networks answer through the transit gateway, so the VPC is
        # attached to it and their ranges are routed there (a private endpoint needs the return route).
        name, spec = self._name, self._spec
        endpoint = spec.cluster.endpoint
        tgw_routes: list[dict] = []
        rt_opts = self._child
        if endpoint.transit_gateway_id is not None:
            attachment = aws.ec2transitgateway.VpcAttachment(
                f"{name}-tgw",
                transit_gateway_id=endpoint.transit_gateway_id,
                vpc_id=vpc.id,
                subnet_ids=[s.id for s in private],
                tags=self._named("tgw"),
                opts=self._child,
            )
            tgw_routes = [{"cidr_block": c, "transit_gateway_id": endpoint.transit_gateway_id}
                          for c in rn.routed_access_cidrs(spec)]
            rt_opts = pulumi.ResourceOptions(parent=self, depends_on=[attachment])
        for z, sub in zip(layout, private):
            nat = nats[rn.nat_for_zone(spec.network.nat, zones, z.zone)]
            rt = RouteTable(
                f"{name}-private-{z.zone}",
                vpc_id=vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}, *tgw_routes],
                tags=self._named(f"private-{z.zone}"),
                opts=rt_opts,
            )
            RouteTableAssociation(f"{name}-private-{z.zone}", subnet_id=sub.id, route_table_id=rt.id, opts=self._child)

    @staticmethod
    def _zones(spec: PlatformSpec, opts: pulumi.ResourceOptions) -> list[str]:
        # A synchronous invoke: the number of subnets must be known while the program runs (not inside apply).
        found = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=opts.parent))
        if len(found.names) < spec.network.az_count:
            fail("network.az_count", f"{spec.region} has only {len(found.names)} available zones")
        return list(found.names[: spec.network.az_count])
