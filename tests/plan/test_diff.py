"""The plan diff: identical plans say "No changes"; additions, deletions, property changes, manifest and Helm
values diffs are listed; stateful URN moves and replacements are flagged loudly."""

from __future__ import annotations

import json
import copy
from pathlib import Path

import pytest
import yaml

from gpu_platform.cli import main
from gpu_platform.plan import Plan, PlanResource, write_plan
from gpu_platform.plan.diff import diff_dirs, diff_markdown, flatten, read_plan

REPO = Path(__file__).resolve().parents[2]
STACK = "urn:pulumi:test::gpu-platform::"


def res(type_: str, name: str, inputs: dict, parent_type: str = "") -> PlanResource:
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return PlanResource(f"{STACK}{qualified}::{name}", type_, name, None, True, None, [], inputs)


def base_plan() -> Plan:
    return Plan(
        "gpu-platform",
        "test",
        [
            res("aws:ec2/vpc:Vpc", "net-vpc", {"cidrBlock": "10.0.0.0/16"}, "gpu-platform:index:Network"),
            res("aws:iam/role:Role", "node-role", {"description": "nodes"}),
            res(
                "kubernetes:apps/v1:Deployment",
                "proxy",
                {"apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": {"name": "proxy", "namespace": "llm-gateway"},
                 "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "p", "image": "litellm:v1"}]}}}},
            ),
            res(
                "kubernetes:helm.sh/v3:Release",
                "keda",
                {"name": "keda", "chart": "keda", "version": "2.20.2", "namespace": "keda",
                 "repositoryOpts": {"repo": "https://kedacore.github.io/charts"}, "values": {"replicas": 1}},
            ),
        ],
    )


def write(tmp: Path, name: str, plan: Plan) -> Path:
    d = tmp / name
    write_plan(plan, d)
    return d


def test_identical_plans_print_no_changes(tmp_path):
    a, b = write(tmp_path, "a", base_plan()), write(tmp_path, "b", base_plan())
    md = diff_markdown(a, b)
    assert "No changes" in md
    assert "REPLACED" not in md and "Added" not in md


def test_read_plan_round_trips(tmp_path):
    plan = base_plan()
    loaded = read_plan(write(tmp_path, "a", plan))
    assert [r.to_json() for r in loaded.resources] == [r.to_json() for r in plan.resources]


def test_property_level_changes_and_file_diffs(tmp_path):
    new = copy.deepcopy(base_plan())
    new.resources[2].inputs["spec"]["replicas"] = 3
    new.resources[2].inputs["spec"]["template"]["spec"]["containers"][0]["image"] = "litellm:v2"
    new.resources[3].inputs["values"] = {"replicas": 2}
    new.resources[3].inputs["version"] = "2.20.3"
    new.resources.append(res("aws:sqs/queue:Queue", "interruptions", {"name": "gpu-test"}))
    md = diff_markdown(write(tmp_path, "a", base_plan()), write(tmp_path, "b", new))
    assert "**1 to add, 2 to change, 0 to delete**" in md
    assert "| `spec.replicas` | `2` | `3` |" in md
    assert "| `spec.template.spec.containers[0].image` | `litellm:v1` | `litellm:v2` |" in md
    assert "| `version` | `2.20.2` | `2.20.3` |" in md
    # Manifests and Helm values as unified diffs.
    assert "llm-gateway__deployment.apps__proxy.yaml" in md
    assert "-  replicas: 2\n+  replicas: 3" in md
    assert "keda__keda.yaml" in md and "+version: 2.20.3" in md
    assert "`interruptions` | `aws:sqs/queue:Queue` | 🔒 stateful" in md


def test_stateful_urn_move_is_flagged_as_replacement(tmp_path):
    new = copy.deepcopy(base_plan())
    vpc = new.resources[0]
    # Re-parented: same VPC, new URN (a refactor that forgot an alias).
    new.resources[0] = res(vpc.type, vpc.name, vpc.inputs, "gpu-platform:index:GpuPlatform$gpu-platform:index:Network")
    d = diff_dirs(write(tmp_path, "a", base_plan()), write(tmp_path, "b", new))
    assert len(d.moves) == 1 and d.moves[0].new is not None
    md = diff_markdown(tmp_path / "a", tmp_path / "b")
    assert "Stateful resources at risk" in md
    assert "would be REPLACED" in md and vpc.urn in md and new.resources[0].urn in md
    assert md.index("Stateful resources at risk") < md.index("#### Added")


def test_stateful_deletion_and_replace_on_change_are_flagged(tmp_path):
    new = copy.deepcopy(base_plan())
    new.resources[0].inputs["cidrBlock"] = "10.1.0.0/16"
    del new.resources[1]
    md = diff_markdown(write(tmp_path, "a", base_plan()), write(tmp_path, "b", new))
    assert "`node-role` (Role) would be DELETED" in md
    assert "`net-vpc` (Vpc) would be REPLACED**: `cidrBlock` changed" in md


def test_non_stateful_removal_is_listed_but_not_flagged(tmp_path):
    new = copy.deepcopy(base_plan())
    del new.resources[3]
    md = diff_markdown(write(tmp_path, "a", base_plan()), write(tmp_path, "b", new))
    assert "#### Removed (1)" in md and "`keda`" in md
    assert "at risk" not in md


def test_flatten_paths():
    assert flatten({"a": {"b": [1, {"c": 2}], "e": {}}}) == {"a.b[0]": 1, "a.b[1].c": 2, "a.e": {}}


def test_cli_diff(tmp_path, capsys):
    a, b = write(tmp_path, "a", base_plan()), write(tmp_path, "b", base_plan())
    assert main(["diff", str(a), str(b)]) == 0
    assert "No changes" in capsys.readouterr().out
    assert main(["diff", str(a), str(tmp_path / "missing")]) == 2
    new = copy.deepcopy(base_plan())
    new.resources[1].inputs["description"] = "system nodes"
    c = write(tmp_path, "c", new)
    assert main(["diff", str(a), str(c), "--exit-code", "-o", str(tmp_path / "out.md")]) == 1
    assert "| `description` | `nodes` | `system nodes` |" in (tmp_path / "out.md").read_text()


def test_real_stack_change_shows_up(tmp_path):
    """Plan the dev stack twice (identical), then with a bigger system node group (a NodeGroup change)."""
    assert main(["plan", "--stack", "dev", "--out", str(tmp_path / "a")]) == 0
    assert main(["plan", "--stack", "dev", "--out", str(tmp_path / "b")]) == 0
    assert "No changes" in diff_markdown(tmp_path / "a", tmp_path / "b")
    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    nodes = doc["config"]["gpu-platform:platform"].setdefault("system_nodes", {})
    nodes["max_size"] = nodes.get("max_size", 3) + 4
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["plan", "--stack", str(path), "--out", str(tmp_path / "c")]) == 0
    md = diff_markdown(tmp_path / "a", tmp_path / "c")
    assert "scalingConfig.maxSize" in md
    assert "**0 to add, 1 to change, 0 to delete**" in md


