"""Pure rendering of the LiteLLM proxy: config keys and routing, credentials by reference only, valid and hardened
Kubernetes objects, the Bedrock policy scope, and the scale-to-zero wake-up trigger."""

from __future__ import annotations

import ast
import json
import re

import promql_parser
import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.render import proxy as rp
from gpu_platform.render.labels import PROMETHEUS_URL, PROXY_NAMESPACE
from gpu_platform.render.proxy import ProxyTarget
from gpu_platform.spec.fallback import FallbackSpec
from branches import reaches
from support import REPO, UPSTREAM, assert_valid_builtin, assert_valid_crd, requires_upstream

# facts.md (LiteLLM 1.109.1): router_settings keys are the Router constructor's arguments.
ROUTER_KEYS = {
    "fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "default_fallbacks", "max_fallbacks",
    "num_retries", "retry_after", "retry_policy", "model_group_retry_policy", "timeout", "stream_timeout",
    "allowed_fails", "allowed_fails_policy", "cooldown_time", "disable_cooldowns", "routing_strategy",
    "routing_strategy_args", "enable_pre_call_checks", "optional_pre_call_checks",
}
GENERAL_KEYS = {"master_key", "database_url", "background_health_checks", "health_check_interval",
                "health_check_concurrency", "model_list_healthy_only", "max_parallel_requests"}

FULL = {
    "providers": {"openai": {}, "anthropic": {"api_base": "https://egress.example.com/anthropic"},
                  "openrouter": {}, "bedrock": {"region": "us-east-1"}},
    "external_models": [
        {"name": "gpt", "provider": "openai", "model": "gpt-4o-mini", "max_context": 128000, "timeout_s": 60},
        {"name": "claude", "provider": "anthropic", "model": "claude-3-5-haiku-latest"},
        {"name": "or-llama", "provider": "openrouter", "model": "meta-llama/llama-3.1-70b-instruct"},
        {"name": "br-claude", "provider": "bedrock", "model": "us.anthropic.claude-3-5-haiku-20241022-v1:0"},
        {"name": "br-titan", "provider": "bedrock", "model": "amazon.titan-text-premier-v1:0"},
    ],
    "chains": [
        {"group": "llama", "fallbacks": ["br-claude", "gpt"], "context_window_fallbacks": ["gpt"]},
        {"group": "qwen", "fallbacks": ["claude", "or-llama"]},
    ],
}
TARGETS = [
    ProxyTarget("llama", "meta-llama/Llama-3.1-8B-Instruct", "http://llama.models.svc.cluster.local:8000/v1",
                cold_start_timeout_s=300, max_context=8192, min_replicas=2, production=True),
    ProxyTarget("qwen", "Qwen/Qwen2.5-7B-Instruct", "http://qwen.models.svc.cluster.local:8000/v1",
                cold_start_timeout_s=420, min_replicas=0),
]


def full_spec(**over) -> FallbackSpec:
    return FallbackSpec.model_validate({**FULL, **over})


def objects(spec=None, production=True, targets=TARGETS):
    return rp.proxy_objects(spec or full_spec(), targets, region="us-west-2", production=production,
                            secret_values={"LITELLM_MASTER_KEY": "[secret]", "OPENAI_API_KEY": "[secret]"})


def by_kind(objs):
    return {o["kind"]: o for o in objs}


# ------------------------------------------------------------------------------------------------ config
def test_hosted_models_are_hosted_vllm_at_their_endpoint_with_timeouts():
    config = rp.litellm_config(full_spec(), TARGETS, region="us-west-2")
    llama, qwen = config["model_list"][:2]
    assert llama["model_name"] == "llama"
    assert llama["litellm_params"] == {
        "model": "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct",
        "api_base": "http://llama.models.svc.cluster.local:8000/v1",
        "timeout": 120.0, "stream_timeout": 30.0, "max_retries": 0,
    }
    assert llama["model_info"]["max_input_tokens"] == 8192
    # Scale-to-zero: the circuit stays open for the whole cold start (420 s > the 30 s router cooldown).
    assert qwen["litellm_params"]["cooldown_time"] == 420
    assert "max_input_tokens" not in qwen["model_info"]


