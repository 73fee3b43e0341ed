"""The production checklist for GPU serving on Kubernetes, as pure rules over plan resources.

Every rule has an id, a description, the kinds or types it looks at, and a function from a :class:`PlanView` to
violations. Rules that need the whole stack (a PDB for a workload, DCGM once GPU nodes exist, a GPU quota per
namespace) read the view; a rule whose subject is absent (no GPU NodePool, no autoscaler) simply finds nothing.

An object may opt out of named rules with the annotation ``gpu-platform.io/policy-exempt: "rule-a,rule-b"``;
the exemption is part of the object, so it shows up in review and in the plan diff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional

import yaml

from ..plan.engine import SECRET, UNKNOWN, PlanResource
from ._workloads import (
    PodTemplate,
    as_dict,
    as_list,
    dig,
    is_placeholder,
    is_gpu_nodepool,
    kind_of,
    namespace_of,
    object_name,
    pod_templates,
    quantity,
    selector_matches,
)

MIN_SCALE_DOWN_STABILIZATION_S = 300
"""GPU replicas take minutes to come back (node launch, image pull, weight load); shrinking on a shorter window
than this trades a brief dip in load for a cold start when it returns."""
MIN_STARTUP_BUDGET_S = 120
"""A startup probe must allow at least this long (initialDelay + period × failureThreshold) before liveness
takes over: loading weights and capturing CUDA graphs takes minutes even for small models."""
ENVIRONMENT_TAG = "gpu-platform/environment"
GPU_QUOTA_KEYS = ("requests.nvidia.com/gpu",)
"""ResourceQuota keys that cap GPUs per namespace (extended resources are quota'd by requests only)."""


@dataclass(frozen=True)
class Violation:
    """One failed rule on one resource."""

    rule: str
    urn: str
    resource: str
    """Human name: ``Deployment models/llama (llama-deployment)``."""
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.resource}: {self.message}"


class PlanView:
    """Indexes over a plan's resources that the stack-level rules share."""

    def __init__(self, resources: Iterable[PlanResource]) -> None:
        self.resources = [r for r in resources if r.type != "pulumi:pulumi:Stack"]
        self.objects = [r for r in self.resources if r.is_kubernetes_object]
        self.helm = [r for r in self.resources if r.is_helm]
        self.templates: list[PodTemplate] = [t for r in self.objects for t in pod_templates(r)]
        # Warm-headroom placeholders run at a negative priority (any real pod preempts them): they hold GPUs
        # (and may pre-pull the serving image) but serve nothing, so serving rules and PDBs do not apply.
        negative = {
            object_name(pc) for pc in self.kind("PriorityClass") if quantity(pc.inputs.get("value", 0)) < 0
        }
        for t in self.templates:
            if t.spec.get("priorityClassName") in negative:
                t.placeholder = True
            if t.operator == "kserve":
                self._merge_runtime(t)

    def _merge_runtime(self, t: PodTemplate) -> None:
        """KServe builds the predictor pod from its ServingRuntime plus the predictor's own fields (which win):
        check what will run, not just the half the InferenceService spells out."""
        name = dig(t.spec, "model", "runtime")
        if not name:
            return
        runtime = self.find("ServingRuntime", t.namespace, str(name))
        if runtime is None:
            runtime = next((r for r in self.kind("ClusterServingRuntime") if object_name(r) == name), None)
        if runtime is None:
            return
        rspec = as_dict(runtime.inputs.get("spec"))
        base = next((c for c in as_list(rspec.get("containers")) if as_dict(c).get("name") == "kserve-container"), None)
        if base is not None and t.containers and t.containers[0].get("name") == "kserve-container":
            t.containers[0] = _deep_merge(as_dict(base), t.containers[0])
        t.spec = dict(t.spec)  # a view: never write into the plan's inputs
        for key, value in rspec.items():
            if key not in ("containers", "supportedModelFormats", "protocolVersions", "multiModel", "disabled"):
                t.spec.setdefault(key, value)

    @property
    def environment(self) -> Optional[str]:
        """The platform's environment, read from the `gpu-platform/environment` tag every AWS resource carries."""
        for r in self.resources:
            tags = r.inputs.get("tags")
            if isinstance(tags, dict) and ENVIRONMENT_TAG in tags:
                return str(tags[ENVIRONMENT_TAG])
        return None

    @property
    def production(self) -> bool:
        """Unknown environments count as production: the stricter reading is the safe default."""
        return self.environment not in ("dev", "staging")

    def kind(self, *kinds: str) -> list[PlanResource]:
        return [r for r in self.objects if r.inputs.get("kind") in kinds]

    def find(self, kind: str, namespace: str, name: str) -> Optional[PlanResource]:
        for r in self.objects:
            if r.inputs.get("kind") == kind and namespace_of(r) == namespace and object_name(r) == name:
                return r
        return None

    def has_chart(self, *names: str) -> bool:
        for r in self.helm:
            chart = str(r.inputs.get("chart") or "").rstrip("/").rsplit("/", 1)[-1]
            if chart in names:
                return True
        return False

    @property
    def gpu_nodepools(self) -> list[PlanResource]:
        return [r for r in self.objects if is_gpu_nodepool(r)]

    @property
    def gpu_templates(self) -> list[PodTemplate]:
        return [t for t in self.templates if t.uses_gpu]


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


