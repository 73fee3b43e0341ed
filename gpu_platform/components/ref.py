"""`PlatformRef`: the handle other components need to build on a platform (same stack or another one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Union

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

    @classmethod
    def from_stack_reference(
        cls,
        stack: Union[str, pulumi.StackReference],
        spec: Union[PlatformSpec, dict[str, Any]],
        *,
        name: str = "platform",
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> "PlatformRef":
        """A platform created by another stack, for adding ModelDeployments from this one.

        ``stack`` is the platform stack's fully qualified name (`org/gpu-platform/prod`) or a StackReference; it must
        export `kubeconfig` and `clusterName` (the platform program does). ``spec`` is that platform's spec (the
        same `gpu-platform:platform` object, e.g. loaded from its stack file): sizing needs its node pools and
        environment, and the provider's `cluster_identifier` its cluster name, so a rotated kubeconfig does not
        replace every resource. ``name`` prefixes the StackReference and provider logical names.
        """
        import pulumi_kubernetes as k8s

        from ._validate import validated

        spec = validated(PlatformSpec, spec)
        ref = stack if isinstance(stack, pulumi.StackReference) else pulumi.StackReference(f"{name}-stack", stack, opts=opts)
        provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=pulumi.Output.secret(ref.require_output("kubeconfig")),
            cluster_identifier=spec.cluster.name,
            opts=opts,
        )
        cluster_name = ref.require_output("clusterName").apply(str)
        return cls(cluster_name=cluster_name, provider=provider, spec=spec, extras={"stack_reference": ref})

    def opts(self, parent: pulumi.Resource, extra_depends_on: Optional[list[pulumi.Resource]] = None) -> pulumi.ResourceOptions:
        """Options for a Kubernetes child of ``parent``: the cluster's provider and the platform's ordering."""
        return pulumi.ResourceOptions(
            parent=parent, provider=self.provider, depends_on=[*self.depends_on, *(extra_depends_on or [])]
        )