@pytest.mark.parametrize("size", [70_000])
def test_huge_diffs_are_truncated_for_github(tmp_path, size):
    new = copy.deepcopy(base_plan())
    new.resources[3].inputs["values"] = {f"k{i}": "x" * 50 for i in range(size // 40)}
    md = diff_markdown(write(tmp_path, "a", base_plan()), write(tmp_path, "b", new))
    assert len(md) < 65_536 and "truncated" in md


from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from branches import reaches  # noqa: E402

from gpu_platform.plan.diff import compare_plans  # noqa: E402

_leaf = st.one_of(st.integers(-5, 5), st.booleans(), st.text("abc", max_size=3), st.none())
_inputs = st.recursive(_leaf, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                      st.dictionaries(st.text("xyz", min_size=1, max_size=2), kids, max_size=3)),
                       max_leaves=12)


def _leaves(value, path=""):
    """Leaf values by path, written out again from the documented format (`a.b[0].c`; an empty dict or list is a
    leaf), so the expectation below does not come from the flatten() the diff itself uses."""
    if isinstance(value, dict) and value:
        return {p: v for k, sub in value.items() for p, v in _leaves(sub, f"{path}.{k}" if path else k).items()}
    if isinstance(value, list) and value:
        return {p: v for i, sub in enumerate(value) for p, v in _leaves(sub, f"{path}[{i}]").items()}
    return {path: value}


@reaches("identical", "a leaf changed", "a path added or removed")
@example(a={}, b={})
@example(a={"p": {"x": [1, None]}}, b={"p": {"x": [1, None]}})
@example(a={"p": {"x": [1, "a"]}}, b={"p": {"x": [1, "b"]}})  # p.x[1]
@example(a={"p": [1, 2]}, b={"p": [1]})  # p[1] removed
@example(a={"p": {}}, b={"p": {"y": 1}})  # the empty dict p is a leaf: p goes, p.y comes
@example(a={"p": 1, "q": False}, b={"p": True, "q": 0})  # equal in Python, different values to every provider
@given(a=st.dictionaries(st.text("pq", min_size=1, max_size=2), _inputs, max_size=4),
       b=st.dictionaries(st.text("pq", min_size=1, max_size=2), _inputs, max_size=4))
def test_property_changes_are_exactly_the_differing_leaves(branch, a, b):
    old = Plan("p", "s", [res("aws:iam/role:Role", "r", a)])
    new = Plan("p", "s", [res("aws:iam/role:Role", "r", b)])
    added, removed, changed, moves = compare_plans(old, new)
    assert not added and not removed and not moves
    fa, fb = _leaves(a), _leaves(b)
    same = lambda x, y: json.dumps(x, sort_keys=True) == json.dumps(y, sort_keys=True)  # noqa: E731 (1 is not true)
    if same(a, b):
        branch("identical")
        assert changed == []
        return
    branch("a leaf changed" if fa.keys() == fb.keys() else "a path added or removed")
    paths = {p.path for c in changed for p in c.properties}
    assert paths == {k for k in fa.keys() | fb.keys() if not same(fa.get(k, "∅"), fb.get(k, "∅"))}
