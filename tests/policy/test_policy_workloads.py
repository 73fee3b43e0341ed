"""Every pod template the policy reads out of a plan resource: where it sits, which containers, which replica bounds.

Facts the expectations rest on (Go sources in the harness's module cache, ../shared/upstream/facts.md):

- k8s.io/api v0.34.4 apps/v1 types.go: Deployment, ReplicaSet and StatefulSet ``spec.replicas`` default to 1 and
  hold the pod template at ``spec.template``; a CronJob nests its Job's template at
  ``spec.jobTemplate.spec.template``; a bare Pod's spec is ``spec`` with its labels in ``metadata.labels``.
- DaemonSet pods (one per eligible node, never drained) and Job/CronJob pods (run to completion) are no serving
  replicas: the policy counts them 0..0 whatever ``parallelism``/``completions`` say, so the spread and
  PodDisruptionBudget rules (which need 2+ replicas) leave them alone.
- LeaderWorkerSet (sigs.k8s.io/lws v0.8.0 leaderworkerset_types.go): ``spec.replicas`` (groups) defaults to 1,
  ``spec.leaderWorkerTemplate.size`` (pods per group, leader included) defaults to 1; the leader runs
  ``leaderTemplate``, or the worker template when there is none; so the leader template runs ``replicas`` pods and
  the worker template ``replicas × (size − 1)``, or ``replicas × size`` when it serves the leaders too.
- KServe v0.20.0 (component.go, constants.go, predictor.go buildObjectMeta, deployment_reconciler.go):
  ``minReplicas`` defaults to 1; the model becomes the ``kserve-container``; pods carry the InferenceService's
  labels, the predictor's, ``serving.kserve.io/inferenceservice: <isvc>``, ``component: <component>`` and
  ``app: isvc.<isvc>-<component>``.
- ServingRuntimes are v1alpha1 pod-spec fragments (``spec.containers``), no pods of their own.
"""

from __future__ import annotations

from typing import Any

import pytest

from gpu_platform.plan import PlanResource
from gpu_platform.policy._workloads import PodTemplate, api_group, dig, pod_templates

SERVER = {"name": "server", "image": "vllm/vllm-openai:v0.33.0", "resources": {"limits": {"nvidia.com/gpu": 1}}}
FETCH = {"name": "fetch", "image": "amazon/aws-cli:2.27.0"}


def k8s(api_version: str, kind: str, spec: Any, labels: dict[str, str] | None = None) -> PlanResource:
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    metadata: dict[str, Any] = {"name": "llm", "namespace": "models", **({"labels": labels} if labels else {})}
    inputs = {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec}
    return PlanResource(f"urn:pulumi:test::gpu-platform::kubernetes:{group_version}:{kind}::llm",
                        f"kubernetes:{group_version}:{kind}", "llm", None, True, None, [], inputs)


def pod(**extra: Any) -> dict[str, Any]:
    """A pod template: labels, one init container and one GPU container (plus a non-object entry, skipped)."""
    return {"metadata": {"labels": {"app": "llm"}},
            "spec": {"initContainers": [FETCH, "junk"], "containers": [SERVER, None], **extra}}


def shape(t: PodTemplate) -> tuple:
    return (t.path, t.containers, t.init_containers, t.labels, (t.min_replicas, t.max_replicas), t.operator)


POD_SPEC = pod()["spec"]
PLAIN = ([SERVER], [FETCH], {"app": "llm"})


@pytest.mark.parametrize("api_version, kind, spec, expected", [
    ("apps/v1", "Deployment", {"template": pod()}, ("spec.template.spec", *PLAIN, (1, 1), None)),
    ("apps/v1", "Deployment", {"replicas": 3, "template": pod()}, ("spec.template.spec", *PLAIN, (3, 3), None)),
    ("apps/v1", "StatefulSet", {"template": pod()}, ("spec.template.spec", *PLAIN, (1, 1), None)),
    ("apps/v1", "StatefulSet", {"replicas": 2, "template": pod()}, ("spec.template.spec", *PLAIN, (2, 2), None)),
    ("apps/v1", "ReplicaSet", {"replicas": 4, "template": pod()}, ("spec.template.spec", *PLAIN, (4, 4), None)),
    ("apps/v1", "DaemonSet", {"template": pod()}, ("spec.template.spec", *PLAIN, (0, 0), None)),
    ("batch/v1", "Job", {"parallelism": 4, "completions": 8, "template": pod()},
     ("spec.template.spec", *PLAIN, (0, 0), None)),
    ("batch/v1", "CronJob", {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"parallelism": 2, "template": pod()}}},
     ("spec.jobTemplate.spec.template.spec", *PLAIN, (0, 0), None)),
    ("v1", "Pod", POD_SPEC, ("spec", [SERVER], [FETCH], {"team": "ml"}, (1, 1), None)),
], ids=["deployment-default", "deployment", "statefulset-default", "statefulset", "replicaset", "daemonset", "job",
        "cronjob", "pod"])
