"""The components as other Pulumi languages see them (served by ``components/__main__.py``): how each one's args
become a call of the real component.

``pulumi.provider.experimental`` infers the package schema from a class's ``__init__(self, name, args, opts)``
annotation and its annotated outputs, and instantiates the class for each ``construct`` call. The real
components take pydantic specs (and a ``PlatformRef``), which that inference cannot read, so the served classes
are typed facades *generated* into ``_schema.py`` (``python -m gpu_platform schema --write-args``): args mirrored
from the specs, outputs from the real component's declarations (``_outputs.py``). A facade's ``__new__`` calls
:func:`build`, which builds the real component from the args. The engine therefore records exactly the resource a
Python program would create (same type token, same children, same URNs); the facade itself never exists as a
resource.

Components that deploy onto an existing platform (``ModelDeployment``, ``FallbackProxy``) take the platform's
spec in ``args.platform`` and its Kubernetes provider from the resource options, as any multi-language component
does: ``new gpu.FallbackProxy("proxy", {...}, { providers: { kubernetes: k8sProvider } })``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Callable, Optional

import pulumi

# The generated facades, under the names every caller (the plugin entry, tests) imports them by.
from ._schema import SERVED, FallbackProxy, GpuPlatform, ModelDeployment  # noqa: F401


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


def _platform(name: str, args: Any, opts: Optional[pulumi.ResourceOptions]) -> pulumi.ComponentResource:
    from .platform import GpuPlatform as Impl

    return Impl(name, plain(args), opts)


def _model(name: str, args: Any, opts: Optional[pulumi.ResourceOptions]) -> pulumi.ComponentResource:
    from .model import ModelDeployment as Impl

    ref, rest = platform_ref(args, opts, "ModelDeployment")
    hf_token = rest.pop("hf_token", None)
    create_namespace = bool(rest.pop("create_namespace", False))
    return Impl(name, rest, opts, platform=ref, hf_token=hf_token, create_namespace=create_namespace)


def _proxy(name: str, args: Any, opts: Optional[pulumi.ResourceOptions]) -> pulumi.ComponentResource:
    from .proxy import FallbackProxy as Impl

    ref, rest = platform_ref(args, opts, "FallbackProxy")
    api_keys = rest.pop("api_keys", None)
    return Impl(name, ref, rest, api_keys=api_keys, opts=opts)


_BUILDERS: dict[str, Callable[[str, Any, Optional[pulumi.ResourceOptions]], pulumi.ComponentResource]] = {
    "GpuPlatform": _platform,
    "ModelDeployment": _model,
    "FallbackProxy": _proxy,
}


def build(facade: type, name: str, args: Any, opts: Optional[pulumi.ResourceOptions]) -> pulumi.ComponentResource:
    """The real component a served facade stands for, built from the facade's args (what ``construct`` passes)."""
    return _BUILDERS[facade.__name__](name, args, opts)
