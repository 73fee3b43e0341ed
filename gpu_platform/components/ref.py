"""`PlatformRef`: the handle other components need to build on a platform (same stack or another one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi

from ..spec import PlatformSpec


@dataclass
class PlatformRef:
    """A platform to deploy onto: its cluster, Kubernetes provider and spec, plus resources to wait for.

    `GpuPlatform.ref` builds one; a separate stack can build one from a StackReference.
    """

    cluster_name: pulumi.Input[str]
    """EKS cluster name (pod identity associations and IAM need it)."""
    provider: Any
    """The `pulumi_kubernetes.Provider` for the cluster."""
    spec: PlatformSpec
    """The platform's validated spec (GPU classes, environment, operators in use)."""
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    """Resources that must exist before workloads (operators, CRDs, node pools)."""
    extras: dict[str, Any] = field(default_factory=dict)
    """Named handles later components publish for each other (e.g. the Prometheus URL)."""

    def opts(self, parent: pulumi.Resource, extra_depends_on: Optional[list[pulumi.Resource]] = None) -> pulumi.ResourceOptions:
        """Options for a Kubernetes child of ``parent``: the cluster's provider and the platform's ordering."""
        return pulumi.ResourceOptions(
            parent=parent, provider=self.provider, depends_on=[*self.depends_on, *(extra_depends_on or [])]
        )
