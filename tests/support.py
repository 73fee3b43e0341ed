"""Test helpers shared by every suite: ground-truth validation against ../shared/upstream, plan helpers.

Ground truth lives beside the repository (../shared/upstream). Tests that need it are skipped, with the reason
printed, where it is absent (e.g. a user's fresh clone); CI always has it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
UPSTREAM = REPO.parent / "shared" / "upstream"

requires_upstream = pytest.mark.skipif(
    not UPSTREAM.is_dir(), reason=f"upstream ground truth not found at {UPSTREAM}"
)

GO_MODULES = Path(__import__("os").environ.get("GOMODCACHE") or REPO / ".cache" / "go" / "mod")
"""Where `make controlplane` (tests/controlplane/build.sh) downloads the operators' Go modules at their pinned tags."""


def go_module_file(module: str, version: str, path: str) -> Path:
    """A file of a pinned Go module the verification harness downloaded; skips (loudly: conftest counts these) when
    the harness has not run, e.g. a clone without Go."""
    escaped = "".join(f"!{c.lower()}" if c.isupper() else c for c in module)  # the module cache's case encoding
    found = GO_MODULES / f"{escaped}@{version}" / path
    if not found.is_file():
        pytest.skip(f"upstream ground truth not found at {found} (run `make controlplane`)")
    return found


KUBERNETES_SCHEMA_VERSION = "1.34.0"
"""kubernetes-validate schema version for built-in kinds (matches the stacks' Kubernetes version)."""


# --------------------------------------------------------------------------------------------- CRDs
@lru_cache(maxsize=None)
def crd_schema(api_version: str, kind: str) -> dict[str, Any]:
    """The upstream openAPIV3Schema of a CRD, e.g. ``("karpenter.sh/v1", "NodePool")``."""
    group, version = api_version.split("/")
    path = UPSTREAM / "crds" / f"{group}_{version}_{kind}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no upstream CRD schema for {api_version} {kind} at {path}")
    return json.loads(path.read_text())


def _unknown_fields(value: Any, schema: dict[str, Any], path: str) -> Iterator[str]:
    """Fields that a structural schema would prune silently: the API server drops them without an error."""
    if not isinstance(schema, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if props is None and extra is None:
            return  # free-form (type: object only)
        for key, sub in value.items():
            if props is not None and key in props:
                yield from _unknown_fields(sub, props[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                yield from _unknown_fields(sub, extra, f"{path}.{key}")
            elif extra is True:
                continue
            else:
                yield f"{path}.{key}"
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from _unknown_fields(item, schema["items"], f"{path}[{i}]")


def crd_errors(obj: dict[str, Any]) -> list[str]:
    """Schema violations and unknown fields of a custom resource against its upstream CRD schema."""
    import jsonschema

    schema = crd_schema(obj["apiVersion"], obj["kind"])
    body = {k: v for k, v in obj.items() if k != "metadata"}
    full = {**schema, "properties": {k: v for k, v in schema.get("properties", {}).items() if k != "metadata"}}
    validator = jsonschema.Draft7Validator(full)
    errors = [f"{'.'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in validator.iter_errors(body)]
    errors += [f"unknown field {p}" for p in _unknown_fields(body, full, "")]
    return errors


def assert_valid_crd(obj: dict[str, Any]) -> None:
    errors = crd_errors(obj)
    assert not errors, f"{obj['kind']} {obj.get('metadata', {}).get('name')}:\n  " + "\n  ".join(errors)


# --------------------------------------------------------------------------------------------- built-in kinds
def builtin_errors(obj: dict[str, Any]) -> list[str]:
    """Strict validation of a built-in Kubernetes object (unknown fields are errors)."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(obj, KUBERNETES_SCHEMA_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{'.'.join(str(p) for p in exc.path)}: {exc.message}"]
    return []


def assert_valid_builtin(obj: dict[str, Any]) -> None:
    errors = builtin_errors(obj)
    assert not errors, f"{obj['kind']} {obj.get('metadata', {}).get('name')}:\n  " + "\n  ".join(errors)


def assert_valid_object(obj: dict[str, Any]) -> None:
    """Validate any rendered object: CRDs against upstream schemas, built-ins with kubernetes-validate."""
    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
    crd_file = UPSTREAM / "crds" / f"{obj['apiVersion'].replace('/', '_')}_{obj['kind']}.json"
    if "." in group and not group.endswith("k8s.io") or crd_file.is_file():
        assert_valid_crd(obj)
    else:
        assert_valid_builtin(obj)


# --------------------------------------------------------------------------------------------- Kubernetes semantics
# Written out from Kubernetes' own rules, not from the renderers, so a test can ask what a real cluster would do.
def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    """Whether any toleration tolerates ``taint`` (k8s.io/api core/v1 toleration.go ``ToleratesTaint``): the effect
    must match unless the toleration's is empty; an empty key with Exists matches every key; Exists ignores the
    value; Equal (the default operator) needs the same value."""
    for t in tolerations or []:
        if t.get("effect") and t["effect"] != taint["effect"]:
            continue
        if t.get("key") and t["key"] != taint["key"]:
            continue
        operator = t.get("operator", "Equal")
        if operator == "Exists" or (operator == "Equal" and t.get("key") and t.get("value", "") == taint.get("value", "")):
            return True
    return False


def selects(selector: dict[str, str], labels: dict[str, str] | None) -> bool:
    """A non-empty matchLabels / nodeSelector map selects a label set that holds every one of its pairs."""
    return bool(selector) and all((labels or {}).get(k) == v for k, v in selector.items())


# --------------------------------------------------------------------------------------------- Helm values
@lru_cache(maxsize=None)
def chart_values(chart: str) -> Any:
    """The pinned chart's upstream values.yaml (``karpenter``, ``dcgm-exporter`` …)."""
    path = UPSTREAM / "charts" / f"{chart}.values.yaml"
    return yaml.safe_load(path.read_text()) or {}


def unknown_helm_keys(ours: Any, upstream: Any, path: str = "", free_form: tuple[str, ...] = ()) -> list[str]:
    """Keys in ``ours`` that the chart's values.yaml does not define.

    Below a key whose upstream default is an empty map, ``None`` or a list, anything goes (nodeSelector,
    tolerations, resources, extra labels …). ``free_form`` names further dotted paths that the chart documents as
    free-form but ships non-empty.
    """
    if path.lstrip(".") in free_form:
        return []
    if not isinstance(ours, dict) or not isinstance(upstream, dict) or not upstream:
        return []
    missing = []
    for key, value in ours.items():
        sub = f"{path}.{key}" if path else key
        if key not in upstream:
            missing.append(sub)
        else:
            missing += unknown_helm_keys(value, upstream[key], sub, free_form)
    return missing


def assert_helm_values_known(chart: str, values: dict[str, Any], free_form: tuple[str, ...] = ()) -> None:
    unknown = unknown_helm_keys(values, chart_values(chart), "", free_form)
    assert not unknown, f"values not defined by chart {chart}: {unknown}"


def stack_outputs_mocks(outputs: dict[str, Any], *, secret: tuple[str, ...] = ("kubeconfig",), region: str = "us-west-2"):
    """Mocks whose StackReferences answer with ``outputs`` (what another stack's program exported)."""
    from gpu_platform.plan import PlanMocks

    class _Mocks(PlanMocks):
        def new_resource(self, args):
            if args.typ == "pulumi:pulumi:StackReference":
                return f"{args.name}-id", {"name": args.inputs["name"], "outputs": outputs,
                                           "secretOutputNames": [k for k in secret if k in outputs]}
            return super().new_resource(args)

    return _Mocks(region=region)
