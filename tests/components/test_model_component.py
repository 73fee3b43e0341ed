"""ModelDeployment under the mock engine: children, provider, ordering, secrets, outputs, and use from a separate
stack through a (mocked) StackReference."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
import pytest

from gpu_platform.components.model import ModelDeployment, deploy_models
from gpu_platform.components.ref import OperatorHandles, PlatformRef
from gpu_platform.plan import SECRET, run_program
from gpu_platform.plan.mocks import PlanMocks
from gpu_platform.spec import ModelSpec, PlatformSpec
from support import stack_outputs_mocks

PLATFORM = {
    "environment": "prod",
    "region": "us-east-1",
    "cluster": {"name": "gpu-prod", "endpoint": {"public": False, "private_access_cidrs": ["10.100.0.0/16"], "transit_gateway_id": "tgw-0123456789abcdef0"}},
    "gpu": {
        "node_pools": [
            # Never expires: the RayService model spans two of its nodes (resolve refuses an expiring pool).
            {"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "disruption": {"expire_after": "Never"}},
            {"name": "h100", "gpu_class": "h100", "capacity": "on_demand"},
        ],
        "al2023": {"ami_version": "v20251112"},
    },
}
S3_8B = {"name": "llama-8b", "model": "s3://weights/llama-3.1-8b-instruct", "gpu_class": "l40s",
         "autoscaling": {"min_replicas": 1, "max_replicas": 3}}
HUB = {"name": "qwen", "model": "Qwen/Qwen2.5-7B-Instruct", "revision": "abc123", "gpu_class": "l40s",
       "source": {"hf_token_config_key": "hfToken"}, "autoscaling": {"min_replicas": 0, "max_replicas": 1,
                                                                      "scale_to_zero": True}}
RAY = {"name": "llama-70b", "model": "s3://weights/llama-3.1-70b-instruct", "gpu_class": "l40s",
       "pipeline_parallel_size": 2, "autoscaling": {"min_replicas": 1, "max_replicas": 1}}


def fake_platform(with_handles=True) -> PlatformRef:
    """A PlatformRef like GpuPlatform.ref: a provider, operator releases and node pools to wait for."""
    provider = k8s.Provider("k8s", kubeconfig="{}", cluster_identifier="gpu-prod")
    opts = pulumi.ResourceOptions(provider=provider)

    def stand_in(name):
        return k8s.core.v1.ConfigMap(name, metadata={"name": name, "namespace": "default"}, opts=opts)

    handles = {}
    if with_handles:
        handles = dict(
            operators=OperatorHandles(kserve=stand_in("kserve"), keda=stand_in("keda"), kuberay=stand_in("kuberay")),
            gpu_node_pools={"l40s": stand_in("pool-l40s"), "h100": stand_in("pool-h100")},
        )
    return PlatformRef(cluster_name="gpu-prod", provider=provider, spec=PlatformSpec.model_validate(PLATFORM),
                       depends_on=[stand_in("system-nodes")], **handles)


@pytest.fixture(scope="module")
def plan():
    def program():
        ref = fake_platform()
        models = deploy_models(
            ref,
            [ModelSpec.model_validate(m) for m in (S3_8B, HUB, RAY)],
            hf_tokens={"qwen": pulumi.Output.secret("hf_abc")},
        )
        pulumi.export("models", {n: pulumi.Output.all(**m.outputs()) for n, m in models.items()})

    return run_program(program, stack="test", config={"aws:region": "us-east-1"})


def test_component_types_and_children(plan):
    [base] = plan.by_type("gpu-platform:index:ModelServingBase")
    [ns] = plan.by_type("gpu-platform:index:ModelNamespace")
    deployments = {r.name: r for r in plan.by_type("gpu-platform:index:ModelDeployment")}
    assert set(deployments) == {"llama-8b", "qwen", "llama-70b"}
    kinds = {c.inputs.get("kind") for c in plan.children(base.urn)}
    assert kinds == {"PriorityClass", "ClusterServingRuntime"}
    assert {c.inputs["kind"] for c in plan.children(ns.urn)} == {
        "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange"
    }
    names = sorted(c.name for c in plan.children(deployments["llama-8b"].urn))
    assert names == sorted([
        # metrics: the PodMonitor, since the platform runs the Prometheus Operator (monitoring is on by default).
        "llama-8b-isvc", "llama-8b-scaledobject", "llama-8b-pdb", "llama-8b-sa", "llama-8b-weights-role", "llama-8b-metrics",
        "llama-8b-weights-policy",
        "llama-8b-weights-pod-identity",
    ])
    assert plan.named("llama-70b-rayservice").inputs["kind"] == "RayService"


def test_every_kubernetes_object_uses_the_platform_provider(plan):
    [provider] = plan.by_type("pulumi:providers:kubernetes")
    for r in plan.kubernetes_objects():
        assert r.provider == provider.urn, r.name


def test_objects_wait_for_operators_node_pool_namespace_and_platform(plan):
    isvc = plan.named("llama-8b-isvc")
    for dep in ("kserve", "keda", "pool-l40s", "system-nodes", "models-runtime"):
        assert plan.depends_on(isvc, plan.named(dep)), dep
    assert plan.depends_on(isvc, plan.named("models-ns-models-namespace"))
    ray = plan.named("llama-70b-rayservice")
    assert plan.depends_on(ray, plan.named("kuberay"))
    assert plan.depends_on(plan.named("models-runtime"), plan.named("kserve"))
    # Pods need their Pod Identity association before they start, or they get no credentials.
    assert plan.depends_on(isvc, plan.named("llama-8b-weights-pod-identity"))
    quota = plan.named("models-ns-models-gpu-quota")
    assert plan.depends_on(quota, plan.named("models-ns-models-namespace"))


def test_s3_weights_role_is_read_only_and_bound_to_the_service_account(plan):
    assoc = plan.named("llama-8b-weights-pod-identity")
    assert assoc.inputs["namespace"] == "models" and assoc.inputs["serviceAccount"] == "llama-8b"
    assert assoc.inputs["clusterName"] == "gpu-prod"
    policy = json.loads(plan.named("llama-8b-weights-policy").inputs["policy"])
    actions = sorted(a for s in policy["Statement"] for a in s["Action"])
    assert actions == ["s3:GetObject", "s3:ListBucket"]


def test_hf_token_is_a_secret(plan):
    secret = plan.named("qwen-hf-token")
    assert secret.inputs["stringData"] == {"HF_TOKEN": SECRET}  # keys visible, values never
    assert "hf_abc" not in json.dumps(plan.to_json())


def test_namespace_quota_is_the_sum_of_peak_gpus(plan):
    quota = plan.named("models-ns-models-gpu-quota")
    # llama-8b (3 + 1 surge) × 1 + qwen (1 + 1 surge: no cache) × 1 + llama-70b 1 × (4 × 2)
    assert quota.inputs["spec"]["hard"] == {"requests.nvidia.com/gpu": "14"}


def test_outputs(plan):
    models = plan.outputs["models"]
    assert models["llama-8b"]["endpoint"] == "http://llama-8b-predictor.models.svc.cluster.local/v1"
    assert models["llama-8b"]["backend"] == "kserve" and models["llama-8b"]["instanceType"] == "g6e.xlarge"
    assert models["llama-70b"]["backend"] == "rayservice"
    assert (models["llama-70b"]["tensorParallelSize"], models["llama-70b"]["pipelineParallelSize"]) == (4, 2)
    assert models["qwen"]["canScaleToZero"] is True and models["llama-8b"]["canScaleToZero"] is False
    cost = models["llama-8b"]["cost"]
    # the l40s pool is on-demand: 3 replicas × g6e.xlarge at $1.861/h, no spot price for a pool that cannot use spot
    assert cost["usd_per_hour_max"] == pytest.approx(3 * 1.861, abs=1e-3) and "on-demand" in cost["basis"]
    assert cost["usd_per_month_max"] == pytest.approx(3 * 1.861 * 730, abs=0.5) and "spot" not in cost["basis"]
    assert models["llama-8b"]["sizing"]["cold_start"]["source"] == "s3-stream"


def _model_resources(exc) -> list[str]:
    """URNs registered by (or under) a ModelDeployment before the program failed."""
    return [u for u in exc.registered if "ModelDeployment" in u]


def test_bad_input_fails_before_any_resource_naming_the_field():
    def program():
        ref = fake_platform(with_handles=False)
        ModelDeployment("bad", {"name": "bad", "model": "Qwen/Qwen2.5-7B-Instruct",
                                "autoscaling": {"min_replicas": 3, "max_replicas": 1}}, platform=ref)

    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(program, stack="test")
    assert "autoscaling.max_replicas: must be ≥ min_replicas (3)" in str(info.value)
    assert _model_resources(info.value) == []
    assert any(u.endswith("::system-nodes") for u in info.value.registered)  # the record does see registrations


@pytest.mark.parametrize("platform", [None, {"cluster_name": "gpu-prod"}, "gpu-prod"])
def test_platform_must_be_a_platform_ref(platform):
    def program():
        ModelDeployment("m", S3_8B, platform=platform)

    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(program, stack="test")
    assert str(info.value).startswith("platform: expected a PlatformRef, got ")
    assert "PlatformRef.from_stack_reference" in str(info.value)
    assert [u for u in info.value.registered if "pulumi:pulumi:Stack" not in u] == []


def test_the_platform_component_itself_is_refused_with_the_attribute_to_pass():
    class GpuPlatform:  # stands for the component: the check goes by type name, never touching its attributes
        pass

    def program():
        ModelDeployment("m", S3_8B, platform=GpuPlatform())

    with pytest.raises(pulumi.InputPropertiesError, match=r"got GpuPlatform; pass its \.ref"):
        run_program(program, stack="test")


def test_two_model_deployments_with_one_spec_name_are_refused_before_the_second_registers():
    def program():
        ref = fake_platform()
        ModelDeployment("team-a-chat", {**S3_8B, "name": "chat"}, platform=ref)
        ModelDeployment("team-b-chat", {**S3_8B, "name": "chat"}, platform=ref)

    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(program, stack="test")
    assert "ModelDeployment 'team-b-chat' would create 'chat' in namespace models, which ModelDeployment " \
           "'team-a-chat' already creates" in str(info.value)
    assert str(info.value).startswith("name: ")
    assert any("::team-a-chat" in u for u in info.value.registered)
    assert not any("team-b-chat" in u for u in info.value.registered)


def test_a_model_that_does_not_fit_fails_with_the_numbers():
    def program():
        ModelDeployment("big", {"name": "big", "model": "s3://weights/llama-3.1-405b", "instance_type": "g6e.xlarge"},
                        platform=fake_platform(with_handles=False))

    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(program, stack="test")
    assert "instance_type:" in str(info.value) and "GiB usable" in str(info.value)


def test_a_gated_model_without_a_token_is_refused():
    def program():
        ModelDeployment("qwen", HUB, platform=fake_platform(with_handles=False))

    with pytest.raises(pulumi.InputPropertiesError, match="source.hf_token_config_key"):
        run_program(program, stack="test")


# ------------------------------------------------------------------------------------------ other stack
class StackReferenceMocks(PlanMocks):
    """The platform stack's outputs, as a StackReference sees them."""

    def new_resource(self, args):
        if args.typ == "pulumi:pulumi:StackReference":
            kubeconfig = json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": [], "users": []})
            return f"{args.name}-id", {
                "name": args.inputs["name"],
                "outputs": {"kubeconfig": kubeconfig, "clusterName": "gpu-prod"},
                "secretOutputNames": ["kubeconfig"],
            }
        return super().new_resource(args)