CheckFn = Callable[[PlanView], Iterable[tuple[PlanResource, str]]]


@dataclass(frozen=True)
class Rule:
    """A checklist item. ``check`` yields ``(resource, message)`` pairs; :func:`run_rule` turns them into violations."""

    id: str
    description: str
    applies_to: tuple[str, ...]
    """Kubernetes kinds or Pulumi types the rule inspects (documentation and policy-pack metadata)."""
    check: CheckFn
    offline_only: bool = False
    """True when the policy pack cannot evaluate it (pulumi_policy unwraps secrets, so secretness is invisible)."""


RULES: list[Rule] = []


def rule(id: str, description: str, applies_to: tuple[str, ...], offline_only: bool = False):
    def register(fn: CheckFn) -> CheckFn:
        RULES.append(Rule(id, description, applies_to, fn, offline_only))
        return fn

    return register


_WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "InferenceService",
                   "RayService", "RayCluster", "LeaderWorkerSet")


# ------------------------------------------------------------------------------------------------- GPU pods
@rule(
    "gpu-requests-equal-limits",
    "Containers that use GPUs set nvidia.com/gpu in limits, and requests (if set) equal limits: GPUs cannot be "
    "overcommitted, and a request without a limit is rejected by the API server.",
    _WORKLOAD_KINDS,
)
def _gpu_requests_limits(view: PlanView):
    for t in view.gpu_templates:
        for c in t.gpu_containers:
            res = as_dict(c.get("resources"))
            limits, requests = as_dict(res.get("limits")), as_dict(res.get("requests"))
            for key in sorted({k for k in [*limits, *requests] if str(k).startswith(("nvidia.com/gpu", "nvidia.com/mig-"))}):
                if key not in limits:
                    yield t.resource, f"{t.where(c)}: requests {key} without a limit; set limits.{key}"
                elif key in requests and quantity(requests[key]) != quantity(limits[key]):
                    yield t.resource, (
                        f"{t.where(c)}: requests.{key}={requests[key]} differs from limits.{key}={limits[key]}; "
                        "set them equal"
                    )


def _tolerates_gpu_taint(spec: dict[str, Any]) -> bool:
    for tol in as_list(spec.get("tolerations")):
        tol = as_dict(tol)
        if tol.get("operator") == "Exists" and not tol.get("key") and tol.get("effect") in (None, "", "NoSchedule"):
            return True  # tolerates every taint
        if tol.get("key") != "nvidia.com/gpu" or tol.get("effect") not in (None, "", "NoSchedule"):
            continue
        if tol.get("operator") == "Exists" or str(tol.get("value")) == "true":
            return True
    return False


@rule(
    "gpu-pods-tolerate-taint",
    "Pods that request GPUs tolerate the nvidia.com/gpu:NoSchedule taint every GPU node carries (otherwise they "
    "never schedule).",
    _WORKLOAD_KINDS,
)
def _gpu_tolerations(view: PlanView):
    for t in view.gpu_templates:
        if not _tolerates_gpu_taint(t.spec):
            yield t.resource, f"{t.path}: requests GPUs but does not tolerate nvidia.com/gpu:NoSchedule"


