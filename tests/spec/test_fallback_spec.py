"""FallbackSpec: providers need credentials, chains name known groups, no cycles, prod models need a chain."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.resolve import resolve
from gpu_platform.spec import SpecError, validate_spec
from gpu_platform.spec.fallback import ChainSpec, FallbackSpec, Provider, find_cycle
from branches import reaches

OPENAI = {"providers": {"openai": {}}, "external_models": [{"name": "gpt", "provider": "openai", "model": "gpt-4o-mini"}]}


def problems(data, model=FallbackSpec):
    with pytest.raises(SpecError) as info:
        validate_spec(model, data, prefix="fallback")
    return info.value.problems


def test_defaults_are_valid_and_safe():
    spec = FallbackSpec()
    assert spec.enabled and spec.metrics
    assert spec.router.num_retries == 0 and spec.router.retry_policy.timeout == 0
    assert spec.router.allowed_fails >= 1 and spec.router.cooldown_time_s > 0


@pytest.mark.parametrize("provider", ["openai", "anthropic", "openrouter", "bedrock"])
def test_provider_without_credentials_is_named(provider):
    model = "anthropic.claude-3-5-haiku-20241022-v1:0" if provider == "bedrock" else "m"
    got = problems({"external_models": [{"name": "cloud", "provider": provider, "model": model}]})
    assert got[0][0] == "fallback.external_models[0].provider"
    assert "no credentials" in got[0][1] and f"providers.{provider}" in got[0][1]


def test_secret_key_defaults_and_override():
    spec = FallbackSpec.model_validate(
        {"providers": {"openai": {}, "anthropic": {"api_key_secret": "claudeKey"}, "bedrock": {}}}
    )
    assert spec.providers.secret_key(Provider.OPENAI) == "openaiApiKey"
    assert spec.providers.secret_key(Provider.ANTHROPIC) == "claudeKey"
    assert spec.providers.secret_key(Provider.BEDROCK) is None
    assert spec.providers.secret_key(Provider.OPENROUTER) is None


def test_api_key_is_never_a_plain_value_and_api_base_is_https():
    got = problems({"providers": {"openai": {"api_key": "sk-123"}}})
    assert got[0] == ("fallback.providers.openai.api_key", "unknown field (check the spelling; see the configuration reference)")
    got = problems({"providers": {"openai": {"api_base": "http://api.openai.com/v1"}}})
    assert got[0][0] == "fallback.providers.openai.api_base" and "https" in got[0][1]


def test_bedrock_model_id_must_be_a_bedrock_id():
    got = problems({"providers": {"bedrock": {}},
                    "external_models": [{"name": "c", "provider": "bedrock", "model": "claude 3"}]})
    assert got[0][0] == "fallback.external_models[0].model"
    ok = FallbackSpec.model_validate({"providers": {"bedrock": {}}, "external_models": [
        {"name": "c", "provider": "bedrock", "model": "us.anthropic.claude-3-5-haiku-20241022-v1:0"}]})
    assert ok.external_models[0].model.startswith("us.")


def test_duplicate_external_model_names():
    got = problems({**OPENAI, "external_models": OPENAI["external_models"] * 2})
    assert got[0][0] == "fallback.external_models" and "duplicated" in got[0][1]


def test_fallback_cycle_is_named_with_its_path():
    got = problems({**OPENAI, "chains": [
        {"group": "a", "fallbacks": ["b"]},
        {"group": "b", "fallbacks": ["c"]},
        {"group": "c", "fallbacks": ["a", "gpt"]},
    ]})
    assert got[0][0] == "fallback.chains[0].fallbacks"
    assert got[0][1] == "fallback cycle a → b → c → a"


def test_context_window_edges_count_for_cycles_and_self_reference_is_refused():
    got = problems({"chains": [{"group": "a", "context_window_fallbacks": ["b"]}, {"group": "b", "fallbacks": ["a"]}]})
    assert "fallback cycle" in got[0][1]
    got = problems({"chains": [{"group": "a", "fallbacks": ["a"]}]})
    assert got[0][0] == "fallback.chains[0].fallbacks" and "itself" in got[0][1]


def test_two_chains_for_one_group():
    got = problems({**OPENAI, "chains": [{"group": "a", "fallbacks": ["gpt"]}, {"group": "a", "fallbacks": []}]})
    assert got[0][0] == "fallback.chains[1].group"


def test_group_problems_unknown_targets_and_empty_production_chains():
    spec = FallbackSpec.model_validate({**OPENAI, "chains": [
        {"group": "llama", "fallbacks": ["gpt", "gtp"]},
        {"group": "ghost", "fallbacks": ["gpt"]},
        {"group": "qwen", "fallbacks": [], "context_window_fallbacks": ["nope"]},
    ]})
    got = dict(spec.group_problems(["llama", "qwen", "mistral"], production_groups=["llama", "qwen", "mistral"]))
    assert "unknown model group 'gtp'" in got["chains[0].fallbacks[1]"]
    assert "unknown model group 'ghost'" in got["chains[1].group"]
    assert "'nope'" in got["chains[2].context_window_fallbacks[0]"]
    empty = [m for p, m in spec.group_problems(["llama", "qwen", "mistral"], production_groups=["qwen", "mistral"])
             if p == "chains"]
    assert len(empty) == 2 and any("'qwen'" in m for m in empty) and any("'mistral'" in m for m in empty)
    assert spec.group_problems(["llama", "qwen", "ghost"]) == [
        ("chains[0].fallbacks[1]", "unknown model group 'gtp' (known: ghost, gpt, llama, qwen)"),
        ("chains[2].context_window_fallbacks[0]", "unknown model group 'nope' (known: ghost, gpt, llama, qwen)"),
    ]


def test_external_name_clashing_with_a_self_hosted_model():
    spec = FallbackSpec.model_validate(OPENAI)
    assert spec.group_problems(["gpt"])[0][0] == "external_models[0].name"


groups = st.sampled_from(list("abcdefg"))


@reaches("cycle", "acyclic")
@example([("a", ["b", "c"]), ("b", ["c"])])
@example([("a", ["a"])])  # a chain naming itself is dropped below: no cycle
@example([("a", ["b"]), ("b", ["a"])])
@example([("a", ["b"]), ("b", ["c"]), ("c", ["b"])])  # reached from a, the cycle is b -> c -> b
@given(st.lists(st.tuples(groups, st.lists(groups, max_size=3, unique=True)), max_size=7, unique_by=lambda t: t[0]))
def test_find_cycle_agrees_with_reachability(branch, edges):
    chains = [ChainSpec.model_construct(group=g, fallbacks=[t for t in fs if t != g], context_window_fallbacks=[])
              for g, fs in edges]
    graph = {c.group: c.fallbacks for c in chains}

    def leads_to(src, dst):
        seen, todo = set(), list(graph.get(src, []))
        while todo:
            n = todo.pop()
            if n == dst:
                return True
            if n not in seen:
                seen.add(n)
                todo += graph.get(n, [])
        return False

    has_cycle = any(leads_to(g, g) for g in graph)
    branch("cycle" if has_cycle else "acyclic")
    found = find_cycle(chains)
    assert (found is not None) == has_cycle
    if found:
        index, path = found
        assert path[0] == path[-1] and chains[index].group == path[0]
        assert all(b in graph.get(a, []) for a, b in zip(path, path[1:]))


# ------------------------------------------------------------------------------------------------ platform level
def _stack_platform(name: str) -> dict:
    import copy
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parents[2] / "stacks" / f"Pulumi.{name}.yaml"
    config = yaml.safe_load(path.read_text())["config"]
    return copy.deepcopy({**config["gpu-platform:platform"], "region": config["aws:region"]})


def platform_problems(data):
    from gpu_platform.spec import PlatformSpec

    with pytest.raises(SpecError) as info:
        resolve(data).spec
    return info.value.problems


def test_platform_chains_must_name_known_model_groups():
    data = _stack_platform("dev")
    data["fallback"]["chains"][0]["fallbacks"] = ["openrouter-qwen-27b"]
    [(path, message)] = platform_problems(data)
    assert path == "fallback.chains[0].fallbacks[0]"
    assert "unknown model group 'openrouter-qwen-27b'" in message and "qwen2.5-7b-instruct" in message


def test_platform_chain_for_a_model_uses_its_served_name():
    data = _stack_platform("dev")
    data["fallback"]["chains"][0]["group"] = "qwen-7b"  # the deployment name, not what clients send
    [(path, message)] = platform_problems(data)
    assert path == "fallback.chains[0].group" and "'qwen-7b'" in message


def test_every_production_model_needs_a_chain():
    data = _stack_platform("prod")
    data["fallback"]["chains"] = [c for c in data["fallback"]["chains"] if c["group"] != "llama-3.1-405b-instruct"]
    [(path, message)] = platform_problems(data)
    assert path == "fallback.chains" and "'llama-3.1-405b-instruct'" in message
    data["fallback"]["enabled"] = False
    [(path, message)] = platform_problems(data)
    assert path == "fallback.enabled" and "self-hosted GPUs alone" in message


def test_non_production_models_may_go_without_a_chain():
    data = _stack_platform("dev")
    data["fallback"]["chains"] = []
    from gpu_platform.spec import PlatformSpec

    assert resolve(data).spec.fallback.chains == []


def test_unknown_groups_list_the_known_ones_or_say_none():
    from gpu_platform.spec.fallback import FallbackSpec

    spec = FallbackSpec.model_validate({"chains": [{"group": "llama", "fallbacks": ["gpt"]}]})
    assert spec.group_problems(set()) == [
        ("chains[0].group", "unknown model group 'llama' (known: none)"),
        ("chains[0].fallbacks[0]", "unknown model group 'gpt' (known: none)")]
