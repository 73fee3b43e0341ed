"""The components as other Pulumi languages see them (served by ``components/__main__.py``).

``pulumi.provider.experimental`` infers the package schema from a class's ``__init__(self, name, args, opts)``
annotation and its annotated outputs, and instantiates the class for each ``construct`` call. The real
components take pydantic specs (and a ``PlatformRef``), which that inference cannot read, so each class here is a
typed facade: its annotations describe the schema, and ``__new__`` builds the real component from the args. The
engine therefore records exactly the resource a Python program would create (same type token, same children,
same URNs); the facade itself never exists as a resource.

Components that deploy onto an existing platform (``ModelDeployment``, ``FallbackProxy``) take the platform's
spec in ``args.platform`` and its Kubernetes provider from the resource options, as any multi-language component
does: ``new gpu.FallbackProxy("proxy", {...}, { providers: { kubernetes: k8sProvider } })``.

No ``from __future__ import annotations`` here: the analyzer needs real annotation objects, not strings.
"""

import inspect
from enum import Enum
from typing import Any, Optional

import pulumi

from ._schema import FallbackProxyArgs, GpuPlatformArgs, ModelDeploymentArgs


def plain(value: Any) -> Any:
    """Args as the real components take them: enums as their values, absent optionals dropped."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "__dict__") and not isinstance(value, (pulumi.Output, pulumi.Resource)):
        return {k: plain(v) for k, v in vars(value).items() if v is not None and not k.startswith("_")}
    return value


def platform_ref(args: Any, opts: Optional[pulumi.ResourceOptions], component: str):
    """A ``PlatformRef`` from ``args["platform"]`` (the spec) and the Kubernetes provider in ``opts.providers``."""
    from ..spec import PlatformSpec
    from ._validate import validated
    from .ref import PlatformRef

    args = plain(args)
    spec = validated(PlatformSpec, args.pop("platform", None), prefix="platform")
    providers = opts.providers if opts is not None else None
    provider = providers.get("kubernetes") if isinstance(providers, dict) else None
    if provider is None:
        raise pulumi.InputPropertiesError(
            f"{component} needs the platform's Kubernetes provider: pass it in the resource options as "
            "providers: {kubernetes: <provider built from the platform's kubeconfig output>}",
        )
    return PlatformRef(cluster_name=spec.cluster.name, provider=provider, spec=spec), args


class GpuPlatform(pulumi.ComponentResource):
    """A production GPU inference platform on AWS: VPC, EKS with API authentication, the system node group,
    Karpenter GPU node pools, NVIDIA device plugin and DCGM, KServe/KubeRay/KEDA/Prometheus, and the Kubernetes
    provider for everything that runs on it. Models and the LLM gateway are the separate ModelDeployment and
    FallbackProxy components."""

    cluster_name: pulumi.Output[str]
    """EKS cluster name (resolves once the cluster exists)."""
    endpoint: pulumi.Output[str]
    """Kubernetes API server URL."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig JSON (secret); it runs `aws eks get-token`, so it holds no credentials itself."""
    oidc_issuer: pulumi.Output[str]
    """The cluster's OIDC issuer URL."""
    oidc_provider_arn: pulumi.Output[str]
    """ARN of the cluster's IAM OIDC provider (for IRSA)."""
    vpc_id: pulumi.Output[str]
    """The VPC the cluster runs in."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnet ids, one per zone."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Private subnet ids, one per zone (nodes run here)."""
    node_security_group_id: pulumi.Output[str]
    """Security group of the nodes."""

    def __new__(cls, name: str, args: GpuPlatformArgs, opts: Optional[pulumi.ResourceOptions] = None):
        from .platform import GpuPlatform as Impl

        return Impl(name, plain(args), opts)

    def __init__(self, name: str, args: GpuPlatformArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        """Never runs: ``__new__`` returns the real component (this signature is what the schema is read from)."""


class ModelDeployment(pulumi.ComponentResource):
    """One vLLM model: sized, placed on the cheapest fitting GPU instance, served by KServe, RayService or a plain
    Deployment, autoscaled (fast up, slow down, optionally to zero), with secure pod defaults."""

    endpoint: pulumi.Output[str]
    """In-cluster OpenAI base URL (`http://…/v1`)."""
    served_model_name: pulumi.Output[str]
    """The model name clients send."""
    backend: pulumi.Output[str]
    """Serving backend chosen by sizing (`kserve`, `rayservice`, `deployment`)."""
    instance_type: pulumi.Output[str]
    """EC2 instance type one replica runs on."""
    gpu_class: pulumi.Output[str]
    """GPU class of that instance."""
    tensor_parallel_size: pulumi.Output[int]
    """GPUs per replica that vLLM shards the model across."""
    pipeline_parallel_size: pulumi.Output[int]
    """Nodes per replica (multi-node serving)."""
    can_scale_to_zero: pulumi.Output[bool]
    """Whether the model scales to zero replicas when idle."""
    canary_traffic_percent: pulumi.Output[int]
    """Share of traffic sent to the canary revision."""
    sizing: pulumi.Output[dict[str, Any]]
    """The sizing report: memory budget, parallelism, pod shape, cold-start timeline, probe budget."""
    cost: pulumi.Output[dict[str, Any]]
    """Hourly/monthly cost at min and max replicas, on-demand and spot."""

    def __new__(cls, name: str, args: ModelDeploymentArgs, opts: Optional[pulumi.ResourceOptions] = None):
        from .model import ModelDeployment as Impl

        ref, rest = platform_ref(args, opts, "ModelDeployment")
        hf_token = rest.pop("hf_token", None)
        create_namespace = bool(rest.pop("create_namespace", False))
        return Impl(name, rest, opts, platform=ref, hf_token=hf_token, create_namespace=create_namespace)

    def __init__(self, name: str, args: ModelDeploymentArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        """Never runs: ``__new__`` returns the real component."""


class FallbackProxy(pulumi.ComponentResource):
    """LiteLLM proxy in front of every model: per-group fallback chains to cloud APIs, retries and a circuit
    breaker, so a crashed, overloaded, cold or scaled-to-zero model costs latency, not errors."""

    url: pulumi.Output[str]
    """In-cluster base URL (OpenAI-compatible API under `/v1`)."""
    master_key: pulumi.Output[str]
    """The proxy's master key (secret): clients send it as a bearer token."""
    namespace: pulumi.Output[str]
    """Namespace the proxy runs in."""

    def __new__(cls, name: str, args: FallbackProxyArgs, opts: Optional[pulumi.ResourceOptions] = None):
        from .proxy import FallbackProxy as Impl

        ref, rest = platform_ref(args, opts, "FallbackProxy")
        api_keys = rest.pop("api_keys", None)
        return Impl(name, ref, rest, api_keys=api_keys, opts=opts)

    def __init__(self, name: str, args: FallbackProxyArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        """Never runs: ``__new__`` returns the real component."""


SERVED: list[type] = [GpuPlatform, ModelDeployment, FallbackProxy]
"""The components the multi-language package serves, in schema order."""

for _cls in SERVED:
    # The schema takes descriptions verbatim; Python 3.11 keeps docstring indentation.
    _cls.__doc__ = inspect.cleandoc(_cls.__doc__ or "")