@rule(
    "gpu-nodepool-tainted",
    "Karpenter NodePools that launch GPU instances taint their nodes nvidia.com/gpu=true:NoSchedule, so only "
    "GPU workloads land on (and pay for) them.",
    ("NodePool",),
)
def _gpu_nodepool_taint(view: PlanView):
    for r in view.gpu_nodepools:
        taints = as_list(dig(r.inputs, "spec", "template", "spec", "taints"))
        if not any(as_dict(t).get("key") == "nvidia.com/gpu" and as_dict(t).get("effect") == "NoSchedule" for t in taints):
            yield r, "GPU NodePool without the nvidia.com/gpu:NoSchedule taint in spec.template.spec.taints"


@rule(
    "gpu-spread",
    "GPU serving workloads that may run two or more replicas spread them across nodes or zones "
    "(topologySpreadConstraints or pod anti-affinity), so one node or zone loss does not take every replica.",
    _WORKLOAD_KINDS,
)
def _spread(view: PlanView):
    for t in view.gpu_templates:
        if not t.serving_containers or _max_replicas(view, t) < 2:
            continue
        if as_list(t.spec.get("topologySpreadConstraints")):
            continue
        if dig(t.spec, "affinity", "podAntiAffinity"):
            continue
        yield t.resource, f"{t.path}: up to {_max_replicas(view, t)} GPU replicas without topologySpreadConstraints or podAntiAffinity"


def _volumes(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(as_dict(v).get("name")): as_dict(v) for v in as_list(spec.get("volumes"))}


@rule(
    "gpu-dev-shm",
    "GPU serving containers mount a memory-backed emptyDir at /dev/shm: NCCL and PyTorch dataloaders need more "
    "than the runtime's 64 MiB default (KubeRay adds it to Ray pods itself).",
    _WORKLOAD_KINDS,
)
def _dev_shm(view: PlanView):
    for t in view.gpu_templates:
        if t.operator == "kuberay":
            continue
        volumes = _volumes(t.spec)
        for c in t.serving_containers:
            mounts = [as_dict(m) for m in as_list(c.get("volumeMounts"))]
            shm = [m for m in mounts if m.get("mountPath") == "/dev/shm"]
            if not shm:
                yield t.resource, f"{t.where(c)}: no volume mounted at /dev/shm"
                continue
            vol = volumes.get(str(shm[0].get("name")), {})
            if dig(vol, "emptyDir", "medium") != "Memory":
                yield t.resource, f"{t.where(c)}: /dev/shm volume {shm[0].get('name')!r} is not an emptyDir with medium: Memory"


# Generic ephemeral volumes and emptyDirs die with the pod, so they are no cache.
_CACHE_SOURCES = ("persistentVolumeClaim", "hostPath", "csi", "nfs")


_STREAMER = re.compile(r"load[_-]format[\"']?\s*[:= ]\s*[\"']?runai_streamer")
_OBJECT_STORE = re.compile(r"\b(s3|gs)://")


def _streams_from_object_store(t: PodTemplate, container: dict[str, Any]) -> bool:
    """vLLM's Run:ai streamer reading from S3/GCS: the bucket is the durable cache, streamed straight to the GPU."""
    text = " ".join(str(a) for a in [*as_list(container.get("command")), *as_list(container.get("args"))])
    if t.operator == "kuberay":
        text += " " + str(dig(t.resource.inputs, "spec", "serveConfigV2") or "")
    return bool(_STREAMER.search(text) and _OBJECT_STORE.search(text))


