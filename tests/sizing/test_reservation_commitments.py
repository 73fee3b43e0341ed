"""What a reservation entry says about itself in the cost report: its selector, kind, instance type and count, and
the hourly rate rounded to a tenth of a cent. Found by mutation testing (tools/mutate): the older tests checked the
sums, not these fields. Expected values are worked by hand from the entries written here; the p5.48xlarge on-demand
list price is the catalog's dated source (55.040 USD/h, 2025-08), as in tests/sizing/test_capacity.py.
"""

from __future__ import annotations

from gpu_platform.sizing import reserved_commitments
from gpu_platform.spec import PlatformSpec


def _pool(*reservations: dict):
    doc = {"environment": "dev", "region": "us-east-1", "cluster": {"name": "gpu-t"},
           "gpu": {"node_pools": [{"name": "h100", "gpu_class": "h100", "capacity": "reserved_then_on_demand",
                                   "reservations": list(reservations), "limits": {"gpus": 16}}]}}
    return PlatformSpec.model_validate(doc).gpu.node_pools[0]


def test_a_tag_selector_lists_every_tag_sorted_and_comma_separated_then_the_owner():
    tagged = {"tags": {"team": "ml", "env": "prod"}, "owner_id": "123456789012", "kind": "capacity_block",
              "instance_type": "p5.48xlarge", "instance_count": 1, "upfront_usd": 7000.0}
    [c] = reserved_commitments(_pool(tagged))
    assert c.selector == "tags env=prod,team=ml owner 123456789012"
    assert c.price_source == "stated upfront fee"
    assert (c.instance_type, c.instance_count, c.gpus) == ("p5.48xlarge", 1, 8)


def test_a_stated_hourly_rate_is_multiplied_by_the_count_and_rounded_to_a_tenth_of_a_cent():
    """2 × 30.12345 = 60.2469 USD/h, reported as 60.247 (not 60.2469, not 60)."""
    odcr = {"id": "cr-0123456789abcdef0", "instance_type": "p5.48xlarge", "instance_count": 2, "hourly_usd": 30.12345}
    [c] = reserved_commitments(_pool(odcr))
    assert (c.selector, c.kind, c.instance_type, c.instance_count, c.gpus) == (
        "cr-0123456789abcdef0", "odcr", "p5.48xlarge", 2, 16)
    assert c.hourly_usd == 60.247
    assert c.price_source == "stated hourly rate"


def test_an_odcr_without_a_stated_rate_costs_count_times_the_on_demand_price():
    """3 × 55.040 = 165.12 USD/h."""
    [c] = reserved_commitments(_pool({"id": "cr-0123456789abcdef0", "instance_type": "p5.48xlarge",
                                      "instance_count": 3}))
    assert (c.instance_count, c.gpus, c.hourly_usd, c.upfront_usd) == (3, 24, 165.12, None)
