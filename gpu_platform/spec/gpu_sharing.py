"""GPU sharing on a node pool: time-slicing (several pods per GPU, no isolation) or MIG (isolated instances).

The NVIDIA device plugin advertises what these specs describe; `GpuNodePoolSpec` checks them against its GPU
class (which MIG profiles the GPU offers) with :func:`mig_fit_problem`.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Optional

from pydantic import field_validator, model_validator

from ._base import FieldError, SpecModel

_MIG_PROFILE = re.compile(r"^(\d)g\.(\d+)gb$")

MIG_COMPUTE_SLICES = 7
"""Compute slices per MIG-capable GPU (A100, H100, H200, B200): a profile `<n>g.<m>gb` takes n of them."""
MIG_MEMORY_SLICES = 8
"""Memory slices per MIG-capable GPU: `7g.40gb` on A100 is all 8, so `1g.5gb` is one."""


class MigStrategy(str, Enum):
    """How the device plugin advertises MIG devices (its `migStrategy`)."""

    SINGLE = "single"
    """Every GPU is cut into one profile; slices are advertised as `nvidia.com/gpu` (workloads need no change)."""
    MIXED = "mixed"
    """Profiles may differ; each is advertised as `nvidia.com/mig-<profile>` (e.g. `nvidia.com/mig-3g.40gb`)."""


class TimeSlicingSpec(SpecModel):
    """Share each physical GPU between several pods by time-slicing (no memory or fault isolation)."""

    replicas: int
    """How many `nvidia.com/gpu` each physical GPU is advertised as (2–48 is typical). Must be ≥ 1."""
    fail_requests_greater_than_one: bool = True
    """Refuse pods asking for more than one shared GPU: such a request would not get more compute, only slices
    of the same GPU."""

    @field_validator("replicas")
    @classmethod
    def _replicas(cls, v: int) -> int:
        if v < 1:
            raise ValueError(f"must be ≥ 1 (got {v}); 1 means no sharing")
        if v > 48:
            raise ValueError(f"must be ≤ 48 (got {v}); more slices than that only queue on the same GPU")
        return v


class MigSpec(SpecModel):
    """Partition MIG-capable GPUs (A100, H100, H200, B200) into isolated instances with their own memory and compute."""

    strategy: MigStrategy = MigStrategy.SINGLE
    """`single`: one profile for every GPU, advertised as `nvidia.com/gpu`; `mixed`: several profiles, each its
    own resource `nvidia.com/mig-<profile>`."""
    profiles: dict[str, int]
    """MIG profile → instances per GPU, e.g. `{"3g.40gb": 2}` (H100) or `{"1g.5gb": 7}` (A100). The profiles must
    be ones the pool's GPU offers and must fit on one GPU (7 compute and 8 memory slices)."""

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, v: dict[str, int]) -> dict[str, int]:
        if not v:
            raise ValueError("must name at least one MIG profile, e.g. {'3g.40gb': 2}")
        for profile, count in v.items():
            if not _MIG_PROFILE.match(profile):
                raise ValueError(f"{profile!r} is not a MIG profile name such as 3g.40gb")
            if count < 1:
                raise ValueError(f"{profile!r}: instance count must be ≥ 1 (got {count})")
        return v

    @model_validator(mode="after")
    def _single(self) -> "MigSpec":
        if self.strategy is MigStrategy.SINGLE and len(self.profiles) != 1:
            raise FieldError(
                "profiles", f"strategy single takes exactly one profile (got {len(self.profiles)}); use mixed"
            )
        return self


def mig_fit_problem(profiles: dict[str, int], gpu: str, offered: tuple[str, ...]) -> Optional[str]:
    """Why ``profiles`` cannot partition one ``gpu`` offering the MIG profiles ``offered``, or None when they can."""
    compute = memory = 0
    full = max(int(_MIG_PROFILE.match(p).group(2)) for p in offered)  # type: ignore[union-attr]
    for profile, count in profiles.items():
        if profile not in offered:
            return f"{gpu} does not offer MIG profile {profile!r}; it offers {', '.join(offered)}"
        m = _MIG_PROFILE.match(profile)
        assert m is not None
        compute += int(m.group(1)) * count
        memory += max(1, round(int(m.group(2)) * MIG_MEMORY_SLICES / full)) * count
    if compute > MIG_COMPUTE_SLICES or memory > MIG_MEMORY_SLICES:
        return (
            f"{dict(profiles)} does not fit one {gpu}: needs {compute}/{MIG_COMPUTE_SLICES} compute and "
            f"{memory}/{MIG_MEMORY_SLICES} memory slices"
        )
    return None
