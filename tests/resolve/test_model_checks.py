"""Per-model checks on a platform, at their boundaries, with hand-worked numbers."""

from __future__ import annotations

import pytest

from gpu_platform.resolve import resolve
from gpu_platform.spec import SpecError

BASE = {"environment": "prod", "region": "us-west-2", "cluster": {"name": "gpu-x"},
        "gpu": {"node_pools": [{"name": "l40s", "gpu_class": "l40s", "capacity": "on_demand", "limits": {"gpus": 4}}],
                "al2023": {"ami_version": "v20251112"}},
        "fallback": {"providers": {"openai": {}}, "external_models": [
            {"name": "gpt", "provider": "openai", "model": "gpt-4o-mini"}],
            "chains": [{"group": "chat", "fallbacks": ["gpt"]}]}}
MODEL = {"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "revision": "0e9e39f", "gpu_class": "l40s",
         "served_name": "chat", "autoscaling": {"min_replicas": 2, "max_replicas": 2,
                                                "scale_down_stabilization_seconds": 600}}


def test_a_canarys_replicas_count_against_the_pools_ceiling():
    """2 replicas + 2 canary replicas + 1 surge replica of a rolling update = 5 one-GPU pods on a 4-GPU pool."""
    with pytest.raises(SpecError) as info:
        resolve({**BASE, "models": [{**MODEL, "canary": {"revision": "1a2b3c4", "traffic_percent": 10,
                                                         "replicas": 2}}]})
    assert info.value.problems == [(
        "models[0].autoscaling.max_replicas",
        "5 replicas (max_replicas, canary, and headroom or a rollout's surge) × 1 GPUs = 5 GPUs, above the l40s "
        "pools' ceiling of 4: they could never all schedule (at max replicas a rolling update would wait forever); "
        "lower max_replicas or raise the pool's limits.gpus")]


def test_prod_scale_down_window_is_at_least_ten_minutes_inclusive():
    resolved = resolve({**BASE, "models": [MODEL]})
    assert resolved.models[0].spec.autoscaling.scale_down_stabilization_seconds == 600
    with pytest.raises(SpecError) as info:
        resolve({**BASE, "models": [{**MODEL, "autoscaling": {**MODEL["autoscaling"],
                                                              "scale_down_stabilization_seconds": 599}}]})
    assert info.value.problems == [("models[0].autoscaling.scale_down_stabilization_seconds",
                                    "must be ≥ 600 in prod (got 599): a replica costs minutes to bring back")]


def test_the_kv_cache_holds_what_memory_is_left_after_the_weights():
    """L40S at 0.92: 40.94 GiB usable − 14.957 GiB of weights − 1.5 GiB runtime = 24.483 GiB; at 128 KiB per token
    (32 layers × 8 KV heads × 128 × 2 × 2 B) that is 200,564 tokens. The sizing reports the spec's cache need
    (8 × 8,192 tokens = 8 GiB) to the hundredth and the utilisation it sized with."""
    s = resolve({**BASE, "models": [MODEL]}).models[0].sizing
    assert (s.kv_token_capacity, s.kv_cache_gib, s.gpu_memory_utilization) == (200564, 8.0, 0.92)
