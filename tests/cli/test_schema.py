"""The multi-language package: the inferred schema, the generated args, and the served facades building exactly
the resources the Python components build."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pulumi
import pytest
import yaml

from gpu_platform import schema
from gpu_platform.cli import main
from gpu_platform.components import served
from gpu_platform.components.platform import GpuPlatform
from gpu_platform.plan import run_program

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def package() -> dict:
    return schema.package_schema(version="0.1.0")


def test_generated_args_are_up_to_date():
    assert schema.ARGS_MODULE.read_text() == schema.args_module_source(), (
        "components/_schema.py is stale: run `python -m gpu_platform.dev schema --write-args`"
    )


def test_schema_serves_the_components(package):
    assert package["name"] == "gpu-platform"
    tokens = set(package["resources"])
    assert tokens == {
        "gpu-platform:index:GpuPlatform", "gpu-platform:index:ModelDeployment", "gpu-platform:index:FallbackProxy"
    }
    for token in tokens:
        assert package["resources"][token]["isComponent"] is True
        assert re.fullmatch(r"gpu-platform:index:[A-Z]\w+", token)


def test_platform_inputs_mirror_the_spec(package):
    res = package["resources"]["gpu-platform:index:GpuPlatform"]
    inputs = res["inputProperties"]
    assert set(res["requiredInputs"]) == {"environment", "region", "cluster"}
    assert {"systemNodes", "network", "tags", "gpu", "operators"} <= set(inputs)
    # Models and the gateway are their own components, not silently ignored platform inputs.
    assert "models" not in inputs and "fallback" not in inputs
    # Field docstrings become descriptions; enums become enum types with their values.
    assert inputs["region"]["description"].startswith("AWS region")
    env = package["types"]["gpu-platform:index:Environment"]
    assert [e["value"] for e in env["enum"]] == ["dev", "staging", "prod"]
    cluster = package["types"]["gpu-platform:index:ClusterSpec"]
    assert cluster["required"] == ["name"]
    assert "kubernetesVersion" in cluster["properties"]
    nat = package["types"]["gpu-platform:index:NatStrategy"]
    assert any("AZ outage" in (e.get("description") or "") for e in nat["enum"])


def test_outputs_and_secrets(package):
    outputs = package["resources"]["gpu-platform:index:GpuPlatform"]["properties"]
    assert {"kubeconfig", "clusterName", "vpcId", "privateSubnetIds", "oidcProviderArn"} <= set(outputs)
    proxy = package["resources"]["gpu-platform:index:FallbackProxy"]
    assert {"url", "masterKey"} <= set(proxy["properties"])
    assert "platform" in proxy["requiredInputs"]


def test_no_type_is_named_like_generated_sdk_classes(package):
    names = {t.rsplit(":", 1)[-1] for t in package["types"]}
    assert "Provider" not in names
    assert len(names) == len(package["types"])


def test_facades_serve_exactly_the_declared_outputs_of_the_real_components():
    """The facades are generated from the real components' declarations: same outputs, same value types."""
    import typing

    from gpu_platform.components._outputs import output_types
    from gpu_platform.components.model import ModelDeployment
    from gpu_platform.components.proxy import FallbackProxy

    real = {"GpuPlatform": GpuPlatform, "ModelDeployment": ModelDeployment, "FallbackProxy": FallbackProxy}
    assert [f.__name__ for f in served.SERVED] == list(real)
    for facade in served.SERVED:
        declared = output_types(real[facade.__name__])
        facade_outputs = {k: typing.get_args(v)[0] for k, v in inspect.get_annotations(facade).items()}
        # Unparameterised containers are served as free-form ones (`dict` as `dict[str, Any]`).
        free_form = {dict: dict[str, typing.Any], list: list[typing.Any]}
        assert facade_outputs == {k: free_form.get(tp, tp) for k, tp in declared.items()}, facade.__name__
        assert list(facade_outputs) == list(declared), facade.__name__


def test_an_undocumented_output_cannot_be_served(monkeypatch):
    from gpu_platform.components import _outputs

    monkeypatch.setattr(_outputs, "output_docs", lambda cls: {})
    with pytest.raises(ValueError, match="GpuPlatform.cluster_name: a served output needs a docstring"):
        schema.args_module_source()


