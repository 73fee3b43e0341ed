"""gpu-platform: Pulumi components for a production GPU inference platform on AWS EKS.

Public API (imported lazily so `python -m gpu_platform validate` does not pay for the Pulumi providers)::

    from gpu_platform import GpuPlatform, PlatformSpec, PlatformRef
"""

from __future__ import annotations

from ._lazy import lazy_exports

__version__ = "0.2.0"

# module → the public names it defines, each imported on first use.
_BY_MODULE: dict[str, tuple[str, ...]] = {
    "gpu_platform.spec": ("PlatformSpec", "SpecError", "GpuSpec", "GpuNodePoolSpec", "ModelSpec", "OperatorsSpec",
                          "FallbackSpec"),
    "gpu_platform.resolve": ("resolve", "ResolvedPlatform", "ResolvedModel"),
    "gpu_platform.sizing": ("size_model", "Sizing", "SizingError"),
    "gpu_platform.render.model": ("endpoint_url",),
    "gpu_platform.render.observability": ("model_slo_rules",),
    "gpu_platform.render.proxy": ("ProxyTarget", "wake_trigger"),
    "gpu_platform.components.platform": ("GpuPlatform",),
    "gpu_platform.components.network": ("Network",),
    "gpu_platform.components.ref": ("PlatformRef", "OperatorHandles"),
    "gpu_platform.components.karpenter": ("Karpenter",),
    "gpu_platform.components.gpu": ("GpuAddons",),
    "gpu_platform.components.operators": ("Operators",),
    "gpu_platform.components.model": ("ModelDeployment", "ModelServingBase", "ModelNamespace", "deploy_models"),
    "gpu_platform.components.proxy": ("FallbackProxy", "targets_from_models", "gateway_targets"),
    "gpu_platform.plan": ("run_program",),
}
_EXPORTS = {name: module for module, names in _BY_MODULE.items() for name in names}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
