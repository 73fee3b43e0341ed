"""Turn rendered Kubernetes objects (plain dicts) into Pulumi resources: the one bridge from render to engine.

Render modules return complete objects (`apiVersion`, `kind`, `metadata.name`, body); components call
:func:`apply_object` and never hand-map fields, so what the tests validate is exactly what gets registered.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, Optional

import pulumi

# apiVersion group → pulumi_kubernetes module path.
_GROUP_MODULES = {
    "": "core",
    "apps": "apps",
    "batch": "batch",
    "policy": "policy",
    "autoscaling": "autoscaling",
    "networking.k8s.io": "networking",
    "storage.k8s.io": "storage",
    "scheduling.k8s.io": "scheduling",
    "rbac.authorization.k8s.io": "rbac",
    "admissionregistration.k8s.io": "admissionregistration",
}

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower()


def _resource_class(api_version: str, kind: str) -> Optional[type]:
    group, _, version = api_version.rpartition("/")
    module = _GROUP_MODULES.get(group)
    if module is None:
        return None
    mod = importlib.import_module(f"pulumi_kubernetes.{module}.{version}")
    return getattr(mod, kind, None)


def apply_object(
    name: str,
    obj: dict[str, Any],
    opts: pulumi.ResourceOptions,
    *,
    secret_fields: tuple[str, ...] = (),
) -> pulumi.CustomResource:
    """Register ``obj`` as a Kubernetes resource named ``name`` (Pulumi logical name).

    Built-in kinds use their typed class; anything else (NodePool, InferenceService, ScaledObject …) becomes a
    ``CustomResource``. ``secret_fields`` (top-level keys such as ``stringData``) are wrapped as Pulumi secrets.
    """
    api_version, kind = obj["apiVersion"], obj["kind"]
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    for key in secret_fields:
        if key in body:
            body[key] = pulumi.Output.secret(body[key])
    cls = _resource_class(api_version, kind)
    if cls is not None:
        return cls(name, opts=opts, **{_snake(k): v for k, v in body.items()})
    from pulumi_kubernetes.apiextensions import CustomResource

    metadata = body.pop("metadata", None)
    return CustomResource(name, api_version=api_version, kind=kind, metadata=metadata, opts=opts, **body)
