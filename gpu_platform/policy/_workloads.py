"""Read workloads out of plan resources: every pod template, however an operator nests it, and who scales it.

Pure (no pulumi imports): the offline check and the Pulumi policy pack both feed :class:`PlanResource`s in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional

from ..plan.engine import PlanResource

GPU_RESOURCE_PREFIXES = ("nvidia.com/gpu", "nvidia.com/mig-")
EXEMPT_ANNOTATION = "gpu-platform.io/policy-exempt"
"""Object annotation listing rule ids (comma-separated) that do not apply to it; reviewed like any other change."""

_PAUSE_IMAGE = re.compile(r"(^|/)pause(:|@|$)")


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dig(node: Any, *path: Any, default: Any = None) -> Any:
    """``dig(obj, "spec", "template", 0)``: nested lookup that never raises."""
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return default
    return node


def find_in_values(node: Any, judge: Callable[[Any, Any, str], Optional[str]], path: str = "") -> Iterator[str]:
    """Walk nested dicts and lists (Helm values, parsed config files). ``judge(key, value, path)`` returns a
    finding for a key, which is yielded instead of descending into its value; ``None`` descends."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            finding = judge(key, value, sub)
            if finding is not None:
                yield finding
            else:
                yield from find_in_values(value, judge, sub)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from find_in_values(item, judge, f"{path}[{i}]")


def quantity(value: Any) -> float:
    """A resource count (`1`, `"2"`, `1.0`) as a number; anything unparsable counts as 0."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def kind_of(r: PlanResource) -> str:
    return str(r.inputs.get("kind", "")) if r.is_kubernetes_object else ""


def api_group(r: PlanResource) -> str:
    api_version = str(r.inputs.get("apiVersion", ""))
    return api_version.split("/")[0] if "/" in api_version else ""


def namespace_of(r: PlanResource) -> str:
    return str(dig(r.inputs, "metadata", "namespace") or "default")


def object_name(r: PlanResource) -> str:
    return str(dig(r.inputs, "metadata", "name") or r.name)


def describe(r: PlanResource) -> str:
    """How a violation names a resource: the Kubernetes identity where there is one, and the Pulumi name."""
    if r.is_kubernetes_object:
        ns = dig(r.inputs, "metadata", "namespace")
        where = f"{ns}/{object_name(r)}" if ns else object_name(r)
        return f"{r.inputs.get('kind')} {where} ({r.name})"
    if r.is_helm:
        return f"Helm release {r.inputs.get('name') or r.name} ({r.name})"
    return f"{r.type} {r.name}"


def exemptions(r: PlanResource) -> set[str]:
    raw = dig(r.inputs, "metadata", "annotations", EXEMPT_ANNOTATION) or ""
    return {part.strip() for part in str(raw).split(",") if part.strip()}


def gpu_count(container: dict[str, Any]) -> float:
    """GPUs a container asks for (the larger of request and limit)."""
    resources = as_dict(container.get("resources"))
    best = 0.0
    for section in ("limits", "requests"):
        for key, value in as_dict(resources.get(section)).items():
            if str(key).startswith(GPU_RESOURCE_PREFIXES):
                best = max(best, quantity(value))
    return best


def is_placeholder(container: dict[str, Any]) -> bool:
    """A pause container holds capacity (warm headroom); it serves nothing, so serving rules skip it."""
    return bool(_PAUSE_IMAGE.search(str(container.get("image", ""))))


@dataclass
class PodTemplate:
    """One pod template inside a plan resource."""

    resource: PlanResource
    path: str
    """Where the pod spec sits inside the resource's inputs (for messages), e.g. ``spec.template.spec``."""
    spec: dict[str, Any]
    """The pod spec (or the operator's pod-spec-shaped component, such as a KServe predictor)."""
    containers: list[dict[str, Any]]
    init_containers: list[dict[str, Any]]
    labels: dict[str, str]
    """Labels the pods will carry (template labels plus the ones the operator is known to add)."""
    min_replicas: int
    max_replicas: int
    operator: Optional[str] = None
    """``kserve`` / ``kuberay`` / ``lws`` when an operator builds the pods (it adds some fields itself)."""
    extra: dict[str, Any] = field(default_factory=dict)
    placeholder: bool = False
    """Capacity placeholder (warm headroom): runs at a negative PriorityClass, so any real pod preempts it."""

    @property
    def namespace(self) -> str:
        return namespace_of(self.resource)

    @property
    def gpu_containers(self) -> list[dict[str, Any]]:
        return [c for c in self.containers if gpu_count(c) > 0]

    @property
    def serving_containers(self) -> list[dict[str, Any]]:
        """Containers that request GPUs and actually serve (not placeholders holding capacity)."""
        if self.placeholder:
            return []
        return [c for c in self.gpu_containers if not is_placeholder(c)]

    @property
    def uses_gpu(self) -> bool:
        return bool(self.gpu_containers)

    def where(self, container: Optional[dict[str, Any]] = None) -> str:
        if container is None:
            return self.path
        return f"{self.path} container {container.get('name', '?')!r}"


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _template(
    r: PlanResource, path: str, template: Any, min_r: int, max_r: int, extra_labels: Optional[dict] = None, **kw: Any
) -> Optional[PodTemplate]:
    template = as_dict(template)
    spec = as_dict(template.get("spec"))
    if not spec:
        return None
    labels = {**as_dict(dig(template, "metadata", "labels")), **(extra_labels or {})}
    return PodTemplate(
        r,
        f"{path}.spec",
        spec,
        [c for c in as_list(spec.get("containers")) if isinstance(c, dict)],
        [c for c in as_list(spec.get("initContainers")) if isinstance(c, dict)],
        {str(k): str(v) for k, v in labels.items()},
        min_r,
        max_r,
        **kw,
    )


