"""The plain `deployment` backend, object by object: the Deployment that runs `vllm serve`, the Service the proxy
calls, the canary beside them, and the names the component registers them under.

Every expected value is written out by hand: label keys in the platform's `gpu-platform.io` domain, vLLM 0.33.0's
command line and `GET /health` (facts.md), Kubernetes' own field spellings and defaults.
"""

from __future__ import annotations

import dataclasses

from gpu_platform.render import model as rm
from gpu_platform.sizing import size_model
from gpu_platform.sizing.startup import ColdStart
from gpu_platform.spec.model import ModelSpec
from support import selects

CHAT = {
    "name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "revision": "0e9e39f", "gpu_class": "l40s",
    "backend": "deployment", "canary": {"revision": "1a2b3c4", "traffic_percent": 10, "replicas": 2},
    # May sit at zero: the main Deployment's readiness is then nothing `pulumi up` can wait for; the canary's is.
    "autoscaling": {"min_replicas": 0, "max_replicas": 2, "scale_to_zero": True},
}
MODEL, GROUP, ROLE = "gpu-platform.io/model", "gpu-platform.io/model-group", "gpu-platform.io/model-role"
OURS = {"app.kubernetes.io/managed-by": "gpu-platform"}
HEALTH = {"path": "/health", "port": 8080, "scheme": "HTTP"}  # vLLM: GET /health is 200 while the engine lives


def rendered(data=CHAT, environment="prod", sizing=None):
    spec = ModelSpec(**data)
    out = rm.render_model(spec, sizing or size_model(spec), environment=environment, region="us-east-1",
                          with_hf_token=True)
    return dict(out.objects), [part for part, _ in out.objects]


def server(dep):
    [container] = dep["spec"]["template"]["spec"]["containers"]
    return container