def test_model_deployment_from_another_stack():
    def program():
        platform = PlatformRef.from_stack_reference("acme/gpu-platform/prod", PLATFORM)
        md = ModelDeployment("team-llama", {**S3_8B, "name": "team-llama", "namespace": "team-a"},
                             platform=platform, create_namespace=True)
        pulumi.export("endpoint", md.endpoint)
        pulumi.export("clusterName", platform.cluster_name)

    plan = run_program(program, stack="team", mocks=StackReferenceMocks(region="us-east-1"))
    # A StackReference is read, not registered: the mock engine records it as the provider's dependency.
    [provider] = plan.by_type("pulumi:providers:kubernetes")
    assert provider.inputs["clusterIdentifier"] == "gpu-prod"
    assert provider.inputs["kubeconfig"] == SECRET
    assert any("pulumi:pulumi:StackReference::platform-stack" in d for d in provider.dependencies)
    for r in plan.kubernetes_objects():
        assert r.provider == provider.urn
    assert plan.named("team-llama-weights-pod-identity").inputs["clusterName"] == "gpu-prod"
    # Its own namespace, with the default-deny policies and a quota for this model alone.
    assert plan.named("team-llama-ns-namespace").inputs["metadata"]["name"] == "team-a"
    # max 3 replicas + 1 surge replica of a rolling update, 1 GPU each
    assert plan.named("team-llama-ns-gpu-quota").inputs["spec"]["hard"] == {"requests.nvidia.com/gpu": "4"}
    assert plan.depends_on(plan.named("team-llama-isvc"), plan.named("team-llama-ns-namespace"))
    assert plan.outputs["endpoint"] == "http://team-llama-predictor.team-a.svc.cluster.local/v1"
    assert plan.outputs["clusterName"] == "gpu-prod"


