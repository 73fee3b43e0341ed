"""The platform's floor cost lines and the zone checks, exactly (worked by hand; prices are the dated list prices in
catalog/prices.py: EKS standard support $0.10/h, NAT gateway $0.045/h, m7i.large $0.1008/h, gp3 $0.08/GB-month,
a month of 730 hours)."""

from __future__ import annotations

import pytest

from gpu_platform.resolve import resolve
from gpu_platform.resolve.cost import floor_lines
from gpu_platform.spec import PlatformSpec, SpecError, validate_spec

PROD = {"environment": "prod", "region": "us-west-2", "cluster": {"name": "gpu-floor"}}


def test_the_floor_of_a_bare_prod_platform():
    lines = {line.key: line for line in floor_lines(PlatformSpec.model_validate(PROD))}
    assert list(lines) == ["eks", "nat", "system-nodes", "prometheus-volumes"]
    assert (lines["eks"].item, lines["eks"].usd_hr_min, lines["eks"].basis) == (
        "EKS control plane", 0.1, "Kubernetes 1.34 in standard support, 2026-11")
    assert (lines["nat"].item, lines["nat"].usd_hr_max) == ("NAT gateways (1)", 0.045)
    nodes = lines["system-nodes"]
    assert (nodes.item, nodes.usd_hr_min, nodes.usd_hr_max) == ("system nodes (2–3 × m7i.large)", 0.2016,
                                                               pytest.approx(0.3024))
    volumes = lines["prometheus-volumes"]  # one 50 GiB volume: 50 × 0.08 / 730 = 0.005479 USD/h
    assert (volumes.item, volumes.basis) == ("Prometheus volumes", "1 × 50 GiB gp3 at $0.08/GB-month")
    assert volumes.usd_hr_min == volumes.usd_hr_max == pytest.approx(4 / 730)


def test_a_zone_outside_the_region_is_refused_with_the_regions_zones_when_known():
    with pytest.raises(SpecError) as info:
        resolve({**PROD, "network": {"availability_zones": ["us-west-2a", "us-west-2z"]}})
    assert info.value.problems == [("network.availability_zones[1]",
                                    "'us-west-2z' is not a zone of us-west-2 (it has us-west-2a, us-west-2b, "
                                    "us-west-2c, us-west-2d)")]
    with pytest.raises(SpecError) as info:  # a region the catalog does not list: only the prefix can be checked
        resolve({**PROD, "region": "xx-east-9", "network": {"availability_zones": ["us-west-2a", "xx-east-9b"]}})
    assert info.value.problems == [("network.availability_zones[0]", "'us-west-2a' is not a zone of xx-east-9")]


def test_a_configuration_error_names_its_file_and_an_ipv6_vpc_is_refused():
    doc = {**PROD, "network": {"vpc_cidr": "fd00::/64"}}
    with pytest.raises(SpecError) as info:
        validate_spec(PlatformSpec, doc, source="stacks/Pulumi.x.yaml")
    assert (info.value.problems, info.value.source) == (
        [("network.vpc_cidr", "must be an IPv4 CIDR block")], "stacks/Pulumi.x.yaml")


def test_system_nodes_of_an_unpriced_instance_type_are_listed_but_not_estimated():
    lines = {line.key: line for line in floor_lines(PlatformSpec.model_validate(
        {**PROD, "system_nodes": {"instance_types": ["m9z.large"]}}))}
    nodes = lines["system-nodes"]
    assert (nodes.item, nodes.usd_hr_min, nodes.usd_hr_max, nodes.basis) == (
        "system nodes (2–3 × m9z.large)", 0.0, 0.0,
        "m9z.large is not in the price catalog (catalog/prices.py): not estimated")


def test_a_capacity_block_is_a_line_paid_up_front_not_hourly():
    from gpu_platform.resolve.cost import reservation_lines

    spec = PlatformSpec.model_validate({**PROD, "gpu": {"node_pools": [{
        "name": "h100", "gpu_class": "h100", "capacity": "reserved_then_on_demand", "limits": {"gpus": 16},
        "disruption": {"expire_after": "Never"}, "reservations": [{
            "id": "cr-0123456789abcdef0", "kind": "capacity_block", "instance_type": "p5.48xlarge",
            "instance_count": 1, "upfront_usd": 7000}]}]}})
    [line] = reservation_lines(spec)
    assert (line.key, line.item, line.usd_hr_min, line.usd_hr_max, line.basis) == (
        "reservation/h100/cr-0123456789abcdef0", "capacity block cr-0123456789abcdef0 (1 × p5.48xlarge)", 0.0, 0.0,
        "$7,000 paid up front for the block (not hourly); pool h100")
    assert line.report()["usd_per_hour_max"] == 0.0


def test_a_cost_line_reports_to_a_tenth_of_a_cent():
    from gpu_platform.resolve.cost import CostLine

    assert CostLine("k", "item", 1.23449, 2.62325, "b").report() == {
        "key": "k", "item": "item", "usd_per_hour_min": 1.234, "usd_per_hour_max": 2.623, "basis": "b"}


def test_prod_keeps_monitoring_and_a_platform_without_models_has_none():
    with pytest.raises(SpecError) as info:
        resolve({**PROD, "operators": {"monitoring": {"enabled": False, "grafana": {"enabled": False},
                                                      "alertmanager": {"enabled": False}}}})
    assert info.value.problems == [
        ("operators.monitoring.enabled", "must stay true in prod (GPU health and SLO alerts depend on it)")]
    assert resolve({**PROD, "environment": "dev"}).models == ()


def test_every_aws_resource_is_tagged_with_its_cluster_environment_and_manager():
    from gpu_platform.render.cluster import platform_tags

    assert platform_tags(PlatformSpec.model_validate(PROD)) == {
        "gpu-platform/cluster": "gpu-floor", "gpu-platform/environment": "prod", "managed-by": "pulumi"}
