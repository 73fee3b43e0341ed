"""Model render: every object validates against upstream CRDs / Kubernetes schemas, vLLM args are 0.33-valid,
autoscaling is fast up and slow down, pods are shaped and locked down."""

from __future__ import annotations

import itertools

import promql_parser
import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.render import model as rm
from gpu_platform.render.labels import GPU_CLASS_LABEL, MONITORING_NAMESPACE, PROMETHEUS_URL, PROXY_NAMESPACE
from gpu_platform.sizing import size_model
from gpu_platform.spec.model import Backend, ModelSpec
from branches import reaches
from support import assert_valid_builtin, assert_valid_crd, assert_valid_object, requires_upstream, selects
from vllm_facts import DOCUMENTED_ELSEWHERE, vllm_033_flags

HF = {"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "revision": "0e9e39f", "gpu_class": "l40s"}
S3_70B = {"name": "big", "model": "s3://weights/llama-3.1-70b-instruct/", "gpu_class": "l40s", "pipeline_parallel_size": 2}
ZERO = {"min_replicas": 0, "max_replicas": 2, "scale_to_zero": True}

CASES = {
    "kserve": dict(HF, canary={"revision": "1a2b3c4", "traffic_percent": 10}, headroom_replicas=1),
    "kserve-zero-cache": dict(HF, autoscaling={**ZERO, "max_replicas": 1}, cache={"size_gib": 40}),
    "deployment": dict(HF, backend="deployment", canary={"revision": "1a2b3c4", "traffic_percent": 10}),
    "deployment-zero-s3": dict(name="small", model="s3://weights/qwen2.5-7b", backend="deployment", autoscaling=ZERO),
    "rayservice": dict(S3_70B, headroom_replicas=1),
}


def render(data, environment="prod", hf=True):
    spec = ModelSpec(**data)
    sizing = size_model(spec)
    return spec, sizing, rm.render_model(spec, sizing, environment=environment, region="us-east-1",
                                         with_hf_token=hf and not spec.is_s3)


def objects_of(rendered, kind):
    return [o for _, o in rendered.objects if o["kind"] == kind]


def pod_specs(obj):
    """Every pod spec (or KServe predictor, which inlines one) inside a rendered object."""
    kind = obj["kind"]
    if kind == "Deployment":
        return [obj["spec"]["template"]["spec"]]
    if kind == "InferenceService":
        return [obj["spec"]["predictor"]]
    if kind == "RayService":
        rc = obj["spec"]["rayClusterConfig"]
        return [rc["headGroupSpec"]["template"]["spec"], *[g["template"]["spec"] for g in rc["workerGroupSpecs"]]]
    return []


def pod_labels(obj):
    """The labels of every pod a serving object creates (KServe copies the predictor's labels onto its pods)."""
    if obj["kind"] == "Deployment":
        return [obj["spec"]["template"]["metadata"]["labels"]]
    if obj["kind"] == "InferenceService":
        return [obj["spec"]["predictor"]["labels"]]
    rc = obj["spec"]["rayClusterConfig"]
    return [rc["headGroupSpec"]["template"]["metadata"]["labels"],
            *[g["template"]["metadata"]["labels"] for g in rc["workerGroupSpecs"]]]


def containers(obj):
    if obj["kind"] == "InferenceService":
        return [obj["spec"]["predictor"]["model"]]
    return [c for p in pod_specs(obj) for c in p.get("containers", [])]


@requires_upstream
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_object_validates_against_upstream_schemas(case):
    _, _, rendered = render(CASES[case])
    for _, obj in rendered.objects:
        assert_valid_object(obj)
        assert obj["metadata"]["name"] and obj["metadata"]["namespace"] == "models"


@requires_upstream
def test_shared_and_namespace_objects_validate():
    assert_valid_crd(rm.cluster_serving_runtime())
    for pc in rm.priority_classes():
        assert_valid_builtin(pc)
    for _, obj in rm.namespace_objects("models", 12):
        assert_valid_builtin(obj)


@requires_upstream
def test_the_schema_check_does_catch_unknown_fields():
    _, _, rendered = render(CASES["kserve"])
    [isvc, *_] = objects_of(rendered, "InferenceService")
    isvc["spec"]["predictor"]["model"]["notAField"] = True
    with pytest.raises(AssertionError, match="notAField"):
        assert_valid_crd(isvc)


def test_kserve_inference_service_is_standard_mode_scaled_by_our_scaled_object():
    """KServe 0.20 with autoscalerClass `external` creates no HPA and ignores the predictor Deployment's replicas
    (pkg/controller/v1beta1/inferenceservice/reconcilers/hpa/hpa_reconciler.go shouldCreateHPA,
    deployment/deployment_reconciler.go: Replicas ignored unless the class is `none`), so the ScaledObject we render
    on `<name>-predictor` is the only autoscaler, and every field of the spec reaches KEDA as written."""
    spec, sizing, rendered = render(CASES["kserve"])
    isvc = next(o for p, o in rendered.objects if p == "isvc")
    ann = isvc["metadata"]["annotations"]
    assert ann["serving.kserve.io/deploymentMode"] == "Standard"
    assert ann["serving.kserve.io/autoscalerClass"] == "external"
    pred = isvc["spec"]["predictor"]
    assert "autoScaling" not in pred  # nothing for KServe's KEDA translation to mangle
    # The predictor names a runtime that exists and serves its format (KServe v0.20.0 predictor.go: a named runtime
    # must be found and support the model format, or the InferenceService never becomes ready).
    runtime = rm.cluster_serving_runtime()
    assert pred["model"]["modelFormat"] == {"name": "vLLM"} and pred["model"]["runtime"] == runtime["metadata"]["name"]
    assert "vLLM" in [f["name"] for f in runtime["spec"]["supportedModelFormats"]]
    [so] = [o for p, o in rendered.objects if p == "scaledobject"]
    assert so["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "chat-predictor"}
    assert (so["spec"]["minReplicaCount"], so["spec"]["maxReplicaCount"]) == (1, 2)
    triggers = {t["name"]: t for t in so["spec"]["triggers"]}
    # KEDA 2.20's prometheus scaler parses `threshold` with strconv.ParseFloat: plain decimals, never quantities
    # like "850m" (pkg/scalers/prometheus_scaler.go).
    for t in triggers.values():
        float(t["metadata"]["threshold"])
        assert t["metadata"]["serverAddress"] == PROMETHEUS_URL
        promql_parser.parse(t["metadata"]["query"])
    assert 'vllm:num_requests_waiting{namespace="models",model_name="chat"}' in triggers["waiting-requests"]["metadata"]["query"]
    assert triggers["waiting-requests"]["metricType"] == "AverageValue"
    assert "vllm:kv_cache_usage_perc" in triggers["kv-cache-usage"]["metadata"]["query"]
    assert triggers["kv-cache-usage"]["metadata"]["threshold"] == "0.85"  # the spec's default target, written by hand
    image = runtime["spec"]["containers"][0]["image"]
    assert image == "vllm/vllm-openai:v0.33.0" and "latest" not in image
    # The canary is a second, fixed-size InferenceService on the new revision (`none`: KServe sets its replicas).
    canary = next(o for p, o in rendered.objects if p == "canary")
    assert canary["metadata"]["name"] == "chat-canary"
    assert canary["metadata"]["annotations"]["serving.kserve.io/autoscalerClass"] == "none"
    assert canary["spec"]["predictor"]["minReplicas"] == canary["spec"]["predictor"]["maxReplicas"] == 1
    assert "--revision=1a2b3c4" in canary["spec"]["predictor"]["model"]["args"]
    assert rendered.canary_endpoint == "http://chat-canary-predictor.models.svc.cluster.local/v1"


def test_kserve_scale_to_zero_keeps_cooldown_polling_and_wake_trigger():
    spec, sizing, rendered = render(CASES["kserve-zero-cache"])
    [so] = [o for p, o in rendered.objects if p == "scaledobject"]
    assert so["spec"]["minReplicaCount"] == 0
    assert so["spec"]["cooldownPeriod"] == 900 and so["spec"]["pollingInterval"] == 15  # spec defaults
    wake = next(t for t in so["spec"]["triggers"] if t["name"] == "wake")
    assert 'requested_model="chat"' in wake["metadata"]["query"]


@requires_upstream
@pytest.mark.parametrize("case", sorted(CASES))
def test_vllm_args_exist_in_vllm_033(case):
    """Against vLLM 0.33.0 as read from its wheel (facts.md), not the renderer's own VLLM_033_FLAGS."""
    present, removed = vllm_033_flags()
    spec, sizing, rendered = render(CASES[case])
    args = rm.vllm_args(spec, sizing)
    assert args[0] == spec.model  # positional model first (`vllm serve <model>`)
    for arg in args[1:]:
        flag = arg.split("=", 1)[0]
        assert flag in present | DOCUMENTED_ELSEWHERE, flag
        assert flag not in removed, flag
    assert f"--tensor-parallel-size={sizing.tensor_parallel_size}" in args
    assert f"--served-model-name={spec.model_name}" in args
    assert ("--load-format=runai_streamer" in args) == spec.is_s3


def test_ray_service_runs_on_a_ray_llm_image_whose_ray_matches_ray_version():
    """vllm/vllm-openai ships no Ray (vLLM 0.33 declares no ray dependency), and KubeRay 1.7 drives a RayService
    through the Ray dashboard: head and workers run Ray's LLM image, and rayVersion names the Ray inside it
    (KubeRay v1.7.0 sample ray-service.high-throughput-llm.yaml pairs this tag with rayVersion 2.56.0)."""
    spec, sizing, rendered = render(CASES["rayservice"])
    [ray] = objects_of(rendered, "RayService")
    cluster = ray["spec"]["rayClusterConfig"]
    assert cluster["rayVersion"] == "2.56.0"
    images = {c["image"] for p in pod_specs(ray) for c in p["containers"]}
    assert images == {"rayproject/ray-llm:2.56.0-py312-cu130"}


def test_ray_pdb_uses_an_integer_min_available():
    """The disruption controller needs the owner's scale subresource for maxUnavailable or a percentage, and
    RayCluster has none (pkg/controller/disruption/disruption.go getExpectedPodCount): integer minAvailable only.
    This case: min 1 replica of pipeline-parallel 2 -> head + 2 workers."""
    spec, sizing, rendered = render(CASES["rayservice"])
    [pdb] = objects_of(rendered, "PodDisruptionBudget")
    assert "maxUnavailable" not in pdb["spec"]
    assert pdb["spec"]["minAvailable"] == 3 and isinstance(pdb["spec"]["minAvailable"], int)
    _s, _z, kserve = render(CASES["kserve"])
    assert [p["spec"]["maxUnavailable"] for p in objects_of(kserve, "PodDisruptionBudget")] == [1, 1]


def test_ray_service_runs_vllm_across_nodes():
    spec, sizing, rendered = render(CASES["rayservice"])
    [ray] = objects_of(rendered, "RayService")
    config = yaml.safe_load(ray["spec"]["serveConfigV2"])
    [app] = config["applications"]
    [llm] = app["args"]["llm_configs"]
    assert llm["engine_kwargs"]["tensor_parallel_size"] == 4
    assert llm["engine_kwargs"]["pipeline_parallel_size"] == 2
    assert llm["engine_kwargs"]["load_format"] == "runai_streamer"
    assert llm["model_loading_config"] == {"model_id": "big", "model_source": spec.model}
    assert llm["accelerator_type"] == "L40S"
    auto = llm["deployment_config"]["autoscaling_config"]
    assert auto["downscale_delay_s"] >= 600 and auto["upscale_delay_s"] <= 60
    [group] = ray["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    assert group["numOfHosts"] == 2 and (group["minReplicas"], group["maxReplicas"]) == (1, 2)
    assert rendered.endpoint == "http://big-serve-svc.models.svc.cluster.local:8000/v1"
    # The policy that lets the Ray pods talk to each other must select the head and every worker group's pods.
    [policy] = [o for p, o in rendered.objects if p == "ray-policy"]
    selector = policy["spec"]["podSelector"]["matchLabels"]
    assert all(selects(selector, p["metadata"].get("labels"))
               for p in [ray["spec"]["rayClusterConfig"]["headGroupSpec"]["template"],
                         *[g["template"] for g in ray["spec"]["rayClusterConfig"]["workerGroupSpecs"]]])


def test_deployment_backend_scaled_object():
    spec, sizing, rendered = render(CASES["deployment-zero-s3"])
    [so] = objects_of(rendered, "ScaledObject")
    body = so["spec"]
    assert body["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "small"}
    assert (body["minReplicaCount"], body["maxReplicaCount"]) == (0, 2)
    assert body["cooldownPeriod"] == 900
    names = [t["name"] for t in body["triggers"]]
    assert names == ["waiting-requests", "kv-cache-usage", "wake"]
    for t in body["triggers"]:
        assert t["type"] == "prometheus" and t["metadata"]["serverAddress"] == PROMETHEUS_URL
        promql_parser.parse(t["metadata"]["query"])
    [svc] = objects_of(rendered, "Service")
    [port] = svc["spec"]["ports"]
    assert port["port"] == 80
    assert rendered.endpoint == "http://small.models.svc.cluster.local/v1"
    [dep] = objects_of(rendered, "Deployment")
    # The Service reaches vLLM: its selector selects the Deployment's pods (the EndpointSlice controller adds only
    # those), and its targetPort resolves to the container port vLLM listens on (`--port`, default 8000: facts.md).
    pod = dep["spec"]["template"]
    assert selects(svc["spec"]["selector"], pod["metadata"]["labels"])
    [c] = pod["spec"]["containers"]
    listen = int(next((a.split("=", 1)[1] for a in c["args"] if a.startswith("--port=")), 8000))
    target = [cp["containerPort"] for cp in c["ports"] if port["targetPort"] in (cp.get("name"), cp["containerPort"])]
    assert target == [listen]
    assert "replicas" not in dep["spec"]  # KEDA owns the replica count
    assert dep["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}


@pytest.mark.parametrize("environment, seconds", [("prod", 900), ("staging", 300), ("dev", 300)])
def test_scale_up_is_fast_and_scale_down_slow(environment, seconds):
    spec = ModelSpec(**HF)
    behavior = rm.hpa_behavior(spec, environment)
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == seconds
    assert behavior["scaleDown"]["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 300}]
    if environment == "prod":
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] >= 600


GPU_CLASSES_TRIED = ["l4", "l40s", "a100", "h100"]
# Every one of these fits one node of each class (the largest, Qwen2.5 32B, is 61 GiB of weights: 8 L4s hold 165).
one_node = st.fixed_dictionaries({
    "model": st.sampled_from(["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct", "s3://weights/qwen2.5-32b"]),
    "gpu_class": st.sampled_from(GPU_CLASSES_TRIED),
    "backend": st.sampled_from(["auto", "kserve", "deployment"]),
})
# Pipeline-parallel over 2 or 4 nodes: a RayService (head pod without GPUs, GPU workers).
across_nodes = st.fixed_dictionaries({
    "model": st.just("s3://weights/llama-3.1-70b-instruct/"),
    "gpu_class": st.sampled_from(GPU_CLASSES_TRIED),
    "backend": st.sampled_from(["auto", "rayservice"]),
    "pipeline_parallel_size": st.sampled_from([2, 4]),
})


@reaches("kserve", "deployment", "rayservice", "no headroom", "warm headroom")
@example({"model": "meta-llama/Llama-3.1-8B-Instruct", "gpu_class": "l40s", "backend": "kserve"}, 0)
@example({"model": "Qwen/Qwen2.5-7B-Instruct", "gpu_class": "l4", "backend": "deployment"}, 2)
@example({"model": "s3://weights/llama-3.1-70b-instruct/", "gpu_class": "l40s", "backend": "auto",
          "pipeline_parallel_size": 2}, 1)
@given(st.one_of(one_node, across_nodes), st.integers(min_value=0, max_value=2))
def test_gpu_requests_equal_limits_everywhere(branch, serving, headroom):
    data = {"name": "m", **serving, "headroom_replicas": headroom}
    spec, sizing, rendered = render(data, hf=False)
    backend = "rayservice" if "pipeline_parallel_size" in serving else (
        "deployment" if serving["backend"] == "deployment" else "kserve")
    assert sizing.backend.value == backend
    branch(backend)
    branch("warm headroom" if headroom else "no headroom")
    seen = 0
    for _, obj in rendered.objects:
        for c in containers(obj):
            res = c["resources"]
            gpu_req, gpu_lim = res["requests"].get("nvidia.com/gpu"), res["limits"].get("nvidia.com/gpu")
            if gpu_req or gpu_lim:
                seen += 1
                assert gpu_req == gpu_lim == str(sizing.gpus_per_pod)
                assert res["requests"]["memory"] == res["limits"]["memory"]
    assert seen >= 1 + (1 if headroom else 0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_pods_are_placed_drained_and_locked_down(case):
    spec, sizing, rendered = render(CASES[case])
    classes = {pc["metadata"]["name"]: pc["value"] for pc in rm.priority_classes()}
    [headroom_class] = [pc["metadata"]["name"] for pc in rm.priority_classes() if pc.get("preemptionPolicy") == "Never"]
    for _, obj in rendered.objects:
        for pod in pod_specs(obj):
            assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
            is_head = any(c["name"] == "ray-head" for c in pod.get("containers", []))
            assert pod["automountServiceAccountToken"] is is_head
            if is_head:
                continue
            assert pod["nodeSelector"] == {GPU_CLASS_LABEL: sizing.gpu_class,
                                           "node.kubernetes.io/instance-type": sizing.instance_type}
            assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
        for c in containers(obj):
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["runAsNonRoot"] is True and sc["runAsUser"] > 0
    servers = [o for _, o in rendered.objects if o["kind"] in ("InferenceService", "Deployment", "RayService")
               and not o["metadata"]["name"].endswith("-headroom")]
    for obj in servers:
        for pod in pod_specs(obj):
            if any(c["name"] == "ray-head" for c in pod.get("containers", [])):
                continue
            # The kubelet kills at terminationGracePeriodSeconds, preStop included: the sleep must end before it.
            sleeps = [c["lifecycle"]["preStop"]["sleep"]["seconds"] for c in pod.get("containers", [])
                      if "sleep" in c.get("lifecycle", {}).get("preStop", {})]
            assert all(pod["terminationGracePeriodSeconds"] > s for s in sleeps)
            # It names a PriorityClass that exists and outranks the warm-headroom placeholders, so the scheduler
            # preempts a placeholder for a serving pod (scheduling.k8s.io/v1: higher value wins).
            assert classes[pod["priorityClassName"]] > classes[headroom_class] and classes[headroom_class] < 0
            zones = [t["topologyKey"] for t in pod["topologySpreadConstraints"]]
            assert zones == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
            # Mounted volumes are group-owned by fsGroup: it must be the group the server runs as, or vLLM cannot
            # write its caches there.
            groups = {(c.get("securityContext") or {}).get("runAsGroup", pod["securityContext"].get("runAsGroup"))
                      for c in containers(obj)}
            assert groups == {pod["securityContext"]["fsGroup"]}
            for c in containers(obj):
                # HOME (where Hugging Face, vLLM and Ray keep their caches) is a mounted, writable volume.
                mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
                home = next(e["value"] for e in c["env"] if e["name"] == "HOME")
                assert home in mounts and "/tmp" in mounts, c.get("name")
            shm = next(v for v in pod["volumes"] if v["name"] == "dshm")
            assert shm["emptyDir"] == {"medium": "Memory", "sizeLimit": f"{sizing.shm_gib}Gi"}
        for c in containers(obj):
            if obj["kind"] == "RayService":
                if c["name"] == "ray-worker":
                    assert "preStop" in c["lifecycle"]
                continue
            # Long enough for kube-proxy and the proxy's endpoints to drop the pod before vLLM stops (unverified
            # figure: endpoint propagation is typically a few seconds), short of the grace period (checked above).
            assert c["lifecycle"]["preStop"]["sleep"]["seconds"] >= 5
            assert c["startupProbe"]["httpGet"]["path"] == "/health"
            budget = c["startupProbe"]["periodSeconds"] * c["startupProbe"]["failureThreshold"]
            assert budget >= sizing.startup_budget_s
            assert c["livenessProbe"]["failureThreshold"] * c["livenessProbe"]["periodSeconds"] >= 120
    # karpenter must not consolidate a node out from under a serving replica
    for obj in servers:
        # sigs.k8s.io/karpenter v1.14.1 pkg/apis/v1/labels.go: DoNotDisruptAnnotationKey = "karpenter.sh" +
        # "/do-not-disrupt"; pkg/utils/pod/scheduling.go IsDoNotDisruptActive: the value "true" (or a duration).
        if obj["kind"] == "InferenceService":
            assert obj["spec"]["predictor"]["annotations"] == {"karpenter.sh/do-not-disrupt": "true"}
        elif obj["kind"] == "Deployment":
            assert obj["spec"]["template"]["metadata"]["annotations"] == {"karpenter.sh/do-not-disrupt": "true"}
    # Every serving workload's pods are covered by exactly one PodDisruptionBudget (the eviction API refuses a pod
    # that two budgets select), and no budget counts the headroom placeholders, which exist to be preempted.
    budgets = [p["spec"]["selector"]["matchLabels"] for p in objects_of(rendered, "PodDisruptionBudget")]
    for obj in servers:
        for labels in pod_labels(obj):
            assert sum(selects(b, labels) for b in budgets) == 1, (obj["metadata"]["name"], labels)
    for _, obj in rendered.objects:
        if obj["metadata"]["name"].endswith("-headroom"):
            assert not any(selects(b, obj["spec"]["template"]["metadata"]["labels"]) for b in budgets)


def test_s3_models_get_a_service_account_and_a_read_only_policy():
    import json

    spec, sizing, rendered = render(CASES["rayservice"])
    [sa] = objects_of(rendered, "ServiceAccount")
    assert sa["metadata"]["name"] == "big" and sa["automountServiceAccountToken"] is False
    policy = json.loads(rendered.s3_policy)
    actions = sorted(itertools.chain.from_iterable(s["Action"] for s in policy["Statement"]))
    assert actions == ["s3:GetObject", "s3:ListBucket"]
    assert {s["Resource"] for s in policy["Statement"]} == {
        "arn:aws:s3:::weights/llama-3.1-70b-instruct/*", "arn:aws:s3:::weights"
    }


def test_hub_models_get_the_token_from_a_secret_and_a_cache_volume():
    spec, sizing, rendered = render(CASES["kserve-zero-cache"])
    assert rendered.hf_secret == "chat-hf-token"
    [isvc] = objects_of(rendered, "InferenceService")
    env = {e["name"]: e for e in isvc["spec"]["predictor"]["model"]["env"]}
    assert env["HF_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "chat-hf-token", "key": "HF_TOKEN"}
    assert "--download-dir=/models-cache" in isvc["spec"]["predictor"]["model"]["args"]
    [pvc] = objects_of(rendered, "PersistentVolumeClaim")
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert isvc["spec"]["predictor"]["minReplicas"] == 0
    [so] = objects_of(rendered, "ScaledObject")
    wake = [t for t in so["spec"]["triggers"] if "clamp_max" in t["metadata"]["query"]]
    assert wake and wake[0]["metricType"] == "Value" and wake[0]["metadata"]["threshold"] == "1"


def test_headroom_placeholders_are_low_priority_and_hold_the_image():
    spec, sizing, rendered = render(CASES["rayservice"])
    [placeholder] = [o for p, o in rendered.objects if p == "headroom"]
    pod = placeholder["spec"]["template"]["spec"]
    assert placeholder["spec"]["replicas"] == 2  # one replica spans two nodes
    [c] = pod["containers"]
    # The RayService's pods run Ray's LLM image, so that is what a warm node must already hold.
    assert c["image"] == "rayproject/ray-llm:2.56.0-py312-cu130" and c["securityContext"]["runAsNonRoot"] is True
    # The class it names exists, is below the default 0 (any pod without a class preempts it) and never preempts
    # anything itself (scheduling.k8s.io/v1 PriorityClass: preemptionPolicy Never).
    [pc] = [p for p in rm.priority_classes() if p["metadata"]["name"] == pod["priorityClassName"]]
    assert pc["value"] < 0 and pc["preemptionPolicy"] == "Never"
    assert all(p["value"] > 0 for p in rm.priority_classes() if p["metadata"]["name"] != pod["priorityClassName"])


def test_namespace_is_default_deny_and_admits_only_proxy_and_prometheus():
    objs = dict(rm.namespace_objects("models", 12))
    deny = objs["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    [rule] = objs["allow-proxy-and-prometheus"]["spec"]["ingress"]
    sources = {f["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for f in rule["from"]}
    assert sources == {PROXY_NAMESPACE, MONITORING_NAMESPACE}
    assert objs["gpu-quota"]["spec"]["hard"] == {"requests.nvidia.com/gpu": "12"}
    assert objs["limits"]["spec"]["limits"][0]["max"] == {"nvidia.com/gpu": "8"}


def test_gpu_quota_covers_peak_replicas_canary_and_headroom():
    a = ModelSpec(**CASES["kserve"])  # max 2 + canary 1 + headroom 1, 1 GPU each
    b = ModelSpec(**S3_70B)  # max 2 × 8 GPUs
    # a: 2 + 1 + 1 and one surge replica for its rolling update (maxSurge 1); b: a RayService (no surge counted).
    assert rm.gpu_quota([a, b], [size_model(a), size_model(b)]) == 5 + 16


def test_endpoint_urls():
    assert rm.endpoint_url("m", "models", Backend.KSERVE) == "http://m-predictor.models.svc.cluster.local/v1"
    assert rm.endpoint_url("m", "ns", Backend.RAYSERVICE) == "http://m-serve-svc.ns.svc.cluster.local:8000/v1"
    assert rm.endpoint_url("m", "ns", Backend.DEPLOYMENT) == "http://m.ns.svc.cluster.local/v1"
    with pytest.raises(ValueError):
        rm.endpoint_url("m", "ns", Backend.AUTO)


@pytest.mark.parametrize("case", sorted(CASES))
def test_vllm_metrics_are_scraped_for_every_serving_pod(case):
    """KEDA's queue triggers, the dashboards and the alerts all read vLLM metrics from Prometheus: without a monitor
    selecting the model's pods, autoscaling would see no load."""
    spec, _sizing, rendered = render(CASES[case])
    [monitor] = objects_of(rendered, "PodMonitor")
    selector = monitor["spec"]["selector"]["matchLabels"]
    serving = [o for _, o in rendered.objects if o["kind"] in ("InferenceService", "Deployment", "RayService")]
    assert serving
    for obj in serving:
        if obj["kind"] == "Deployment":
            labels = obj["spec"]["template"]["metadata"]["labels"]
        elif obj["kind"] == "InferenceService":
            labels = obj["spec"]["predictor"]["labels"]  # KServe puts these on the predictor pods
        else:
            rc = obj["spec"]["rayClusterConfig"]
            labels = rc["headGroupSpec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), f"{obj['kind']} pods are not selected by {selector}"
    assert monitor["metadata"]["namespace"] == spec.namespace
    if UPSTREAM_OK:
        assert_valid_crd(monitor)
    unmonitored = rm.render_model(spec, size_model(spec), environment="prod", region="us-east-1", monitor=False)
    assert not objects_of(unmonitored, "PodMonitor")


UPSTREAM_OK = not requires_upstream.args[0]


def test_a_model_slo_becomes_a_recording_rule_for_the_platform_alert():
    from gpu_platform.render.observability import platform_rules
    from gpu_platform.spec import AlertingSpec

    spec, _sizing, rendered = render(dict(HF, ttft_p95_slo_seconds=0.8))
    [rule] = objects_of(rendered, "PrometheusRule")
    [record] = rule["spec"]["groups"][0]["rules"]
    # The series it records is one the platform's TTFT alert reads (else the per-model SLO is never applied).
    platform = platform_rules(AlertingSpec())
    [alert] = [r for g in platform["spec"]["groups"] for r in g["rules"] if r.get("alert") == "VLLMTimeToFirstTokenSLO"]
    assert record["record"] in alert["expr"] and ":" in record["record"]
    assert record["labels"] == {"model_name": spec.model_name}
    assert promql_parser.parse(record["expr"]) and "0.8" in record["expr"]
    if UPSTREAM_OK:
        assert_valid_crd(rule)
    _spec, _s, without = render(HF)
    assert not objects_of(without, "PrometheusRule")


def test_two_models_whose_served_names_clean_up_alike_get_their_own_slo_rules():
    """`Qwen/Qwen2.5-7B` and `qwen-qwen2.5-7b` both become `qwen-qwen2-5-7b` as a DNS name; the rule is named after
    the model instead (`slo-<name>`), so neither model's SLO replaces the other's in the namespace."""
    names = []
    for name, served in (("a", "Qwen/Qwen2.5-7B"), ("b", "qwen-qwen2.5-7b")):
        _spec, _s, rendered = render(dict(HF, name=name, served_name=served, ttft_p95_slo_seconds=0.8))
        [rule] = objects_of(rendered, "PrometheusRule")
        assert rule["spec"]["groups"][0]["rules"][0]["labels"] == {"model_name": served}
        names.append((rule["metadata"]["namespace"], rule["metadata"]["name"]))
    assert names == [("models", "slo-a"), ("models", "slo-b")]


def test_limit_range_defaults_gpus_to_zero_for_containers_that_name_none():
    """LimitRanger defaults a missing limit to `max` and an extended resource's request to its limit
    (plugin/pkg/admission/limitranger/admission.go): without a GPU default, KServe's injected `agent` container
    asked for 8 GPUs and every predictor pod broke the namespace quota (seen by verify)."""
    objs = dict(rm.namespace_objects("models", gpu_quota=4))
    [limit] = objs["limits"]["spec"]["limits"]
    assert limit["max"]["nvidia.com/gpu"] == "8"
    assert limit["default"]["nvidia.com/gpu"] == "0" and limit["defaultRequest"]["nvidia.com/gpu"] == "0"


def test_the_runtime_accepts_the_protocol_kserve_assigns_to_vllm_models():
    """KServe 0.20's defaulter sets protocolVersion v2 on every modelFormat vLLM predictor
    (pkg/apis/serving/v1beta1/inference_service_defaults.go) and the controller refuses a runtime whose
    protocolVersions lacks it (components/predictor.go, ServingRuntimeSpec.IsProtocolVersionSupported: an empty
    list accepts all)."""
    versions = rm.cluster_serving_runtime()["spec"].get("protocolVersions")
    assert not versions or "v2" in versions


@pytest.mark.parametrize("case", ["deployment-zero-s3", "rayservice"])
def test_s3_models_bound_the_streamer_buffer_below_the_memory_limit(case):
    spec, sizing, rendered = render(CASES[case])
    for obj in rendered.objects:
        for c in containers(obj[1]) if obj[1]["kind"] in ("Deployment", "RayService") else []:
            if c["name"] in ("placeholder", "ray-head"):
                continue
            env = {e["name"]: e.get("value") for e in c["env"]}
            limit = int(env["RUNAI_STREAMER_MEMORY_LIMIT"])
            memory = int(c["resources"]["limits"]["memory"].removesuffix("Gi")) * 2**30
            assert 2**30 <= limit < memory


def test_rollouts_surge_one_replica_unless_a_read_write_once_cache_pins_the_pod():
    """A ReadWriteOnce volume attaches to one node, so a surge pod elsewhere never starts: Recreate there.
    KServe's predictor takes the strategy from predictor.deploymentStrategy (deployment_reconciler.go v0.20.0)."""
    _s, _z, hub_cache = render(CASES["kserve-zero-cache"])
    [isvc] = objects_of(hub_cache, "InferenceService")
    assert isvc["spec"]["predictor"]["deploymentStrategy"] == {"type": "Recreate"}
    _s, _z, plain = render(CASES["deployment"])
    dep = next(o for p, o in plain.objects if p == "deployment")
    assert dep["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def test_pulumi_waits_for_gpu_workloads_as_long_as_their_cold_start_and_never_for_placeholders():
    """pulumi-kubernetes awaits a Deployment for 10 minutes unless `pulumi.com/timeoutSeconds` says otherwise, and
    not at all with `pulumi.com/skipAwait` (pulumi-kubernetes await annotations)."""
    spec, sizing, rendered = render(CASES["deployment"])
    dep = next(o for p, o in rendered.objects if p == "deployment")
    timeout = int(dep["metadata"]["annotations"]["pulumi.com/timeoutSeconds"])
    assert timeout == sizing.cold_start.total_s + 300  # the modelled cold start plus the margin
    _s, _z, zero = render(CASES["kserve-zero-cache"])
    [isvc] = objects_of(zero, "InferenceService")
    assert isvc["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"  # may sit at zero replicas
    _s, _z, ray = render(CASES["rayservice"])
    [placeholder] = [o for p, o in ray.objects if p == "headroom"]
    assert placeholder["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}


def test_ray_upgrades_need_room_for_a_second_cluster_or_apply_in_place():
    """KubeRay 1.7.0 rayservice_types.go: upgradeStrategy.type NewCluster (the default) | None | ...WithIncremental."""
    import dataclasses

    spec, sizing, _ = render(CASES["rayservice"])
    fits = rm.ray_service(spec, sizing, environment="prod", region="us-east-1", hf_secret=None)
    tight = rm.ray_service(spec, dataclasses.replace(sizing, second_cluster_fits=False), environment="prod",
                           region="us-east-1", hf_secret=None)
    assert fits["spec"]["upgradeStrategy"] == {"type": "NewCluster"}
    assert tight["spec"]["upgradeStrategy"] == {"type": "None"}


# LLMConfig's fields in Ray 2.56.0 (ray/llm/_internal/serve/core/configs/llm_config.py; the model forbids others),
# and PlacementGroupConfig's (ray/llm/_internal/common/placement.py), copied from the wheel by hand.
_LLM_CONFIG_FIELDS = {"runtime_env", "model_loading_config", "llm_engine", "engine_kwargs", "accelerator_type",
                      "accelerator_config", "placement_group_config", "lora_config", "deployment_config", "server_cls",
                      "experimental_configs", "log_engine_metrics", "callback_config"}
_PLACEMENT_FIELDS = {"bundle_per_worker", "bundles", "strategy"}


def test_serve_config_uses_only_fields_ray_2_56_llm_config_accepts():
    spec, sizing, rendered = render(CASES["rayservice"])
    [ray] = objects_of(rendered, "RayService")
    [app] = yaml.safe_load(ray["spec"]["serveConfigV2"])["applications"]
    assert app["import_path"] == "ray.serve.llm:build_openai_app"
    [llm] = app["args"]["llm_configs"]
    assert set(llm) <= _LLM_CONFIG_FIELDS
    assert set(llm["model_loading_config"]) == {"model_id", "model_source"}
    placement = llm["placement_group_config"]
    assert set(placement) <= _PLACEMENT_FIELDS and placement["strategy"] == "PACK"
    assert placement["bundle_per_worker"]["GPU"] == 1
    # TP 4 × PP 2 engine workers need 8 GPUs: what the worker group offers per replica.
    assert llm["engine_kwargs"]["tensor_parallel_size"] * llm["engine_kwargs"]["pipeline_parallel_size"] == 8