@pytest.mark.parametrize("stack, backends", [("prod", {"kserve", "rayservice"}), ("dev", {"kserve"})])
def test_stacks_ship_models_per_backend(stack, backends):
    from gpu_platform.plan.runner import run_stack

    _, plan = run_stack(stack)
    models = plan.outputs["models"]
    assert {m["backend"] for m in models.values()} == backends
    if stack == "prod":
        assert any(m["pipelineParallelSize"] > 1 for m in models.values())
    else:
        assert all(m["canScaleToZero"] for m in models.values())
    # KServe resolves each InferenceService's `runtime` by name: every one names the one runtime the stack ships
    [runtime] = plan.manifests("ClusterServingRuntime")
    runtimes = {isvc["spec"]["predictor"]["model"]["runtime"] for isvc in plan.manifests("InferenceService")}
    assert runtimes == {runtime["metadata"]["name"]}


def test_a_model_from_another_stack_needs_only_the_platform_stacks_exports():
    """The platform program exports the contract; a team stack names the platform stack and nothing else, and its
    model is sized on the platform's pools and scraped by its Prometheus like the platform's own models."""
    from gpu_platform.plan.runner import run_stack

    _, platform_plan = run_stack("prod")
    exported = dict(platform_plan.outputs)
    assert exported["platform"]["contractVersion"] == 1 and exported["platform"]["spec"]["models"] == []
    exported["kubeconfig"] = json.dumps({"apiVersion": "v1", "kind": "Config"})

    def program():
        platform = PlatformRef.from_stack_reference("acme/gpu-platform/prod")
        ModelDeployment("team-chat", {"name": "team-chat", "model": "s3://team-weights/llama-3.1-8b-instruct",
                                      "namespace": "team-a"}, platform=platform, create_namespace=True)

    plan = run_program(program, stack="team", mocks=stack_outputs_mocks(exported, region="us-east-1"))
    [monitor] = plan.manifests("PodMonitor")
    assert monitor["metadata"]["namespace"] == "team-a"
    [isvc] = plan.manifests("InferenceService")
    assert isvc["spec"]["predictor"]["nodeSelector"]["gpu-platform.io/gpu-class"] == "l40s"  # prod's l40s pool