def test_each_builtin_kind_yields_its_one_pod_template(api_version, kind, spec, expected):
    r = k8s(api_version, kind, spec, labels={"team": "ml"})
    (t,) = pod_templates(r)
    assert shape(t) == expected
    assert t.resource is r and t.spec == POD_SPEC
    assert (t.namespace, t.extra, t.placeholder) == ("models", {}, False)


@pytest.mark.parametrize("api_version, kind, spec", [
    ("apps/v1", "Deployment", {"replicas": 2}),
    ("apps/v1", "StatefulSet", {"template": {"metadata": {"labels": {"app": "llm"}}}}),
    ("apps/v1", "DaemonSet", {"template": {"spec": {}}}),
    ("batch/v1", "Job", {"template": "not-a-template"}),
    ("batch/v1", "CronJob", {"jobTemplate": {"template": pod()}}),  # the Job's template sits under jobTemplate.spec
    ("v1", "Pod", {}),
    ("v1", "ConfigMap", None),
    ("serving.kserve.io/v1beta1", "InferenceService", {"predictor": {}}),
    ("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", {"replicas": 2}),
])
def test_an_object_without_a_pod_spec_yields_no_template(api_version, kind, spec):
    assert pod_templates(k8s(api_version, kind, spec)) == []


def test_a_non_kubernetes_resource_yields_no_template():
    vpc = PlanResource("urn:pulumi:test::gpu-platform::aws:ec2/vpc:Vpc::main", "aws:ec2/vpc:Vpc", "main", None,
                       True, None, [], {"kind": "Deployment", "spec": {"template": pod()}})
    assert pod_templates(vpc) == []


def test_a_pod_template_keeps_template_labels_only():
    """A Deployment's pods carry the template's labels, not the Deployment's own metadata.labels."""
    (t,) = pod_templates(k8s("apps/v1", "Deployment", {"template": {"spec": {"containers": [SERVER]}}},
                             labels={"team": "ml"}))
    assert (t.labels, t.init_containers) == ({}, [])


@pytest.mark.parametrize("spec, bounds, worker_bounds", [
    ({"size": 2}, (1, 1), (1, 1)),
    ({"replicas": 3, "size": 2}, (3, 3), (3, 3)),
    ({"replicas": 3, "size": 4}, (3, 3), (9, 9)),  # 3 groups of a leader and 3 workers
    ({"replicas": 2, "size": 1}, (2, 2), (0, 0)),  # leaders only (a 0-replica worker StatefulSet)
], ids=["default-replicas", "replicas", "size-4", "size-1"])
def test_a_leader_worker_set_yields_its_leader_and_worker_templates(spec, bounds, worker_bounds):
    leader = pod()
    worker = {"metadata": {"labels": {"role": "worker"}}, "spec": {"containers": [SERVER]}}
    lws_spec = {k: v for k, v in spec.items() if k != "size"}
    r = k8s("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", {
        **lws_spec, "leaderWorkerTemplate": {"size": spec["size"], "leaderTemplate": leader, "workerTemplate": worker}})
    assert [shape(t) for t in pod_templates(r)] == [
        ("spec.leaderWorkerTemplate.leaderTemplate.spec", [SERVER], [FETCH], {"app": "llm"}, bounds, "lws"),
        ("spec.leaderWorkerTemplate.workerTemplate.spec", [SERVER], [], {"role": "worker"}, worker_bounds, "lws"),
    ]


def test_without_a_leader_template_the_worker_template_runs_every_pod_of_every_group():
    worker = {"metadata": {"labels": {"role": "worker"}}, "spec": {"containers": [SERVER]}}
    r = k8s("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet",
            {"replicas": 2, "leaderWorkerTemplate": {"size": 4, "workerTemplate": worker}})
    assert [shape(t) for t in pod_templates(r)] == [
        ("spec.leaderWorkerTemplate.workerTemplate.spec", [SERVER], [], {"role": "worker"}, (8, 8), "lws")]
    default = k8s("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", {"leaderWorkerTemplate": {"workerTemplate": worker}})
    assert [(t.min_replicas, t.max_replicas) for t in pod_templates(default)] == [(1, 1)]  # 1 group of 1 pod
    assert all(t.resource is r for t in pod_templates(r))  # violations name the LeaderWorkerSet