def test_cli_prints_the_schema(capsys):
    assert main(["schema", "--version", "1.2.3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == "1.2.3" and "gpu-platform:index:GpuPlatform" in doc["resources"]
    assert main(["schema", "--check-args"]) == 2  # a maintainer's flag: `python -m gpu_platform.dev schema`


def test_dev_checks_the_generated_args(capsys):
    from gpu_platform.dev import main as dev

    assert dev(["schema", "--check-args"]) == 0
    assert "up to date" in capsys.readouterr().out


def _camel(value):
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def test_construct_through_the_facade_builds_the_same_resources():
    """What `construct` does: map wire inputs (camelCase) with the inferred schema, then call the facade."""
    from pulumi.provider.experimental.component import ComponentProvider

    platform = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())["config"]["gpu-platform:platform"]
    # The wire cannot carry an explicit null (absent and null both mean "default"), so compare without them.
    # GpuPlatform builds the platform only; models and the gateway are their own components.
    platform = {k: v for k, v in platform.items() if k not in ("models", "fallback")}
    platform = _drop_none({**platform, "region": "us-west-2"})
    provider = ComponentProvider(served.SERVED, "gpu-platform", version="0.1.0")
    definition = provider._component_defs["GpuPlatform"]
    mapped = provider.map_inputs(_camel(platform), definition)

    captured = {}

    def via_facade():
        captured["c"] = served.GpuPlatform("p", mapped, None)

    facade_plan = run_program(via_facade, stack="dev")
    direct_plan = run_program(lambda: GpuPlatform("p", platform), stack="dev")
    assert type(captured["c"]) is GpuPlatform
    assert [r.urn for r in facade_plan.resources] == [r.urn for r in direct_plan.resources]
    assert [r.inputs for r in facade_plan.resources] == [r.inputs for r in direct_plan.resources]
    state = provider.get_state(captured["c"], definition)
    assert {"kubeconfig", "clusterName", "vpcId"} <= set(state)


@pytest.mark.parametrize("component", ["FallbackProxy", "ModelDeployment"])
def test_platform_bound_components_need_the_kubernetes_provider(component):
    platform = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}
    with pytest.raises(pulumi.InputPropertiesError, match="providers: \\{kubernetes"):
        run_program(lambda: getattr(served, component)("x", {"platform": platform}, None))


def test_model_deployment_inputs(package):
    res = package["resources"]["gpu-platform:index:ModelDeployment"]
    assert {"platform", "name", "model"} <= set(res["requiredInputs"])
    assert {"hfToken", "createNamespace", "autoscaling"} <= set(res["inputProperties"])
    assert {"endpoint", "servedModelName", "sizing"} <= set(res["properties"])


def test_plugin_entry_serves_the_same_components():
    import runpy

    manifest = yaml.safe_load((REPO / "components" / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    entry = runpy.run_path(str(REPO / "components" / "__main__.py"), run_name="not_main")
    assert entry["SERVED"] is served.SERVED
    assert "component_provider_host(SERVED, name=\"gpu-platform\"" in (REPO / "components" / "__main__.py").read_text()


def test_model_deployment_facade_matches_the_python_component():
    import pulumi_kubernetes as k8s

    from gpu_platform.components.model import ModelDeployment
    from gpu_platform.components.ref import PlatformRef
    from gpu_platform.spec import PlatformSpec

    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())["config"]["gpu-platform:platform"]
    platform = _drop_none({**doc, "region": "us-west-2"})
    model = _drop_none(platform["models"][0])
    spec = PlatformSpec.model_validate(platform)

    def direct():
        provider = k8s.Provider("k8s", kubeconfig="{}")
        ref = PlatformRef(cluster_name=spec.cluster.name, provider=provider, spec=spec)
        ModelDeployment(model["name"], model, platform=ref, create_namespace=True)

    def facade():
        provider = k8s.Provider("k8s", kubeconfig="{}")
        opts = pulumi.ResourceOptions(providers={"kubernetes": provider})
        served.ModelDeployment(model["name"], {**model, "platform": platform, "create_namespace": True}, opts)

    a, b = run_program(direct, stack="dev"), run_program(facade, stack="dev")
    assert [r.urn for r in a.resources] == [r.urn for r in b.resources]
    assert any(r.type == "gpu-platform:index:ModelDeployment" for r in b.resources)
    assert [r.inputs for r in a.resources] == [r.inputs for r in b.resources]


@pytest.mark.integration
def test_plugin_serves_the_schema_over_grpc():
    """Start `components/__main__.py` as Pulumi would and ask it for its schema (GetSchema)."""
    import subprocess
    import sys

    import grpc
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

    from gpu_platform import __version__

    proc = subprocess.Popen(
        [sys.executable, str(REPO / "components" / "__main__.py"), "127.0.0.1:1"],  # engine address: unused here
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO / "components",
    )
    try:
        port = int(proc.stdout.readline().decode().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            served_schema = json.loads(stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60).schema)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert served_schema == schema.package_schema(version=__version__)
