"""The RayService's Ray Serve config (`serveConfigV2`) and the Ray NetworkPolicy, pinned whole.

The Sizing is written out by hand (not sized), so every value below is worked from the inputs:
- Ray Serve's ServeApplicationSchema reads `name`, `route_prefix`, `import_path` and `args`; `args.llm_configs` is
  the list of LLMConfig dicts `ray.serve.llm:build_openai_app` builds the OpenAI app from (Ray 2.56.0).
- KubeRay 1.7.0 stores `serveConfigV2` as a string (facts.md) and resubmits it when the string changes, so its text
  is pinned too: keys in the order written (application name first), not sorted.
- KubeRay polls the head on the dashboard port 8265 (facts.md) and the dashboard agent's 52365
  (ray-operator controllers/ray/utils/constant.go: DefaultDashboardAgentListenPort).
"""

from __future__ import annotations

import yaml

from gpu_platform.render.model.ray import ray_internal_policy, serve_config
from gpu_platform.sizing import Cost, Sizing
from gpu_platform.sizing.startup import ColdStart
from gpu_platform.spec.model import Backend, ModelSpec
from support import assert_valid_builtin, chart_values, requires_upstream

SPEC = ModelSpec(name="big", model="s3://weights/llama-3.1-70b-instruct/", gpu_class="l40s", pipeline_parallel_size=2,
                 autoscaling={"min_replicas": 1, "max_replicas": 3, "target_waiting_requests": 5})
SIZING = Sizing(
    name="big", architecture="llama-3.1-70b", backend=Backend.RAYSERVICE, gpu_class="l40s",
    instance_type="g6e.12xlarge", gpus_per_node=4, tensor_parallel_size=4, pipeline_parallel_size=2, dtype="bfloat16",
    context_length=8192, concurrency=32, gpu_memory_utilization=0.92, weights_gib=131.5, kv_cache_gib=80.0,
    kv_bytes_per_token=327680.0, overhead_gib_per_gpu=2.5, need_gib_per_gpu=29.44, usable_gib_per_gpu=40.05,
    kv_token_capacity=250000, cpu=44, memory_gib=360, shm_gib=16, streamer_memory_gib=8,
    cold_start=ColdStart(node_s=150, image_s=90, weights_s=40, warmup_s=120, source="s3-stream", source_gibps=1.5),
    startup_budget_s=600,
    cost=Cost(on_demand_hourly_min=2.5, on_demand_hourly_max=10.0, spot_hourly_min=1.125, spot_hourly_max=4.5,
              prices_as_of="2025-08"),
    min_replicas=1, max_replicas=3, pool="l40s",
)

SERVE_CONFIG = """\
applications:
- name: big
  route_prefix: /
  import_path: ray.serve.llm:build_openai_app
  args:
    llm_configs:
    - model_loading_config:
        model_id: big
        model_source: s3://weights/llama-3.1-70b-instruct/
      accelerator_type: L40S
      engine_kwargs:
        dtype: bfloat16
        max_model_len: 8192
        gpu_memory_utilization: 0.92
        tensor_parallel_size: 4
        pipeline_parallel_size: 2
        enable_prefix_caching: true
        load_format: runai_streamer
      deployment_config:
        autoscaling_config:
          min_replicas: 1
          max_replicas: 3
          target_ongoing_requests: 40
          upscale_delay_s: 30
          downscale_delay_s: 300
      runtime_env:
        env_vars:
          VLLM_NO_USAGE_STATS: '1'
          DO_NOT_TRACK: '1'
      placement_group_config:
        bundle_per_worker:
          GPU: 1
          CPU: 11
        strategy: PACK
"""
# target_ongoing_requests: 5 waiting per replica × 8; downscale: 300 s outside prod; CPU per bundle: 44 cores over
# the pod's 4 GPUs (one bundle per engine worker); accelerator: Ray's name for the L40S; the S3 weights stream.


def test_the_serve_config_is_the_openai_app_over_vllm_whole():
    config = serve_config(SPEC, SIZING, "dev")
    assert yaml.safe_load(config) == yaml.safe_load(SERVE_CONFIG)
    assert config == SERVE_CONFIG


def test_the_serve_config_scales_down_slowly_in_prod():
    [app] = yaml.safe_load(serve_config(SPEC, SIZING, "prod"))["applications"]
    [llm] = app["args"]["llm_configs"]
    assert llm["deployment_config"]["autoscaling_config"]["downscale_delay_s"] == 900


def test_the_ray_policy_admits_only_the_clusters_own_pods_and_kuberays_polls():
    own = {"matchLabels": {"gpu-platform.io/model": "big"}}
    policy = ray_internal_policy(SPEC)
    assert policy == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "big-ray", "namespace": "models",
                     "labels": {"app.kubernetes.io/managed-by": "gpu-platform"}},
        "spec": {
            "podSelector": own,
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": [{"podSelector": own}]},
                {"from": [{"namespaceSelector": {},
                           "podSelector": {"matchLabels": {"app.kubernetes.io/name": "kuberay-operator"}}}],
                 "ports": [{"protocol": "TCP", "port": 8265}, {"protocol": "TCP", "port": 52365}]},
            ],
            "egress": [{"to": [{"podSelector": own}]}],
        },
    }
    # The API server refuses `INGRESS` / `tcp` (case-sensitive enums); kubernetes-validate's schema does not
    # check them, so the exact values above are what pins them.
    assert_valid_builtin(policy)


@requires_upstream
def test_the_operator_label_the_policy_admits_is_the_charts():
    """The chart names its pods after nameOverride (app.kubernetes.io/name)."""
    assert chart_values("kuberay-operator")["nameOverride"] == "kuberay-operator"
