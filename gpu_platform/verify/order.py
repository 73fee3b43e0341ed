"""Pure: which manifests a plan applies, in which order, into which namespaces.

The order is the plan's own (the engine lists resources topologically by ``depends_on``, the order
pulumi-kubernetes creates them in), with Namespaces first: the API server refuses a namespaced object whose
namespace does not exist yet, and pulumi-kubernetes would wait on the explicit dependency our components declare.
Namespaces that our objects use but the plan does not create come from Helm releases (``createNamespace``) or from
EKS itself (``kube-system``); the verifier creates them as part of the environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

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
    """The plan's Kubernetes objects in apply order (Namespaces first, then the plan's topological order)."""
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
    return sorted(ordered, key=lambda m: 0 if m.kind == "Namespace" else 1)  # stable: plan order within each


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
