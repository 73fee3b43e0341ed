"""Who scales a workload (HPA, KEDA ScaledObject, KServe's predictor Deployment), what a KServe predictor runs once
its ServingRuntime is merged in, and how long a startup probe holds off liveness.

Facts (Go sources in the harness's module cache):

- k8s.io/api v0.34.4 autoscaling/v2: an HPA's ``minReplicas`` defaults to 1; ``scaleTargetRef`` names a workload in
  the HPA's namespace; ``behavior.scaleDown.stabilizationWindowSeconds`` is the scale-down window.
- KEDA v2.20.2: a ScaledObject's ``scaleTargetRef.kind`` defaults to Deployment (apis/keda/v1alpha1/gvkr.go),
  ``minReplicaCount`` to 0 (CheckReplicaCountBoundsAreValid) and ``maxReplicaCount`` to 100 (defaultHPAMaxReplicas);
  its window is ``advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds``.
- KServe v0.20.0: in Standard mode the predictor runs as Deployment ``<isvc>-predictor`` (PredictorServiceName);
  GetServingRuntime looks up a ServingRuntime in the InferenceService's namespace, then a ClusterServingRuntime;
  the runtime's ``kserve-container`` is merged under the model's container (MergeRuntimeContainers), and of the
  runtime's pod fields only nodeSelector, affinity, tolerations, volumes, imagePullSecrets and schedulerName reach
  the pod (MergePodSpec), the predictor's own winning; supportedModelFormats, protocolVersions, multiModel and
  disabled select the runtime and are no pod fields.
- k8s.io/api core/v1 Probe: ``initialDelaySeconds`` 0 unless set, ``periodSeconds`` defaults to 10,
  ``failureThreshold`` to 3.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gpu_platform.plan import PlanResource
from gpu_platform.policy._replicas import autoscaler_targets
from gpu_platform.policy.gpu_pods import _probe_budget
from gpu_platform.policy.view import PlanView


def k8s(api_version: str, kind: str, name: str, spec: Any, namespace: str | None = "models") -> PlanResource:
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return PlanResource(f"urn:pulumi:test::gpu-platform::kubernetes:{group_version}:{kind}::{name}-{namespace}",
                        f"kubernetes:{group_version}:{kind}", f"{name}-{namespace}", None, True, None, [],
                        {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec})


POD = {"template": {"spec": {"containers": [{"name": "server", "image": "vllm/vllm-openai:v0.33.0"}]}}}


def hpa(name: str, target: dict[str, Any], namespace: str = "models", **spec: Any) -> PlanResource:
    return k8s("autoscaling/v2", "HorizontalPodAutoscaler", name, {"scaleTargetRef": target, **spec}, namespace)


def scaled_object(name: str, target: dict[str, Any], **spec: Any) -> PlanResource:
    return k8s("keda.sh/v1alpha1", "ScaledObject", name, {"scaleTargetRef": target, **spec,
                                                           "triggers": [{"type": "cpu", "metadata": {"value": "60"}}]})


# ------------------------------------------------------------------------------------------------ autoscalers
def test_an_hpa_targets_its_workload_with_its_bounds_and_window():
    dep = k8s("apps/v1", "Deployment", "llm", POD)
    sts = k8s("apps/v1", "StatefulSet", "llm", POD)
    full = hpa("a", {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llm"}, minReplicas=2, maxReplicas=5,
               behavior={"scaleDown": {"stabilizationWindowSeconds": 600}})
    bare = hpa("b", {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "llm"}, maxReplicas=3)
    view = PlanView([dep, sts, full, bare])
    assert list(autoscaler_targets(view)) == [(full, dep, 2, 5, 600), (bare, sts, 1, 3, None)]


def test_an_autoscaler_only_finds_its_target_in_its_own_namespace():
    dep = k8s("apps/v1", "Deployment", "llm", POD)
    elsewhere = hpa("a", {"kind": "Deployment", "name": "llm"}, namespace="other", maxReplicas=2)
    defaulted = hpa("b", {"kind": "Deployment", "name": "llm"}, namespace=None, maxReplicas=2)
    dep_default = k8s("apps/v1", "Deployment", "llm", POD, namespace=None)
    assert [t for _, t, *_ in autoscaler_targets(PlanView([dep, elsewhere]))] == [None]
    # no namespace means `default`, on both sides
    assert [t for _, t, *_ in autoscaler_targets(PlanView([dep, dep_default, defaulted]))] == [dep_default]


def test_an_hpa_on_a_kserve_predictor_deployment_targets_the_inference_service():
    isvc = k8s("serving.kserve.io/v1beta1", "InferenceService", "llm", {"predictor": {"model": {"runtime": "x"}}})
    other_ns = k8s("serving.kserve.io/v1beta1", "InferenceService", "llm", {"predictor": {}}, namespace="other")
    on_predictor = hpa("a", {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llm-predictor"}, maxReplicas=4)
    on_plain = hpa("b", {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llm"}, maxReplicas=4)
    on_sts = hpa("c", {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "llm-predictor"}, maxReplicas=4)
    got = [(h.name, t) for h, t, *_ in autoscaler_targets(PlanView([other_ns, isvc, on_predictor, on_plain, on_sts]))]
    assert got == [("a-models", isvc), ("b-models", None), ("c-models", None)]
    assert [t for _, t, *_ in autoscaler_targets(PlanView([other_ns, on_predictor]))] == [None]


def test_a_scaled_object_defaults_to_a_deployment_between_0_and_100():
    dep = k8s("apps/v1", "Deployment", "llm", POD)
    bare = scaled_object("a", {"name": "llm"})
    full = scaled_object("b", {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "llm"}, minReplicaCount=1,
                         maxReplicaCount=8, advanced={"horizontalPodAutoscalerConfig": {
                             "behavior": {"scaleDown": {"stabilizationWindowSeconds": 900}}}})
    sts = k8s("apps/v1", "StatefulSet", "llm", POD)
    assert list(autoscaler_targets(PlanView([dep, bare, sts, full]))) == [(bare, dep, 0, 100, None),
                                                                          (full, sts, 1, 8, 900)]


# ------------------------------------------------------------------------------------------------ KServe runtime
RUNTIME_CONTAINER = {"name": "kserve-container", "image": "vllm/vllm-openai:v0.33.0",
                     "args": ["--port=8080", "--model=/mnt/models"],
                     "resources": {"requests": {"cpu": "4"}},
                     "startupProbe": {"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 60}}
RUNTIME_SPEC = {"supportedModelFormats": [{"name": "vLLM", "autoSelect": True}], "protocolVersions": ["v2"],
                "multiModel": False, "disabled": False, "nodeSelector": {"gpu-platform.io/gpu-class": "l40s"},
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                "containers": [{"name": "sidecar", "image": "envoyproxy/envoy:v1.34.0"}, RUNTIME_CONTAINER]}
MODEL = {"modelFormat": {"name": "vLLM"}, "runtime": "vllm", "storageUri": "pvc://cache/llama",
         "resources": {"limits": {"nvidia.com/gpu": 1}}}


def predictor_of(*resources: PlanResource):
    view = PlanView(resources)
    return next(t for t in view.templates if t.operator == "kserve")


def isvc(namespace: str = "models", **predictor: Any) -> PlanResource:
    body = {"model": copy.deepcopy(MODEL), "minReplicas": 1, **predictor}
    return k8s("serving.kserve.io/v1beta1", "InferenceService", "llm", {"predictor": body}, namespace)


def runtime(kind: str = "ServingRuntime", namespace: str | None = "models", **spec: Any) -> PlanResource:
    return k8s("serving.kserve.io/v1alpha1", kind, "vllm", {**copy.deepcopy(RUNTIME_SPEC), **spec},
               namespace if kind == "ServingRuntime" else None)


def test_the_predictor_runs_the_runtime_container_under_the_model_and_the_runtime_pod_fields():
    service = isvc()
    before = copy.deepcopy(service.inputs)
    t = predictor_of(service, runtime())
    assert t.containers == [{
        "name": "kserve-container", "image": "vllm/vllm-openai:v0.33.0", "args": ["--port=8080", "--model=/mnt/models"],
        "resources": {"requests": {"cpu": "4"}, "limits": {"nvidia.com/gpu": 1}},
        "startupProbe": {"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 60},
        **{k: v for k, v in MODEL.items() if k != "resources"},
    }]
    assert t.spec == {**before["spec"]["predictor"], "nodeSelector": {"gpu-platform.io/gpu-class": "l40s"},
                      "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}
    assert service.inputs == before  # a view: the plan is not changed


def test_the_predictor_fields_win_over_the_runtime():
    mine = [{"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]
    service = isvc(tolerations=mine)
    service.inputs["spec"]["predictor"]["model"]["image"] = "vllm/vllm-openai:v0.32.0"
    t = predictor_of(service, runtime())
    assert (t.spec["tolerations"], t.containers[0]["image"]) == (mine, "vllm/vllm-openai:v0.32.0")


def test_a_namespaced_runtime_comes_first_then_a_cluster_runtime():
    local = runtime(nodeSelector={"pool": "local"})
    cluster = runtime("ClusterServingRuntime", nodeSelector={"pool": "cluster"})
    foreign = runtime(namespace="other", nodeSelector={"pool": "other"})
    assert predictor_of(isvc(), cluster, local).spec["nodeSelector"] == {"pool": "local"}
    assert predictor_of(isvc(), foreign, cluster).spec["nodeSelector"] == {"pool": "cluster"}
    assert "nodeSelector" not in predictor_of(isvc(), foreign).spec


def test_nothing_is_merged_without_a_named_runtime_or_its_kserve_container():
    service = isvc()
    del service.inputs["spec"]["predictor"]["model"]["runtime"]
    t = predictor_of(service, runtime())
    assert (t.spec, t.containers) == (service.inputs["spec"]["predictor"],
                                      [{"name": "kserve-container", **service.inputs["spec"]["predictor"]["model"]}])
    no_base = runtime(containers=[{"name": "sidecar", "image": "envoyproxy/envoy:v1.34.0"}])
    t = predictor_of(isvc(), no_base)
    assert t.containers == [{"name": "kserve-container", **MODEL}]
    assert t.spec["nodeSelector"] == {"gpu-platform.io/gpu-class": "l40s"}


# ------------------------------------------------------------------------------------------------ probes
@pytest.mark.parametrize("probe, seconds", [
    ({}, 30),  # 0 + 10 × 3
    ({"failureThreshold": 12}, 120),
    ({"periodSeconds": 5, "failureThreshold": 20}, 100),
    ({"periodSeconds": 20}, 60),
    ({"initialDelaySeconds": 30, "periodSeconds": 15, "failureThreshold": 6}, 120),
    ({"initialDelaySeconds": "60", "periodSeconds": "10", "failureThreshold": "6"}, 120),
])
def test_a_startup_probe_allows_its_initial_delay_plus_period_times_failure_threshold(probe, seconds):
    assert _probe_budget(probe) == seconds