@pytest.mark.parametrize("kind", ["ServingRuntime", "ClusterServingRuntime"])
def test_a_serving_runtime_is_one_fragment_of_containers_and_no_pods(kind):
    spec = {"supportedModelFormats": [{"name": "vLLM"}], "containers": [{"name": "kserve-container",
                                                                          "image": "vllm/vllm-openai:v0.33.0"}, 7]}
    r = k8s("serving.kserve.io/v1alpha1", kind, spec)
    (t,) = pod_templates(r)
    assert shape(t) == ("spec", [spec["containers"][0]], [], {}, (0, 0), "kserve-runtime")
    assert t.spec is spec and t.extra == {}


# ------------------------------------------------------------------------------------------------ KServe
def isvc(**components: Any) -> PlanResource:
    return k8s("serving.kserve.io/v1beta1", "InferenceService", components, labels={"team": "ml"})


def test_a_predictor_model_is_the_kserve_container_with_default_bounds():
    model = {"modelFormat": {"name": "vLLM"}, "storageUri": "pvc://cache/llama",
             "resources": {"limits": {"nvidia.com/gpu": 1}}}
    sidecar = {"name": "proxy", "image": "envoyproxy/envoy:v1.34.0"}
    body = {"model": model, "containers": [sidecar, "junk"], "initContainers": [FETCH], "labels": {"tier": "gold"}}
    (t,) = pod_templates(isvc(predictor=body))
    assert shape(t) == (
        "spec.predictor", [{"name": "kserve-container", **model}, sidecar], [FETCH],
        {"team": "ml", "tier": "gold", "serving.kserve.io/inferenceservice": "llm", "component": "predictor",
         "app": "isvc.llm-predictor"},
        (1, 1), "kserve")
    assert t.spec is body and t.extra == {"storageUri": "pvc://cache/llama"}


@pytest.mark.parametrize("counts, bounds", [
    ({"minReplicas": 2}, (2, 2)),
    ({"maxReplicas": 4}, (1, 4)),
    ({"minReplicas": 0, "maxReplicas": 3}, (0, 3)),
    ({"minReplicas": 3, "maxReplicas": 1}, (3, 3)),  # never fewer than minReplicas
], ids=["min-only", "max-only", "scale-to-zero", "max-below-min"])
def test_predictor_bounds_follow_kserve_defaults(counts, bounds):
    (t,) = pod_templates(isvc(predictor={"containers": [SERVER], **counts}))
    assert (t.min_replicas, t.max_replicas) == bounds


def test_every_kserve_component_is_a_template_with_its_own_labels():
    custom = {"containers": [SERVER], "storageUri": "s3://weights/llama"}
    r = isvc(predictor=custom, transformer={"containers": [FETCH], "minReplicas": 2}, explainer={"containers": [FETCH]})
    assert [(t.path, t.labels["component"], t.labels["app"], t.min_replicas, t.extra) for t in pod_templates(r)] == [
        ("spec.predictor", "predictor", "isvc.llm-predictor", 1, {"storageUri": "s3://weights/llama"}),
        ("spec.transformer", "transformer", "isvc.llm-transformer", 2, {"storageUri": None}),
        ("spec.explainer", "explainer", "isvc.llm-explainer", 1, {"storageUri": None}),
    ]


def test_a_multi_node_predictor_adds_its_worker_pods():
    worker = {"tensorParallelSize": 2, "containers": [SERVER, "junk"]}
    predictor, workers = pod_templates(isvc(predictor={"model": {"runtime": "vllm"}, "minReplicas": 2,
                                                       "workerSpec": worker}))
    assert predictor.path == "spec.predictor"
    assert (workers.path, workers.spec, workers.containers, workers.init_containers, workers.operator) == (
        "spec.predictor.workerSpec", worker, [SERVER], [], "kserve")
    assert (workers.min_replicas, workers.max_replicas) == (2, 2)
    assert workers.labels["serving.kserve.io/inferenceservice"] == "llm"
    assert len(pod_templates(isvc(predictor={"model": {"runtime": "vllm"}, "workerSpec": {"size": 2}}))) == 1


# ------------------------------------------------------------------------------------------------ helpers
def test_dig_walks_dicts_and_list_indexes_and_never_raises():
    doc = {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}
    assert dig(doc, "spec", "containers", 1, "name") == "b"
    assert dig(doc, "spec", "containers", 2, "name") is None  # one past the end
    assert dig(doc, "spec", "containers", 2, default="none") == "none"
    assert dig(doc, "spec", "containers", -1, default="none") == "none"
    assert dig(doc, "spec", "containers", "0", default="none") == "none"
    assert dig(doc, "spec", "missing", default=0) == 0
    assert dig(doc) is doc


@pytest.mark.parametrize("api_version, group", [
    ("apps/v1", "apps"), ("karpenter.sh/v1", "karpenter.sh"), ("v1", ""), ("", "")])
def test_api_group_is_the_part_before_the_slash_and_empty_for_the_core_group(api_version, group):
    r = k8s("v1", "Thing", {})
    r.inputs["apiVersion"] = api_version
    assert api_group(r) == group
