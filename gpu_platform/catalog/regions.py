"""Availability-zone names per Region, for checking zones offline and planning with the real layout.

From AWS's "Regions and Availability Zones" documentation (read 2026-11). Zone *names* map to different physical
zones per account, but the set of names a Region offers is fixed; a new account may not see every zone of the
oldest Regions (us-east-1), which is why stacks pin the zones they use. Regions not listed are not checked.
"""

from __future__ import annotations

from typing import Optional

REGION_ZONE_SUFFIXES: dict[str, str] = {
    "us-east-1": "abcdef",
    "us-east-2": "abc",
    "us-west-2": "abcd",
    "ca-central-1": "abd",
    "eu-west-1": "abc",
    "eu-west-2": "abc",
    "eu-central-1": "abc",
    "ap-northeast-1": "acd",
    "ap-southeast-2": "abc",
    "us-gov-west-1": "abc",
}


def zones_of(region: str) -> Optional[list[str]]:
    """The Region's zone names (`us-west-2a` …), or None for a Region this catalog does not list."""
    suffixes = REGION_ZONE_SUFFIXES.get(region)
    return [f"{region}{s}" for s in suffixes] if suffixes is not None else None