def test_the_component_registers_the_backend_objects_under_stable_part_names():
    """The component names each object `<model>-<part>`: a renamed part is a new Pulumi resource, so an upgrade would
    delete the live ScaledObject (and the replica count KEDA set) and create another."""
    objects, parts = rendered()
    backend = [p for p in parts if p in ("deployment", "service", "scaledobject", "canary", "canary-service")]
    assert backend == ["deployment", "service", "scaledobject", "canary", "canary-service"]
    assert [objects[p]["kind"] for p in backend] == ["Deployment", "Service", "ScaledObject", "Deployment", "Service"]
    assert [objects[p]["metadata"]["name"] for p in backend] == ["chat", "chat", "chat", "chat-canary", "chat-canary"]
    # The ScaledObject scales the main Deployment with prod's 15-minute scale-down window (5 minutes elsewhere).
    scaled = objects["scaledobject"]["spec"]
    assert scaled["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "chat"}
    assert scaled["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 900
    staging, _ = rendered(environment="staging")
    assert staging["scaledobject"]["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"][
        "stabilizationWindowSeconds"] == 300


def test_the_container_runs_vllm_serve_on_the_port_the_service_targets():
    """`vllm serve <model_tag>` (positional model, facts.md) on 8080 instead of vLLM's default 8000; the port is
    named `http`, which the Service's targetPort names."""
    objects, _ = rendered()
    container = server(objects["deployment"])
    assert container["name"] == "vllm"
    assert container["image"] == "vllm/vllm-openai:v0.33.0"  # the upstream image at the vLLM version facts.md pins
    assert container["command"] == ["vllm", "serve"]
    assert container["args"] == [
        "meta-llama/Llama-3.1-8B-Instruct", "--served-model-name=chat", "--dtype=bfloat16", "--max-model-len=8192",
        "--gpu-memory-utilization=0.92", "--tensor-parallel-size=1", "--enable-prefix-caching", "--revision=0e9e39f",
        "--port=8080",
    ]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["startupProbe"]["httpGet"] == HEALTH
    assert container["readinessProbe"] == {"httpGet": HEALTH, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3}
    assert container["livenessProbe"] == {"httpGet": HEALTH, "periodSeconds": 30, "timeoutSeconds": 10, "failureThreshold": 5}
    assert objects["service"] == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "chat", "namespace": "models", "labels": {**OURS, MODEL: "chat"}},
        "spec": {
            "type": "ClusterIP",  # reached only in-cluster, as http://chat.models.svc.cluster.local/v1
            "selector": {MODEL: "chat"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def test_each_service_selects_its_own_pods_and_nothing_else():
    """The proxy splits traffic between `chat` and `chat-canary` by Service: each must select exactly its own
    Deployment's pods, which carry the labels the selectors, spread constraints and PodMonitor match on."""
    objects, _ = rendered()
    for part, svc_part, name in [("deployment", "service", "chat"), ("canary", "canary-service", "chat-canary")]:
        dep = objects[part]
        labels = dep["spec"]["template"]["metadata"]["labels"]
        assert labels == {**OURS, MODEL: name, GROUP: "chat", ROLE: "server",
                          "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": name}
        assert dep["spec"]["selector"] == {"matchLabels": {MODEL: name}}
        assert objects[svc_part]["metadata"] == {"name": name, "namespace": "models", "labels": {**OURS, MODEL: name}}
        assert objects[svc_part]["spec"]["selector"] == {MODEL: name}
        spread = dep["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert [(c["topologyKey"], c["labelSelector"]) for c in spread] == [
            ("topology.kubernetes.io/zone", {"matchLabels": {MODEL: name}}),
            ("kubernetes.io/hostname", {"matchLabels": {MODEL: name}}),
        ]
        assert dep["spec"]["template"]["metadata"]["annotations"] == {"karpenter.sh/do-not-disrupt": "true"}
    main_pods = objects["deployment"]["spec"]["template"]["metadata"]["labels"]
    canary_pods = objects["canary"]["spec"]["template"]["metadata"]["labels"]
    assert not selects(objects["service"]["spec"]["selector"], canary_pods)
    assert not selects(objects["canary-service"]["spec"]["selector"], main_pods)
    assert selects(objects["metrics"]["spec"]["selector"]["matchLabels"], main_pods)
    assert selects(objects["metrics"]["spec"]["selector"]["matchLabels"], canary_pods)


def test_the_canary_runs_its_revision_with_the_models_token_at_a_fixed_replica_count():
    objects, _ = rendered()
    main, canary = objects["deployment"], objects["canary"]
    assert "replicas" not in main["spec"]  # KEDA owns the main count
    assert canary["spec"]["replicas"] == 2  # canary.replicas: fixed, not autoscaled
    args = server(canary)["args"]
    assert "--revision=1a2b3c4" in args and "--revision=0e9e39f" not in args
    token = {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "chat-hf-token", "key": "HF_TOKEN"}}}
    assert token in server(main)["env"] and token in server(canary)["env"]  # a gated repo needs it for either revision
    assert objects["hf-token"]["metadata"]["name"] == "chat-hf-token"


def test_pulumi_waits_for_the_fixed_canary_but_not_for_a_main_deployment_that_may_sit_at_zero():
    """pulumi-kubernetes skips the readiness wait with `pulumi.com/skipAwait`; `pulumi.com/timeoutSeconds` replaces
    its 10-minute default. Modelled cold start of an 8B model from the Hub on a fresh g6e.xlarge: node 150 s + image
    67 s + weights 75 s + warm-up 68 s = 360 s, plus a 300 s margin."""
    objects, _ = rendered()
    assert objects["deployment"]["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}
    assert objects["canary"]["metadata"]["annotations"] == {"pulumi.com/timeoutSeconds": "660"}
    always_up, _ = rendered({**CHAT, "autoscaling": {"min_replicas": 1, "max_replicas": 2}})
    assert always_up["deployment"]["metadata"]["annotations"] == {"pulumi.com/timeoutSeconds": "660"}
    for part in ("deployment", "canary"):
        assert objects[part]["metadata"]["labels"] == {**OURS, GROUP: "chat"}


def test_the_rollout_deadline_covers_node_image_and_startup_probe_budget_never_below_kubernetes_default():
    """The Deployment controller reports ProgressDeadlineExceeded when a new pod is not ready in time: a GPU replica
    needs a node, the image and its whole startup-probe budget. Kubernetes' default deadline is 600 s."""
    spec = ModelSpec(**CHAT)
    base = size_model(spec)
    # 8B from the Hub: budget 346 s + node 150 s + image 67 s = 563 s, under the default: keep 600.
    objects, _ = rendered(sizing=base)
    assert objects["deployment"]["spec"]["progressDeadlineSeconds"] == 600
    slow = dataclasses.replace(base, cold_start=ColdStart(240, 90, 300, 120, "hf-hub", 0.2), startup_budget_s=900)
    objects, _ = rendered(sizing=slow)
    dep = objects["deployment"]
    assert dep["spec"]["progressDeadlineSeconds"] == 900 + 240 + 90
    # The startup probe allows its budget: 900 s in 10 s periods.
    assert server(dep)["startupProbe"] == {"httpGet": HEALTH, "periodSeconds": 10, "timeoutSeconds": 5,
                                           "failureThreshold": 90}
    assert objects["canary"]["metadata"]["annotations"] == {"pulumi.com/timeoutSeconds": str(240 + 90 + 300 + 120 + 300)}
