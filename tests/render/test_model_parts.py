"""The objects a KServe model renders, by part name: the component registers each as `<model>-<part>`, so a renamed
part is a new Pulumi resource (an upgrade would delete the live object and create another). Written out by hand."""

from __future__ import annotations

from gpu_platform.render import model as rm
from gpu_platform.sizing import size_model
from gpu_platform.spec.model import ModelSpec


def parts(spec: ModelSpec, **kw) -> list[tuple[str, str, str]]:
    out = rm.render_model(spec, size_model(spec), environment="prod", region="us-west-2", **kw)
    return [(part, obj["kind"], obj["metadata"]["name"]) for part, obj in out.objects]


def test_an_s3_model_with_headroom_and_an_slo():
    spec = ModelSpec(name="chat", model="s3://weights/llama-3.1-8b/", gpu_class="l40s", ttft_p95_slo_seconds=0.8,
                     headroom_replicas=1, autoscaling={"min_replicas": 2, "max_replicas": 3})
    assert parts(spec) == [
        ("sa", "ServiceAccount", "chat"), ("isvc", "InferenceService", "chat"),
        ("scaledobject", "ScaledObject", "chat"), ("pdb", "PodDisruptionBudget", "chat"),
        ("headroom", "Deployment", "chat-headroom"), ("metrics", "PodMonitor", "chat-vllm"),
        ("slo", "PrometheusRule", "slo-chat")]


def test_a_hugging_face_model_with_a_canary():
    spec = ModelSpec(name="chat", model="meta-llama/Llama-3.1-8B-Instruct", revision="0e9e39f", gpu_class="l40s",
                     canary={"revision": "1a2b3c4", "traffic_percent": 10, "replicas": 2},
                     autoscaling={"min_replicas": 2, "max_replicas": 3})
    assert parts(spec, with_hf_token=True) == [
        ("hf-token", "Secret", "chat-hf-token"), ("isvc", "InferenceService", "chat"),
        ("scaledobject", "ScaledObject", "chat"), ("canary", "InferenceService", "chat-canary"),
        ("pdb", "PodDisruptionBudget", "chat"), ("canary-pdb", "PodDisruptionBudget", "chat-canary"),
        ("metrics", "PodMonitor", "chat-vllm")]


def test_the_s3_streamer_gets_the_region_it_reads_from():
    """The Run:ai streamer and boto3 take the bucket's region from AWS_REGION / AWS_DEFAULT_REGION."""
    spec = ModelSpec(name="chat", model="s3://weights/llama-3.1-8b/", gpu_class="l40s")
    out = rm.render_model(spec, size_model(spec), environment="prod", region="eu-central-1")
    [isvc] = [obj for part, obj in out.objects if part == "isvc"]
    env = {e["name"]: e.get("value") for e in isvc["spec"]["predictor"]["model"]["env"]}
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("eu-central-1", "eu-central-1")


def test_the_server_runs_offline_of_usage_reporting():
    """vLLM's usage-stats reporting is off (VLLM_NO_USAGE_STATS=1, DO_NOT_TRACK=1: vllm/usage/usage_lib.py reads
    both), and HOME is the writable mount (the root filesystem is read-only)."""
    spec = ModelSpec(name="chat", model="s3://weights/llama-3.1-8b/", gpu_class="l40s")
    out = rm.render_model(spec, size_model(spec), environment="prod", region="us-west-2")
    [isvc] = [obj for part, obj in out.objects if part == "isvc"]
    env = {e["name"]: e.get("value") for e in isvc["spec"]["predictor"]["model"]["env"]}
    assert (env["VLLM_NO_USAGE_STATS"], env["DO_NOT_TRACK"], env["HOME"]) == ("1", "1", "/home/vllm")