_KSERVE_COMPONENTS = ("predictor", "transformer", "explainer")


def _kserve_templates(r: PlanResource) -> Iterator[PodTemplate]:
    name = object_name(r)
    meta_labels = as_dict(dig(r.inputs, "metadata", "labels"))
    for comp in _KSERVE_COMPONENTS:
        body = as_dict(dig(r.inputs, "spec", comp))
        if not body:
            continue
        containers = [c for c in as_list(body.get("containers")) if isinstance(c, dict)]
        model = as_dict(body.get("model"))
        if model:
            # KServe merges `model` into the `kserve-container` container.
            containers = [{"name": "kserve-container", **model}, *containers]
        min_r = _int(body.get("minReplicas"), 1)
        max_r = max(_int(body.get("maxReplicas"), min_r), min_r)
        labels = {
            **{str(k): str(v) for k, v in meta_labels.items()},
            **{str(k): str(v) for k, v in as_dict(body.get("labels")).items()},
            "serving.kserve.io/inferenceservice": name,
            "component": comp,
            "app": f"isvc.{name}-{comp}",
        }
        yield PodTemplate(
            r,
            f"spec.{comp}",
            body,
            containers,
            [c for c in as_list(body.get("initContainers")) if isinstance(c, dict)],
            labels,
            min_r,
            max_r,
            operator="kserve",
            extra={"storageUri": model.get("storageUri") or body.get("storageUri")},
        )
        worker = as_dict(body.get("workerSpec"))
        if worker.get("containers"):
            yield PodTemplate(
                r,
                f"spec.{comp}.workerSpec",
                worker,
                [c for c in as_list(worker.get("containers")) if isinstance(c, dict)],
                [],
                {**labels, "component": f"{comp}-worker"},
                min_r,
                max_r,
                operator="kserve",
            )


RAY_MAX_REPLICAS = 2**31 - 1
"""KubeRay's default `maxReplicas` (math.MaxInt32; facts.md: RayCluster workerGroupSpecs)."""


def _ray_worker_pods(group: dict[str, Any], autoscaled: bool) -> tuple[int, int]:
    """The fewest and most pods of a Ray worker group, as KubeRay counts them (ray-operator
    controllers/ray/utils/util.go, GetWorkerGroupDesiredReplicas): without the in-tree autoscaler, `replicas`
    (default 0) clamped to [minReplicas, maxReplicas] (defaults 0 and MaxInt32); with it, the autoscaler moves the
    count anywhere in that range. Each replica is `numOfHosts` pods; a suspended group has none."""
    if group.get("suspend") is True:
        return 0, 0
    hosts = _int(group.get("numOfHosts"), 1)
    low, high = _int(group.get("minReplicas"), 0), _int(group.get("maxReplicas"), RAY_MAX_REPLICAS)
    if autoscaled:
        return low * hosts, max(low, high) * hosts
    replicas = _int(group.get("replicas"), 0)
    desired = low if replicas < low else high if replicas > high else replicas  # KubeRay's order: min wins
    return desired * hosts, desired * hosts


def _ray_cluster_templates(r: PlanResource, cluster: dict[str, Any], path: str) -> Iterator[PodTemplate]:
    head = as_dict(cluster.get("headGroupSpec"))
    t = _template(
        r, f"{path}.headGroupSpec.template", head.get("template"), 1, 1,
        {"ray.io/node-type": "head", "ray.io/group": "headgroup"}, operator="kuberay",
    )
    if t:
        yield t
    autoscaled = cluster.get("enableInTreeAutoscaling") is True
    for i, group in enumerate(as_list(cluster.get("workerGroupSpecs"))):
        group = as_dict(group)
        min_r, max_r = _ray_worker_pods(group, autoscaled)
        t = _template(
            r, f"{path}.workerGroupSpecs[{i}].template", group.get("template"), min_r, max_r,
            {"ray.io/node-type": "worker", "ray.io/group": str(group.get("groupName", ""))}, operator="kuberay",
        )
        if t:
            yield t