def test_a_stack_without_the_contract_is_refused_with_what_to_do():
    def program():
        PlatformRef.from_stack_reference("acme/gpu-platform/old")

    with pytest.raises(pulumi.InputPropertiesError, match="exports no `platform` output"):
        run_program(program, stack="team", mocks=stack_outputs_mocks({"kubeconfig": "{}"}, region="us-east-1"))


def test_a_model_from_another_stack_is_served_by_the_platforms_gateway():
    """The team stack exports gateway_targets(...); the platform stack lists it under fallback.model_stacks; its
    gateway routes to the team's model, with a fallback chain, and counts its requests (the wake-up signal)."""
    import yaml

    from gpu_platform import gateway_targets
    from gpu_platform.plan.runner import run_stack
    from support import REPO

    _, platform_plan = run_stack("dev")
    platform_outputs = {**platform_plan.outputs, "kubeconfig": json.dumps({"apiVersion": "v1", "kind": "Config"})}

    def team():
        platform = PlatformRef.from_stack_reference("acme/gpu-platform/dev")
        md = ModelDeployment("team-qwen", {"name": "team-qwen", "model": "Qwen/Qwen2.5-7B-Instruct",
                                           "served_name": "team-qwen-7b", "gpu_class": "l4", "namespace": "team-a",
                                           "autoscaling": {"min_replicas": 0, "max_replicas": 1, "scale_to_zero": True}},
                             platform=platform, create_namespace=True)
        pulumi.export("gatewayTargets", gateway_targets({"team-qwen": md}))

    team_plan = run_program(team, stack="team", mocks=stack_outputs_mocks(platform_outputs))
    [target] = team_plan.outputs["gatewayTargets"]
    assert target["api_base"] == "http://team-qwen-predictor.team-a.svc.cluster.local/v1"

    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    fallback = doc["config"]["gpu-platform:platform"]["fallback"]
    fallback["model_stacks"] = [{"stack": "acme/team-models/dev", "groups": ["team-qwen-7b"]}]
    fallback["chains"].append({"group": "team-qwen-7b", "fallbacks": ["openrouter-qwen-72b"]})
    import tempfile
    from pathlib import Path

    from gpu_platform.plan.runner import program_for

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "Pulumi.dev.yaml"
        path.write_text(yaml.safe_dump(doc))
        from gpu_platform.config import load_stack

        cfg, _spec = load_stack(str(path), REPO)
        plan = run_program(program_for(REPO), stack="dev", config={**cfg.values, "gpu-platform:openrouterApiKey": "x"},
                           secret_keys=["gpu-platform:openrouterApiKey"], mocks=stack_outputs_mocks(team_plan.outputs))
    [cm] = [m for m in plan.manifests("ConfigMap") if m["metadata"]["name"] == "litellm-config"]
    config = yaml.safe_load(next(iter(cm["data"].values())))
    entry = next(m for m in config["model_list"] if m["model_name"] == "team-qwen-7b")
    assert entry["litellm_params"]["api_base"] == target["api_base"]
    fallbacks = config["router_settings"]["fallbacks"]
    assert {"team-qwen-7b": ["openrouter-qwen-72b"]} in fallbacks


def test_a_model_stack_serving_other_groups_than_listed_is_refused():
    from gpu_platform.components.proxy import FallbackProxy

    team_outputs = {"gatewayTargets": [{"group": "other", "served_name": "other", "api_base": "http://x/v1",
                                        "cold_start_timeout_s": 60, "max_context": 4096, "min_replicas": 1}]}

    def program():
        FallbackProxy("gw", fake_platform(), {"model_stacks": [{"stack": "acme/team/dev", "groups": ["chat"]}],
                                              "providers": {"bedrock": {}}})

    with pytest.raises(pulumi.InputPropertiesError) as info:
        run_program(program, stack="test", mocks=stack_outputs_mocks(team_outputs, region="us-east-1"))
    assert "fallback.model_stacks[0].groups: acme/team/dev serves ['other'], the config lists ['chat']" in str(info.value)
    assert not [u for u in info.value.registered if "FallbackProxy" in u]
