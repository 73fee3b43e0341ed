"""Compare two written plans (``plan --out``) and describe the change as Markdown for a pull-request comment.

Pure: reads two directories, returns text. What a reviewer needs first comes first: stateful resources that
Pulumi would delete or replace (their URN moved, or a replace-on-change property changed), then resources
added/removed/changed with property-level changes, then the Kubernetes manifests and Helm values as unified diffs.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from .cost_diff import cost_delta_markdown
from .engine import Plan, PlanResource

# Resources whose replacement loses data, identity or addresses that something outside the stack holds on to.
# The golden URN record (tests/stacks/golden_urns.json) covers the same set.
STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/eip:Eip",  # allow-listed egress addresses
        "eks:index:Cluster",
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:iam/role:Role",  # trust policies and access entries elsewhere name its ARN
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:sqs/queue:Queue",
        "aws:kms/key:Key",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:efs/fileSystem:FileSystem",
        "aws:fsx/lustreFileSystem:LustreFileSystem",
        "aws:ecr/repository:Repository",
        "kubernetes:core/v1:Namespace",  # deleting one deletes everything in it
        "kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:core/v1:PersistentVolume",
        "kubernetes:storage.k8s.io/v1:StorageClass",
        "random:index/randomPassword:RandomPassword",  # a new one rotates every credential derived from it
        "random:index/randomString:RandomString",
    }
)

# Inputs whose change makes the provider replace the resource (a subset that matters for stateful resources).
REPLACE_ON_CHANGE: dict[str, tuple[str, ...]] = {
    "aws:ec2/vpc:Vpc": ("cidrBlock", "instanceTenancy"),
    "aws:ec2/subnet:Subnet": ("cidrBlock", "availabilityZone", "vpcId"),
    "eks:index:Cluster": ("name", "vpcId", "privateSubnetIds", "publicSubnetIds", "encryptionConfigKeyArn"),
    "aws:eks/cluster:Cluster": ("name", "vpcConfig.subnetIds", "encryptionConfig"),
    "aws:eks/nodeGroup:NodeGroup": ("nodeGroupName", "subnetIds", "instanceTypes", "amiType", "capacityType", "nodeRoleArn"),
    "aws:iam/role:Role": ("name", "namePrefix", "path"),
    "aws:sqs/queue:Queue": ("name", "fifoQueue"),
    "aws:kms/key:Key": ("customerMasterKeySpec", "keyUsage"),
    "kubernetes:core/v1:Namespace": ("metadata.name",),
    "kubernetes:core/v1:PersistentVolumeClaim": ("metadata.name", "metadata.namespace", "spec.storageClassName", "spec.accessModes"),
    "kubernetes:storage.k8s.io/v1:StorageClass": ("metadata.name", "provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"),
    "random:index/randomPassword:RandomPassword": ("length", "special", "keepers"),
}


def is_stateful(r: PlanResource) -> bool:
    """Stateful by type, or a Helm release that installs CRDs (uninstalling one deletes every custom resource)."""
    if r.type in STATEFUL_TYPES:
        return True
    if r.is_helm:
        chart = str(r.inputs.get("chart") or "").rstrip("/").rsplit("/", 1)[-1]
        return chart.endswith("-crd") or chart.endswith("-crds")
    return False


def read_plan(directory: Path) -> Plan:
    """Load ``plan.json`` written by ``plan --out`` back into a :class:`Plan`."""
    path = Path(directory) / "plan.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (write one with `python -m gpu_platform plan --stack NAME --out DIR`)")
    doc = json.loads(path.read_text())
    resources = [
        PlanResource(
            urn=r["urn"],
            type=r["type"],
            name=r["name"],
            parent=r.get("parent"),
            custom=bool(r.get("custom")),
            provider=r.get("provider"),
            dependencies=list(r.get("dependencies") or []),
            inputs=r.get("inputs") or {},
        )
        for r in doc.get("resources", [])
    ]
    return Plan(project=doc.get("project", ""), stack=doc.get("stack", ""), resources=resources,
                outputs=doc.get("outputs") or {})


# ------------------------------------------------------------------------------------------------ structure
_MISSING = object()


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values by dotted path (``spec.template.spec.containers[0].image``); empty containers are leaves."""
    out: dict[str, Any] = {}
    if isinstance(value, dict) and value:
        for k in value:
            out.update(flatten(value[k], f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


@dataclass
class PropertyChange:
    path: str
    old: Any
    new: Any


@dataclass
class ResourceChange:
    old: PlanResource
    new: PlanResource
    properties: list[PropertyChange]
    provider_changed: bool = False

    @property
    def replace_reasons(self) -> list[str]:
        reasons = []
        if self.provider_changed:
            reasons.append("provider changed")
        keys = REPLACE_ON_CHANGE.get(self.new.type, ())
        for p in self.properties:
            if any(p.path == k or p.path.startswith((f"{k}.", f"{k}[")) for k in keys):
                reasons.append(f"`{p.path}` changed")
        return reasons


@dataclass
class Move:
    """A stateful resource whose URN changed: Pulumi deletes the old one and creates the new one."""

    old: PlanResource
    new: Optional[PlanResource]


@dataclass
class PlanDiff:
    added: list[PlanResource] = field(default_factory=list)
    removed: list[PlanResource] = field(default_factory=list)
    changed: list[ResourceChange] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    files: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """``manifests``/``helm`` → [(file name, unified diff)]."""
    cost: list[str] = field(default_factory=list)
    """The cost delta (Markdown lines; empty when the cost did not change)."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or any(self.files.values()) or self.cost)


def _identity(r: PlanResource) -> tuple[str, str]:
    """What stays the same when only a URN moves: the type and the cloud/Kubernetes name if there is one."""
    meta = r.inputs.get("metadata") if isinstance(r.inputs.get("metadata"), dict) else {}
    name = meta.get("name") if meta else None
    name = name or r.inputs.get("name") or r.inputs.get("nodeGroupName") or r.inputs.get("cidrBlock") or r.name
    ns = meta.get("namespace", "") if meta else ""
    return r.type, f"{ns}/{name}"


def _differs(a: Any, b: Any) -> bool:
    """Leaf inequality as the providers see it: Python's ``1 == True`` and ``0 == False`` would hide a change from
    ``replicas: 1`` to ``true``, which every provider sends as a different value."""
    return a != b or isinstance(a, bool) != isinstance(b, bool)


def compare_plans(old: Plan, new: Plan) -> list:
    """(added, removed, changed, moves) between two plans, keyed by URN."""
    before = {r.urn: r for r in old.resources if r.type != "pulumi:pulumi:Stack"}
    after = {r.urn: r for r in new.resources if r.type != "pulumi:pulumi:Stack"}
    added = [after[u] for u in after if u not in before]
    removed = [before[u] for u in before if u not in after]
    changed = []
    for urn in before.keys() & after.keys():
        a, b = before[urn], after[urn]
        fa, fb = flatten(a.inputs), flatten(b.inputs)
        props = [
            PropertyChange(p, fa.get(p, _MISSING), fb.get(p, _MISSING))
            for p in sorted(fa.keys() | fb.keys())
            if _differs(fa.get(p, _MISSING), fb.get(p, _MISSING))
        ]
        provider_changed = a.provider != b.provider
        if props or provider_changed:
            changed.append(ResourceChange(a, b, props, provider_changed))
    changed.sort(key=lambda c: c.new.urn)
    moves = []
    added_by_identity: dict[tuple[str, str], PlanResource] = {}
    for r in added:
        added_by_identity.setdefault(_identity(r), r)
    for r in removed:
        if is_stateful(r):
            moves.append(Move(r, added_by_identity.get(_identity(r))))
    return [sorted(added, key=lambda r: r.urn), sorted(removed, key=lambda r: r.urn), changed, moves]


def _file_diffs(old_dir: Path, new_dir: Path, sub: str) -> list[tuple[str, str]]:
    a_dir, b_dir = old_dir / sub, new_dir / sub
    names = sorted({p.name for d in (a_dir, b_dir) if d.is_dir() for p in d.glob("*.yaml")})
    out = []
    for name in names:
        a = (a_dir / name).read_text().splitlines(keepends=True) if (a_dir / name).is_file() else []
        b = (b_dir / name).read_text().splitlines(keepends=True) if (b_dir / name).is_file() else []
        if a == b:
            continue
        text = "".join(
            difflib.unified_diff(a, b, fromfile=f"a/{sub}/{name}" if a else "/dev/null",
                                 tofile=f"b/{sub}/{name}" if b else "/dev/null", n=3)
        )
        out.append((name, text))
    return out


def diff_dirs(old_dir: Path, new_dir: Path) -> PlanDiff:
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    old, new = read_plan(old_dir), read_plan(new_dir)
    added, removed, changed, moves = compare_plans(old, new)
    return PlanDiff(
        added, removed, changed, moves,
        {sub: _file_diffs(old_dir, new_dir, sub) for sub in ("manifests", "helm")},
        cost_delta_markdown(old.outputs.get("cost"), new.outputs.get("cost")),
    )


# ------------------------------------------------------------------------------------------------ Markdown
MAX_VALUE = 80
MAX_COMMENT = 60_000


def _value(v: Any) -> str:
    if v is _MISSING:
        return "_(unset)_"
    text = json.dumps(v, sort_keys=True) if not isinstance(v, str) else v
    if len(text) > MAX_VALUE:
        text = text[: MAX_VALUE - 1] + "…"
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", "⏎") + "`"


def _short_type(t: str) -> str:
    return t.rsplit(":", 1)[-1] if t.count(":") >= 2 else t


def _label(r: PlanResource) -> str:
    kind = r.inputs.get("kind") if r.is_kubernetes_object else None
    return f"`{r.name}` ({kind or _short_type(r.type)})"


def _table(rows: Iterable[PlanResource]) -> list[str]:
    lines = ["| resource | type | |", "|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r.name}` | `{r.type}` | {'🔒 stateful' if is_stateful(r) else ''} |")
    return lines


def render_markdown(d: PlanDiff, *, title: str = "Plan diff", max_properties: int = 40) -> str:
    """The pull-request comment. Identical plans render as a short "No changes" note."""
    head = f"### {title}\n\n"
    if d.empty:
        return head + "No changes.\n"
    counts = (
        f"**{len(d.added)} to add, {len(d.changed)} to change, {len(d.removed)} to delete** · "
        f"{len(d.files.get('manifests', []))} manifest(s) and {len(d.files.get('helm', []))} Helm release(s) differ"
    )
    out = [head + counts, "", *d.cost]

    warnings = []
    for m in d.moves:
        if m.new is not None:
            warnings.append(
                f"- 🚨 **{_label(m.old)} would be REPLACED**: its URN moves from `{m.old.urn}` to `{m.new.urn}`. "
                "Pulumi deletes the old resource and creates a new one unless an alias is recorded "
                "(`gpu_platform/components/_aliases.py`)."
            )
        else:
            warnings.append(f"- 🚨 **{_label(m.old)} would be DELETED** (stateful): `{m.old.urn}`")
    for c in d.changed:
        if is_stateful(c.new) and c.replace_reasons:
            warnings.append(
                f"- 🚨 **{_label(c.new)} would be REPLACED**: {', '.join(c.replace_reasons)} (replace-on-change)."
            )
    if warnings:
        out += ["#### ⚠️ Stateful resources at risk", "", *warnings, ""]

    if d.added:
        out += [f"#### Added ({len(d.added)})", "", *_table(d.added), ""]
    if d.removed:
        out += [f"#### Removed ({len(d.removed)})", "", *_table(d.removed), ""]
    if d.changed:
        out += [f"#### Changed ({len(d.changed)})", ""]
        for c in d.changed:
            out += [f"<details><summary>{_label(c.new).replace('`', '')} — {len(c.properties)} propert"
                    f"{'y' if len(c.properties) == 1 else 'ies'}</summary>", "",
                    f"`{c.new.urn}`", ""]
            if c.provider_changed:
                out.append(f"- provider: `{c.old.provider}` → `{c.new.provider}`")
            out += ["| property | before | after |", "|---|---|---|"]
            for p in c.properties[:max_properties]:
                out.append(f"| `{p.path}` | {_value(p.old)} | {_value(p.new)} |")
            if len(c.properties) > max_properties:
                out.append(f"| … {len(c.properties) - max_properties} more | | |")
            out += ["", "</details>", ""]
    for sub, heading in (("manifests", "Kubernetes manifests"), ("helm", "Helm releases (chart, version, values)")):
        diffs = d.files.get(sub) or []
        if not diffs:
            continue
        out += [f"#### {heading} ({len(diffs)})", ""]
        for name, text in diffs:
            out += [f"<details><summary>{name}</summary>", "", "```diff", text.rstrip("\n"), "```", "", "</details>", ""]
    text = "\n".join(out).rstrip("\n") + "\n"
    if len(text) > MAX_COMMENT:
        # GitHub refuses comments over 65,536 characters; keep the summary and warnings, which come first.
        cut = text.rfind("\n<details>", 0, MAX_COMMENT - 200)
        text = text[: cut if cut > 0 else MAX_COMMENT - 200] + (
            "\n\n_… truncated; run `python -m gpu_platform diff OLD NEW` locally for the full diff._\n"
        )
    return text


def diff_markdown(old_dir: Path, new_dir: Path, *, title: str = "Plan diff") -> str:
    """Markdown describing how the plan in ``new_dir`` differs from the one in ``old_dir``."""
    return render_markdown(diff_dirs(Path(old_dir), Path(new_dir)), title=title)