@rule(
    "gpu-weight-cache",
    "GPU serving containers get weights from a cache that outlives the pod (a PVC, a node-local hostPath, a CSI or "
    "NFS volume, or a pvc:// storageUri) or stream them from in-region object storage (vLLM --load-format "
    "runai_streamer from s3://), so a restart or scale-out does not download the model from the hub again.",
    _WORKLOAD_KINDS,
)
def _weight_cache(view: PlanView):
    for t in view.gpu_templates:
        if str(t.extra.get("storageUri") or "").startswith("pvc://"):
            continue
        volumes = _volumes(t.spec)
        for c in t.serving_containers:
            cached = _streams_from_object_store(t, c)
            for m in as_list(c.get("volumeMounts")):
                vol = volumes.get(str(as_dict(m).get("name")), {})
                if any(src in vol for src in _CACHE_SOURCES):
                    cached = True
            if not cached:
                yield t.resource, (
                    f"{t.where(c)}: no weight cache mounted (PVC, hostPath, CSI or NFS volume, or a pvc:// "
                    "storageUri) and no object-storage streaming; every start downloads the weights again"
                )


def _probe_budget(probe: dict[str, Any]) -> float:
    return (
        quantity(probe.get("initialDelaySeconds", 0))
        + quantity(probe.get("periodSeconds", 10)) * quantity(probe.get("failureThreshold", 3))
    )


@rule(
    "gpu-probes",
    "GPU serving containers have a startup probe that allows for model loading (at least "
    f"{MIN_STARTUP_BUDGET_S}s), a readiness probe that gates traffic, and a liveness probe that restarts a hung "
    "server only after startup succeeded (KubeRay manages Ray pods' probes itself).",
    _WORKLOAD_KINDS,
)
def _probes(view: PlanView):
    for t in view.gpu_templates:
        if t.operator == "kuberay":
            continue
        for c in t.serving_containers:
            missing = [p for p in ("startupProbe", "readinessProbe", "livenessProbe") if not as_dict(c.get(p))]
            if missing:
                yield t.resource, f"{t.where(c)}: missing {', '.join(missing)}"
                continue
            budget = _probe_budget(as_dict(c["startupProbe"]))
            if budget < MIN_STARTUP_BUDGET_S:
                yield t.resource, (
                    f"{t.where(c)}: startupProbe allows {budget:g}s before liveness takes over; "
                    f"allow at least {MIN_STARTUP_BUDGET_S}s for model loading"
                )


