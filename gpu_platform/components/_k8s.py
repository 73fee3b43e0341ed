"""Turn rendered Kubernetes objects (plain dicts) into Pulumi resources: the one bridge from render to engine.

Render modules return complete objects (`apiVersion`, `kind`, `metadata.name`, body); components call
:func:`apply_object` and never hand-map fields, so what the tests validate is exactly what gets registered.

Every object is registered through one generic class with the type token pulumi-kubernetes' typed class would use
(`kubernetes:core/v1:Secret`, `kubernetes:apps/v1:Deployment`, `kubernetes:karpenter.sh/v1:NodePool`). On the wire
this is identical to the typed classes: same token (so the same URN and provider behaviour), the same camelCase
inputs, and Secrets keep `data`/`stringData` secret in state. What it saves is loading the typed classes: their
modules cost ~1.5 s of every plan, more than the engine spends registering the platform.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi

# Outputs the provider returns in clear text unless the SDK marks them secret (as pulumi-kubernetes' Secret does).
_SECRET_OUTPUTS = {("v1", "Secret"): ["data", "stringData"]}


def type_token(api_version: str, kind: str) -> str:
    """The Pulumi type token of a Kubernetes kind: core-group kinds live under `core/v1`."""
    return f"kubernetes:{api_version if '/' in api_version else 'core/' + api_version}:{kind}"


class KubernetesObject(pulumi.CustomResource):
    """Any Kubernetes object, built-in or custom, registered from its complete rendered form."""

    def __init__(self, name: str, obj: dict[str, Any], opts: Optional[pulumi.ResourceOptions] = None) -> None:
        from pulumi_kubernetes import _utilities

        api_version, kind = obj["apiVersion"], obj["kind"]
        extra = pulumi.ResourceOptions(additional_secret_outputs=_SECRET_OUTPUTS.get((api_version, kind)))
        opts = pulumi.ResourceOptions.merge(_utilities.get_resource_opts_defaults(), opts)
        super().__init__(type_token(api_version, kind), name, dict(obj), pulumi.ResourceOptions.merge(opts, extra))


def apply_object(
    name: str,
    obj: dict[str, Any],
    opts: pulumi.ResourceOptions,
    *,
    secret_fields: tuple[str, ...] = (),
) -> KubernetesObject:
    """Register ``obj`` as a Kubernetes resource named ``name`` (Pulumi logical name).

    ``secret_fields`` (top-level keys such as ``stringData``) are wrapped as Pulumi secrets before registration.
    """
    body = dict(obj)
    for key in secret_fields:
        value = body.get(key)
        if isinstance(value, dict):
            # Secret values, visible keys: a plan (and its diff) shows which keys a Secret holds, never their values.
            body[key] = {k: pulumi.Output.secret(v) for k, v in value.items()}
        elif key in body:
            body[key] = pulumi.Output.secret(value)
    return KubernetesObject(name, body, opts)
