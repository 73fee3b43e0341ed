"""What the stack-level rules read: a plan's resources indexed once, with KServe predictors completed."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from ..plan.engine import PlanResource
from ._workloads import (
    PodTemplate,
    as_dict,
    as_list,
    dig,
    is_gpu_nodepool,
    namespace_of,
    object_name,
    pod_templates,
    quantity,
)

ENVIRONMENT_TAG = "gpu-platform/environment"


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
