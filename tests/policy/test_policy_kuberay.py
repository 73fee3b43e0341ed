"""KubeRay: the policy reads every pod a RayService or RayCluster will run, the head and each worker group.

KubeRay facts the expectations rest on (ray-project/kuberay 1.7.0, ../shared/upstream/facts.md and its pod
builder): a RayService nests a RayCluster spec under ``spec.rayClusterConfig``; the head group runs exactly one
pod; a worker group runs between ``minReplicas`` (default 0) and ``maxReplicas``, or ``replicas`` (default 0) when
the autoscaler is off; KubeRay labels every pod ``ray.io/node-type`` (``head`` / ``worker``) and ``ray.io/group``
(``headgroup`` for the head, the group's ``groupName`` for workers), plus ``ray.io/cluster`` with the generated
RayCluster name, which a plan cannot know.

Every stack here is compliant except for the one defect a test adds, so each expectation is exactly one rule.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gpu_platform.plan import PlanResource
from gpu_platform.policy import run_checks
from gpu_platform.policy._workloads import pod_templates

GPU_TOL = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
IMAGE = "rayproject/ray-llm:2.56.0-py312-cu130"
SPREAD = [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
           "labelSelector": {"matchLabels": {"app": "big"}}}]


def resource(type_: str, name: str, inputs: dict[str, Any]) -> PlanResource:
    return PlanResource(f"urn:pulumi:test::gpu-platform::{type_}::{name}", type_, name, None, True, None, [], inputs)


def k8s(obj: dict[str, Any]) -> PlanResource:
    group_version = obj["apiVersion"] if "/" in obj["apiVersion"] else f"core/{obj['apiVersion']}"
    return resource(f"kubernetes:{group_version}:{obj['kind']}", obj["metadata"]["name"], obj)


def helm(chart: str, version: str) -> PlanResource:
    return resource("kubernetes:helm.sh/v3:Release", chart, {
        "chart": chart, "name": chart, "namespace": "kube-system", "version": version,
        "repositoryOpts": {"repo": "https://charts.example"}, "values": {}})


def base() -> list[PlanResource]:
    """What GPU pods in namespace `models` need around them: a GPU quota, the device plugin and DCGM."""
    return [
        k8s({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "gpus", "namespace": "models"},
             "spec": {"hard": {"requests.nvidia.com/gpu": "8"}}}),
        helm("nvidia-device-plugin", "0.20.0"),
        helm("dcgm-exporter", "4.8.2"),
    ]


def cpu_pod(name: str = "ray-head") -> dict[str, Any]:
    return {"metadata": {"labels": {"app": "big"}},
            "spec": {"securityContext": {"runAsNonRoot": True}, "containers": [{"name": name, "image": IMAGE}]}}


def gpu_pod(name: str = "ray-worker", gpus: int = 1) -> dict[str, Any]:
    """A GPU pod that follows the checklist (KubeRay adds /dev/shm and probes itself, so it has neither)."""
    return {"metadata": {"labels": {"app": "big"}}, "spec": {
        "securityContext": {"runAsNonRoot": True},
        "tolerations": [GPU_TOL],
        "containers": [{"name": name, "image": IMAGE, "resources": {"limits": {"nvidia.com/gpu": gpus}},
                        "volumeMounts": [{"name": "cache", "mountPath": "/models"}]}],
        "volumes": [{"name": "cache", "persistentVolumeClaim": {"claimName": "big-cache"}}],
    }}


def worker_group(template: dict[str, Any] | None = None, **counts: Any) -> dict[str, Any]:
    return {"groupName": "gpu", **counts, "template": template or gpu_pod()}


def ray(kind: str, head: dict[str, Any] | None = None, workers: list[dict[str, Any]] | None = None,
        autoscaled: bool = False) -> PlanResource:
    """A RayService (the cluster under spec.rayClusterConfig) or a RayCluster (under spec) named models/big."""
    cluster = {"headGroupSpec": {"rayStartParams": {}, "template": head or cpu_pod()},
               "workerGroupSpecs": workers if workers is not None else [worker_group(minReplicas=1, maxReplicas=1)]}
    if autoscaled:
        cluster["enableInTreeAutoscaling"] = True
    spec = {"rayClusterConfig": cluster} if kind == "RayService" else cluster
    return k8s({"apiVersion": "ray.io/v1", "kind": kind, "metadata": {"name": "big", "namespace": "models"},
                "spec": spec})


def pdb(budget: dict[str, Any], selector: dict[str, Any]) -> PlanResource:
    return k8s({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": "big", "namespace": "models"}, "spec": {**budget, "selector": selector}})


KINDS = pytest.mark.parametrize("kind, prefix", [("RayService", "spec.rayClusterConfig"), ("RayCluster", "spec")])


@KINDS
def test_the_compliant_ray_stack_passes(kind, prefix):
    assert run_checks([*base(), ray(kind)]) == []


@KINDS
def test_a_privileged_head_container_is_reported_at_the_head_template(kind, prefix):
    head = cpu_pod()
    head["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    found = run_checks([*base(), ray(kind, head=head)])
    assert [(v.rule, v.resource, v.message) for v in found] == [(
        "non-root", f"{kind} models/big (big)",
        f"{prefix}.headGroupSpec.template.spec container 'ray-head': privileged container",
    )]


@KINDS
def test_a_privileged_worker_container_is_reported_at_its_group(kind, prefix):
    cpu = worker_group(cpu_pod("cpu-worker"), minReplicas=1, maxReplicas=1)
    gpu = worker_group(minReplicas=1, maxReplicas=1)
    gpu["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    found = run_checks([*base(), ray(kind, workers=[cpu, gpu])])
    assert [(v.rule, v.message) for v in found] == [
        ("non-root", f"{prefix}.workerGroupSpecs[1].template.spec container 'ray-worker': privileged container"),
    ]


@KINDS
def test_a_gpu_head_is_one_pod_managed_by_kuberay(kind, prefix):
    """Serving on the head (a single-node Ray cluster): one pod needs no spreading and no PodDisruptionBudget, and
    KubeRay gives it /dev/shm and probes, so a GPU head without them passes."""
    assert run_checks([*base(), ray(kind, head=gpu_pod("ray-head", gpus=4), workers=[])]) == []


@KINDS
def test_an_autoscaled_worker_group_spreads_up_to_its_max_replicas(kind, prefix):
    found = run_checks([*base(), ray(kind, workers=[worker_group(minReplicas=1, maxReplicas=4)], autoscaled=True)])
    assert [(v.rule, v.message) for v in found] == [(
        "gpu-spread",
        f"{prefix}.workerGroupSpecs[0].template.spec: up to 4 GPU replicas without topologySpreadConstraints or "
        "podAntiAffinity",
    )]


@KINDS
def test_a_fixed_size_worker_group_spreads_its_replicas(kind, prefix):
    """No autoscaler, no bounds: KubeRay runs `replicas` pods (a PodDisruptionBudget covers them)."""
    found = run_checks([*base(), ray(kind, workers=[worker_group(replicas=3)]),
                        pdb({"minAvailable": 2}, {"matchLabels": {"ray.io/group": "gpu"}})])
    assert [(v.rule, v.message) for v in found] == [(
        "gpu-spread",
        f"{prefix}.workerGroupSpecs[0].template.spec: up to 3 GPU replicas without topologySpreadConstraints or "
        "podAntiAffinity",
    )]


def test_a_worker_group_is_never_counted_below_its_min_replicas():
    """maxReplicas below minReplicas (a spec KubeRay would refuse) still runs minReplicas pods: KubeRay raises
    replicas to the minimum before it caps them at the maximum (GetWorkerGroupDesiredReplicas)."""
    stack = [*base(), ray("RayCluster", workers=[worker_group(minReplicas=3, maxReplicas=1)]),
             pdb({"minAvailable": 2}, {"matchLabels": {"ray.io/group": "gpu"}})]
    assert [(v.rule, v.message) for v in run_checks(stack)] == [(
        "gpu-spread",
        "spec.workerGroupSpecs[0].template.spec: up to 3 GPU replicas without topologySpreadConstraints or "
        "podAntiAffinity",
    )]


@KINDS
def test_a_worker_group_of_two_or_more_needs_a_pdb_over_its_pods(kind, prefix):
    template = gpu_pod()
    template["spec"]["topologySpreadConstraints"] = SPREAD
    stack = [*base(), ray(kind, workers=[worker_group(template, minReplicas=2, maxReplicas=2)])]
    assert [(v.rule, v.message) for v in run_checks(stack)] == [(
        "pdb",
        f"{prefix}.workerGroupSpecs[0].template.spec: 2+ replicas and no PodDisruptionBudget in namespace models "
        "selects labels {'app': 'big', 'ray.io/node-type': 'worker', 'ray.io/group': 'gpu'}",
    )]
    stack.append(pdb({"minAvailable": 1}, {"matchLabels": {"ray.io/node-type": "worker", "ray.io/group": "gpu"}}))
    assert run_checks(stack) == []


@pytest.mark.parametrize("selector", [
    {"ray.io/node-type": "head", "ray.io/group": "headgroup"},
    {"ray.io/node-type": "worker", "ray.io/group": "gpu"},
], ids=["head", "worker"])
def test_a_max_unavailable_pdb_over_kuberay_labels_is_not_computable(selector):
    """The disruption controller cannot count a RayCluster's pods for maxUnavailable (no scale subresource)."""
    stack = [*base(), ray("RayService"), pdb({"maxUnavailable": 1}, {"matchLabels": selector})]
    assert [(v.rule, v.resource, v.message) for v in run_checks(stack)] == [(
        "pdb-computable", "PodDisruptionBudget models/big (big)",
        "selects RayCluster pods (RayService big); use an integer spec.minAvailable",
    )]


