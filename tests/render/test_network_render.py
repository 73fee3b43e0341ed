"""Subnet layout: disjoint, inside the VPC, one public and one private subnet per zone."""

from __future__ import annotations

import ipaddress
import itertools

from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.render.network import nat_for_zone, nat_zones, subnet_layout
from gpu_platform.spec import NatStrategy
from branches import reaches


# The VPC is cut into the fewest power-of-two blocks that leave one spare for the public subnets: 4 blocks for 2 or 3
# zones (3 fills all but the spare), 8 for 4 to 6.
@reaches("4 blocks", "8 blocks")
@example(prefix=20, zones=3)
@example(prefix=16, zones=2)
@example(prefix=20, zones=6)
@example(prefix=16, zones=4)
@given(prefix=st.integers(16, 20), zones=st.integers(2, 6))
def test_subnets_are_disjoint_and_inside_the_vpc(branch, prefix, zones):
    blocks = 4 if zones <= 3 else 8
    branch(f"{blocks} blocks")
    vpc = ipaddress.ip_network(f"10.0.0.0/{prefix}")
    names = [f"us-west-2{c}" for c in "abcdef"[:zones]]
    layout = subnet_layout(str(vpc), names)
    assert [z.zone for z in layout] == names
    nets = [ipaddress.ip_network(c) for z in layout for c in (z.public_cidr, z.private_cidr)]
    assert all(n.subnet_of(vpc) for n in nets)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(nets, 2))
    for z in layout:  # pods take VPC IPs: private subnets are much larger than public ones
        assert ipaddress.ip_network(z.private_cidr).num_addresses >= 4 * ipaddress.ip_network(z.public_cidr).num_addresses
        assert ipaddress.ip_network(z.private_cidr).num_addresses == vpc.num_addresses // blocks


def test_nat_strategy():
    zones = ["a", "b", "c"]
    assert nat_zones(NatStrategy.SINGLE, zones) == ["a"]
    assert [nat_for_zone(NatStrategy.SINGLE, zones, z) for z in zones] == [0, 0, 0]
    assert nat_zones(NatStrategy.ONE_PER_AZ, zones) == zones
    assert [nat_for_zone(NatStrategy.ONE_PER_AZ, zones, z) for z in zones] == [0, 1, 2]
