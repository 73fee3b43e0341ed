"""gpu-platform: Pulumi components for a production GPU inference platform on AWS EKS.

Public API (imported lazily so `python -m gpu_platform validate` does not pay for the Pulumi providers)::

    from gpu_platform import GpuPlatform, PlatformSpec, PlatformRef
"""

from __future__ import annotations

from ._lazy import lazy_exports

__version__ = "0.1.0"

# name → module that defines it. Later components add themselves here.
_EXPORTS: dict[str, str] = {
    "PlatformSpec": "gpu_platform.spec",
    "SpecError": "gpu_platform.spec",
    "GpuPlatform": "gpu_platform.components.platform",
    "Network": "gpu_platform.components.network",
    "OperatorHandles": "gpu_platform.components.ref",
    "resolve": "gpu_platform.resolve",
    "ResolvedPlatform": "gpu_platform.resolve",
    "ResolvedModel": "gpu_platform.resolve",
    "PlatformRef": "gpu_platform.components.ref",
    "run_program": "gpu_platform.plan",
    "Karpenter": "gpu_platform.components.karpenter",
    "GpuAddons": "gpu_platform.components.gpu",
    "GpuSpec": "gpu_platform.spec",
    "GpuNodePoolSpec": "gpu_platform.spec",
    "ModelDeployment": "gpu_platform.components.model",
    "ModelServingBase": "gpu_platform.components.model",
    "ModelNamespace": "gpu_platform.components.model",
    "deploy_models": "gpu_platform.components.model",
    "ModelSpec": "gpu_platform.spec",
    "size_model": "gpu_platform.sizing",
    "Sizing": "gpu_platform.sizing",
    "SizingError": "gpu_platform.sizing",
    "endpoint_url": "gpu_platform.render.model",
    "Operators": "gpu_platform.components.operators",
    "OperatorsSpec": "gpu_platform.spec",
    "model_slo_rules": "gpu_platform.render.observability",
    "FallbackProxy": "gpu_platform.components.proxy",
    "targets_from_models": "gpu_platform.components.proxy",
    "gateway_targets": "gpu_platform.components.proxy",
    "FallbackSpec": "gpu_platform.spec",
    "ProxyTarget": "gpu_platform.render.proxy",
    "wake_trigger": "gpu_platform.render.proxy",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
