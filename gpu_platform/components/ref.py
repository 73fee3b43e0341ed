"""`PlatformRef`: the handle other components need to build on a platform (same stack or another one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Union

import pulumi

from ..spec import PlatformSpec


PLATFORM_CONTRACT_VERSION = 1
"""Version of the `platform` stack output (see :func:`platform_contract`); bumped on incompatible changes."""


def platform_contract(spec: PlatformSpec, cluster_name: pulumi.Input[str]) -> dict[str, Any]:
    """The `platform` stack output another stack's :meth:`PlatformRef.from_stack_reference` reads."""
    return {
        "contractVersion": PLATFORM_CONTRACT_VERSION,
        "clusterName": cluster_name,
        "spec": spec.platform_only().model_dump(mode="json", exclude_none=True),
    }


def _read_contract(ref: pulumi.StackReference) -> dict[str, Any]:
    from pulumi.runtime.sync_await import _sync_await

    details = _sync_await(ref.get_output_details("platform"))
    contract = details.value if details.value is not None else details.secret_value
    if not isinstance(contract, dict) or "spec" not in contract:
        raise pulumi.InputPropertiesError(
            "stack: the platform stack exports no `platform` output; deploy it with gpu-platform ≥ 0.2 or pass spec=",
            [pulumi.InputPropertyErrorDetails(property_path="stack", reason="no platform contract")],
        )
    version = contract.get("contractVersion")
    if version != PLATFORM_CONTRACT_VERSION:
        raise pulumi.InputPropertiesError(
            f"stack: the platform stack exports contract version {version}; this gpu-platform reads "
            f"{PLATFORM_CONTRACT_VERSION}. Upgrade the package (or the platform stack) so they match",
            [pulumi.InputPropertyErrorDetails(property_path="stack", reason="contract version mismatch")],
        )
    return contract["spec"]


@dataclass(frozen=True)
class OperatorHandles:
    """The operator releases a platform installed, for later components to wait for (None where the operator is
    disabled, or where the platform belongs to another stack and its releases are already there)."""

    cert_manager: Optional[pulumi.Resource] = None
    kserve: Optional[pulumi.Resource] = None
    """`kserve-resources`: the controller and webhooks InferenceServices and the ClusterServingRuntime need."""
    kuberay: Optional[pulumi.Resource] = None
    keda: Optional[pulumi.Resource] = None
    keda_http: Optional[pulumi.Resource] = None
    monitoring: Optional[pulumi.Resource] = None
    """`kube-prometheus-stack`: its CRDs back every PodMonitor, ServiceMonitor and PrometheusRule."""

    def of(self, operators: Sequence[str]) -> list[pulumi.Resource]:
        """The releases of ``operators`` (keys under `operators:`) that this platform installed."""
        return [r for r in (getattr(self, key) for key in operators) if r is not None]


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
    operators: OperatorHandles = field(default_factory=OperatorHandles)
    """The operator releases of this program's platform (empty for a platform of another stack)."""
    gpu_node_pools: Mapping[str, pulumi.Resource] = field(default_factory=dict)
    """GPU NodePools by pool name (empty for a platform of another stack): a model waits for its pool."""
    karpenter: Optional[pulumi.Resource] = None
    """The Karpenter controller release (None for a platform of another stack)."""
    stack_reference: Optional[pulumi.StackReference] = None
    """The platform's stack, when it was created by another one."""

    @property
    def monitored(self) -> bool:
        """Whether the platform runs the Prometheus Operator, so PodMonitors and ServiceMonitors can be created."""
        return self.spec.operators.monitoring.enabled

    @classmethod
    def from_stack_reference(
        cls,
        stack: Union[str, pulumi.StackReference],
        spec: Optional[Union[PlatformSpec, dict[str, Any]]] = None,
        *,
        name: str = "platform",
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> "PlatformRef":
        """A platform created by another stack, for adding ModelDeployments from this one.

        ``stack`` is the platform stack's fully qualified name (`org/gpu-platform/prod`) or a StackReference. The
        platform program exports the contract this reads (:data:`PLATFORM_CONTRACT_VERSION`): `kubeconfig`
        (secret), `clusterName`, and `platform` = ``{"contractVersion", "clusterName", "spec"}`` where ``spec`` is
        the platform's spec without its models and gateway. Sizing needs its node pools and environment before any
        resource is registered, so the output is read while the program runs (as a synchronous invoke is).
        ``spec`` overrides that output (for platforms deployed before the contract existed). ``name`` prefixes the
        StackReference and provider logical names.
        """
        import pulumi_kubernetes as k8s

        from ._validate import validated

        ref = stack if isinstance(stack, pulumi.StackReference) else pulumi.StackReference(f"{name}-stack", stack, opts=opts)
        spec = validated(PlatformSpec, spec if spec is not None else _read_contract(ref))
        provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=pulumi.Output.secret(ref.require_output("kubeconfig")),
            cluster_identifier=spec.cluster.name,
            opts=opts,
        )
        cluster_name = ref.require_output("clusterName").apply(str)
        return cls(cluster_name=cluster_name, provider=provider, spec=spec, stack_reference=ref)

    def opts(self, parent: pulumi.Resource, extra_depends_on: Optional[list[pulumi.Resource]] = None) -> pulumi.ResourceOptions:
        """Options for a Kubernetes child of ``parent``: the cluster's provider and the platform's ordering."""
        return pulumi.ResourceOptions(
            parent=parent, provider=self.provider, depends_on=[*self.depends_on, *(extra_depends_on or [])]
        )
