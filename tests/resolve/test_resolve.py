"""resolve(): the checks that relate one section of the spec to another (a model's pool, capacity, operators and
names; the fallback graph; the endpoint's access path; zones in the region), each problem named by its field path,
every problem in one run, and every model sized once."""

from __future__ import annotations

import pytest

from gpu_platform.resolve import resolve
from gpu_platform.spec import SpecError

BASE = {"environment": "dev", "region": "us-west-2", "cluster": {"name": "gpu-test"}}
QWEN = {"name": "qwen", "model": "Qwen/Qwen2.5-7B-Instruct"}


def merged(**overrides):
    return {**BASE, **overrides}


def problems(doc) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        resolve(doc)
    return dict(info.value.problems)


def platform_problems(models, **extra):
    return problems({**BASE, **extra, "models": models})


_POOL = {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 16}}]}
_MODEL = {"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu_class": "l40s"}


def test_a_model_named_like_anothers_canary_is_refused_before_anything_is_registered():
    """`chat` with a canary creates InferenceService chat-canary (and its Deployment chat-canary-predictor);
    a second model named chat-canary would be the same objects."""
    doc = merged(gpu=_POOL, models=[
        {**_MODEL, "canary": {"revision": "1a2b3c4", "traffic_percent": 10}},
        {**_MODEL, "name": "chat-canary", "served_name": "chat-next"},
    ])
    assert problems(doc) == {
        "models[1].name": "'chat-canary' would create 'chat-canary' in namespace models, which models[0] (chat) "
        "already creates; rename one of them"
    }


def test_a_deployment_model_named_like_a_kserve_predictor_is_refused():
    doc = merged(gpu=_POOL, models=[
        _MODEL, {**_MODEL, "name": "chat-predictor", "served_name": "p", "backend": "deployment"},
    ])
    assert "models[1].name" in problems(doc)
    # In another namespace the same names are fine.
    ok = merged(gpu=_POOL, models=[
        _MODEL, {**_MODEL, "name": "chat-predictor", "served_name": "p", "backend": "deployment", "namespace": "team-b"},
    ])
    assert len(resolve(ok).spec.models) == 2


def test_replicas_that_could_never_schedule_are_refused():
    """The l40s pool below runs at most 3 GPUs (on-demand only). 3 single-GPU replicas fit, but at max replicas a
    rolling update's surge replica (maxSurge 1) would be a 4th that never schedules: the rollout waits forever."""
    pool = {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 3}}]}
    doc = merged(gpu=pool, models=[{**_MODEL, "autoscaling": {"min_replicas": 1, "max_replicas": 3}}])
    assert problems(doc) == {
        "models[0].autoscaling.max_replicas": "4 replicas (max_replicas, canary, and headroom or a rollout's surge) × "
        "1 GPUs = 4 GPUs, above the l40s pools' ceiling of 3: they could never all schedule (at max replicas a "
        "rolling update would wait forever); lower max_replicas or raise the pool's limits.gpus"
    }
    ok = merged(gpu=pool, models=[{**_MODEL, "autoscaling": {"min_replicas": 1, "max_replicas": 2}}])
    assert resolve(ok).spec.models[0].autoscaling.max_replicas == 2
    # A ReadWriteOnce cache recreates instead of surging (one replica at most): 1 fits a 1-GPU pool.
    one = {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 1}}]}
    cached = merged(gpu=one, models=[{**_MODEL, "cache": {"size_gib": 40},
                                      "autoscaling": {"min_replicas": 1, "max_replicas": 1}}])
    assert resolve(cached).spec.models[0].cache.size_gib == 40


def _private(cidrs, tgw=None, vpc="10.30.0.0/16"):
    endpoint = {"public": False, "private_access_cidrs": cidrs, **({"transit_gateway_id": tgw} if tgw else {})}
    return merged(cluster={"name": "gpu-test", "endpoint": endpoint}, network={"vpc_cidr": vpc})


def test_a_private_endpoint_needs_a_route_from_every_access_network():
    """prod listed VPN and CI ranges the VPC had no route to: nothing could reach its private-only API."""
    assert problems(_private(["10.100.0.0/16"])) == {
        "cluster.endpoint.private_access_cidrs[0]": "10.100.0.0/16 is outside the VPC (10.30.0.0/16) and nothing "
        "routes it there: set cluster.endpoint.transit_gateway_id (the platform attaches the VPC and adds the "
        "routes), or run `pulumi up` from inside the VPC and list the VPC's own range"
    }
    assert resolve(_private(["10.100.0.0/16"], tgw="tgw-0123456789abcdef0")).spec
    assert resolve(_private(["10.30.64.0/20"])).spec  # runners inside the VPC
    around = problems(_private(["10.0.0.0/8"], tgw="tgw-0123456789abcdef0"))
    assert around == {"cluster.endpoint.private_access_cidrs[0]": "10.0.0.0/8 contains the VPC's own range "
                      "(10.30.0.0/16): list the networks that need the API (the VPN's, the CI runners') rather than "
                      "a range the VPC overlaps"}


def test_zones_must_exist_in_the_region():
    """us-west-2 has zones a-d (AWS Regions and Availability Zones); the offline plan used to invent a-f anywhere."""
    found = problems(merged(network={"az_count": 2, "availability_zones": ["us-west-2a", "us-west-2e"]}))
    assert found == {"network.availability_zones[1]": "'us-west-2e' is not a zone of us-west-2 (it has us-west-2a, "
                                                        "us-west-2b, us-west-2c, us-west-2d)"}
    assert problems(merged(network={"az_count": 5})) == {
        "network.az_count": "us-west-2 has 4 availability zones, not 5"}


