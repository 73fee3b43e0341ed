"""FallbackProxy under the mock engine: children, provider and ordering, secrets stay secret, Bedrock through a
Pod Identity role scoped to the chosen models, and configuration errors that name their field before any resource."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml

from gpu_platform.components.proxy import FallbackProxy
from gpu_platform.components.ref import OperatorHandles, PlatformRef
from gpu_platform.plan import run_program
from gpu_platform.render.labels import PROXY_NAMESPACE
from gpu_platform.render.proxy import ProxyTarget
from gpu_platform.spec import PlatformSpec
from support import assert_valid_builtin, assert_valid_crd, requires_upstream

TOKEN = "gpu-platform:index:FallbackProxy"
FALLBACK = {
    "providers": {"openai": {}, "bedrock": {}},
    "external_models": [
        {"name": "gpt", "provider": "openai", "model": "gpt-4o-mini"},
        {"name": "claude", "provider": "bedrock", "model": "anthropic.claude-3-5-haiku-20241022-v1:0"},
    ],
    "chains": [{"group": "llama", "fallbacks": ["claude", "gpt"]}],
}
TARGETS = [ProxyTarget("llama", "llama", "http://llama.models.svc.cluster.local/v1", 300.0, 8192, 1, True)]
CONFIG = {"gpu-platform:openaiApiKey": "sk-from-stack-config"}


def run(fallback=FALLBACK, environment="prod", targets=TARGETS, config=CONFIG, captured=None, monitoring="absent"):
    disabled = {"operators": {"monitoring": {"enabled": False, "grafana": {"enabled": False},
                                              "alertmanager": {"enabled": False}}}} if monitoring == "disabled" else {}
    spec = PlatformSpec.model_validate({"environment": "dev" if disabled else environment, "region": "us-west-2",
                                        "cluster": {"name": "gpu-proxy"}, **disabled})

    def program():
        provider = k8s.Provider("k8s", kubeconfig="{}", cluster_identifier="gpu-proxy")
        gate = k8s.core.v1.Namespace("gate", metadata={"name": "gate"}, opts=pulumi.ResourceOptions(provider=provider))
        handles = OperatorHandles()
        if monitoring == "installed":
            handles = OperatorHandles(monitoring=k8s.core.v1.Namespace(
                "prometheus", metadata={"name": "monitoring"}, opts=pulumi.ResourceOptions(provider=provider)))
        ref = PlatformRef(cluster_name="gpu-proxy", provider=provider, spec=spec, depends_on=[gate],
                          operators=handles)
        proxy = FallbackProxy("gw", ref, fallback, targets=targets)
        if captured is not None:
            captured["proxy"] = proxy
        pulumi.export("url", proxy.url)
        pulumi.export("masterKey", proxy.master_key)

    return run_program(program, stack="test", config=config, secret_keys=list(config))


@pytest.fixture(scope="module")
def plan():
    return run()


def test_children_are_named_parented_and_on_the_cluster_provider(plan):
    [root] = plan.by_type(TOKEN)
    kinds = {r.inputs.get("kind"): r for r in plan.descendants(root.urn) if r.is_kubernetes_object}
    assert set(kinds) == {"Namespace", "ServiceAccount", "ConfigMap", "Secret", "Deployment", "Service",
                          "PodDisruptionBudget", "ServiceMonitor"}
    [provider] = plan.by_type("pulumi:providers:kubernetes")
    gate = plan.named("gate")
    for kind, r in kinds.items():
        assert r.name.startswith("gw-") and r.provider == provider.urn
        assert plan.depends_on(r, gate), kind
        if kind != "Namespace":
            assert r.inputs["metadata"]["namespace"] == PROXY_NAMESPACE
            assert plan.depends_on(r, kinds["Namespace"]), kind
    for dep in ("ConfigMap", "Secret", "ServiceAccount"):
        assert plan.depends_on(kinds["Deployment"], kinds[dep])


def test_manifests_pass_the_upstream_schemas(plan):
    for manifest in plan.manifests():
        if manifest["metadata"].get("name") == "gate":
            continue
        if manifest["kind"] == "ServiceMonitor":
            continue
        assert_valid_builtin(manifest)  # Secrets too: keys are visible, each value is the "[secret]" string


@requires_upstream
def test_service_monitor_passes_its_crd(plan):
    [sm] = plan.manifests("ServiceMonitor")
    assert_valid_crd(sm)


def test_service_monitor_follows_the_platform_monitoring():
    plan = run(monitoring="installed")
    [sm] = [r for r in plan.kubernetes_objects() if r.inputs["kind"] == "ServiceMonitor"]
    assert plan.depends_on(sm, plan.named("prometheus"))
    assert not run(monitoring="disabled").manifests("ServiceMonitor")


def test_secrets_stay_secret(plan):
    [secret] = plan.manifests("Secret")
    assert secret["stringData"] == {"LITELLM_MASTER_KEY": "[secret]", "OPENAI_API_KEY": "[secret]"}
    text = json.dumps(plan.to_json())
    assert "sk-from-stack-config" not in text
    [password] = plan.by_type("random:index/randomPassword:RandomPassword")
    assert password.name == "gw-master-key" and password.inputs["length"] >= 32
    assert plan.outputs["masterKey"] == "[secret]"
    assert plan.outputs["url"] == "http://litellm.llm-gateway.svc.cluster.local:4000"


def test_config_map_is_the_rendered_config(plan):
    [cm] = plan.manifests("ConfigMap")
    config = yaml.safe_load(cm["data"]["config.yaml"])
    assert config["router_settings"]["fallbacks"] == [{"llama": ["claude", "gpt"]}]
    assert [e["model_name"] for e in config["model_list"]] == ["llama", "gpt", "claude"]


def test_bedrock_uses_a_pod_identity_role_scoped_to_the_chosen_models(plan):
    [role] = [r for r in plan.by_type("aws:iam/role:Role") if r.name == "gw-bedrock-role"]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    [policy] = plan.by_type("aws:iam/rolePolicy:RolePolicy")
    stmt = json.loads(policy.inputs["policy"])["Statement"][0]
    assert stmt["Resource"] == [
        "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"]
    [assoc] = plan.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert (assoc.inputs["namespace"], assoc.inputs["serviceAccount"]) == (PROXY_NAMESPACE, "litellm")
    [dep] = [r for r in plan.kubernetes_objects() if r.inputs.get("kind") == "Deployment"]
    assert plan.depends_on(dep, assoc)
    assert "aws_access_key_id" not in json.dumps(plan.to_json()).lower()


def test_prod_runs_two_replicas_and_dev_one(plan):
    [prod] = plan.manifests("Deployment")
    assert prod["spec"]["replicas"] == 2
    dev = run(environment="dev")
    [dep] = dev.manifests("Deployment")
    assert dep["spec"]["replicas"] == 1 and not dev.manifests("PodDisruptionBudget")


def test_without_bedrock_no_aws_resources():
    plan = run({"providers": {"openai": {}}, "external_models": [FALLBACK["external_models"][0]],
                "chains": [{"group": "llama", "fallbacks": ["gpt"]}]})
    assert not [r for r in plan if r.type.startswith("aws:")]


@pytest.mark.parametrize(
    "fallback, targets, config, path, words",
    [
        (FALLBACK, TARGETS, {}, "fallback.providers.openai.api_key_secret", "gpu-platform:openaiApiKey"),
        ({**FALLBACK, "chains": [{"group": "llama", "fallbacks": ["gtp"]}]}, TARGETS, CONFIG,
         "fallback.chains[0].fallbacks[0]", "unknown model group 'gtp'"),
        ({**FALLBACK, "chains": []}, TARGETS, CONFIG, "fallback.chains", "production model 'llama'"),
        ({**FALLBACK, "chains": [{"group": "llama", "fallbacks": ["gpt"]}, {"group": "gpt", "fallbacks": ["llama"]}]},
         TARGETS, CONFIG, "fallback.chains[0].fallbacks", "fallback cycle llama → gpt → llama"),
    ],
)
def test_bad_configuration_fails_before_any_resource_naming_the_field(fallback, targets, config, path, words):
    with pytest.raises(pulumi.InputPropertiesError) as info:
        run(fallback, targets=targets, config=config)
    assert path in str(info.value) and words in str(info.value)
    # the program's provider and gate namespace came first; nothing of the proxy did
    assert sorted(u.rsplit("::", 1)[-1] for u in info.value.registered if "pulumi:pulumi:Stack" not in u) == [
        "gate", "k8s"]


def test_api_keys_can_be_passed_directly():
    spec = PlatformSpec.model_validate({"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-proxy"}})

    def program():
        provider = k8s.Provider("k8s", kubeconfig="{}", cluster_identifier="gpu-proxy")
        ref = PlatformRef(cluster_name="gpu-proxy", provider=provider, spec=spec)
        FallbackProxy("gw", ref, {"providers": {"anthropic": {}}, "external_models": [
            {"name": "claude", "provider": "anthropic", "model": "claude-3-5-haiku-latest"}]},
            api_keys={"anthropic": pulumi.Output.secret("sk-ant-explicit")})

    plan = run_program(program, stack="test")
    [secret] = plan.manifests("Secret")
    assert secret["stringData"] == {"ANTHROPIC_API_KEY": "[secret]", "LITELLM_MASTER_KEY": "[secret]"}
    [dep] = plan.manifests("Deployment")
    env = {e["name"] for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert {"LITELLM_MASTER_KEY", "ANTHROPIC_API_KEY"} <= env and "OPENAI_API_KEY" not in env