def test_a_pdb_over_a_group_the_cluster_does_not_have_selects_nothing():
    stack = [*base(), ray("RayService"),
             pdb({"maxUnavailable": 1}, {"matchLabels": {"ray.io/node-type": "worker", "ray.io/group": "headgroup"}})]
    assert run_checks(stack) == []


@pytest.mark.parametrize("group, autoscaled, bounds, labels", [
    ({}, False, (0, 0), {"ray.io/node-type": "worker", "ray.io/group": ""}),
    ({"groupName": "gpu"}, False, (0, 0), {"ray.io/node-type": "worker", "ray.io/group": "gpu"}),
    ({"groupName": "gpu", "replicas": 2}, False, (2, 2), {"ray.io/node-type": "worker", "ray.io/group": "gpu"}),
    ({"groupName": "gpu", "minReplicas": 1, "maxReplicas": 8, "replicas": 2}, False, (2, 2),
     {"ray.io/node-type": "worker", "ray.io/group": "gpu"}),
    ({"groupName": "gpu", "minReplicas": 1, "maxReplicas": 8, "replicas": 2}, True, (1, 8),
     {"ray.io/node-type": "worker", "ray.io/group": "gpu"}),
], ids=["bare", "defaults", "replicas", "bounded", "autoscaled"])
def test_worker_group_bounds_and_labels_follow_kuberay_defaults(group, autoscaled, bounds, labels):
    """minReplicas and replicas default to 0; without the autoscaler a group runs its replicas, with it anything
    from min to max; a group without groupName (the API server would refuse it) still reads, with an empty group
    label."""
    cluster = ray("RayCluster", workers=[{**copy.deepcopy(group), "template": {"spec": gpu_pod()["spec"]}}],
                  autoscaled=autoscaled)
    head, worker = pod_templates(cluster)
    assert (head.path, head.min_replicas, head.max_replicas, head.labels, head.operator) == (
        "spec.headGroupSpec.template.spec", 1, 1,
        {"app": "big", "ray.io/node-type": "head", "ray.io/group": "headgroup"}, "kuberay")
    assert (worker.path, (worker.min_replicas, worker.max_replicas), worker.labels, worker.operator) == (
        "spec.workerGroupSpecs[0].template.spec", bounds, labels, "kuberay")


