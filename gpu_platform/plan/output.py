"""Write a plan to disk (plan.json, manifests/, helm/) and summarise it for humans."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from .engine import Plan, PlanResource


class _Dumper(yaml.SafeDumper):
    """Block-style YAML with multi-line strings as literal blocks (readable config files in diffs)."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)


def ordered_object(obj: dict[str, Any]) -> dict[str, Any]:
    """apiVersion, kind, metadata first, as people write manifests."""
    head = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
    return {**head, **{k: v for k, v in obj.items() if k not in head}}


def manifest_filename(obj: dict[str, Any]) -> str:
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.split("/")[0] if "/" in api_version else "core"
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") or "_cluster"
    return f"{ns}__{str(obj.get('kind', 'object')).lower()}.{group}__{meta.get('name', 'unnamed')}.yaml"


def helm_document(r: PlanResource) -> dict[str, Any]:
    """The release as a reviewer reads it: name, chart, version, repository, namespace, values."""
    inputs = r.inputs
    chart = inputs.get("chart")
    repo = (inputs.get("repositoryOpts") or {}).get("repo")
    if repo is None and isinstance(chart, str) and chart.startswith("oci://"):
        repo = chart.rsplit("/", 1)[0]
    values = inputs.get("values")
    if isinstance(values, str):  # values passed as a JSON/YAML string
        try:
            values = json.loads(values)
        except ValueError:
            pass
    return {
        "name": inputs.get("name", r.name),
        "chart": chart,
        "version": inputs.get("version"),
        "repository": repo,
        "namespace": inputs.get("namespace"),
        "values": values or {},
    }


def write_plan(plan: Plan, out: Path) -> None:
    """Write exactly plan.json, manifests/ and helm/ under ``out`` (stale files from an earlier plan are removed)."""
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("manifests", "helm"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir()
    (out / "plan.json").write_text(json.dumps(plan.to_json(), indent=2, sort_keys=False) + "\n")
    for r in plan.kubernetes_objects():
        (out / "manifests" / manifest_filename(r.inputs)).write_text(dump_yaml(ordered_object(r.inputs)))
    for r in plan.helm_releases():
        doc = helm_document(r)
        name = f"{doc['namespace'] or 'default'}__{doc['name']}.yaml"
        (out / "helm" / name).write_text(dump_yaml(doc))


def component_of(plan: Plan, r: PlanResource) -> str:
    """The top-level component (child of the stack) a resource belongs to, as `Type name`."""
    node = r
    while node.parent is not None:
        parent = plan.by_urn(node.parent)
        if parent.type == "pulumi:pulumi:Stack":
            break
        node = parent
    return f"{node.type.rsplit(':', 1)[-1]} {node.name}"


def summarize(plan: Plan) -> dict[str, Counter]:
    """Resource counts by top-level component and type (components themselves are not counted)."""
    groups: dict[str, Counter] = defaultdict(Counter)
    for r in plan.resources:
        if r.type == "pulumi:pulumi:Stack":
            continue
        groups[component_of(plan, r)][r.type] += 1
    return dict(groups)
