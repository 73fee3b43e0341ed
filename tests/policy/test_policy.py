"""The production checklist: a compliant synthetic stack passes, and one targeted defect makes exactly its rule fire.

Each rule gets a mutation of the compliant stack that breaks only that rule (`MUTATIONS`); a test asserts that
every registered rule has one, so a new rule cannot ship without being shown to fire.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gpu_platform.plan import SECRET, PlanResource
from gpu_platform.policy import EXEMPT_ANNOTATION, RULE_IDS, run_checks
from gpu_platform.policy.rules import image_problem
from branches import reaches

GPU_TOL = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def k8s(obj: dict[str, Any], name: str | None = None) -> PlanResource:
    api, kind = obj["apiVersion"], obj["kind"]
    group_version = api if "/" in api else f"core/{api}"
    return PlanResource(
        urn=f"urn:pulumi:test::gpu-platform::kubernetes:{group_version}:{kind}::{name or obj['metadata']['name']}",
        type=f"kubernetes:{group_version}:{kind}",
        name=name or obj["metadata"]["name"],
        parent=None,
        custom=True,
        provider=None,
        dependencies=[],
        inputs=obj,
    )


def resource(type_: str, name: str, inputs: dict[str, Any]) -> PlanResource:
    return PlanResource(f"urn:pulumi:test::gpu-platform::{type_}::{name}", type_, name, None, True, None, [], inputs)


def helm(chart: str, version: str | None, values: dict | None = None, repo: str | None = "https://charts.example") -> PlanResource:
    inputs: dict[str, Any] = {"chart": chart, "name": chart, "namespace": "kube-system", "values": values or {}}
    if version is not None:
        inputs["version"] = version
    if repo:
        inputs["repositoryOpts"] = {"repo": repo}
    return resource("kubernetes:helm.sh/v3:Release", chart, inputs)


def serving_container() -> dict[str, Any]:
    return {
        "name": "vllm",
        "image": "vllm/vllm-openai:v0.33.0",
        "resources": {"limits": {"nvidia.com/gpu": 1, "memory": "40Gi"}, "requests": {"nvidia.com/gpu": 1}},
        "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}],
        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}, {"name": "cache", "mountPath": "/models"}],
        "startupProbe": {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 10, "failureThreshold": 60},
        "readinessProbe": {"httpGet": {"path": "/health", "port": 8000}},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}},
        "securityContext": {"allowPrivilegeEscalation": False},
    }


def gpu_pod_spec() -> dict[str, Any]:
    return {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000},
        "tolerations": [GPU_TOL],
        "topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
             "labelSelector": {"matchLabels": {"app": "llama"}}}
        ],
        "containers": [serving_container()],
        "volumes": [
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}},
            {"name": "cache", "persistentVolumeClaim": {"claimName": "llama-cache"}},
        ],
    }


def compliant() -> list[PlanResource]:
    """A small stack that follows the whole checklist."""
    return [
        resource("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16", "tags": {"gpu-platform/environment": "prod"}}),
        resource(
            "aws:ec2/launchTemplate:LaunchTemplate", "system-lt",
            {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
        ),
        k8s({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "models"}}),
        k8s({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "gpus", "namespace": "models"},
             "spec": {"hard": {"requests.nvidia.com/gpu": "8"}}}),
        k8s({
            "apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "gpu-l4"},
            "spec": {"template": {
                "metadata": {"labels": {"gpu-platform.io/gpu-class": "l4"}},
                "spec": {
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "gpu"},
                    "requirements": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g6"]}],
                    "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
                },
            }},
        }),
        k8s({
            "apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": "gpu"},
            "spec": {"amiSelectorTerms": [{"alias": "al2023@v20251117"}],
                     "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
        }),
        helm("nvidia-device-plugin", "0.20.0"),
        helm("dcgm-exporter", "4.8.2", {"image": {"repository": "nvcr.io/nvidia/k8s/dcgm-exporter", "tag": "4.5.3-4.8.2"}}),
        helm("oci://public.ecr.aws/karpenter/karpenter", "1.14.1", repo=None),
        k8s({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "llama", "namespace": "models"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "llama"}},
                     "template": {"metadata": {"labels": {"app": "llama"}}, "spec": gpu_pod_spec()}},
        }),
        k8s({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "llama", "namespace": "models"},
             "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "llama"}}}}),
        k8s({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "llama", "namespace": "models"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama"},
                     "minReplicas": 2, "maxReplicas": 6,
                     "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600}}},
        }),
        k8s({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hf", "namespace": "models"}, "stringData": SECRET}),
        k8s({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "litellm", "namespace": "llm-gateway"},
             "data": {"config.yaml": "general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n"}}),
    ]


def find(stack: list[PlanResource], name: str) -> dict[str, Any]:
    return next(r for r in stack if r.name == name).inputs


def container(stack: list[PlanResource]) -> dict[str, Any]:
    return find(stack, "llama")["spec"]["template"]["spec"]["containers"][0]


def pod(stack: list[PlanResource]) -> dict[str, Any]:
    return find(stack, "llama")["spec"]["template"]["spec"]


def drop(stack: list[PlanResource], name: str) -> None:
    stack[:] = [r for r in stack if r.name != name]


MUTATIONS: dict[str, Callable[[list[PlanResource]], None]] = {
    "gpu-requests-equal-limits": lambda s: container(s)["resources"]["requests"].update({"nvidia.com/gpu": 2}),
    "gpu-pods-tolerate-taint": lambda s: pod(s).update(tolerations=[]),
    "gpu-nodepool-tainted": lambda s: find(s, "gpu-l4")["spec"]["template"]["spec"].update(taints=[]),
    "gpu-spread": lambda s: pod(s).pop("topologySpreadConstraints"),
    "gpu-dev-shm": lambda s: pod(s)["volumes"][0].update(emptyDir={}),
    "gpu-weight-cache": lambda s: pod(s)["volumes"].__setitem__(1, {"name": "cache", "emptyDir": {}}),
    "gpu-probes": lambda s: container(s)["startupProbe"].update(failureThreshold=3),
    "gpu-quota": lambda s: drop(s, "gpus"),
    "dcgm-exporter-present": lambda s: drop(s, "dcgm-exporter"),
    "device-plugin-present": lambda s: drop(s, "nvidia-device-plugin"),
    "imdsv2": lambda s: find(s, "system-lt")["metadataOptions"].update(httpTokens="optional"),
    "non-root": lambda s: pod(s)["securityContext"].pop("runAsNonRoot"),
    "secrets-never-plain": lambda s: container(s)["env"].append({"name": "OPENAI_API_KEY", "value": "sk-live-123"}),
    "images-pinned": lambda s: container(s).update(image="vllm/vllm-openai:latest"),
    "ami-pinned": lambda s: find(s, "gpu")["spec"]["amiSelectorTerms"][0].update(alias="al2023@latest"),
    "charts-pinned": lambda s: find(s, "nvidia-device-plugin").pop("version"),
}


# The checklist's floor for GPU autoscalers' scale-down window is the Kubernetes HPA default, 300 s
# (autoscaling/v2 HPAScalingRules: "the default value ... for scale down: 300 (5 minutes)"), stated explicitly.
SCALE_DOWN_FLOOR_S = 300


def _hpa_short(s: list[PlanResource]) -> None:
    hpa = next(r for r in s if r.inputs.get("kind") == "HorizontalPodAutoscaler")
    hpa.inputs["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] = SCALE_DOWN_FLOOR_S - 1


def _drop_pdb(s: list[PlanResource]) -> None:
    s[:] = [r for r in s if r.inputs.get("kind") != "PodDisruptionBudget"]


MUTATIONS["gpu-scale-down-stabilization"] = _hpa_short
MUTATIONS["pdb"] = _drop_pdb


def _ray_service_with_pdb(budget: dict[str, Any]) -> list[PlanResource]:
    """A compliant RayService and a PodDisruptionBudget over its pods with ``budget``."""
    pod = {"metadata": {"labels": {"gpu-platform.io/model": "big"}}, "spec": {
        "securityContext": {"runAsNonRoot": True},
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "containers": [{"name": "ray-worker", "image": "rayproject/ray-llm:2.56.0-py312-cu130",
                        "resources": {"limits": {"nvidia.com/gpu": 4}},
                        "volumeMounts": [{"name": "cache", "mountPath": "/models"}]}],
        "volumes": [{"name": "cache", "persistentVolumeClaim": {"claimName": "c"}}]}}
    worker = {"groupName": "gpu", "minReplicas": 1, "maxReplicas": 1, "template": pod}
    head = {"template": {"metadata": pod["metadata"], "spec": {"securityContext": {"runAsNonRoot": True},
            "containers": [{"name": "ray-head", "image": "rayproject/ray-llm:2.56.0-py312-cu130"}]}}}
    ray = k8s({"apiVersion": "ray.io/v1", "kind": "RayService", "metadata": {"name": "big", "namespace": "models"},
               "spec": {"rayClusterConfig": {"headGroupSpec": head, "workerGroupSpecs": [worker]}}})
    pdb = k8s({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": "big", "namespace": "models"},
               "spec": {**budget, "selector": {"matchLabels": {"gpu-platform.io/model": "big"}}}})
    return [ray, pdb]


MUTATIONS["pdb-computable"] = lambda s: s.extend(_ray_service_with_pdb({"maxUnavailable": 1}))



def test_compliant_stack_passes_every_rule():
    assert run_checks(compliant()) == []


def test_every_rule_has_a_mutation_that_fires_it():
    assert set(MUTATIONS) == set(RULE_IDS)


# What each mutation broke, as the violation must name it: the field (or the missing object) and the offending value,
# so a user can find it. Written from the mutations above, not from the rules' messages.
NAMES = {
    "gpu-requests-equal-limits": ("llama", ["requests.nvidia.com/gpu=2", "limits.nvidia.com/gpu=1"]),
    "gpu-pods-tolerate-taint": ("llama", ["nvidia.com/gpu:NoSchedule"]),
    "gpu-nodepool-tainted": ("gpu-l4", ["nvidia.com/gpu:NoSchedule", "spec.template.spec.taints"]),
    "gpu-spread": ("llama", ["topologySpreadConstraints"]),
    "gpu-dev-shm": ("llama", ["/dev/shm", "'dshm'", "medium: Memory"]),
    "gpu-weight-cache": ("llama", ["'vllm'", "weight cache"]),
    "gpu-probes": ("llama", ["startupProbe", "30s"]),  # failureThreshold 3 × periodSeconds 10
    "gpu-quota": ("llama", ["namespace models", "requests.nvidia.com/gpu"]),
    "dcgm-exporter-present": ("gpu-l4", ["dcgm-exporter"]),
    "device-plugin-present": ("gpu-l4", ["nvidia-device-plugin"]),
    "imdsv2": ("system-lt", ["metadataOptions.httpTokens", "'optional'"]),
    "non-root": ("llama", ["runAsNonRoot"]),
    "secrets-never-plain": ("llama", ["OPENAI_API_KEY"]),
    "images-pinned": ("llama", ["vllm/vllm-openai:latest"]),
    "ami-pinned": ("gpu", ["spec.amiSelectorTerms[0].alias", "al2023@latest"]),
    "charts-pinned": ("nvidia-device-plugin", ["nvidia-device-plugin", "no version"]),
    "gpu-scale-down-stabilization": ("llama", ["stabilizationWindowSeconds", "299s"]),
    "pdb": ("llama", ["PodDisruptionBudget", "'app': 'llama'"]),
    "pdb-computable": ("big", ["spec.minAvailable"]),
}


def test_every_mutation_says_what_its_violation_names():
    assert set(NAMES) == set(MUTATIONS)


@pytest.mark.parametrize("rule_id", sorted(MUTATIONS))
def test_each_rule_fires_alone(rule_id):
    stack = copy.deepcopy(compliant())
    MUTATIONS[rule_id](stack)
    violations = run_checks(stack)
    assert violations, f"{rule_id} did not fire"
    assert {v.rule for v in violations} == {rule_id}, [str(v) for v in violations]
    assert all(v.resource and v.message and v.urn.startswith("urn:pulumi:") for v in violations)
    name, fragments = NAMES[rule_id]
    [v] = violations
    assert v.urn.endswith(f"::{name}"), v.urn
    for fragment in fragments:
        assert fragment in v.message, (fragment, v.message)


def test_the_scale_down_floor_is_inclusive():
    stack = copy.deepcopy(compliant())
    hpa = next(r for r in stack if r.inputs.get("kind") == "HorizontalPodAutoscaler")
    hpa.inputs["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] = SCALE_DOWN_FLOOR_S
    assert run_checks(stack) == []


def test_exemption_annotation_silences_only_the_named_rule():
    stack = copy.deepcopy(compliant())
    pod(stack).pop("topologySpreadConstraints")
    container(stack).pop("livenessProbe")
    find(stack, "llama")["metadata"]["annotations"] = {EXEMPT_ANNOTATION: "gpu-spread"}
    assert {v.rule for v in run_checks(stack)} == {"gpu-probes"}


def test_gpu_node_software_rules_only_apply_when_gpus_exist():
    cpu_only = [r for r in compliant() if r.name not in ("gpu-l4", "llama", "dcgm-exporter", "nvidia-device-plugin")]
    assert run_checks(cpu_only) == []


def test_gpu_workload_without_nodepool_still_needs_dcgm():
    stack = [r for r in compliant() if r.name not in ("gpu-l4", "dcgm-exporter")]
    assert [v.rule for v in run_checks(stack)] == ["dcgm-exporter-present"]


def test_ami_pinning_is_production_only():
    stack = copy.deepcopy(compliant())
    MUTATIONS["ami-pinned"](stack)
    find(stack, "vpc")["tags"]["gpu-platform/environment"] = "dev"
    assert run_checks(stack) == []


def test_pause_placeholders_are_not_serving_containers():
    stack = copy.deepcopy(compliant())
    placeholder = copy.deepcopy(find(stack, "llama"))
    placeholder["metadata"]["name"] = "headroom"
    placeholder["spec"]["replicas"] = 1
    spec = placeholder["spec"]["template"]["spec"]
    spec["containers"] = [{"name": "pause", "image": "registry.k8s.io/pause:3.10",
                           "resources": {"limits": {"nvidia.com/gpu": 1}}}]
    spec.pop("volumes")
    stack.append(k8s(placeholder, "headroom"))
    assert run_checks(stack) == []


def inference_service(**predictor: Any) -> PlanResource:
    body = {
        "minReplicas": 1, "maxReplicas": 1, "tolerations": [GPU_TOL],
        "securityContext": {"runAsNonRoot": True},
        "model": {
            "modelFormat": {"name": "vLLM"}, "storageUri": "pvc://llama-cache/llama",
            "resources": {"limits": {"nvidia.com/gpu": 1}},
            "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
            "startupProbe": {"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 60},
            "readinessProbe": {"httpGet": {"path": "/health", "port": 8080}},
            "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}},
        },
        "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory"}}],
        **predictor,
    }
    return k8s({"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
                "metadata": {"name": "llama", "namespace": "models"}, "spec": {"predictor": body}}, "isvc")


def test_inference_service_predictor_is_a_gpu_workload():
    base = [r for r in compliant() if r.name not in ("llama",) and r.inputs.get("kind") not in
            ("PodDisruptionBudget", "HorizontalPodAutoscaler")]
    assert run_checks([*base, inference_service()]) == []
    violations = run_checks([*base, inference_service(tolerations=[])])
    assert [v.rule for v in violations] == ["gpu-pods-tolerate-taint"]
    # Autoscaling between 1 and 4 replicas: spread, and an explicit scale-down window, are now required.
    rules = {v.rule for v in run_checks([*base, inference_service(maxReplicas=4)])}
    assert rules == {"gpu-spread", "gpu-scale-down-stabilization"}


def test_ray_service_workers_are_checked_and_kuberay_managed_fields_are_not():
    base = [r for r in compliant() if r.name != "llama" and r.inputs.get("kind") not in
            ("PodDisruptionBudget", "HorizontalPodAutoscaler")]
    worker = {"groupName": "gpu", "minReplicas": 1, "maxReplicas": 1, "template": {"spec": {
        "securityContext": {"runAsNonRoot": True},
        "containers": [{"name": "ray-worker", "image": "vllm/vllm-openai:v0.33.0",
                        "resources": {"limits": {"nvidia.com/gpu": 4}},
                        "volumeMounts": [{"name": "cache", "mountPath": "/models"}]}],
        "volumes": [{"name": "cache", "persistentVolumeClaim": {"claimName": "c"}}],
    }}}
    head = {"template": {"spec": {"securityContext": {"runAsNonRoot": True},
                                  "containers": [{"name": "ray-head", "image": "vllm/vllm-openai:v0.33.0"}]}}}
    ray = k8s({"apiVersion": "ray.io/v1", "kind": "RayService", "metadata": {"name": "big", "namespace": "models"},
               "spec": {"rayClusterConfig": {"headGroupSpec": head, "workerGroupSpecs": [worker]}}})
    # No /dev/shm and no probes: KubeRay adds both. The missing toleration is ours to set.
    assert [v.rule for v in run_checks([*base, ray])] == ["gpu-pods-tolerate-taint"]


def test_plain_secret_in_secret_object_and_helm_values():
    stack = copy.deepcopy(compliant())
    find(stack, "hf")["stringData"] = {"token": "hf_abc"}
    find(stack, "dcgm-exporter")["values"]["grafana"] = {"adminPassword": "hunter2"}
    messages = [v.message for v in run_checks(stack)]
    assert any("stringData holds plain values (token)" in m for m in messages)
    assert any("grafana.adminPassword" in m for m in messages)


def test_litellm_config_with_a_literal_key_fires():
    stack = copy.deepcopy(compliant())
    find(stack, "litellm")["data"]["config.yaml"] = "model_list:\n- litellm_params:\n    api_key: sk-live-abc\n"
    assert [v.rule for v in run_checks(stack)] == ["secrets-never-plain"]


def test_charts_need_exact_versions():
    stack = copy.deepcopy(compliant())
    find(stack, "nvidia-device-plugin")["version"] = "^0.20"
    assert [v.rule for v in run_checks(stack)] == ["charts-pinned"]


def test_only_selects_rules_and_rejects_unknown_ids():
    stack = copy.deepcopy(compliant())
    MUTATIONS["gpu-quota"](stack)
    assert run_checks(stack, only=["pdb"]) == []
    with pytest.raises(KeyError, match="unknown rule"):
        run_checks(stack, only=["no-such-rule"])


REPOSITORIES = {"vllm/vllm-openai": "docker hub", "ghcr.io/berriai/litellm": "registry host",
                "registry.k8s.io:5000/pause": "registry host with a port"}


@reaches(*REPOSITORIES.values())
@example(repo="vllm/vllm-openai", tag="v0.33.0")
@example(repo="ghcr.io/berriai/litellm", tag="1.2-stable")
@example(repo="registry.k8s.io:5000/pause", tag="3.10")  # the port's colon is not a tag
@given(
    repo=st.sampled_from(list(REPOSITORIES)),
    tag=st.from_regex(r"v?[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,2})?(-stable)?", fullmatch=True),
)
def test_image_pinning(branch, repo, tag):
    branch(REPOSITORIES[repo])
    assert image_problem(f"{repo}:{tag}") is None
    assert image_problem(f"{repo}@sha256:{'a' * 64}") is None
    assert "latest" in image_problem(f"{repo}:latest")
    assert "no tag" in image_problem(repo)


def test_negative_priority_placeholders_are_not_serving_workloads():
    """Warm headroom that pre-pulls the serving image (not a pause container) is recognised by its priority."""
    stack = copy.deepcopy(compliant())
    placeholder = copy.deepcopy(find(stack, "llama"))
    placeholder["metadata"]["name"] = "headroom"
    spec = placeholder["spec"]["template"]["spec"]
    spec["priorityClassName"] = "gpu-headroom"
    spec["containers"] = [{"name": "placeholder", "image": "vllm/vllm-openai:v0.33.0", "command": ["sleep", "infinity"],
                           "resources": {"limits": {"nvidia.com/gpu": 1}}}]
    spec.pop("volumes")
    stack.append(k8s(placeholder, "headroom"))
    assert {v.rule for v in run_checks(stack)} == {"gpu-dev-shm", "gpu-weight-cache", "gpu-probes"}
    stack.append(k8s({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                      "metadata": {"name": "gpu-headroom"}, "value": -100, "preemptionPolicy": "Never"}))
    assert run_checks(stack) == []


def test_pod_scoped_ephemeral_volumes_are_no_weight_cache():
    stack = copy.deepcopy(compliant())
    pod(stack)["volumes"][1] = {"name": "cache", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}}
    assert [v.rule for v in run_checks(stack)] == ["gpu-weight-cache"]


def test_streaming_weights_from_s3_counts_as_a_cache():
    stack = copy.deepcopy(compliant())
    pod(stack)["volumes"][1] = {"name": "cache", "emptyDir": {}}
    assert [v.rule for v in run_checks(stack)] == ["gpu-weight-cache"]
    container(stack)["args"] = ["s3://weights/llama/", "--load-format=runai_streamer"]
    assert run_checks(stack) == []
    container(stack)["args"] = ["meta-llama/Llama-3.1-8B", "--load-format=runai_streamer"]  # from the hub: no
    assert [v.rule for v in run_checks(stack)] == ["gpu-weight-cache"]


def test_kserve_predictor_is_checked_with_its_serving_runtime_merged_in():
    base = [r for r in compliant() if r.name != "llama" and r.inputs.get("kind") not in
            ("PodDisruptionBudget", "HorizontalPodAutoscaler")]
    isvc = inference_service()
    model = isvc.inputs["spec"]["predictor"]["model"]
    model["runtime"] = "vllm"
    probes = {k: model.pop(k) for k in ("startupProbe", "readinessProbe", "livenessProbe")}
    isvc.inputs["spec"]["predictor"].pop("securityContext")
    assert {v.rule for v in run_checks([*base, isvc])} == {"gpu-probes", "non-root"}
    runtime = k8s({"apiVersion": "serving.kserve.io/v1alpha1", "kind": "ClusterServingRuntime",
                   "metadata": {"name": "vllm"},
                   "spec": {"containers": [{"name": "kserve-container", "image": "vllm/vllm-openai:v0.33.0",
                                            "securityContext": {"runAsNonRoot": True}, **probes}],
                            "supportedModelFormats": [{"name": "vLLM"}]}})
    before = copy.deepcopy(isvc.inputs)
    assert run_checks([*base, isvc, runtime]) == []
    assert isvc.inputs == before  # the merge is a view, not a change to the plan


def test_an_autoscaler_minimum_overrides_spec_replicas_for_pdbs():
    stack = copy.deepcopy(compliant())
    stack[:] = [r for r in stack if r.inputs.get("kind") != "PodDisruptionBudget"]
    hpa = next(r for r in stack if r.inputs.get("kind") == "HorizontalPodAutoscaler")
    hpa.inputs["spec"]["minReplicas"] = 1
    assert run_checks(stack) == []
    find(stack, "llama")["spec"]["replicas"] = 1
    hpa.inputs["spec"]["minReplicas"] = 3
    assert [v.rule for v in run_checks(stack)] == ["pdb"]




def test_a_pdb_over_raycluster_pods_must_use_an_integer_min_available():
    """The real disruption controller reported CalculateExpectedPodCountFailed for our maxUnavailable PDB over a
    RayService's pods (verify, prod): RayCluster has no scale subresource. Integer minAvailable only counts pods."""
    for bad in ({"maxUnavailable": 1}, {"minAvailable": "50%"}):
        found = run_checks([*compliant(), *_ray_service_with_pdb(bad)])
        assert [v.rule for v in found] == ["pdb-computable"]
        assert "use an integer spec.minAvailable" in found[0].message
    assert run_checks([*compliant(), *_ray_service_with_pdb({"minAvailable": 3})]) == []


