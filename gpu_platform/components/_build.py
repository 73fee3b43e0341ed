"""How a served facade's args become a call of the real component (see :mod:`.served`). The generated facades
(``_schema.py``) call :func:`build` from their ``__new__``; nothing here imports them, so the two never form a cycle."""

from __future__ import annotations

from enum import Enum
from typing import Any, Callable, Optional

import pulumi

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