def _lws_templates(r: PlanResource, lwt: dict[str, Any], groups: int) -> list[PodTemplate]:
    """A LeaderWorkerSet runs `replicas` groups (default 1) of `size` pods (default 1): one leader and `size - 1`
    workers; without a `leaderTemplate` the leader runs from the worker template too (lws v0.8.0
    api/leaderworkerset/v1/leaderworkerset_types.go, LeaderWorkerTemplate)."""
    size = _int(lwt.get("size"), 1)
    if lwt.get("leaderTemplate") is None:
        parts = [("workerTemplate", groups * size)]
    else:
        parts = [("leaderTemplate", groups), ("workerTemplate", groups * (size - 1))]
    out = []
    for part, pods in parts:
        t = _template(r, f"spec.leaderWorkerTemplate.{part}", lwt.get(part), pods, pods, operator="lws")
        if t:
            out.append(t)
    return out


def pod_templates(r: PlanResource) -> list[PodTemplate]:
    """Every pod template in a Kubernetes object (empty for anything that does not run pods)."""
    if not r.is_kubernetes_object:
        return []
    kind, spec = kind_of(r), as_dict(r.inputs.get("spec"))
    replicas = _int(spec.get("replicas"), 1)
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        t = _template(r, "spec.template", spec.get("template"), replicas, replicas)
        return [t] if t else []
    if kind == "DaemonSet":
        t = _template(r, "spec.template", spec.get("template"), 0, 0)
        return [t] if t else []
    if kind == "Job":
        t = _template(r, "spec.template", spec.get("template"), 0, 0)
        return [t] if t else []
    if kind == "CronJob":
        t = _template(r, "spec.jobTemplate.spec.template", dig(spec, "jobTemplate", "spec", "template"), 0, 0)
        return [t] if t else []
    if kind == "Pod":
        t = _template(r, "", {"metadata": r.inputs.get("metadata"), "spec": spec}, 1, 1)
        if t:
            t.path = "spec"
        return [t] if t else []
    if kind == "InferenceService":
        return list(_kserve_templates(r))
    if kind == "RayService":
        return list(_ray_cluster_templates(r, as_dict(spec.get("rayClusterConfig")), "spec.rayClusterConfig"))
    if kind == "RayCluster":
        return list(_ray_cluster_templates(r, spec, "spec"))
    if kind == "LeaderWorkerSet":
        return _lws_templates(r, as_dict(spec.get("leaderWorkerTemplate")), replicas)
    if kind in ("ServingRuntime", "ClusterServingRuntime"):
        # Runtimes are pod-spec fragments KServe merges into predictors; only their images are checked here.
        containers = [c for c in as_list(spec.get("containers")) if isinstance(c, dict)]
        return [PodTemplate(r, "spec", spec, containers, [], {}, 0, 0, operator="kserve-runtime")]
    return []


# ------------------------------------------------------------------------------------------------ Karpenter
_GPU_REQUIREMENT_KEYS = (
    "karpenter.k8s.aws/instance-gpu-count",
    "karpenter.k8s.aws/instance-gpu-name",
    "karpenter.k8s.aws/instance-gpu-manufacturer",
    "karpenter.k8s.aws/instance-gpu-memory",
)
_GPU_FAMILY = re.compile(r"^(g|p)\d")


def is_gpu_nodepool(r: PlanResource) -> bool:
    """A Karpenter NodePool that launches GPU instances (by its requirements, labels or taints)."""
    if kind_of(r) != "NodePool" or api_group(r) != "karpenter.sh":
        return False
    template = as_dict(dig(r.inputs, "spec", "template"))
    labels = as_dict(dig(template, "metadata", "labels"))
    if "gpu-platform.io/gpu-class" in labels or labels.get("gpu-platform.io/node-role") == "gpu":
        return True
    for req in as_list(dig(template, "spec", "requirements")):
        req = as_dict(req)
        key, op, values = req.get("key"), req.get("operator"), [str(v) for v in as_list(req.get("values"))]
        if key in _GPU_REQUIREMENT_KEYS and op in ("In", "Exists", "Gt", "Gte"):
            return True
        if key == "karpenter.k8s.aws/instance-category" and op == "In" and set(values) & {"g", "p"}:
            return True
        if key in ("karpenter.k8s.aws/instance-family", "node.kubernetes.io/instance-type") and op == "In":
            if any(_GPU_FAMILY.match(v) for v in values):
                return True
    return any(str(as_dict(t).get("key")).startswith("nvidia.com/gpu") for t in as_list(dig(template, "spec", "taints")))


# ------------------------------------------------------------------------------------------------ selectors
def selector_matches(selector: Any, labels: dict[str, str], dynamic_keys: Iterable[str] = ()) -> bool:
    """A Kubernetes label selector against pod labels; keys the operator fills at run time match any value."""
    selector = as_dict(selector)
    if not selector:
        return False  # an empty PDB selector matches every pod; never what a workload-specific PDB means
    dynamic = set(dynamic_keys)
    for key, value in as_dict(selector.get("matchLabels")).items():
        if key in dynamic:
            continue
        if labels.get(key) != str(value):
            return False
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        key, op, values = expr.get("key"), expr.get("operator"), [str(v) for v in as_list(expr.get("values"))]
        if key in dynamic:
            continue
        present = key in labels
        if op == "In" and (not present or labels[key] not in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True
