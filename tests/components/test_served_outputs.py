"""Every output a Python component registers is served to other languages, with a compatible type.

The dev stack's program (with a canary added to its model, so that every output has a value) runs under the mock
engine with `register_outputs` recorded; each public component's registered outputs are then checked against its
resource in the package schema: the same names, and each resolved value of the schema property's type.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from typing import Any

import pulumi
import pytest

from gpu_platform import schema
from gpu_platform.components.served import SERVED
from gpu_platform.config import PROJECT, SECRET_PLACEHOLDER, check_secrets, load_stack
from gpu_platform.plan import run_program
from gpu_platform.program import main as program
from support import REPO

TOKEN = "gpu-platform:index:{}"


@pytest.fixture(scope="module")
def package() -> dict:
    return schema.package_schema(version="0.1.0")


@pytest.fixture(scope="module")
def registered(monkeypatch_module) -> dict[str, list[dict[str, Any]]]:
    """Resolved outputs of every component the dev program registers, by type token (one dict per instance)."""
    cfg, resolved = load_stack("dev", REPO)
    spec = resolved.spec
    values = dict(cfg.values)
    doc = values[f"{PROJECT}:platform"]
    doc = copy.deepcopy(json.loads(doc) if isinstance(doc, str) else doc)
    model = doc["models"][0]
    model["canary"] = {"revision": "canary-revision", "traffic_percent": 10}
    model["cache"] = {**model.get("cache", {}), "storage_class": "efs", "read_write_many": True}  # shared by both
    values[f"{PROJECT}:platform"] = doc
    filled = {f"{PROJECT}:{n.key}": SECRET_PLACEHOLDER for n in check_secrets(cfg, spec)}

    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    original = pulumi.ComponentResource.register_outputs

    def recording(self, outputs):
        slot: dict[str, Any] = {}
        out[self._type].append(slot)
        # Output.all resolves plain values, outputs and secrets alike; the mock engine runs every apply.
        pulumi.Output.all(**dict(outputs or {})).apply(slot.update)
        return original(self, outputs)

    monkeypatch_module.setattr(pulumi.ComponentResource, "register_outputs", recording)
    run_program(program, project=PROJECT, stack=cfg.name, config={**values, **filled},
                secret_keys=(*cfg.secret_keys, *filled))
    return dict(out)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _conforms(value: Any, prop: dict[str, Any], types: dict[str, Any]) -> bool:
    """Whether a resolved value is of a schema property's type (nested lists and maps included)."""
    ref = prop.get("$ref", "")
    if ref == "pulumi.json#/Any":
        return True
    if ref.startswith("#/types/"):
        prop = types[ref[len("#/types/"):]]
    kind = prop.get("type")
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list) and all(_conforms(v, prop["items"], types) for v in value)
    if kind == "object":
        inner = prop.get("additionalProperties")
        if inner is not None:
            return isinstance(value, dict) and all(_conforms(v, inner, types) for v in value.values())
        return isinstance(value, dict) and set(value) <= set(prop.get("properties", {}))
    return False


@pytest.mark.parametrize("component", [c.__name__ for c in SERVED])
def test_every_registered_output_is_served_with_its_type(component, registered, package):
    resource = package["resources"][TOKEN.format(component)]
    served, required = resource["properties"], set(resource.get("required", []))
    instances = registered.get(TOKEN.format(component))
    assert instances, f"the dev program registered no {component}"
    for outputs in instances:
        assert set(outputs) <= set(served), f"{component} registers outputs other languages never see"
        assert set(served) <= set(outputs), f"{component} serves outputs it never registers"
        for key, value in outputs.items():
            if value is None:
                assert key not in required, f"{component}.{key} is required in the schema but was not set"
            else:
                assert _conforms(value, served[key], package["types"]), (
                    f"{component}.{key}: {value!r} is not a {served[key]}"
                )


def test_the_canary_made_every_model_output_have_a_value(registered):
    """The run above exercises the optional outputs too (a None would prove nothing about their type)."""
    [model] = registered[TOKEN.format("ModelDeployment")]
    assert model["canaryEndpoint"].endswith("/v1") and model["canaryTrafficPercent"] == 10


def test_every_public_component_is_served():
    """The components a program composes (gpu_platform's exports that are not building blocks of another one)."""
    import gpu_platform

    parts = {"Network", "Karpenter", "GpuAddons", "Operators", "ModelServingBase", "ModelNamespace"}
    public = {
        name for name in gpu_platform.__all__
        if isinstance(obj := getattr(gpu_platform, name), type) and issubclass(obj, pulumi.ComponentResource)
    }
    assert public - parts == {c.__name__ for c in SERVED}
