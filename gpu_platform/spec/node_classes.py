"""Karpenter EC2NodeClasses of the GPU pools, one per AMI family in use: AMI pin, volumes, image cache."""

from __future__ import annotations

import re
from enum import Enum
from typing import Optional

from pydantic import Field

from ._base import KMS_ARN, SpecModel, matches

_SNAPSHOT = re.compile(r"^snap-[0-9a-f]{8,17}$")

AMI_VERSION_PATTERNS: dict[str, re.Pattern[str]] = {
    "al2023": re.compile(r"^v\d{8}$"),
    "bottlerocket": re.compile(r"^v\d+\.\d+\.\d+$"),
}
"""What a pinned AMI release looks like per alias family (`al2023@v20251103`, `bottlerocket@v1.50.0`)."""


class AmiFamily(str, Enum):
    """EKS-optimised AMI family; Karpenter picks the NVIDIA variant of it for GPU instance types."""

    AL2023 = "al2023"
    """Amazon Linux 2023 NVIDIA: the NVIDIA device plugin is installed by the platform (Helm)."""
    BOTTLEROCKET = "bottlerocket"
    """Bottlerocket NVIDIA: ships its own device plugin (configured through user data); separate data volume
    that can be restored from a snapshot with pre-pulled images."""


class NodeClassSpec(SpecModel):
    """One Karpenter EC2NodeClass (per AMI family in use): AMI pin, volumes, image cache."""

    ami_version: str = "latest"
    """AMI release of the alias (`v20251103` for al2023, `v1.50.0` for bottlerocket) or `latest` (floats: every
    new AMI drifts and replaces nodes). Production must pin."""
    root_volume_gib: int = Field(default=200, ge=4, le=16384)
    """Root volume. al2023: OS, container images and emptyDir share it (vLLM images are ~10 GB, model caches
    more). bottlerocket: the OS volume only (`data_volume_gib` holds images)."""
    data_volume_gib: int = Field(default=200, ge=20, le=16384)
    """bottlerocket only: the data volume (`/dev/xvdb`) for container images and ephemeral storage."""
    volume_iops: int = Field(default=3000, ge=3000, le=16000)
    """gp3 IOPS of the image-bearing volume (image pulls and weight loads are I/O bound)."""
    volume_throughput_mibps: int = Field(default=250, ge=125, le=1000)
    """gp3 throughput (MiB/s) of the image-bearing volume."""
    kms_key_arn: Optional[str] = None
    """Customer-managed KMS key for the volumes; default: the account's EBS default key. Volumes are always encrypted."""
    image_cache_snapshot_id: Optional[str] = None
    """bottlerocket only: EBS snapshot of a data volume with the serving images pre-pulled (`snap-…`). New nodes
    start with the images on disk instead of pulling ~10 GB: the largest cold-start lever after the AMI."""
    instance_store_raid0: bool = False
    """Put containerd and kubelet on the instance's local NVMe (RAID0) when it has some (all GPU families do):
    faster image unpacking and weight loading; contents are lost with the node."""

    _kms = matches(
        "kms_key_arn", pattern=KMS_ARN, message="must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"
    )
    _snapshot = matches(
        "image_cache_snapshot_id", pattern=_SNAPSHOT,
        message="must be an EBS snapshot id such as snap-0123456789abcdef0",
    )

    @property
    def floating(self) -> bool:
        return self.ami_version == "latest"