# ------------------------------------------------------------------------------------------------ PDB selectors
WORKER_LABELS = "{'app': 'big', 'ray.io/node-type': 'worker', 'ray.io/group': 'gpu'}"


def two_spread_workers() -> PlanResource:
    template = gpu_pod()
    template["spec"]["topologySpreadConstraints"] = SPREAD
    return ray("RayService", workers=[worker_group(template, minReplicas=2, maxReplicas=2)])


def expr(key: str, op: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": op, **({"values": list(values)} if values else {})}


@pytest.mark.parametrize("selector, selects", [
    ({}, False),  # an empty selector matches every pod in the namespace: never a workload's own budget
    ({"matchExpressions": [expr("ray.io/group", "In", "gpu", "cpu")]}, True),
    ({"matchExpressions": [expr("ray.io/group", "In", "cpu")]}, False),
    ({"matchExpressions": [expr("ray.io/group", "NotIn", "cpu")]}, True),
    ({"matchExpressions": [expr("ray.io/group", "NotIn", "gpu")]}, False),
    ({"matchExpressions": [expr("ray.io/node-type", "Exists")]}, True),
    ({"matchExpressions": [expr("gpu-platform.io/model", "Exists")]}, False),
    ({"matchExpressions": [expr("gpu-platform.io/model", "DoesNotExist")]}, True),
    ({"matchExpressions": [expr("ray.io/group", "DoesNotExist")]}, False),
    ({"matchLabels": {"app": "big"}, "matchExpressions": [expr("ray.io/node-type", "In", "head")]}, False),
    # ray.io/cluster carries the RayCluster name KubeRay generates: any value may match, the other keys must.
    ({"matchLabels": {"ray.io/cluster": "big-x7k2p", "ray.io/group": "gpu"}}, True),
    ({"matchLabels": {"ray.io/cluster": "big-x7k2p", "ray.io/group": "cpu"}}, False),
    ({"matchExpressions": [expr("ray.io/cluster", "In", "big-x7k2p"), expr("ray.io/group", "In", "gpu")]}, True),
    ({"matchExpressions": [expr("ray.io/cluster", "In", "big-x7k2p"), expr("ray.io/group", "In", "cpu")]}, False),
])
def test_a_pdb_covers_a_worker_group_only_if_its_selector_matches_the_pods(selector, selects):
    found = run_checks([*base(), two_spread_workers(), pdb({"minAvailable": 1}, selector)])
    expected = [] if selects else [(
        "pdb",
        "spec.rayClusterConfig.workerGroupSpecs[0].template.spec: 2+ replicas and no PodDisruptionBudget in "
        f"namespace models selects labels {WORKER_LABELS}",
    )]
    assert [(v.rule, v.message) for v in found] == expected


def test_a_pdb_in_another_namespace_does_not_cover_the_workers():
    other = pdb({"minAvailable": 1}, {"matchLabels": {"ray.io/group": "gpu"}})
    other.inputs["metadata"]["namespace"] = "other"
    assert [v.rule for v in run_checks([*base(), two_spread_workers(), other])] == ["pdb"]


@KINDS
def test_without_the_autoscaler_a_worker_group_runs_its_replicas_within_its_bounds(kind, prefix):
    """KubeRay (ray-operator controllers/ray/utils/util.go, GetWorkerGroupDesiredReplicas): with the in-tree
    autoscaler off, a group runs `replicas` clamped to [minReplicas, maxReplicas], times numOfHosts. So bounds of
    1..4 with no replicas run one pod (no spreading needed), and 1 replica of 2 hosts is two pods."""
    assert run_checks([*base(), ray(kind, workers=[worker_group(minReplicas=1, maxReplicas=4)])]) == []
    assert run_checks([*base(), ray(kind, workers=[worker_group(minReplicas=1, maxReplicas=4, replicas=9)],
                                    autoscaled=False)])[0].message == (
        f"{prefix}.workerGroupSpecs[0].template.spec: up to 4 GPU replicas without topologySpreadConstraints or "
        "podAntiAffinity")
    hosts = run_checks([*base(), ray(kind, workers=[worker_group(replicas=1, numOfHosts=2)])])
    assert [v.message for v in hosts if v.rule == "gpu-spread"] == [
        f"{prefix}.workerGroupSpecs[0].template.spec: up to 2 GPU replicas without topologySpreadConstraints or "
        "podAntiAffinity"]


@KINDS
def test_an_autoscaled_group_without_max_replicas_can_grow_without_bound(kind, prefix):
    """KubeRay defaults maxReplicas to 2147483647 (facts.md): the autoscaler may add GPU pods past minReplicas, so
    the group must spread them even when only one is asked for."""
    found = run_checks([*base(), ray(kind, workers=[worker_group(minReplicas=1)], autoscaled=True)])
    assert [(v.rule, v.message) for v in found] == [(
        "gpu-spread",
        f"{prefix}.workerGroupSpecs[0].template.spec: up to 2147483647 GPU replicas without "
        "topologySpreadConstraints or podAntiAffinity",
    )]


def test_a_suspended_worker_group_runs_no_pods():
    suspended = worker_group(minReplicas=2, maxReplicas=2, suspend=True)
    assert [p.max_replicas for p in pod_templates(ray("RayCluster", workers=[suspended]))] == [1, 0]