# A privileged container has every host device and capability (Kubernetes Pod Security Standards, "Baseline":
# privileged must be unset or false; allowPrivilegeEscalation must be false under "Restricted").
@pytest.mark.parametrize("field, message", [
    ("privileged", "privileged container"),
    ("allowPrivilegeEscalation", "allowPrivilegeEscalation is true"),
])
def test_a_privileged_or_escalating_container_fires_non_root_and_false_does_not(field, message):
    stack = copy.deepcopy(compliant())
    container(stack)["securityContext"][field] = True
    violations = run_checks(stack)
    assert [v.rule for v in violations] == ["non-root"] and message in violations[0].message
    container(stack)["securityContext"][field] = False
    assert run_checks(stack) == []


@pytest.mark.parametrize("values, fragment", [
    ({"image": {"repository": "nvcr.io/nvidia/k8s/dcgm-exporter", "tag": "latest"}}, "image.tag is 'latest'"),
    ({"exporter": {"image": "nvcr.io/nvidia/k8s/dcgm-exporter"}}, "has no tag (means latest)"),
    ({"exporter": {"image": "nvcr.io/nvidia/k8s/dcgm-exporter:latest"}}, "uses the latest tag"),
])
def test_unpinned_images_in_helm_values_fire_images_pinned(values, fragment):
    stack = copy.deepcopy(compliant())
    find(stack, "dcgm-exporter")["values"] = values
    violations = run_checks(stack)
    assert [v.rule for v in violations] == ["images-pinned"], [str(v) for v in violations]
    assert fragment in violations[0].message


def test_pinned_images_in_helm_values_pass():
    stack = copy.deepcopy(compliant())
    find(stack, "dcgm-exporter")["values"] = {"exporter": {"image": "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2"},
                                              "image": {"repository": "x/y", "tag": "4.5.3-4.8.2"}}
    assert run_checks(stack) == []