# ------------------------------------------------------------------------------------------------ autoscaling
def _autoscaler_targets(view: PlanView) -> Iterator[tuple[PlanResource, Optional[PlanResource], Any, Any, Any]]:
    """(autoscaler, target or None, min, max, scaleDown stabilization window) for HPAs and ScaledObjects."""
    for r in view.kind("HorizontalPodAutoscaler", "ScaledObject"):
        ns = namespace_of(r)
        if r.inputs.get("kind") == "HorizontalPodAutoscaler":
            ref = as_dict(dig(r.inputs, "spec", "scaleTargetRef"))
            lo, hi = dig(r.inputs, "spec", "minReplicas", default=1), dig(r.inputs, "spec", "maxReplicas")
            window = dig(r.inputs, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds")
        else:
            ref = as_dict(dig(r.inputs, "spec", "scaleTargetRef"))
            lo, hi = dig(r.inputs, "spec", "minReplicaCount", default=0), dig(r.inputs, "spec", "maxReplicaCount", default=100)
            window = dig(
                r.inputs, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior", "scaleDown",
                "stabilizationWindowSeconds",
            )
        kind, name = str(ref.get("kind") or "Deployment"), str(ref.get("name") or "")
        target = view.find(kind, ns, name)
        if target is None and kind == "Deployment" and name.endswith("-predictor"):
            target = view.find("InferenceService", ns, name[: -len("-predictor")])
        yield r, target, lo, hi, window


def _scaled_range(view: PlanView, t: PodTemplate) -> tuple[int, int]:
    lo, hi = t.min_replicas, t.max_replicas
    if t.resource.inputs.get("kind") in ("Deployment", "StatefulSet"):
        for _, target, a_lo, a_hi, _ in _autoscaler_targets(view):
            if target is t.resource:
                lo, hi = int(quantity(a_lo)), max(int(quantity(a_hi)), lo)
    return lo, hi


def _min_replicas(view: PlanView, t: PodTemplate) -> int:
    return _scaled_range(view, t)[0]


def _max_replicas(view: PlanView, t: PodTemplate) -> int:
    return _scaled_range(view, t)[1]


def _uses_gpu(r: PlanResource) -> bool:
    return any(t.uses_gpu for t in pod_templates(r))


@rule(
    "gpu-scale-down-stabilization",
    "Autoscalers of GPU workloads (HPA, KEDA ScaledObject, KServe autoScaling) set an explicit scale-down "
    f"stabilization window of at least {MIN_SCALE_DOWN_STABILIZATION_S}s: replicas take minutes to come back.",
    ("HorizontalPodAutoscaler", "ScaledObject", "InferenceService"),
)
def _scale_down(view: PlanView):
    def short(window: Any) -> bool:
        return window is None or window == UNKNOWN or quantity(window) < MIN_SCALE_DOWN_STABILIZATION_S

    for r, target, _lo, _hi, window in _autoscaler_targets(view):
        if target is not None and not _uses_gpu(target):
            continue  # CPU workloads (the proxy) may scale down quickly
        if short(window):
            got = "unset" if window is None else f"{window}s"
            yield r, f"scale-down stabilizationWindowSeconds is {got}; set ≥ {MIN_SCALE_DOWN_STABILIZATION_S}s for GPU workloads"
    for r in view.kind("InferenceService"):
        annotations = as_dict(dig(r.inputs, "metadata", "annotations"))
        if annotations.get("serving.kserve.io/autoscalerClass", "hpa") in ("external", "none"):
            continue
        for comp in ("predictor", "transformer", "explainer"):
            body = as_dict(dig(r.inputs, "spec", comp))
            if not body or not any(t.uses_gpu for t in pod_templates(r) if t.path == f"spec.{comp}"):
                continue
            lo = int(quantity(body.get("minReplicas", 1)))
            hi = int(quantity(body.get("maxReplicas", lo)))
            if hi <= lo:
                continue  # fixed size: KServe creates no autoscaler
            window = dig(body, "autoScaling", "behavior", "scaleDown", "stabilizationWindowSeconds")
            if short(window):
                got = "unset" if window is None else f"{window}s"
                yield r, (
                    f"spec.{comp}.autoScaling.behavior.scaleDown.stabilizationWindowSeconds is {got}; "
                    f"set ≥ {MIN_SCALE_DOWN_STABILIZATION_S}s"
                )


# ------------------------------------------------------------------------------------------------ availability
_DYNAMIC_LABELS = {"kuberay": ("ray.io/cluster",)}


@rule(
    "pdb",
    "Workloads that run two or more replicas have a PodDisruptionBudget selecting their pods, so node "
    "drains and Karpenter consolidation cannot evict them all at once.",
    ("Deployment", "StatefulSet", "InferenceService", "RayService", "RayCluster", "LeaderWorkerSet",
     "PodDisruptionBudget"),
)
def _pdb(view: PlanView):
    pdbs = view.kind("PodDisruptionBudget")
    for t in view.templates:
        if t.resource.inputs.get("kind") not in ("Deployment", "StatefulSet", "InferenceService", "RayService",
                                                 "RayCluster", "LeaderWorkerSet"):
            continue
        if t.path.endswith("workerSpec"):
            continue  # KServe multi-node workers belong to the predictor's pod group
        if t.placeholder or (t.containers and all(is_placeholder(c) for c in t.containers)):
            continue  # warm-headroom placeholders exist to be evicted

        if _min_replicas(view, t) < 2:
            continue  # an autoscaler's minimum, when one targets the workload, overrides spec.replicas
        dynamic = _DYNAMIC_LABELS.get(t.operator or "", ())
        if not any(
            namespace_of(p) == t.namespace and selector_matches(dig(p.inputs, "spec", "selector"), t.labels, dynamic)
            for p in pdbs
        ):
            yield t.resource, (
                f"{t.path}: {_min_replicas(view, t)}+ replicas and no PodDisruptionBudget in namespace "
                f"{t.namespace} selects labels {t.labels}"
            )


@rule(
    "pdb-computable",
    "PodDisruptionBudgets over pods whose owner has no scale subresource (KubeRay's RayCluster) use an integer "
    "minAvailable: for maxUnavailable or a percentage the disruption controller needs the owner's scale, fails "
    "(CalculateExpectedPodCountFailed) and allows no eviction at all (kubernetes pkg/controller/disruption).",
    ("PodDisruptionBudget", "RayService", "RayCluster"),
)
def _pdb_computable(view: PlanView):
    ray = [t for t in view.templates if t.operator == "kuberay"]
    for p in view.kind("PodDisruptionBudget"):
        spec = as_dict(dig(p.inputs, "spec"))
        min_available = spec.get("minAvailable")
        if "maxUnavailable" not in spec and not (isinstance(min_available, str) and min_available.endswith("%")):
            continue
        selector = dig(p.inputs, "spec", "selector")
        owners = [t for t in ray if namespace_of(p) == t.namespace
                  and selector_matches(selector, t.labels, _DYNAMIC_LABELS["kuberay"])]
        if owners:
            yield p, (
                f"selects RayCluster pods ({owners[0].resource.inputs.get('kind')} "
                f"{dig(owners[0].resource.inputs, 'metadata', 'name')}); use an integer spec.minAvailable"
            )


@rule(
    "gpu-quota",
    "Every namespace that runs GPU pods has a ResourceQuota capping requests.nvidia.com/gpu, so one team's "
    "runaway autoscaler cannot take every GPU.",
    ("ResourceQuota", *_WORKLOAD_KINDS),
)
def _gpu_quota(view: PlanView):
    quotas: dict[str, bool] = {}
    for q in view.kind("ResourceQuota"):
        hard = as_dict(dig(q.inputs, "spec", "hard"))
        if any(k in hard for k in GPU_QUOTA_KEYS):
            quotas[namespace_of(q)] = True
    seen: set[str] = set()
    for t in view.gpu_templates:
        if t.namespace in seen or quotas.get(t.namespace):
            continue
        seen.add(t.namespace)
        yield t.resource, f"namespace {t.namespace} runs GPU pods but no ResourceQuota sets requests.nvidia.com/gpu"


# ------------------------------------------------------------------------------------------------ GPU node software
def _gpu_anchor(view: PlanView) -> Optional[PlanResource]:
    if view.gpu_nodepools:
        return view.gpu_nodepools[0]
    if view.gpu_templates:
        return view.gpu_templates[0].resource
    return None


@rule(
    "dcgm-exporter-present",
    "Once GPU nodes exist (a GPU NodePool or GPU workload), the DCGM exporter is installed: GPU utilisation, "
    "memory, temperature and XID errors are otherwise invisible.",
    ("NodePool", "kubernetes:helm.sh/v3:Release"),
)
def _dcgm(view: PlanView):
    anchor = _gpu_anchor(view)
    if anchor is not None and not view.has_chart("dcgm-exporter", "gpu-operator"):
        yield anchor, "GPU nodes are planned but no dcgm-exporter (or gpu-operator) Helm release is"


@rule(
    "device-plugin-present",
    "Once GPU nodes exist, the NVIDIA device plugin is installed: without it nodes advertise no nvidia.com/gpu "
    "and Karpenter never considers them initialized.",
    ("NodePool", "kubernetes:helm.sh/v3:Release"),
)
def _device_plugin(view: PlanView):
    anchor = _gpu_anchor(view)
    if anchor is not None and not view.has_chart("nvidia-device-plugin", "gpu-operator"):
        yield anchor, "GPU nodes are planned but no nvidia-device-plugin (or gpu-operator) Helm release is"


# ------------------------------------------------------------------------------------------------ nodes
@rule(
    "imdsv2",
    "Nodes require IMDSv2 (httpTokens: required) with a hop limit of 1, so pods cannot read the node role's "
    "credentials. Karpenter EC2NodeClasses default to that; launch templates must say it.",
    ("EC2NodeClass", "aws:ec2/launchTemplate:LaunchTemplate"),
)
def _imdsv2(view: PlanView):
    for r in view.kind("EC2NodeClass"):
        opts = as_dict(dig(r.inputs, "spec", "metadataOptions"))
        if "httpTokens" in opts and opts["httpTokens"] != "required":
            yield r, f"spec.metadataOptions.httpTokens is {opts['httpTokens']!r}; must be 'required'"
        if "httpPutResponseHopLimit" in opts and quantity(opts["httpPutResponseHopLimit"]) > 1:
            yield r, f"spec.metadataOptions.httpPutResponseHopLimit is {opts['httpPutResponseHopLimit']}; must be 1"
    for r in view.resources:
        if r.type != "aws:ec2/launchTemplate:LaunchTemplate":
            continue
        opts = as_dict(r.inputs.get("metadataOptions"))
        if opts.get("httpTokens") != "required":
            yield r, f"metadataOptions.httpTokens is {opts.get('httpTokens')!r}; must be 'required' (IMDSv2 only)"
        if quantity(opts.get("httpPutResponseHopLimit", 1)) > 1:
            yield r, f"metadataOptions.httpPutResponseHopLimit is {opts.get('httpPutResponseHopLimit')}; must be 1"


@rule(
    "non-root",
    "Pods run as non-root (runAsNonRoot: true on the pod or every container), no container is privileged, "
    "and none allows privilege escalation.",
    _WORKLOAD_KINDS,
)
def _non_root(view: PlanView):
    for t in view.templates:
        if t.operator == "kserve-runtime":
            continue
        pod_nonroot = dig(t.spec, "securityContext", "runAsNonRoot") is True
        for c in [*t.init_containers, *t.containers]:
            sc = as_dict(c.get("securityContext"))
            if not pod_nonroot and sc.get("runAsNonRoot") is not True:
                yield t.resource, f"{t.where(c)}: runAsNonRoot is not true (pod or container securityContext)"
            if sc.get("privileged") is True:
                yield t.resource, f"{t.where(c)}: privileged container"
            if sc.get("allowPrivilegeEscalation") is True:
                yield t.resource, f"{t.where(c)}: allowPrivilegeEscalation is true"


# ------------------------------------------------------------------------------------------------ secrets
_SECRET_ENV = re.compile(r"(^|_)(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|PRIVATE_KEY|MASTER_KEY)$", re.I)
_SECRET_KEY = re.compile(
    r"^(password|passwd|api_?key|token|secret|secret_?key|access_?key|client_?secret|master_?key|private_?key|"
    r"auth_?token|bearer_?token|admin_?password)$",
    re.I,
)
_REFERENCE = re.compile(r"^(os\.environ/|\$\{|\$\(|secretKeyRef|vault:|arn:aws)")


def _plain_secret(value: Any) -> bool:
    return isinstance(value, str) and value not in ("", SECRET, UNKNOWN) and not _REFERENCE.match(value)


def _secret_keys(node: Any, path: str = "") -> Iterator[str]:
    """Paths of keys that name a credential and hold a plain string."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if _SECRET_KEY.match(str(key).replace("-", "_")) and _plain_secret(value):
                yield sub
            else:
                yield from _secret_keys(value, sub)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _secret_keys(item, f"{path}[{i}]")


@rule(
    "secrets-never-plain",
    "Credentials are Pulumi secrets or references, never plain text in state: Secret data is secret, "
    "credential-named env vars use valueFrom, and Helm values or config files hold no plain passwords/keys.",
    ("Secret", "ConfigMap", "kubernetes:helm.sh/v3:Release", *_WORKLOAD_KINDS),
    offline_only=True,
)
def _secrets(view: PlanView):
    for r in view.kind("Secret"):
        for field in ("data", "stringData"):
            value = r.inputs.get(field)
            if value is None or value == SECRET:
                continue
            plain = [k for k, v in as_dict(value).items() if v != SECRET] if isinstance(value, dict) else [field]
            if plain:
                yield r, f"{field} holds plain values ({', '.join(plain)}); pass it as a Pulumi secret"
    for t in view.templates:
        for c in [*t.init_containers, *t.containers]:
            for env in as_list(c.get("env")):
                env = as_dict(env)
                if _SECRET_ENV.search(str(env.get("name", ""))) and _plain_secret(env.get("value")):
                    yield t.resource, f"{t.where(c)}: env {env.get('name')} is a plain value; use valueFrom.secretKeyRef"
    for r in view.helm:
        values = r.inputs.get("values")
        for path in _secret_keys(values if isinstance(values, dict) else {}):
            yield r, f"Helm value {path} is plain text; use a Secret reference or a Pulumi secret"
    for r in view.kind("ConfigMap"):
        for key, text in as_dict(r.inputs.get("data")).items():
            try:
                doc = yaml.safe_load(text) if isinstance(text, str) else None
            except yaml.YAMLError:
                continue
            for path in _secret_keys(doc):
                yield r, f"data[{key}] {path} is plain text; reference an env var (os.environ/…) fed from a Secret"


# ------------------------------------------------------------------------------------------------ pinning
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


def image_problem(image: Any) -> Optional[str]:
    """Why an image reference is not pinned, or None when it is (a tag other than latest, or a digest)."""
    ref = str(image or "")
    if not ref:
        return "no image"
    if _DIGEST.search(ref):
        return None
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"image {ref!r} has no tag (means latest)"
    if last.rsplit(":", 1)[1] in ("latest", ""):
        return f"image {ref!r} uses the latest tag"
    return None


def _helm_image_problems(node: Any, path: str = "") -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if key == "tag" and str(value) == "latest":
                yield f"{sub} is 'latest'"
            elif key == "image" and isinstance(value, str) and "/" in value:
                problem = image_problem(value)
                if problem:
                    yield f"{sub}: {problem}"
            else:
                yield from _helm_image_problems(value, sub)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _helm_image_problems(item, f"{path}[{i}]")


@rule(
    "images-pinned",
    "Every container image has an explicit tag other than latest (or a digest), in pod templates, KServe "
    "runtimes and Helm values, so a rollout never changes what runs by itself.",
    (*_WORKLOAD_KINDS, "ServingRuntime", "ClusterServingRuntime", "kubernetes:helm.sh/v3:Release"),
)
def _images(view: PlanView):
    for t in view.templates:
        for c in [*t.init_containers, *t.containers]:
            if c.get("name") == "kserve-container" and "image" not in c:
                continue  # KServe's `model` takes the runtime's image
            problem = image_problem(c.get("image"))
            if problem:
                yield t.resource, f"{t.where(c)}: {problem}"
    for r in view.helm:
        values = r.inputs.get("values")
        for problem in _helm_image_problems(values if isinstance(values, dict) else {}):
            yield r, f"Helm values {problem}"


@rule(
    "ami-pinned",
    "In production, Karpenter EC2NodeClasses pin their AMI (alias family@vYYYYMMDD, an id, or tags), not @latest: "
    "a new AMI release otherwise drifts and replaces every GPU node on its own schedule. Dev and staging may float "
    "to catch AMI regressions before production (environment read from the gpu-platform/environment tag).",
    ("EC2NodeClass",),
)
def _ami(view: PlanView):
    if not view.production:
        return
    for r in view.kind("EC2NodeClass"):
        for i, term in enumerate(as_list(dig(r.inputs, "spec", "amiSelectorTerms"))):
            alias = str(as_dict(term).get("alias") or "")
            if alias.endswith("@latest"):
                yield r, f"spec.amiSelectorTerms[{i}].alias is {alias!r}; pin a version (e.g. al2023@v20251117)"


@rule(
    "charts-pinned",
    "Every Helm release names an exact chart version (no ranges, no latest) and a repository or OCI reference.",
    ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"),
)
def _charts(view: PlanView):
    for r in view.helm:
        version = r.inputs.get("version")
        chart = str(r.inputs.get("chart") or "")
        if not version:
            yield r, f"chart {chart!r} has no version"
        elif not _EXACT_VERSION.match(str(version)):
            yield r, f"chart {chart!r} version {version!r} is not an exact version"
        repo = dig(r.inputs, "repositoryOpts", "repo")
        if not chart.startswith("oci://") and not repo and not chart.startswith(("./", "/")):
            yield r, f"chart {chart!r} has neither repositoryOpts.repo nor an oci:// reference"


RULE_IDS = tuple(r.id for r in RULES)