def test_a_pool_hosting_multi_node_models_must_not_expire_nodes():
    pool = {"name": "h100", "gpu_class": "h100", "capacity": "on_demand", "min_gpus_per_node": 8,
            "limits": {"gpus": 32}}
    model = {"name": "big", "model": "s3://weights/llama-3.1-405b-instruct", "gpu_class": "h100",
             "autoscaling": {"min_replicas": 1, "max_replicas": 1}}
    found = problems(merged(gpu={"node_pools": [pool], "al2023": {"ami_version": "v20251112"}}, models=[model]))
    assert found == {"gpu.node_pools[0].disruption.expire_after": (
        "720h: the pool hosts models[0] (big), whose replicas span 2 nodes created together; Karpenter expires nodes "
        "regardless of disruption budgets, so they would all go at once. Set Never (AMI updates then roll one node "
        "at a time through drift)")}
    never = {**pool, "disruption": {"expire_after": "Never"}}
    assert resolve(merged(gpu={"node_pools": [never], "al2023": {"ami_version": "v20251112"}},
                                              models=[model])).spec


def test_every_cross_check_problem_is_reported_in_one_run():
    """One run names all of them: two models' problems and a zone outside the Region, not one per run."""
    doc = merged(
        network={"az_count": 2, "availability_zones": ["us-west-2a", "us-west-2z"]},
        gpu={"node_pools": [{"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 2}}]},
        models=[{**_MODEL, "autoscaling": {"min_replicas": 1, "max_replicas": 5}},
                {**_MODEL, "name": "other", "served_name": "chat"}],
    )
    assert set(problems(doc)) == {
        "models[0].autoscaling.max_replicas", "models[1].served_name", "network.availability_zones[1]",
    }


def test_a_model_too_large_fails_naming_the_field_with_numbers():
    p = platform_problems([{"name": "big", "model": "s3://weights/llama-3.1-405b", "instance_type": "g6e.xlarge"}])
    (path, message), = p.items()
    assert path == "models[0].instance_type"
    assert "needs" in message and "GiB" in message and "g6e.xlarge" in message


def test_duplicate_names_and_served_names():
    p = platform_problems([QWEN, {**QWEN, "model": "Qwen/Qwen2.5-3B-Instruct"}])
    assert p == {"models[1].name": "'qwen' is already used by models[0]"}
    p = platform_problems([{**QWEN, "served_name": "chat"}, {"name": "other", "model": "Qwen/Qwen2.5-3B-Instruct",
                                                             "served_name": "chat"}])
    assert list(p) == ["models[1].served_name"]


def test_cache_too_small_for_the_weights():
    p = platform_problems([{**QWEN, "cache": {"size_gib": 10}, "autoscaling": {"max_replicas": 1}}])
    (path, message), = p.items()
    assert path == "models[0].cache.size_gib" and "cannot hold" in message


def test_production_refuses_fast_scale_down():
    prod = {"environment": "prod", "cluster": {"name": "gpu-test", "endpoint": {"public": False, "private_access_cidrs": ["10.100.0.0/16"], "transit_gateway_id": "tgw-0123456789abcdef0"}}}
    p = platform_problems([{**QWEN, "autoscaling": {"scale_down_stabilization_seconds": 120}}], **prod)
    # Every problem in one run: the fast scale-down and, as this prod model has no fallback chain, that too.
    assert list(p) == ["models[0].autoscaling.scale_down_stabilization_seconds", "fallback.chains"]


def test_gpu_class_must_have_a_node_pool():
    gpu = {"node_pools": [{"name": "l4", "gpu_class": "l4"}]}
    p = platform_problems([{**QWEN, "gpu_class": "l40s"}], gpu=gpu)
    (path, message), = p.items()
    assert path == "models[0].gpu_class" and "no GPU node pool offers l40s" in message
    spec = resolve({**BASE, "gpu": gpu, "models": [QWEN]}).spec
    assert spec.models[0].name == "qwen"


def test_backend_needs_its_operator():
    p = platform_problems([{**QWEN, "backend": "kserve"}], operators={"kserve": {"enabled": False}})
    assert list(p) == ["models[0].backend"]


def test_keda_autoscaling_needs_prometheus():
    ops = {"monitoring": {"enabled": False, "grafana": {"enabled": False}, "alertmanager": {"enabled": False}}}
    p = platform_problems([QWEN], operators=ops)
    assert list(p) == ["operators.monitoring.enabled"] and "qwen" in p["operators.monitoring.enabled"]


def test_every_model_is_sized_once_per_program_run(monkeypatch):
    """resolve() is the one place sizing runs: the program resolves the stack once and hands the resolved models to
    deploy_models, so no component sizes a model again (three call sites used to size each model three times)."""
    import gpu_platform.sizing.pools as pools
    from gpu_platform.config import load_stack
    from gpu_platform.plan import run_program
    from gpu_platform.plan.runner import program_for

    calls: list[str] = []
    real = pools.size_model  # what every sizing path runs (size_for_platform → size_model)
    monkeypatch.setattr(pools, "size_model", lambda m, offered: calls.append(m.name) or real(m, offered))
    cfg, resolved = load_stack("prod")
    assert sorted(calls) == sorted(m.spec.name for m in resolved.models) and len(calls) >= 2
    calls.clear()
    secrets = {f"gpu-platform:{k}": "x" for k in ("openaiApiKey", "anthropicApiKey", "hfToken")}
    run_program(program_for(None), project="gpu-platform", stack=cfg.name, config={**cfg.values, **secrets},
                secret_keys=tuple(secrets))
    assert sorted(calls) == sorted(m.spec.name for m in resolved.models)