def test_router_settings_fallbacks_retries_and_circuit_breaker():
    spec = full_spec(router={"allowed_fails": 3, "cooldown_time_s": 45, "timeout_s": 90, "num_retries": 1,
                             "retry_policy": {"rate_limit": 2}})
    router = rp.litellm_config(spec, TARGETS, region="us-west-2")["router_settings"]
    assert set(router) <= ROUTER_KEYS
    assert "health_check_interval" not in router
    assert router["fallbacks"] == [{"llama": ["br-claude", "gpt"]}, {"qwen": ["claude", "or-llama"]}]
    assert router["context_window_fallbacks"] == [{"llama": ["gpt"]}]
    assert (router["allowed_fails"], router["cooldown_time"], router["timeout"], router["num_retries"]) == (3, 45, 90, 1)
    assert router["retry_policy"]["RateLimitErrorRetries"] == 2
    assert router["retry_policy"]["TimeoutErrorRetries"] == 0
    assert router["enable_pre_call_checks"] is True


def test_credentials_only_by_reference():
    config = rp.litellm_config(full_spec(), TARGETS, region="us-west-2")
    params = {e["model_name"]: e["litellm_params"] for e in config["model_list"]}
    assert params["gpt"]["api_key"] == "os.environ/OPENAI_API_KEY"
    assert params["claude"] == {**params["claude"], "model": "anthropic/claude-3-5-haiku-latest",
                                "api_key": "os.environ/ANTHROPIC_API_KEY",
                                "api_base": "https://egress.example.com/anthropic"}
    assert params["or-llama"]["api_key"] == "os.environ/OPENROUTER_API_KEY"
    assert params["br-claude"]["model"] == "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0"
    assert params["br-claude"]["aws_region_name"] == "us-east-1"
    text = json.dumps(config)
    for forbidden in ("aws_access_key_id", "aws_secret_access_key", "sk-"):
        assert forbidden not in text
    assert config["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"
    assert set(config["general_settings"]) <= GENERAL_KEYS
    assert set(config) == {"model_list", "router_settings", "litellm_settings", "general_settings"}


def test_metrics_callback_is_optional():
    assert rp.litellm_config(full_spec(), TARGETS, region="r")["litellm_settings"]["callbacks"] == ["prometheus"]
    assert "callbacks" not in rp.litellm_config(full_spec(metrics=False), TARGETS, region="r")["litellm_settings"]
    assert "ServiceMonitor" not in by_kind(objects(full_spec(metrics=False)))


names = st.text("abcdefghij", min_size=1, max_size=3)


@st.composite
def hosted_chains(draw):
    """Self-hosted groups, and a chain per group falling back to later groups or to the cloud model."""
    hosted = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    chains = []
    for i, group in enumerate(hosted):
        later = hosted[i + 1:]  # only "forward" edges: acyclic by construction
        fb = draw(st.lists(st.sampled_from(later + ["cloud"]), unique=True, max_size=3))
        chains.append({"group": group, "fallbacks": fb})
    return hosted, chains


@reaches("a chain without fallbacks", "to a self-hosted group", "to the cloud model")
@example((["a"], [{"group": "a", "fallbacks": []}]))
@example((["a", "bc"], [{"group": "a", "fallbacks": ["bc", "cloud"]}, {"group": "bc", "fallbacks": ["cloud"]}]))
@given(hosted_chains())
def test_rendered_fallbacks_only_name_model_groups_in_the_model_list(branch, drawn):
    hosted, chains = drawn
    for chain in chains:
        if not chain["fallbacks"]:
            branch("a chain without fallbacks")
        for target in chain["fallbacks"]:
            branch("to the cloud model" if target == "cloud" else "to a self-hosted group")
    spec = FallbackSpec.model_validate({"providers": {"openai": {}}, "external_models": [
        {"name": "cloud", "provider": "openai", "model": "gpt-4o-mini"}], "chains": chains})
    targets = [ProxyTarget(g, g, f"http://{g}.models.svc.cluster.local:8000/v1", 300) for g in hosted]
    assert spec.group_problems(hosted) == []
    config = rp.litellm_config(spec, targets, region="us-west-2")
    groups = {e["model_name"] for e in config["model_list"]}
    for rule in config["router_settings"]["fallbacks"]:
        [(src, dsts)] = rule.items()
        assert src in groups and dsts and set(dsts) <= groups
    # LiteLLM's router_settings.fallbacks: one {group: [fallbacks]} per chain that has any, in order.
    assert config["router_settings"]["fallbacks"] == [{c["group"]: c["fallbacks"]} for c in chains if c["fallbacks"]]
    assert yaml.safe_load(rp.config_yaml(config)) == config


# ------------------------------------------------------------------------------------------------ Kubernetes
@pytest.mark.parametrize("production", [True, False])
def test_builtin_objects_pass_the_kubernetes_schema(production):
    for obj in objects(production=production):
        if obj["kind"] != "ServiceMonitor":
            assert_valid_builtin(obj)
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == PROXY_NAMESPACE


@requires_upstream
def test_service_monitor_passes_the_crd_schema():
    assert_valid_crd(by_kind(objects())["ServiceMonitor"])


def integration_litellm_version() -> str:
    """The LiteLLM the integration tests install and run the rendered config against (litellm_env.py)."""
    tree = ast.parse((REPO / "tests" / "integration" / "litellm_env.py").read_text())
    [version] = [n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 and [t.id for t in n.targets if isinstance(t, ast.Name)] == ["LITELLM_VERSION"]]
    return version


def assert_pinned_litellm_image(ref: str) -> None:
    """Pinned to the LiteLLM the config is tested against: an exact `v<version>` (or `<version>`) tag, optionally
    with a digest; never `latest` or a moving `main-*` tag."""
    version = integration_litellm_version()
    m = re.fullmatch(r"(?P<repo>[a-z0-9./_-]+):(?P<tag>[A-Za-z0-9._-]+)(@sha256:[0-9a-f]{64})?", ref)
    assert m, f"{ref} is not <repository>:<tag>[@sha256:<digest>]"
    assert m["repo"].rsplit("/", 1)[-1].startswith("litellm"), ref
    assert m["tag"] in (f"v{version}", version), f"{ref} is not LiteLLM {version}"


@requires_upstream
def test_the_litellm_pin_is_the_version_whose_config_facts_were_read():
    assert integration_litellm_version() == "1.109.1"
    assert "## LiteLLM proxy 1.109.1" in (UPSTREAM / "facts.md").read_text()
    for bad in ("ghcr.io/berriai/litellm:latest", "ghcr.io/berriai/litellm:main-v1.109.1",
                "ghcr.io/berriai/litellm-non_root:v1.108.0", "ghcr.io/berriai/litellm-non_root"):
        with pytest.raises(AssertionError):
            assert_pinned_litellm_image(bad)
    assert_pinned_litellm_image("ghcr.io/berriai/litellm-non_root:v1.109.1@sha256:" + "0" * 64)


def test_deployment_is_pinned_probed_hardened_and_offline_at_start():
    dep = by_kind(objects())["Deployment"]
    pod = dep["spec"]["template"]["spec"]
    [c] = pod["containers"]
    assert_pinned_litellm_image(c["image"])
    # LiteLLM's unauthenticated health endpoints, on the container port named `http` (a named port resolves by name)
    assert c["livenessProbe"]["httpGet"] == {"path": "/health/liveliness", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/health/readiness", "port": "http"}
    assert [p["name"] for p in c["ports"]] == ["http"]
    env = {e["name"]: e for e in c["env"]}
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"]["value"] == "True"
    assert env["OPENAI_API_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "litellm-credentials", "key": "OPENAI_API_KEY"}
    assert all("value" not in e for k, e in env.items() if k.endswith("_KEY"))
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] and sc["runAsNonRoot"] and not sc["allowPrivilegeEscalation"]
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert c["resources"]["requests"] and c["resources"]["limits"]["memory"]
    # `--config` names a file the pod really has: a key of the rendered ConfigMap, under the path its volume is
    # mounted at (a configMap volume projects each key as a file; without `items`, all of them).
    assert c["args"][0] == "--config"
    config_map = by_kind(objects())["ConfigMap"]
    files = {f"{m['mountPath']}/{key}" for m in c["volumeMounts"] for v in pod["volumes"]
             if v["name"] == m["name"] and v.get("configMap", {}).get("name") == config_map["metadata"]["name"]
             for key in config_map["data"]}
    assert c["args"][1] in files, (c["args"][1], files)
    assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"]


def test_prod_is_highly_available_and_dev_is_small():
    prod = by_kind(objects(production=True))
    assert prod["Deployment"]["spec"]["replicas"] == 2
    assert prod["PodDisruptionBudget"]["spec"]["selector"] == prod["Deployment"]["spec"]["selector"]
    anti = prod["Deployment"]["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
    assert anti["requiredDuringSchedulingIgnoredDuringExecution"][0]["topologyKey"] == "kubernetes.io/hostname"
    dev = by_kind(objects(production=False))
    assert dev["Deployment"]["spec"]["replicas"] == 1
    assert "PodDisruptionBudget" not in dev and "affinity" not in dev["Deployment"]["spec"]["template"]["spec"]
    scaled = by_kind(objects(full_spec(replicas=3), production=False))
    assert scaled["Deployment"]["spec"]["replicas"] == 3 and "PodDisruptionBudget" in scaled


def test_config_map_holds_the_config_and_a_change_rolls_the_pods():
    a = by_kind(objects())
    b = by_kind(objects(full_spec(router={"timeout_s": 61})))
    key = "gpu-platform.io/config-sha256"
    assert a["Deployment"]["spec"]["template"]["metadata"]["annotations"][key] != \
        b["Deployment"]["spec"]["template"]["metadata"]["annotations"][key]
    assert a["Secret"]["stringData"] == {"LITELLM_MASTER_KEY": "[secret]", "OPENAI_API_KEY": "[secret]"}


def test_config_map_holds_what_litellm_reads():
    """Read back as LiteLLM 1.109.1 reads config.yaml (facts.md): the model groups and where each is served, the
    router's fallback chains, and keys only by `os.environ/<NAME>` reference to the pod's Secret-backed env."""
    # The component refuses to deploy without a key for every API-key provider in use: give all of them.
    keys = ("LITELLM_MASTER_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY")
    objs = by_kind(rp.proxy_objects(full_spec(), TARGETS, region="us-west-2", production=True,
                                    secret_values={k: "[secret]" for k in keys}))
    config = yaml.safe_load(objs["ConfigMap"]["data"]["config.yaml"])
    assert set(config) <= {"model_list", "litellm_settings", "router_settings", "general_settings",
                           "environment_variables"}
    served = {m["model_name"]: m["litellm_params"] for m in config["model_list"]}
    assert {name: (p["model"], p.get("api_base"), p.get("api_key"), p.get("aws_region_name"))
            for name, p in served.items()} == {
        "llama": ("hosted_vllm/meta-llama/Llama-3.1-8B-Instruct", "http://llama.models.svc.cluster.local:8000/v1",
                  None, None),
        "qwen": ("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", "http://qwen.models.svc.cluster.local:8000/v1", None, None),
        "gpt": ("openai/gpt-4o-mini", None, "os.environ/OPENAI_API_KEY", None),
        "claude": ("anthropic/claude-3-5-haiku-latest", "https://egress.example.com/anthropic",
                   "os.environ/ANTHROPIC_API_KEY", None),
        "or-llama": ("openrouter/meta-llama/llama-3.1-70b-instruct", None, "os.environ/OPENROUTER_API_KEY", None),
        "br-claude": ("bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0", None, None, "us-east-1"),
        "br-titan": ("bedrock/amazon.titan-text-premier-v1:0", None, None, "us-east-1"),
    }
    assert served["gpt"]["timeout"] == 60  # the model's own timeout_s
    info = {m["model_name"]: m.get("model_info", {}).get("max_input_tokens") for m in config["model_list"]}
    assert (info["llama"], info["gpt"], info["qwen"]) == (8192, 128000, None)  # what context-window fallback reads
    router = config["router_settings"]
    assert set(router) <= ROUTER_KEYS  # anything else is dropped with only a warning
    assert router["fallbacks"] == [{"llama": ["br-claude", "gpt"]}, {"qwen": ["claude", "or-llama"]}]
    assert router["context_window_fallbacks"] == [{"llama": ["gpt"]}]
    assert config["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"
    assert set(config["general_settings"]) <= GENERAL_KEYS
    assert config["litellm_settings"]["callbacks"] == ["prometheus"]
    # Every referenced variable is in the container's env, from the credentials Secret.
    [c] = objs["Deployment"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in c["env"]}
    for name in keys:
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": "litellm-credentials", "key": name}


def test_secret_env_names_follow_the_providers_in_use():
    assert rp.secret_env_names(full_spec()) == ["LITELLM_MASTER_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
                                                "OPENROUTER_API_KEY"]
    assert rp.secret_env_names(FallbackSpec()) == ["LITELLM_MASTER_KEY"]


# ------------------------------------------------------------------------------------------------ Bedrock IAM
def test_bedrock_policy_is_scoped_to_the_chosen_models():
    policy = json.loads(rp.bedrock_policy(full_spec(), region="us-west-2", account_id="123456789012"))
    [stmt] = policy["Statement"]
    assert stmt["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert stmt["Resource"] == sorted([
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-premier-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
    ])
    assert "*" not in stmt["Action"] and all(r != "*" for r in stmt["Resource"])
    assert rp.bedrock_policy(FallbackSpec(), region="us-west-2", account_id="1") is None


# ------------------------------------------------------------------------------------------------ scale to zero
def test_wake_query_is_valid_promql_on_the_proxy_request_counter():
    q = rp.wake_query('odd"name')
    promql_parser.parse(q)
    assert rp.WAKE_METRIC in q and 'requested_model="odd\\"name"' in q and q.endswith("or vector(0)")


@requires_upstream
def test_wake_trigger_fits_a_keda_scaled_object():
    trigger = rp.wake_trigger("qwen")
    assert trigger["metadata"]["activationThreshold"] == "0"
    assert trigger["metadata"]["serverAddress"] == PROMETHEUS_URL
    scaled_object = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "qwen", "namespace": "models"},
        "spec": {"scaleTargetRef": {"name": "qwen"}, "minReplicaCount": 0, "maxReplicaCount": 2,
                 "triggers": [trigger]},
    }
    assert_valid_crd(scaled_object)


def test_model_wake_query_reads_the_counter_and_label_the_proxy_exports():
    """ModelDeployment's KEDA wake-up query and the proxy must agree on the metric and on the model group label
    (the served name); the integration test checks that the running proxy exports exactly this series."""
    from gpu_platform.render import model as rm

    from gpu_platform.spec import ModelSpec

    query = rm.wake_query(ModelSpec(name="qwen", model="Qwen/Qwen2.5-7B-Instruct", served_name="qwen2.5-7b-instruct"))
    promql_parser.parse(query)
    assert rp.WAKE_METRIC in query and 'requested_model="qwen2.5-7b-instruct"' in query
