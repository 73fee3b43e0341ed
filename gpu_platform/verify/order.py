"""Pure: which manifests a plan applies, in which order, into which namespaces.

`pulumi up` creates objects that do not depend on each other concurrently, and the cluster converges because
controllers retry (a ReplicaSet whose ServiceAccount does not exist yet tries again). Applied one by one, a bad order
would leave warnings that say nothing about our objects, so the verifier applies them in Helm's install order by kind
(helm.sh/helm/v3 pkg/releaseutil/kind_sorter.go, with PriorityClass next to Namespace because pods are admitted
against it), and in the plan's topological order (``depends_on``) within a kind and for custom resources, which come
last, as Helm installs them.
Namespaces that our objects use but the plan does not create come from Helm releases (``createNamespace``) or from
EKS itself (``kube-system``); the verifier creates them as part of the environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

# Helm's InstallOrder (kind_sorter.go), trimmed to kinds that exist today, plus PriorityClass.
KIND_ORDER = (
    "Namespace", "PriorityClass", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodDisruptionBudget",
    "ServiceAccount", "Secret", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
    "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "DaemonSet",
    "Pod", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass",
    "Ingress", "APIService",
)
_RANK = {kind: i for i, kind in enumerate(KIND_ORDER)}

# Namespaces every cluster has; never created by the verifier.
BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object of a plan, as written to ``manifests/``."""

    kind: str
    namespace: str  # "" for cluster-scoped objects
    name: str
    path: Path

    @property
    def ref(self) -> str:
        """`<kind> <namespace>/<name>` (or `<kind> <name>` when cluster-scoped), as verify prints it."""
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


def manifest_filename(obj: dict[str, Any]) -> str:
    # Same naming as plan.output.manifest_filename; imported lazily there to keep this module free of the engine.
    from ..plan.output import manifest_filename as name

    return name(obj)


def plan_manifests(plan_dir: Path) -> list[Manifest]:
    """The plan's Kubernetes objects in apply order: by kind (KIND_ORDER, custom resources last), plan order within."""
    plan = json.loads((plan_dir / "plan.json").read_text())
    manifests_dir = plan_dir / "manifests"
    ordered: list[Manifest] = []
    for r in plan["resources"]:
        obj = r.get("inputs") or {}
        if not _is_kubernetes_object(r["type"], obj):
            continue
        path = manifests_dir / manifest_filename(obj)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: listed in plan.json but not written; re-run `plan --out {plan_dir}`")
        meta = obj.get("metadata") or {}
        ordered.append(Manifest(obj["kind"], meta.get("namespace") or "", meta["name"], path))
    return sorted(ordered, key=lambda m: _RANK.get(m.kind, len(KIND_ORDER)))  # stable: plan order within a rank


def _is_kubernetes_object(type_: str, obj: dict[str, Any]) -> bool:
    return type_.startswith("kubernetes:") and "helm.sh" not in type_ and "kind" in obj and "metadata" in obj


def environment_namespaces(manifests: Iterable[Manifest]) -> list[str]:
    """Namespaces our objects live in that the plan itself does not create (Helm-created or built in)."""
    manifests = list(manifests)
    created = {m.name for m in manifests if m.kind == "Namespace"}
    used = {m.namespace for m in manifests if m.namespace}
    return sorted(used - created - BUILTIN_NAMESPACES)


def namespaces_of(manifests: Iterable[Manifest]) -> list[str]:
    """Every namespace the plan's objects live in or create."""
    out: set[str] = set()
    for m in manifests:
        if m.kind == "Namespace":
            out.add(m.name)
        elif m.namespace:
            out.add(m.namespace)
    return sorted(out)
